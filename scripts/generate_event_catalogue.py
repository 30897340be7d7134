"""Write ``docs/event-catalogue.md``: every event, from the models and their JSON Schemas.

Usage: ``uv run python scripts/generate_event_catalogue.py [OUT]`` (default: the docs page).

For each event type: when it happens (the model's docstring), which stream it belongs to, who
records it under the default append policy, its fields with their types and allowed values
(from the JSON Schema, and the value types of ``erantis_domain.values`` the model uses), and an
example (the first of its type in a seeded synthetic municipality, else one written here),
validated by ``parse_event`` on the way. ``tests/test_event_catalogue.py`` fails when the
committed page differs from this script's output.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
import typing
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from erantis_domain import AppendPolicy, event_json_schema, events, parse_event, values
from erantis_domain.projections import terms
from erantis_domain.testing.synthetic import generate

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "event-catalogue.md"

#: The fields every event has, described once at the top rather than under each event.
COMMON = ("type", "event_id", "case_id", "occurred_at", "recorded_by", "schema_version")

#: What the value types of ``erantis_domain.values`` mean to a reader of the catalogue.
VALUE_TYPES = {
    "Identifier": "a pseudonymous key: 1–128 printable ASCII characters without spaces "
    "(`!` to `~`), never shaped like a CPR number",
    "Municipality": 'the municipality\'s code (`"0756"`) or another identifier',
    "Label": "a short label: 1–64 characters of any script, no control, invisible or "
    "bidirectional formatting character, no leading or trailing space, never a CPR number",
    "Day": "an ISO date `YYYY-MM-DD` between 1900-01-01 and 2199-12-31",
    "Moment": "an ISO date-time with its UTC offset (`2026-02-02T09:00:00+01:00`), on a day "
    "between 1900-01-01 and 2199-12-31",
    "Period": "a settlement period `YYYY-MM` (ASCII digits)",
    "InterventionCode": "an FSIII intervention code of the national list: H (home care) or G "
    "(nursing), e.g. `H1.2`",
    "NursingInterventionCode": "an FSIII nursing intervention code (G), e.g. `G1.19`",
    "FunctionalConditionCode": "an FSIII functional condition code (J), e.g. `J1.1`",
    "NursingConditionCode": "an FSIII nursing condition code (I), e.g. `I1.1`",
    "FunctionalScore": "an FSIII grade: 0 (no limitation) to 4 (total), or 9 (not relevant)",
}

#: Fields declared as ``Decimal`` are JSON strings in the schema; say what they hold.
DECIMAL = "Decimal"
DECIMAL_MEANING = 'a decimal number written as a JSON string (`"-2.5000"`), never a float'

#: Examples of the event types the synthetic municipality does not produce.
EXTRA_EXAMPLES: dict[str, dict[str, Any]] = {
    "VisitDeclined": {
        "type": "VisitDeclined",
        "event_id": "7d1f4f0e-52c4-4c8e-9b0a-2f7c1e9a0d11",
        "case_id": "case-000001",
        "occurred_at": "2026-02-10T10:15:00+01:00",
        "recorded_by": {"actor_id": "ssh-01", "role": "ssh"},
        "schema_version": 1,
        "decision_id": "case-000001-d1",
        "intervention": "H1.2",
        "declined_on": "2026-02-10",
    },
    "ProviderChosen": {
        "type": "ProviderChosen",
        "event_id": "5a0c2e7b-8f41-4d2a-9c3e-1b7d6f4a2e31",
        "case_id": "case-000001",
        "occurred_at": "2026-02-12T11:00:00+01:00",
        "recorded_by": {"actor_id": "visitator-01", "role": "visitator"},
        "schema_version": 1,
        "decision_id": "case-000001-d1",
        "provider_id": "provider-b",
        "municipal": False,
        "via": "contract",
        "change": True,
        "requested_on": "2026-02-12",
        "effective_from": "2026-03-01",
    },
    "FreeChoiceCertificateDecided": {
        "type": "FreeChoiceCertificateDecided",
        "event_id": "5d2e8a41-7c3b-4f19-9a6e-0b8d4c2f1e73",
        "case_id": "case-000001",
        "occurred_at": "2026-02-20T10:00:00+01:00",
        "recorded_by": {"actor_id": "visitator-01", "role": "visitator"},
        "schema_version": 1,
        "decision_id": "case-000001-d1",
        "granted": True,
        "decided_on": "2026-02-20",
        "reasons": "",
    },
    "ChangedNeedsReported": {
        "type": "ChangedNeedsReported",
        "event_id": "9e4b1c6d-2a7f-4e8b-b5d0-3c1f7a9e6b42",
        "case_id": "case-000001",
        "occurred_at": "2026-03-20T09:30:00+01:00",
        "recorded_by": {"actor_id": "teamlead-01", "role": "team_lead"},
        "schema_version": 1,
        "decision_id": "case-000001-d1",
        "provider_id": "provider-b",
        "reported_on": "2026-03-20",
    },
    "OwnHelperApproved": {
        "type": "OwnHelperApproved",
        "event_id": "c3d8f2a1-6b5e-4f9c-8a7d-0e2b4c6f8a53",
        "case_id": "case-000001",
        "occurred_at": "2026-02-15T10:00:00+01:00",
        "recorded_by": {"actor_id": "visitator-01", "role": "visitator"},
        "schema_version": 1,
        "decision_id": "case-000001-d1",
        "helper_id": "helper-01",
        "tasks": ["H1.8", "H1.9"],
        "contract_ref": "contract-17",
    },
    "ImprovementTrialRecorded": {
        "type": "ImprovementTrialRecorded",
        "event_id": "3b9e8a52-1c0d-4f7a-8e6b-5d4c3b2a1f02",
        "case_id": None,
        "occurred_at": "2026-03-03T13:00:00+01:00",
        "recorded_by": {"actor_id": "teamlead-01", "role": "team_lead"},
        "schema_version": 1,
        "team_id": "team-001",
        "period": "2026-03",
        "trial_id": "trial-1",
        "stage": "plan",
        "on": "2026-03-03",
        "indicator": "carers_per_14_days",
        "note": "Faste par af hjælpere om morgenen",
    },
    "PolicyVersionAdopted": {
        "type": "PolicyVersionAdopted",
        "event_id": "4b6f0d2e-9a1c-4e7b-8d3f-5c2a1e0b9f64",
        "team_id": "municipality",
        "period": "1900-01",
        "occurred_at": "2026-12-15T10:00:00+01:00",
        "recorded_by": {"actor_id": "controller-01", "role": "controller"},
        "schema_version": 1,
        "version_id": "budget-2027",
        "valid_from": "2027-01-01",
        "policy": {"name": "budget-2027", "settlement_band_pct": 7},
        "terms": {"settlement_band_pct": "7"},
        "terms_digest": "d5cf80116639862aed15ddb6969c2edf4ca8db744f8e8a5f969696e11d4bb3af",
    },
    "SettlementCorrected": {
        "type": "SettlementCorrected",
        "event_id": "8e2d4a6c-1f3b-4c5d-9e7f-0a1b2c3d4e75",
        "team_id": "team-01",
        "period": "2026-03",
        "occurred_at": "2026-05-04T12:00:00+02:00",
        "recorded_by": {"actor_id": "erantis-cli", "role": "system"},
        "schema_version": 1,
        "settlement_id": "2f9a7c1e-3b5d-5e8f-a0c2-4d6e8f0a1b2c",
        "granted_minutes_delta": 0,
        "delivered_minutes_delta": 45,
        "amount_delta": "-191.25",
        "band": "inside",
        "variance_pct": "1.2500",
        "caused_by": ["6c1e3a5b-7d9f-4b2a-8c4e-6f8a0b2c4d96"],
    },
}

#: The synthetic municipality the examples come from (small: the test runs this script).
SYNTHETIC = {"citizens": 60, "start": date(2026, 1, 1), "months": 12, "seed": 7}


def _text(docstring: str | None) -> str:
    """A docstring as Markdown: reST literals become code spans, paragraphs stay apart."""
    text = re.sub(r"``([^`]+)``", r"`\1`", inspect.cleandoc(docstring or ""))
    return "\n\n".join(" ".join(p.split("\n")) for p in text.split("\n\n"))


def _value_types() -> list[tuple[str, Any]]:
    """The public ``Annotated`` value types of ``erantis_domain.values``, by name."""
    found = []
    for name in values.__all__:
        alias = getattr(values, name)
        if name in VALUE_TYPES and typing.get_origin(alias) is typing.Annotated:
            found.append((name, alias))
    return found


def _value_type(annotation: Any, metadata: list[Any], known: list[tuple[str, Any]]) -> str | None:
    """The name of the value type a field is declared with, looked for through lists and
    optionals; ``None`` for a plain type."""
    for name, alias in known:
        extras = alias.__metadata__
        if metadata and all(any(m is e for e in extras) for m in metadata):
            return name
        if annotation == alias:
            return name
    for arg in typing.get_args(annotation):
        if arg is not Ellipsis and arg is not type(None):
            inner = _value_type(arg, [], known)
            if inner:
                return inner
    return None


def _field_types(model: type[BaseModel], known: list[tuple[str, Any]]) -> dict[str, str]:
    """Field name -> value type name, for the fields of ``model`` declared with one."""
    found = {}
    for name, info in model.model_fields.items():
        if info.annotation is Decimal:
            found[name] = DECIMAL
            continue
        value_type = _value_type(info.annotation, list(info.metadata), known)
        if value_type:
            found[name] = value_type
    return found


class _Renderer:
    """Renders JSON Schema properties as the catalogue's type and allowed-values columns."""

    def __init__(self, defs: Mapping[str, Any]) -> None:
        self.defs = defs
        self.parts: set[str] = set()

    def type_of(self, prop: Mapping[str, Any]) -> str:
        if "$ref" in prop:
            name = prop["$ref"].rsplit("/", 1)[1]
            target = self.defs[name]
            if "enum" in target:
                return f"`{name}`"
            self.parts.add(name)
            return f"[{name}](#{name.lower()})"
        if "anyOf" in prop:
            options = [o for o in prop["anyOf"] if o.get("type") != "null"]
            shown = " or ".join(self.type_of(o) for o in options)
            return shown + (" or null" if len(options) < len(prop["anyOf"]) else "")
        kind = prop.get("type")
        if kind == "array":
            return f"list of {self.type_of(prop['items'])}"
        if kind == "string":
            return {"date": "date", "date-time": "date-time", "uuid": "UUID"}.get(
                prop.get("format", ""), "string"
            )
        return str(kind)

    def allowed(self, prop: Mapping[str, Any]) -> str:
        if "$ref" in prop:
            target = self.defs[prop["$ref"].rsplit("/", 1)[1]]
            return self.allowed(target) if "enum" in target else ""
        if "anyOf" in prop:
            shown = [self.allowed(o) for o in prop["anyOf"] if o.get("type") != "null"]
            return "; ".join(s for s in shown if s)
        notes = []
        if "const" in prop:
            notes.append(f"`{prop['const']}`")
        if "enum" in prop:
            notes.append(", ".join(f"`{v}`" for v in prop["enum"]))
        low, high = prop.get("minimum"), prop.get("maximum")
        if low is not None and high is not None:
            notes.append(f"{low} to {high}")
        elif low is not None:
            notes.append(f"at least {low}")
        elif high is not None:
            notes.append(f"at most {high}")
        if "pattern" in prop:
            notes.append(f"pattern `{prop['pattern']}`")
        if prop.get("maxLength") == 4000:
            notes.append("free text, at most 4,000 characters (may hold personal data)")
        elif "maxLength" in prop:
            notes.append(f"{prop.get('minLength', 0)}–{prop['maxLength']} characters")
        if "minItems" in prop or "maxItems" in prop:
            notes.append(f"{prop.get('minItems', 0)}–{prop.get('maxItems', '…')} items")
        if prop.get("type") == "array":
            inner = self.allowed(prop["items"])
            if inner:
                notes.append(f"each: {inner}")
        return "; ".join(notes)


