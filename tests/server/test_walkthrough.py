"""The curl walk-through of docs/service.md runs verbatim against a real service process, and
the page's configuration table names every setting."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from erantis_rules.server import ENVIRONMENT
from tests.server._harness import Keys, Server

PAGE = Path(__file__).resolve().parents[2] / "docs" / "service.md"


def _walkthrough() -> str:
    text = PAGE.read_text(encoding="utf-8")
    found = re.search(
        r"<!-- walkthrough:start -->\n```sh\n(.*?)```\n<!-- walkthrough:end -->", text, re.S
    )
    assert found is not None, "docs/service.md has no marked walk-through"
    return found.group(1)


def test_the_curl_walkthrough_runs_verbatim(
    sqlite_server: Server, keys: Keys, tmp_path: Path
) -> None:
    if shutil.which("curl") is None:
        pytest.fail("the walk-through needs curl (apt-get install -y curl)", pytrace=False)
    env = {
        **os.environ,
        "ERANTIS_URL": sqlite_server.url,
        "TOKEN": keys.token("visitator", "visitator-1"),
        "CARER_TOKEN": keys.token("ssh", "ssh-1"),
        "CONTROLLER_TOKEN": keys.token("controller", "ctrl-1"),
    }
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", _walkthrough()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert '{"stored":2,"duplicates":0,"versions":{"case-0101":2}}' in out
    assert '{"stored":0,"duplicates":2,"versions":{"case-0101":2}}' in out
    assert '{"stored":1,"duplicates":0,"versions":{"case-0101":3}}' in out
    assert re.search(r'"code":"E-CONFLICT".*\nHTTP 409', out)
    assert re.search(r'"code":"E-FORBIDDEN".*\nHTTP 403', out)
    assert 'etag: "2"' in out.lower()
    assert '"created":true' in out
    assert '{"lines":1,"stored":1,"duplicates":0}' in out
    assert (tmp_path / "pack.html").read_text(encoding="utf-8").lstrip().startswith("<!")


def test_the_configuration_table_names_every_setting() -> None:
    text = PAGE.read_text(encoding="utf-8")
    missing = [variable for variable in ENVIRONMENT.values() if f"| `{variable}` |" not in text]
    assert missing == []
