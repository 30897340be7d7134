"""Damaged stores, on SQLite and a real PostgreSQL: rows overwritten, truncated, emptied,
edited or deleted with raw SQL (as an outside program or a failing disk would) are never read
back as a valid state, never raise a bare decode error, and are named by ``verify``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from erantis_domain.errors import ErantisError, StoreCorruptedError
from erantis_domain.events import parse_event
from erantis_domain.store import CaseStore, case_stream_id
from tests.factories import make
from tests.store.conftest import Backend

#: A case of three events; the visit (position 2) is the one damaged.
HISTORY = [
    make("CaseOpened"),
    make("VisitDelivered", minutes=15),
    make("VisitDelivered", minutes=30),
]
CASE = str(case_stream_id("case-1"))


def _stored(backend: Backend, snapshot_every: int = 100) -> CaseStore:
    store = backend.open(snapshot_every=snapshot_every)
    store.append(HISTORY)
    return store


def _state_of(backend: Backend, version: int) -> bytes:
    ((state,),) = backend.sql("SELECT state FROM {events} WHERE originator_version = ?", version)
    return bytes(state)


def _overwrite(backend: Backend, version: int, state: bytes) -> None:
    backend.sql("UPDATE {events} SET state = ? WHERE originator_version = ?", state, version)


_READS: dict[str, Callable[[CaseStore], Any]] = {
    "get_case": lambda s: s.get_case("case-1"),
    "get_case without snapshot": lambda s: s.get_case("case-1", use_snapshot=False),
    "case_events": lambda s: s.case_events("case-1"),
    "replay": lambda s: list(s.replay()),
    "streams": lambda s: list(s.streams()),
    "append": lambda s: s.append([make("CaseClosed")]),
}


def _every_read_refuses(store: CaseStore) -> list[StoreCorruptedError]:
    errors = []
    for name, read in _READS.items():
        with pytest.raises(StoreCorruptedError) as caught:
            read(store)
        assert caught.value.code == "E-STORE-CORRUPTED", name
        errors.append(caught.value)
    return errors


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda state: b"\xff\xfe" + state[2:], "not UTF-8"),
        (lambda state: b"not json at all", "not JSON"),
        (lambda state: state[: len(state) // 2], "not JSON"),
        (lambda state: b"", "empty"),
        (lambda state: b"[1, 2]", "not a JSON object"),
        (lambda state: b'{"recorded_at": 5, "event": {}}', "malformed"),
        (lambda state: state.replace(b'"type":"VisitDelivered"', b'"type":"Nope"'), "valid"),
    ],
    ids=["not-utf8", "not-json", "truncated", "empty", "array", "wrong-shape", "not-an-event"],
)
def test_an_unreadable_row_is_a_coded_error_named_by_verify(
    durable_backend: Backend, damage: Callable[[bytes], bytes], problem: str
) -> None:
    # given a stored case whose second event's row is then damaged
    store = _stored(durable_backend)
    _overwrite(durable_backend, 2, damage(_state_of(durable_backend, 2)))
    # when it is read in every way, then each refuses with the coded error (no decode error)
    for error in _every_read_refuses(store):
        assert error.damage[0].position == 2
        assert problem in error.damage[0].problem
    # and verify names the stream and the position
    with pytest.raises(StoreCorruptedError) as caught:
        store.verify()
    assert [(d.stream, d.position) for d in caught.value.damage] == [(CASE, 2)]
    # and nothing was appended by the refused append
    assert len(durable_backend.sql("SELECT originator_version FROM {events}")) == 3


def test_an_edited_event_is_detected(durable_backend: Backend) -> None:
    # given a stored case where someone changed a visit from 15 to 999 minutes in SQL
    store = _stored(durable_backend)
    state = _state_of(durable_backend, 2)
    assert b'"minutes":15' in state
    _overwrite(durable_backend, 2, state.replace(b'"minutes":15', b'"minutes":999'))
    # when read, then no state comes back: the event does not match its digest
    for error in _every_read_refuses(store):
        assert "does not match its digest" in str(error)
    # and verify names the case and position 2 (and only it: the chain goes on after it)
    with pytest.raises(StoreCorruptedError) as caught:
        store.verify()
    assert [(d.stream, d.position) for d in caught.value.damage] == [("case-1", 2)]


def test_a_deleted_middle_event_is_detected(durable_backend: Backend) -> None:
    # given a stored case whose middle event was deleted in SQL
    store = _stored(durable_backend)
    durable_backend.sql("DELETE FROM {events} WHERE originator_version = 2")
    # when read, then every read refuses, naming the gap before position 3
    for error in _every_read_refuses(store):
        assert "missing before it" in str(error)
    # and verify names it, and the id the index still holds for the deleted event
    with pytest.raises(StoreCorruptedError) as caught:
        store.verify()
    assert [(d.stream, d.position) for d in caught.value.damage] == [
        ("case-1", 3),
        ("<event id index>", 0),
    ]


def test_a_deleted_last_event_is_found_by_verify_through_the_index(
    durable_backend: Backend,
) -> None:
    # given a stored case whose last event was deleted in SQL (the rest of the stream is
    # intact: its chain cannot show it)
    store = _stored(durable_backend)
    durable_backend.sql("DELETE FROM {events} WHERE originator_version = 3")
    # when verified, then the index still holds the deleted event's id, and says so
    with pytest.raises(StoreCorruptedError) as caught:
        store.verify()
    assert [(d.stream, d.problem) for d in caught.value.damage] == [
        ("<event id index>", "it holds 1 ids of events not in the store")
    ]


def test_a_damaged_index_entry_is_named_by_verify(durable_backend: Backend) -> None:
    # given a stored case whose entry in the index of event ids was edited, and one deleted
    store = _stored(durable_backend)
    first, second = (str(parse_event(e).event_id) for e in HISTORY[:2])
    durable_backend.sql("UPDATE {index} SET digest = ? WHERE event_id = ?", "0" * 32, first)
    durable_backend.sql("DELETE FROM {index} WHERE event_id = ?", second)
    # when verified, then both events are named, at their positions
    with pytest.raises(StoreCorruptedError) as caught:
        store.verify()
    assert [(d.stream, d.position, d.problem) for d in caught.value.damage] == [
        ("case-1", 1, "its entry in the index of event ids does not match it"),
        ("case-1", 2, "its entry in the index of event ids is missing"),
    ]


def test_a_stripped_digest_is_detected(durable_backend: Backend) -> None:
    # given a stored case where the last event's digest was removed (as if stored before
    # digests existed, which is accepted only at the start of a stream)
    store = _stored(durable_backend)
    state = _state_of(durable_backend, 3)
    start = state.index(b'"digest":')
    _overwrite(durable_backend, 3, state[:start] + state[start + len(b'"digest":"') + 66 :])
    # when verified, then the missing digest is named
    with pytest.raises(StoreCorruptedError) as caught:
        store.verify()
    assert [(d.stream, d.position, d.problem) for d in caught.value.damage] == [
        ("case-1", 3, "its digest is missing")
    ]


def test_a_corrupt_snapshot_is_discarded_with_a_warning_and_rebuilt(
    durable_backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    # given a case with a snapshot (taken after the batch, at position 3), whose snapshot row
    # is then overwritten
    store = _stored(durable_backend, snapshot_every=2)
    expected = store.get_case("case-1", use_snapshot=False)
    assert durable_backend.sql("SELECT originator_version FROM {snapshots}") == [(3,)]
    durable_backend.sql("UPDATE {snapshots} SET state = ?", b"\x00garbage")
    # when the store is verified, then the damaged snapshot is named
    with pytest.raises(StoreCorruptedError) as caught:
        store.verify()
    assert [(d.stream, d.position) for d in caught.value.damage] == [("case-1", 3)]
    assert "snapshot" in caught.value.damage[0].problem
    # when the case is read and appended to
    with caplog.at_level(logging.WARNING, logger="erantis.store"):
        state = store.get_case("case-1")
        result = store.append([make("CaseClosed")])
    # then the state was rebuilt from the events, the append went through, and a warning
    # names the stream (not the state: it holds personal data)
    assert state == expected
    assert result.stored == 1
    assert "discarded a damaged snapshot" in caplog.text
    assert "case-1" not in caplog.text


def test_an_edited_snapshot_does_not_hide_anything(durable_backend: Backend) -> None:
    # given a snapshot in which someone changed a visit's minutes (valid JSON, a valid state)
    store = _stored(durable_backend, snapshot_every=2)
    expected = store.get_case("case-1", use_snapshot=False)
    ((state,),) = durable_backend.sql("SELECT state FROM {snapshots}")
    assert b'"distinct":[15,30]' in bytes(state)
    edited = bytes(state).replace(b'"distinct":[15,30]', b'"distinct":[15,999]')
    durable_backend.sql("UPDATE {snapshots} SET state = ?", edited)
    # when the case is read and its first event re-sent, then the edit is not served: the
    # state comes from the events, and the re-sent event is a duplicate
    assert store.get_case("case-1") == expected
    assert store.append([HISTORY[0]]).duplicates == 1
    # and verify names the snapshot
    with pytest.raises(StoreCorruptedError) as caught:
        store.verify()
    assert [(d.stream, d.position) for d in caught.value.damage] == [("case-1", 3)]


def test_damage_behind_a_newer_snapshot_is_found_by_verify(durable_backend: Backend) -> None:
    # given a case with a snapshot at position 3 and then its first event edited in SQL
    store = _stored(durable_backend, snapshot_every=2)
    state = _state_of(durable_backend, 1)
    _overwrite(
        durable_backend, 1, state.replace(b'"municipality":"0756"', b'"municipality":"0101"')
    )
    # when the store is verified, then the hidden damage is named
    with pytest.raises(StoreCorruptedError) as caught:
        store.verify()
    assert ("case-1", 1) in [(d.stream, d.position) for d in caught.value.damage]


def test_an_intact_store_verifies(backend: Backend) -> None:
    # given an intact store with a case and a snapshot
    store = _stored(backend, snapshot_every=2)
    store.append([make("DialogueMeetingHeld")])
    # when verified, then it reports what it read
    report = store.verify()
    assert (report.streams, report.events) == (2, 4)
    assert report.snapshots == 1


def test_every_store_error_is_an_erantis_error() -> None:
    # the corrupted-store error is part of the coded family
    assert issubclass(StoreCorruptedError, ErantisError)
    assert StoreCorruptedError.code == "E-STORE-CORRUPTED"