def _fields_table(
    schema: Mapping[str, Any],
    renderer: _Renderer,
    value_types: Mapping[str, str],
    skip: tuple[str, ...],
) -> Iterator[str]:
    yield "| field | type | required | allowed values |"
    yield "| --- | --- | --- | --- |"
    required = set(schema.get("required", ()))
    for name, prop in schema["properties"].items():
        if name in skip:
            continue
        kind = renderer.type_of(prop)
        if name in value_types:
            kind += f" ([{value_types[name]}](#value-types))"
        if name in required:
            needed = "yes"
        else:
            needed = f"no (default `{json.dumps(prop.get('default'), ensure_ascii=False)}`)"
        yield f"| `{name}` | {kind} | {needed} | {renderer.allowed(prop)} |"


def _examples() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for event in generate(**SYNTHETIC):
        found.setdefault(event["type"], event)
    for name, example in EXTRA_EXAMPLES.items():
        found.setdefault(name, example)
    missing = sorted(set(events.EVENT_TYPES) - set(found))
    if missing:
        raise SystemExit(f"no example of {', '.join(missing)}: add one to EXTRA_EXAMPLES")
    for example in found.values():
        parse_event(example)  # every example is valid, or this script fails
    return found


def build() -> str:
    """The catalogue page, as Markdown."""
    union = event_json_schema()
    defs = union["$defs"]
    renderer = _Renderer(defs)
    known = _value_types()
    roles = AppendPolicy.default().roles
    examples = _examples()
    order = list(events.EVENT_TYPES)
    team = set(events.TEAM_EVENT_TYPES)
    out = [
        "# Event catalogue",
        "",
        "<!-- Generated by scripts/generate_event_catalogue.py from the event models: do not",
        "     edit; run `uv run python scripts/generate_event_catalogue.py` instead. -->",
        "",
        "Every event erantis accepts, generated from the models of `erantis_domain.events` and",
        "their JSON Schemas (`specs/schemas/`). Each section says when the event happens, the",
        "stream it belongs to, who records it under the default append policy",
        "(`AppendPolicy.default()`, see [who may record what](store.md#who-may-record-what)),",
        "its fields and an example. [Events](events.md) describes the contract they all share.",
        "",
        "## Fields every event has",
        "",
    ]
    common = {"properties": {k: defs["CaseOpened"]["properties"][k] for k in COMMON[1:]}}
    common["required"] = [k for k in defs["CaseOpened"]["required"] if k in COMMON]
    table = list(_fields_table(common, renderer, _field_types(events.CaseEvent, known), ()))
    first = "| `type` | string | yes | the event's name, one of [the events](#the-events) |"
    out += [*table[:2], first, *table[2:]]
    out += [
        "",
        "`type` names the event; `event_id` is its idempotency key, unique within its case or",
        "team period; `occurred_at` is when it happened (the business time the rules judge, not",
        "when it was recorded); `schema_version` is upcast on read when older. Team events have",
        "`case_id` `null` and carry `team_id` and `period` instead.",
        "",
        "## The events",
        "",
        "| event | stream | recorded by (default) |",
        "| --- | --- | --- |",
    ]
    for name in order:
        stream = "team period" if name in team else "case"
        who = ", ".join(f"`{r.value}`" for r in sorted(roles[name], key=list(values.Role).index))
        out.append(f"| [{name}](#{name.lower()}) | {stream} | {who} |")
    for name in order:
        model = getattr(events, name)
        schema = defs[name]
        version = schema["properties"]["schema_version"].get("default")
        who = ", ".join(f"`{r.value}`" for r in sorted(roles[name], key=list(values.Role).index))
        stream = (
            "a team's settlement period (`TeamPeriod`)"
            if name in team
            else "the citizen's case (`CitizenCase`)"
        )
        out += [
            "",
            f"## {name}",
            "",
            _text(model.__doc__),
            "",
            f"- **Stream:** {stream}.",
            f"- **Recorded by:** {who}.",
            f"- **Schema version:** {version}.",
            "",
        ]
        out += _fields_table(schema, renderer, _field_types(model, known), COMMON)
        example = json.dumps(examples[name], ensure_ascii=False, indent=2)
        out += ["", "```json", example, "```"]
    out += ["", "## Parts", "", "The objects events hold as fields.", ""]
    done: set[str] = set()
    while renderer.parts - done:
        for part in sorted(renderer.parts - done):
            done.add(part)
            schema = defs[part]
            model = (
                getattr(values, part, None) or getattr(events, part, None) or getattr(terms, part)
            )
            out += [f"### {part}", "", _text(schema.get("description")), ""]
            out += _fields_table(schema, renderer, _field_types(model, known), ())
            out.append("")
    out += ["## Value types", "", "| type | meaning |", "| --- | --- |"]
    for name, _alias in known:
        out.append(f"| `{name}` | {VALUE_TYPES[name]} |")
    out.append(f"| `{DECIMAL}` | {DECIMAL_MEANING} |")
    roles_enum = defs["Role"]
    out += [
        "",
        "`Role`: " + ", ".join(f"`{r}`" for r in roles_enum["enum"]) + ".",
        "",
    ]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else TARGET
    target.write_text(build(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
