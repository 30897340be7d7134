"""Every example of the README and of the documentation pages runs as written.

Each page's Python blocks run verbatim, in order, each as its own script, in one empty
temporary folder; the cheap shell blocks run there too, between them (``tests/_docs.py``). All
Python blocks pass ``mypy --strict`` as an integrator's code would, with no name declared for
them. Output and non-Python examples are fenced with another language, so nothing that looks
like runnable Python escapes the tests.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from erantis_domain import errors
from tests._docs import LANGUAGES, MARK, ROOT, blocks, not_run, pages, steps

PAGES = pages()


def _id(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


def _run_page(page: Path, tmp_path: Path) -> tuple[Path, list[str]]:
    """Run the page's blocks in an empty folder; the folder and each block's output."""
    folder, scripts = tmp_path / "work", tmp_path / "blocks"
    folder.mkdir()
    scripts.mkdir()
    plan = []
    for number, block in enumerate(steps(page)):
        step = {
            "language": block.language,
            "where": block.where,
            "code": block.code,
            "title": block.title,
        }
        if block.language == "python":
            script = scripts / f"block_{number}.py"
            script.write_text(block.code, encoding="utf-8")
            step["file"] = str(script)
        plan.append(step)
    plan_file = tmp_path / "steps.json"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "_docs.py"), str(plan_file)],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-6000:]
    outputs = [part.split("\n", 1)[-1] for part in done.stdout.split(MARK.split("{")[0])[1:]]
    assert len(outputs) == len(plan)
    return folder, outputs


def _readme(folder: Path, outputs: list[str]) -> None:
    stored, printed = outputs[0].split("\n", 1)
    assert stored.endswith("events stored") and int(stored.split()[0]) > 1000
    assert {"DEL-001", "DOC-002", "REG-001"} <= set(printed.split())
    assert "DOC-002" in outputs[1]  # the command line's check of the same store


def _report(folder: Path, outputs: list[str]) -> None:
    html = (folder / "pack.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "team-001" in html


def _ledger(folder: Path, outputs: list[str]) -> None:
    # the persisted ledger reads only what was stored since its last sync: the settlement
    assert outputs[-1].strip() == "1 events read"


def _policy(folder: Path, outputs: list[str]) -> None:
    printed = "\n".join(outputs)
    # March is settled under the version of 1 March, February judged by the first
    assert "budget-2026-march 7 budget-2026" in printed
    assert "budget-2026-march inside True" in printed
    # the late visit of 30 March is a correction of 45 minutes of the settled March
    assert re.search(r"^2026-03 45 -?[0-9]+\.[0-9]{2}$", printed, re.MULTILINE), printed
    assert "minutes as known now" in printed


#: What some pages' examples must have done, beyond running without an error.
CHECKS: dict[str, Callable[[Path, list[str]], None]] = {
    "README.md": _readme,
    "docs/ledger.md": _ledger,
    "docs/policy.md": _policy,
    "docs/report.md": _report,
}


@pytest.mark.parametrize("page", [p for p in PAGES if steps(p)], ids=_id)
def test_the_examples_of_the_page_run_as_written(page: Path, tmp_path: Path) -> None:
    # given the page's Python and cheap shell blocks, in an empty folder
    # when they run in order, each as its own script
    folder, outputs = _run_page(page, tmp_path)
    # then none failed, and they did what the page says
    if _id(page) in CHECKS:
        CHECKS[_id(page)](folder, outputs)


def test_every_python_example_type_checks_with_mypy_strict(tmp_path: Path) -> None:
    # given every Python block of every page as a module of its own, exactly as written
    paths = []
    for page in PAGES:
        for number, block in enumerate(b for b in blocks(page) if b.language == "python"):
            stem = _id(page).replace("/", "_").replace(".", "_").replace("-", "_")
            path = tmp_path / f"{stem}_{number}.py"
            path.write_text(block.code, encoding="utf-8")
            paths.append(str(path))
    assert len(paths) >= 20
    # when mypy --strict checks them once, with the project's configuration (and its cache)
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", *paths],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    # then there is no error, as for an integrator's code copied from the pages
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_block_says_its_language() -> None:
    # a bare fence would hide runnable Python from the tests, or run output as code
    wrong = [
        f"{b.where}: {b.language or '(none)'}"
        for page in PAGES
        for b in blocks(page)
        if b.language not in LANGUAGES
    ]
    assert not wrong, f"fence languages must be one of {sorted(LANGUAGES)}: {wrong}"


def test_shell_blocks_are_run_unless_a_reason_says_why_not() -> None:
    # given every shell block meant to be run
    shell = [b for page in PAGES for b in blocks(page) if b.language == "sh"]
    run = [b for b in shell if not_run(b) is None]
    # then the README's cheap ones and most of the command line's examples are among those run
    assert any(b.page == "README.md" for b in run)
    assert sum(b.page == "docs/cli.md" for b in run) >= 5


def test_the_pages_name_no_private_module() -> None:
    # an embedder copies import paths from the pages: only public modules may appear there
    private = re.compile(r"erantis_(?:domain|rules)(?:\.[a-z]\w*)*\._(?!_)\w+")
    found = [
        f"{_id(page)}: {match.group(0)}"
        for page in PAGES
        for match in private.finditer(page.read_text(encoding="utf-8"))
    ]
    assert not found


def test_every_error_code_is_documented() -> None:
    # given every error of the public contract
    codes = {
        error.code
        for error in vars(errors).values()
        if isinstance(error, type) and issubclass(error, errors.ErantisError)
    }
    # then the development page's table names each code
    page = (ROOT / "docs" / "development.md").read_text(encoding="utf-8")
    assert {code for code in codes if f"`{code}`" not in page} == set()
