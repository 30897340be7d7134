"""The README's examples run as written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


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
