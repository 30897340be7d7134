"""The README's meeting-pack example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from erantis_domain.store import CaseStore
from tests.report.conftest import municipality_events

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_the_meeting_pack_example_writes_a_pack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a store at erantis.sqlite holding a municipality with a team-001 (periods to 2026-04)
    monkeypatch.chdir(tmp_path)
    with CaseStore.sqlite(tmp_path / "erantis.sqlite") as store:
        store.append(municipality_events(citizens=30))
    section = README.split("## The dialogue meeting pack", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match
    code = match.group(1).replace('"2026-05"', '"2026-04"')
    # when the example runs
    exec(compile(code, "README", "exec"), {})
    # then it printed the due list and wrote the English pack
    assert (tmp_path / "pack.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "SEL §148" in capsys.readouterr().out
