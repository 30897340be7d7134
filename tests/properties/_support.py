"""Shared helpers of the property tests: schema validation, stores, fuzzing of event dicts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from erantis_domain import CaseStore

SCHEMAS = Path(__file__).resolve().parents[2] / "specs" / "schemas"


def _date_time(value: object) -> bool:
    # jsonschema checks "date-time" only with the optional rfc3339-validator package, which we
    # do not install: check RFC 3339 ourselves (an offset is required).
    if not isinstance(value, str):
        return True
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return False
    return "T" in value.upper() and parsed.tzinfo is not None


@cache
def validator() -> Draft202012Validator:
    """A Draft 2020-12 validator of the event union schema, with format checks."""
    schema = json.loads((SCHEMAS / "event.schema.json").read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    checker = FormatChecker()
    for name in ("date", "uuid"):
        checker.checkers[name] = Draft202012Validator.FORMAT_CHECKER.checkers[name]
    checker.checks("date-time")(_date_time)
    return Draft202012Validator(schema, format_checker=checker)


@contextmanager
def sqlite_store(snapshot_every: int = 100) -> Iterator[CaseStore]:
    """A fresh SQLite store in a temporary directory (one per hypothesis example)."""
    with (
        TemporaryDirectory() as tmp,
        CaseStore.sqlite(Path(tmp) / "events.sqlite", snapshot_every=snapshot_every) as store,
    ):
        yield store


json_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["", "2026-01-01", "case-0001", "010190-1234", "H1.1", "9999-99-99"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
"""Arbitrary JSON-ish values (including NaN and huge integers, which real clients send)."""


@st.composite
def mutated(draw: st.DrawFn, data: dict[str, Any]) -> dict[str, Any]:
    """A valid event dict with one to three mutations: a key dropped, a key added, a value
    replaced by random JSON (at the top level or one level down)."""
    out: dict[str, Any] = json.loads(json.dumps(data))
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["drop", "add", "replace", "nested"]))
        keys = sorted(out)
        if action == "drop" and keys:
            del out[draw(st.sampled_from(keys))]
        elif action == "add":
            out[draw(st.text(max_size=8))] = draw(json_values)
        elif action == "replace" and keys:
            out[draw(st.sampled_from(keys))] = draw(json_values)
        else:
            nested = [k for k in keys if isinstance(out[k], dict) and out[k]]
            if nested:
                inner = out[draw(st.sampled_from(nested))]
                inner[draw(st.sampled_from(sorted(inner)))] = draw(json_values)
    return out
