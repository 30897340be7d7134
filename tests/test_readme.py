"""The README is a front page: what erantis is, two set-up commands, one example, and links.

Its examples run as written with every page's (``tests/test_docs.py``); the site's front page
(``docs/index.md``) includes its first part.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_first_screen_has_exactly_two_setup_commands() -> None:
    # given the README's first shell block, within its first screen (CI runs the second one)
    first_block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert first_block
    assert README[: first_block.end()].count("\n") < 30
    # then it holds the two commands, and nothing else
    commands = [line for line in first_block.group(1).splitlines() if line.strip()]
    assert [c.split("#")[0].strip() for c in commands] == [
        "pip install uv && uv run erantis demo",
        "pip install uv && uv run pytest",
    ]


def test_ci_runs_the_readmes_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^uv run pytest\b", ci, re.M)


def test_ci_runs_the_readmes_main_command_as_written() -> None:
    # the demo's defaults (not the small sizes the unit tests use), on a fresh clone
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^uv run erantis demo$", ci, re.M)


def test_the_readme_is_a_front_page_with_one_short_example() -> None:
    examples = re.findall(r"```python\n(.*?)```", README, re.S)
    assert len(examples) == 1
    assert len(examples[0].splitlines()) <= 22
    assert len(README.splitlines()) < 120


def test_the_readme_does_not_send_anyone_to_a_package_index() -> None:
    # erantis is not published: installing means a clone of the repository
    assert not re.search(r"pip install ['\"]?erantis\b", README)
    assert "not published" in README


def test_the_readme_links_to_pages_that_exist() -> None:
    links = re.findall(r"\]\((docs/[^)#]+)(?:#[^)]*)?\)", README)
    assert len(links) >= 10
    missing = [link for link in links if not (ROOT / link).is_file()]
    assert not missing


def test_the_site_front_page_includes_the_readmes_first_part() -> None:
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert '--8<-- "README.md:front"' in index
    assert "--8<-- [start:front]" in README and "--8<-- [end:front]" in README
