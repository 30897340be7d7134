"""Properties of the store: snapshots, backends and idempotency agree with a plain fold."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from erantis_domain import CaseStore
from erantis_domain.case import fold
from erantis_domain.testing import History, Municipality, case_histories, municipalities
from tests.properties._support import sqlite_store


@given(case_histories(), st.integers(1, 4), st.data())
def test_snapshot_and_tail_equal_a_full_replay(
    history: History, every: int, data: st.DataObject
) -> None:
    # given a store taking snapshots often, fed the history in random batches
    store = CaseStore.memory(snapshot_every=every)
    events = list(history.events)
    while events:
        size = data.draw(st.integers(1, len(events)))
        store.append(events[:size])
        events = events[size:]
    # when the case is read with and without snapshots
    with_snapshot = store.get_case(history.case_id)
    without = store.get_case(history.case_id, use_snapshot=False)
    # then both equal the plain fold
    assert with_snapshot == without == fold(history.case_id, history.events)


@given(municipalities(n_cases=(1, 3)))
def test_memory_store_equals_sqlite_store(municipality: Municipality) -> None:
    events = list(municipality.all_events)
    memory = CaseStore.memory(snapshot_every=5)
    memory.append(events)
    with sqlite_store(snapshot_every=5) as sqlite:
        sqlite.append(events)
        for history in municipality.cases:
            assert sqlite.get_case(history.case_id) == memory.get_case(history.case_id)
            assert sqlite.case_events(history.case_id) == memory.case_events(history.case_id)
        assert [e.event for e in sqlite.replay()] == [e.event for e in memory.replay()]
        assert sqlite.last_position() == memory.last_position() == len(events)


@given(case_histories(), st.booleans())
def test_appending_a_history_twice_stores_it_once(history: History, whole: bool) -> None:
    store = CaseStore.memory()
    first = store.append(history.all_events)
    position = store.last_position()
    # when the same history is sent again, whole or event by event
    if whole:
        again = [store.append(history.all_events)]
    else:
        again = [store.append([event]) for event in history.all_events]
    # then nothing new is stored, and every event is reported as a duplicate
    assert first.stored == len(history.all_events)
    assert sum(r.stored for r in again) == 0
    assert sum(r.duplicates for r in again) == len(history.all_events)
    assert store.last_position() == position
    assert store.case_events(history.case_id) == list(history.events)
