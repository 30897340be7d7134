"""The checked-in JSON Schemas in ``specs/schemas/`` are the contract for other languages: they
must equal what the code exports, be valid JSON Schema, and accept valid events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from erantis_domain.events import EVENT_TYPES, parse_event
from erantis_rules.cli import schema_documents
from tests.factories import make

SCHEMAS = Path(__file__).resolve().parents[2] / "specs" / "schemas"
HINT = (
    "the checked-in schemas are stale: run `uv run erantis schema --out specs/schemas` and "
    "commit specs/schemas/"
)


def _load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return document


def test_the_checked_in_schemas_match_the_code() -> None:
    # given the documents the code exports, when compared with the files in specs/schemas/
    expected = schema_documents()
    on_disk = {path.name: path.read_text(encoding="utf-8") for path in SCHEMAS.glob("*.json")}
    # then the same files exist with the same text
    assert sorted(on_disk) == sorted(expected), HINT
    stale = sorted(name for name, text in expected.items() if on_disk[name] != text)
    assert stale == [], f"{HINT} (stale: {stale})"


def test_there_is_one_schema_per_event_one_for_the_union_and_one_for_the_policy() -> None:
    assert sorted(schema_documents()) == sorted(
        [
            "event.schema.json",
            "policy.schema.json",
            *(f"{name}.schema.json" for name in EVENT_TYPES),
        ]
    )


@pytest.mark.parametrize("name", sorted(schema_documents()))
def test_every_schema_is_valid_json_schema(name: str) -> None:
    jsonschema.Draft202012Validator.check_schema(_load(name))


@pytest.mark.parametrize("kind", sorted(EVENT_TYPES))
def test_a_valid_event_validates_against_the_schemas(kind: str) -> None:
    # given a valid event of each type, as the JSON erantis writes
    document = parse_event(make(kind)).model_dump(mode="json")
    # then the union's schema and the type's own schema accept it
    jsonschema.Draft202012Validator(_load("event.schema.json")).validate(document)
    jsonschema.Draft202012Validator(_load(f"{kind}.schema.json")).validate(document)


def test_the_union_schema_rejects_what_parsing_rejects() -> None:
    # given events that break the contract in ways a schema can express
    union = jsonschema.Draft202012Validator(_load("event.schema.json"))
    broken = [
        make("VisitDelivered", minutes=-5),
        make("CaseClosed", colour="blue"),
        make("CaseOpened", type="VisitCancelled"),
        {k: v for k, v in make("CaseClosed").items() if k != "reason"},
        make("VisitationGranted", frames=[]),
        make("VisitationRevised", frames=[], care_course=None),
    ]
    # then the schema rejects each of them
    for document in broken:
        assert not union.is_valid(document), document


def test_the_schemas_accept_a_10_grant_that_names_its_course_instead_of_frames() -> None:
    # given an ÆL §10 grant with its care course and no minutes, as erantis writes it
    basis = {"act": "AEL", "paragraph": "10"}
    grant = make("VisitationGranted", frames=[], legal_basis=basis, care_course="forloeb-1")
    document = parse_event(grant).model_dump(mode="json")
    # then both the union's schema and the type's own accept it
    jsonschema.Draft202012Validator(_load("event.schema.json")).validate(document)
    jsonschema.Draft202012Validator(_load("VisitationGranted.schema.json")).validate(document)
