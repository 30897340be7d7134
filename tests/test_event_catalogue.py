"""The event catalogue page is generated from the event models, and its examples are valid."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

from erantis_domain import EVENT_TYPES, AppendPolicy, parse_event

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "event-catalogue.md"


def _generator() -> ModuleType:
    """``scripts/generate_event_catalogue.py``, imported by path (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "generate_event_catalogue", ROOT / "scripts" / "generate_event_catalogue.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sections() -> dict[str, str]:
    text = PAGE.read_text(encoding="utf-8")
    parts = re.split(r"^## ", text, flags=re.M)[1:]
    return {part.split("\n", 1)[0]: part for part in parts}


def test_the_committed_page_is_what_the_generator_builds() -> None:
    # given the event models, when the generator builds the page
    built = _generator().build()
    # then it equals the committed page byte for byte
    assert PAGE.read_text(encoding="utf-8") == built, (
        "docs/event-catalogue.md is stale: run "
        "`uv run python scripts/generate_event_catalogue.py` and commit it"
    )


def test_every_event_has_a_section_with_its_recorders_and_a_valid_example() -> None:
    sections = _sections()
    for name in EVENT_TYPES:
        # given the section of each event type
        section = sections[name]
        # then it names the roles that record it by default
        recorders = section.split("**Recorded by:**", 1)[1].split("\n", 1)[0]
        assert set(re.findall(r"`([a-z_]+)`", recorders)) == {
            role.value for role in AppendPolicy.default().roles[name]
        }
        # and its example is an event of that type the strict decoder accepts
        [example] = re.findall(r"```json\n(.*?)```", section, re.S)
        assert parse_event(example).type == name
        assert json.loads(example)["type"] == name
