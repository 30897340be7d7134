"""Loader of the hand-written rule scenarios in ``specs/scenarios`` (format: its README.md).

A scenario is a base case (``_base/<name>.yaml``) plus an edit (``drop``, ``set``, ``add``),
an ``as_of``, optional policy overrides and the whole expected findings. Events are named by
keys; a key's event id is a UUID derived from the key, so evidence is written as keys. Any
mistake in a file (an unknown key, a key used twice, an unknown field of the format) raises
:class:`ScenarioError`: a scenario is never loaded half-way or skipped.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

__all__ = [
    "BASES",
    "FINDING_FIELDS",
    "SCENARIOS",
    "Scenario",
    "ScenarioError",
    "event_id",
    "load",
    "scenario_files",
]

SCENARIOS = Path(__file__).resolve().parents[1] / "specs" / "scenarios"
BASES = SCENARIOS / "_base"
FINDING_FIELDS = ("rule_id", "severity", "subject", "message", "legal_reference", "evidence", "due")
"""The fields of ``Finding.to_dict()``: every expected finding lists all of them."""

_NAMESPACE = uuid.UUID("6f1d8a52-3c1e-4b8e-9a51-2f0e7c4d9b10")
_COPENHAGEN = ZoneInfo("Europe/Copenhagen")
_MORNING = time(9, 0)
_ROOT_FIELDS = {"description", "case_id", "events", "as_of", "policy", "expect"}
_DERIVED_FIELDS = {"description", "base", "edit", "as_of", "policy", "expect"}
_EDIT_OPERATIONS = {"drop", "set", "add"}


class ScenarioError(ValueError):
    """A scenario or base file that does not follow the format."""


@dataclass(frozen=True, slots=True)
class Scenario:
    """A loaded scenario: JSON-ready events in file order and what is expected of them."""

    path: Path
    description: str
    as_of: date
    policy: dict[str, Any]
    events: list[dict[str, Any]]
    #: Event id by key, for every event of the scenario.
    ids: dict[str, str]
    #: Expected findings in ``Finding.to_dict()`` form, evidence keys turned into event ids.
    expect: list[dict[str, Any]]


def event_id(key: str) -> str:
    """The event id of the event named ``key`` (the same in every scenario)."""
    return str(uuid.uuid5(_NAMESPACE, key))


def scenario_files() -> list[Path]:
    """Every scenario file (``<RULE-ID>/<name>.yaml``), bases excluded."""
    return sorted(p for p in SCENARIOS.glob("*/*.yaml") if p.parent != BASES)


def load(path: Path) -> Scenario:
    """Load a scenario or base file into its events and expected findings."""
    document = _read(path)
    events, _ = _events(path, document, seen=())
    ids = {key: event["event_id"] for key, event in events.items()}
    as_of = document.get("as_of")
    if not isinstance(as_of, date):
        raise ScenarioError(f"{path.name}: as_of must be a day (YYYY-MM-DD), got {as_of!r}")
    policy = document.get("policy") or {}
    if not isinstance(policy, dict):
        raise ScenarioError(f"{path.name}: policy must be a mapping")
    description = document.get("description")
    if not isinstance(description, str) or not description.strip():
        raise ScenarioError(f"{path.name}: a description is required")
    return Scenario(
        path=path,
        description=description,
        as_of=as_of,
        policy=_json(policy),
        events=list(events.values()),
        ids=ids,
        expect=_expectations(path, document.get("expect"), ids),
    )


class _StrictLoader(yaml.SafeLoader):
    """A YAML loader that refuses a mapping key given twice (PyYAML keeps the last)."""


def _no_duplicates(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    # Only the keys written in this mapping: a merge (``<<: *anchor``) may be overridden.
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise ScenarioError(f"line {key_node.start_mark.line + 1}: {key!r} is given twice")
        seen.add(key)
    loader.flatten_mapping(node)
    return loader.construct_mapping(node, deep=True)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def _read(path: Path) -> dict[str, Any]:
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)
    except (ScenarioError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{path.name}: {exc}") from None
    if not isinstance(document, dict):
        raise ScenarioError(f"{path.name}: not a mapping")
    allowed = _ROOT_FIELDS if "events" in document else _DERIVED_FIELDS
    unknown = sorted(set(document) - allowed, key=str)
    if unknown:
        raise ScenarioError(f"{path.name}: unknown fields {unknown} (allowed: {sorted(allowed)})")
    return document


def _events(
    path: Path, document: dict[str, Any], seen: tuple[Path, ...]
) -> tuple[dict[str, dict[str, Any]], str]:
    """The events of a document by key, in order, and the case id of its root base."""
    if path in seen:
        raise ScenarioError(f"{path.name}: bases refer to each other in a cycle")
    if "events" in document:
        case_id = document.get("case_id")
        if not isinstance(case_id, str):
            raise ScenarioError(f"{path.name}: a root base names its case_id")
        events: dict[str, dict[str, Any]] = {}
        for key, body in _entries(path, "events", document["events"]):
            events[key] = _event(path, key, body, {}, case_id)
        return events, case_id
    base = document.get("base")
    if not isinstance(base, str):
        raise ScenarioError(f"{path.name}: give either events (a root base) or a base to edit")
    base_path = BASES / f"{base}.yaml"
    if not base_path.is_file():
        raise ScenarioError(f"{path.name}: unknown base {base!r} (no {base_path.name} in _base/)")
    events, case_id = _events(base_path, _read(base_path), (*seen, path))
    return _edit(path, document.get("edit") or {}, events, case_id), case_id


def _edit(
    path: Path, edit: Any, events: dict[str, dict[str, Any]], case_id: str
) -> dict[str, dict[str, Any]]:
    """Apply ``drop``, then ``set``, then ``add`` to a copy of the base's events."""
    if not isinstance(edit, dict) or set(edit) - _EDIT_OPERATIONS:
        raise ScenarioError(f"{path.name}: edit is a mapping of {sorted(_EDIT_OPERATIONS)}")
    base_keys = set(events)
    out = copy.deepcopy(events)
    drop = edit.get("drop") or []
    if not isinstance(drop, list):
        raise ScenarioError(f"{path.name}: edit.drop is a list of event keys")
    for key in drop:
        _known(path, "drop", key, out)
        del out[key]
    for key, fields in _entries(path, "edit.set", edit.get("set") or {}):
        _known(path, "set", key, out)
        out[key] = _event(path, key, fields, out[key], case_id)
    for key, body in _entries(path, "edit.add", edit.get("add") or {}):
        if key in base_keys:
            raise ScenarioError(f"{path.name}: edit.add.{key}: the base already has this key")
        fields = dict(body)
        like = fields.pop("like", None)
        start: dict[str, Any] = {}
        if like is not None:
            _known(path, "add (like)", like, out)
            start = out[like]
        out[key] = _event(path, key, fields, start, case_id)
    return out


