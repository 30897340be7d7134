"""``check_store`` and ``CaseStore.streams``, on every backend (memory, SQLite, a real
PostgreSQL): the store read case by case gives exactly the findings of ``check`` over the same
events as JSON lines, decrypts what is encrypted, upcasts what is old, and refuses damage."""

from __future__ import annotations

import json
from datetime import date

import pytest

from erantis_domain.errors import StoreCorruptedError
from erantis_domain.events import parse_event
from erantis_domain.store.keys import FieldCipher
from erantis_domain.testing.synthetic import generate
from erantis_rules import check, check_store
from erantis_rules.engine import EvaluatorName
from tests._evaluators import EVALUATORS
from tests.factories import make
from tests.store.conftest import Backend

AS_OF = date(2026, 5, 10)


def _municipality() -> list[str]:
    """A small synthetic municipality as JSON lines, in time order (it holds version-1
    ``DialogueMeetingHeld`` events, which the store upcasts on read)."""
    return [
        json.dumps(e, separators=(",", ":"))
        for e in generate(citizens=12, start=date(2026, 1, 1), months=4, seed=3)
    ]


LINES = _municipality()


def _case_batches(lines: list[str]) -> list[list[str]]:
    """The lines grouped into per-case batches (team events in their own), arrival order kept."""
    groups: dict[str, list[str]] = {}
    for line in lines:
        groups.setdefault(json.loads(line).get("case_id") or "", []).append(line)
    return list(groups.values())


def _stored(backend: Backend, cipher: FieldCipher | None = None) -> None:
    store = backend.open(cipher=cipher)
    for batch in _case_batches(LINES):
        store.append(batch)


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_check_store_finds_exactly_what_check_finds_on_the_same_lines(
    backend: Backend, evaluator: EvaluatorName
) -> None:
    # given the municipality stored case by case, and the same events as JSON lines
    _stored(backend)
    store = backend.open()
    expected = [f.to_dict() for f in check(LINES, as_of=AS_OF, evaluator=evaluator)]
    assert expected  # a check that finds nothing would compare nothing
    # when the store is checked, with and without the digest chain
    for digests in (True, False):
        found = check_store(store, as_of=AS_OF, evaluator=evaluator, digests=digests)
        # then the findings are the same, whole, in the same order
        assert [f.to_dict() for f in found] == expected


def test_streams_give_every_stream_whole_in_recording_order(backend: Backend) -> None:
    # given the municipality stored case by case
    _stored(backend)
    store = backend.open()
    # when the store is read stream by stream
    streams = list(store.streams())
    # then each case and team period comes once, with its events as stored, in order
    by_key = {(s.kind, s.key): s.events for s in streams}
    assert len(by_key) == len(streams)
    for (kind, key), events in by_key.items():
        if kind == "case":
            assert events == store.case_events(key[0])
        else:
            assert events == store.team_events(*key)
    assert sum(len(s.events) for s in streams) == len(LINES) == store.last_position()
    # and the old-version meeting events were upcast like every other read does
    upcast = [e for s in streams for e in s.events if e.type == "DialogueMeetingHeld"]
    assert upcast
    assert all(e.schema_version == e.SCHEMA_VERSION for e in upcast)
    # and reading without the digest chain gives the same events
    assert [(s.kind, s.key, s.events) for s in store.streams(digests=False, batch_size=7)] == [
        (s.kind, s.key, s.events) for s in streams
    ]


def test_an_encrypted_store_is_checked_with_its_key(durable_backend: Backend) -> None:
    # given the municipality stored with every free text and actor id encrypted
    cipher = FieldCipher({"k1": bytes(range(32))}, "k1")
    _stored(durable_backend, cipher)
    store = durable_backend.open(cipher=cipher)
    # when it is read and checked, then the events come back decrypted and the findings equal
    events = [e for s in store.streams(digests=False) for e in s.events]
    assert sorted(events, key=lambda e: str(e.event_id)) == sorted(
        (parse_event(line) for line in LINES), key=lambda e: str(e.event_id)
    )
    expected = [f.to_dict() for f in check(LINES, as_of=AS_OF)]
    assert [f.to_dict() for f in check_store(store, as_of=AS_OF)] == expected


def test_an_edited_event_is_refused_unless_digests_are_skipped(durable_backend: Backend) -> None:
    # given a case whose visit was changed from 15 to 999 minutes in SQL
    store = durable_backend.open()
    store.append([make("CaseOpened"), make("VisitDelivered", minutes=15), make("VisitDelivered")])
    ((state,),) = durable_backend.sql("SELECT state FROM {events} WHERE originator_version = 2")
    edited = bytes(state).replace(b'"minutes":15', b'"minutes":999')
    durable_backend.sql("UPDATE {events} SET state = ? WHERE originator_version = 2", edited)
    # when checked, then the damage is named by case and position
    with pytest.raises(StoreCorruptedError) as caught:
        check_store(store, as_of=AS_OF)
    assert [(d.stream, d.position) for d in caught.value.damage] == [("case-1", 2)]
    assert "does not match its digest" in str(caught.value)
    # and without digests the edited content is read as stored (the documented trade-off)
    (stream,) = store.streams(digests=False)
    assert stream.events[1].minutes == 999  # type: ignore[union-attr]


def test_a_missing_event_is_refused_even_without_digests(durable_backend: Backend) -> None:
    # given a case whose middle event was deleted in SQL
    store = durable_backend.open()
    store.append([make("CaseOpened"), make("VisitDelivered"), make("VisitDelivered")])
    durable_backend.sql("DELETE FROM {events} WHERE originator_version = 2")
    # when read either way, then the gap is named
    for digests in (True, False):
        with pytest.raises(StoreCorruptedError) as caught:
            list(store.streams(digests=digests))
        assert [(d.stream, d.position) for d in caught.value.damage] == [("case-1", 3)]
        assert "missing before it" in str(caught.value)


def test_an_empty_store_has_no_findings(backend: Backend) -> None:
    # given an empty store, when checked, then nothing is found
    assert check_store(backend.open(), as_of=AS_OF) == []


@pytest.mark.parametrize("digests", [True, False])
def test_rows_written_now_are_read_without_the_mapper(
    backend: Backend, digests: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a store written by this version (format-2 rows), holding only current schemas
    current = [
        line for line in LINES if json.loads(line).get("event_type") != "DialogueMeetingHeld"
    ]
    store = backend.open()
    for batch in _case_batches(current):
        store.append(batch)
    asked: list[object] = []
    mapper = type(store._app.mapper)
    original = mapper.to_domain_event
    monkeypatch.setattr(
        mapper,
        "to_domain_event",
        lambda self, stored: asked.append(stored) or original(self, stored),
    )
    # when every stream is read
    events = [e for stream in store.streams(digests=digests) for e in stream.events]
    # then every event came back, each decoded from its row's text, none through the mapper
    assert len(events) == len(current)
    assert asked == []
