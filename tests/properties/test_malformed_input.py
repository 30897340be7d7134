"""Malformed input: always an ErantisError with a code, never a crash, never a partial write."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from erantis_domain import CaseStore, ErantisError, parse_event
from erantis_domain.testing import History, case_histories, events
from tests.properties._support import json_values, mutated

_events_as_dicts = events().map(lambda e: e.model_dump(mode="json"))


def _rejected_or_valid(data: Any) -> None:
    try:
        parse_event(data)
    except ErantisError as exc:
        assert exc.code.startswith("E-")
        assert str(exc).startswith(f"[{exc.code}]")


@given(_events_as_dicts.flatmap(mutated))
def test_a_mutated_event_dict_is_accepted_or_rejected_with_a_code(data: dict[str, Any]) -> None:
    _rejected_or_valid(data)


@given(_events_as_dicts.flatmap(mutated))
def test_a_mutated_event_as_json_text_is_accepted_or_rejected_with_a_code(
    data: dict[str, Any],
) -> None:
    _rejected_or_valid(json.dumps(data))


@given(json_values | st.text(max_size=40) | st.text(max_size=20).map(str.encode))
def test_any_json_value_or_junk_is_rejected_with_a_code(data: Any) -> None:
    _rejected_or_valid(data if isinstance(data, str | bytes) else json.dumps(data))
    _rejected_or_valid(data)


@settings(max_examples=5)
@given(st.sampled_from([b"\x80", b"\xff{}", b'{"type": "\xe6"}']))
def test_bytes_that_are_not_utf8_are_rejected_with_a_code(data: bytes) -> None:
    _rejected_or_valid(data)


@given(case_histories(), st.data())
def test_a_batch_with_a_malformed_event_leaves_the_store_unchanged(
    history: History, data: st.DataObject
) -> None:
    # given a store holding the first half of a history
    store = CaseStore.memory(snapshot_every=3)
    half = len(history.events) // 2
    store.append(history.events[:half])
    before = (store.last_position(), [e.event for e in store.replay()])
    # when the rest is sent with one mutated event in it
    rest = [e.model_dump(mode="json") for e in history.events[half:]]
    index = data.draw(st.integers(0, len(rest) - 1))
    rest[index] = data.draw(mutated(rest[index]))
    try:
        store.append(rest)
    except ErantisError as exc:
        # then it is refused with a code and nothing at all was written
        assert exc.code.startswith("E-")
        assert (store.last_position(), [e.event for e in store.replay()]) == before