def _entries(path: Path, where: str, value: Any) -> list[tuple[str, dict[str, Any]]]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, dict) for k, v in value.items()
    ):
        raise ScenarioError(f"{path.name}: {where} maps event keys to event fields")
    return list(value.items())


def _known(path: Path, operation: str, key: Any, events: dict[str, dict[str, Any]]) -> None:
    if key not in events:
        raise ScenarioError(
            f"{path.name}: edit.{operation} names an unknown event key {key!r} "
            f"(known: {', '.join(events)})"
        )


def _event(
    path: Path, key: str, fields: dict[str, Any], start: dict[str, Any], case_id: str
) -> dict[str, Any]:
    """An event's JSON form: ``start`` (a base event, or one to copy) with ``fields`` over it,
    the shorthands ``day`` and ``by`` written out, and the key's event id."""
    fields = dict(fields)
    if "like" in fields:
        raise ScenarioError(f"{path.name}: {key}: 'like' belongs to edit.add")
    if "day" in fields and "occurred_at" in fields:
        raise ScenarioError(f"{path.name}: {key}: give day or occurred_at, not both")
    day = fields.pop("day", None)
    if day is not None:
        if isinstance(day, datetime) or not isinstance(day, date):
            raise ScenarioError(f"{path.name}: {key}.day must be a day, got {day!r}")
        fields["occurred_at"] = datetime.combine(day, _MORNING, tzinfo=_COPENHAGEN).isoformat()
    by = fields.pop("by", None)
    if by is not None:
        fields["recorded_by"] = {"actor_id": f"{by}-1", "role": by}
    event: dict[str, Any] = {"case_id": case_id, **_json(start), **_json(fields)}
    if "type" not in event:
        raise ScenarioError(f"{path.name}: event {key!r} has no type")
    event["event_id"] = event_id(key)
    return event


def _expectations(path: Path, expect: Any, ids: dict[str, str]) -> list[dict[str, Any]]:
    if not isinstance(expect, list):
        raise ScenarioError(f"{path.name}: expect is a list of findings (an empty list too)")
    out = []
    for number, finding in enumerate(expect, start=1):
        if not isinstance(finding, dict) or set(finding) != set(FINDING_FIELDS):
            got = sorted(finding) if isinstance(finding, dict) else finding
            raise ScenarioError(
                f"{path.name}: expected finding {number} lists exactly {list(FINDING_FIELDS)}, "
                f"got {got}"
            )
        evidence = []
        for key in finding["evidence"]:
            if key not in ids:
                raise ScenarioError(
                    f"{path.name}: expected finding {number} cites an unknown event key {key!r}"
                )
            evidence.append(ids[key])
        out.append(_json({**finding, "evidence": evidence}))
    return out


def _json(value: Any) -> Any:
    """YAML's days as ISO text, as in the events' and findings' JSON form."""
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value
