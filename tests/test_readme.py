"""The README's examples run as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _python_block(after_heading: str) -> str:
    section = README.split(after_heading, 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, f"no python block after {after_heading!r}"
    return match.group(1)


def test_the_first_screen_has_exactly_two_setup_commands() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert first_block
    commands = [line for line in first_block.group(1).splitlines() if line.strip()]
    assert [c.split("#")[0].strip() for c in commands] == [
        "pip install uv && uv run erantis demo",
        "pip install uv && uv run pytest",
    ]


def test_the_embedding_example_prints_findings(capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(_python_block("## Embedding the rules"), "README", "exec"), {})
    out = capsys.readouterr().out
    assert "DOC-004" in out and "FRM-007" in out


def test_the_testing_kit_example_runs() -> None:
    namespace: dict[str, Any] = {}
    exec(compile(_python_block("## Testing your integration"), "README", "exec"), namespace)
    tests = [value for name, value in namespace.items() if name.startswith("test_")]
    assert len(tests) == 3
    for test in tests:
        test()


#: Names that a README fragment leaves to the reader, typed as loosely as the prose allows.
FRAGMENT_NAMES = "from typing import Any\njson_text_or_dict: Any\nevents: Any\n"


def test_every_python_example_type_checks_with_mypy_strict(tmp_path: Path) -> None:
    # given every ```python block of the README as a module of its own
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert len(blocks) >= 4
    paths = []
    for number, block in enumerate(blocks):
        path = tmp_path / f"readme_example_{number}.py"
        path.write_text(FRAGMENT_NAMES + block, encoding="utf-8")
        paths.append(str(path))
    # when mypy --strict checks them with the project's configuration
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", *paths],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    # then there is no error, as for an integrator's code using the README as written
    assert done.returncode == 0, done.stdout + done.stderr
