"""Stream identity, on SQLite and a real PostgreSQL: rows swapped or moved between two cases'
streams in the database are never read back as the other citizen's case. Every read path
refuses with ``E-STORE-CORRUPTED``, an append is refused before anything is written, and
``verify`` and ``erantis check`` name the damage (exit 4)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from erantis_domain.errors import StoreCorruptedError
from erantis_domain.store import CaseStore, case_stream_id
from erantis_rules.cli import main
from tests.factories import make
from tests.store.conftest import Backend

_ONE, _TWO = case_stream_id("case-1"), case_stream_id("case-2")


def _history(case_id: str, minutes: int) -> list[dict[str, Any]]:
    return [
        make("CaseOpened", case_id=case_id),
        make("VisitDelivered", case_id=case_id, minutes=minutes),
        make("VisitDelivered", case_id=case_id, minutes=minutes, visit_id="visit-2"),
    ]


def _two_cases(backend: Backend, snapshot_every: int) -> CaseStore:
    store = backend.open(snapshot_every=snapshot_every)
    store.append(_history("case-1", 15))
    store.append(_history("case-2", 45))
    return store


def _as_stored(backend: Backend, stream: uuid.UUID, table: str) -> Any:
    # SQLite keeps a stream id as 32 hex digits, PostgreSQL as a uuid.
    for (found,) in backend.sql(f"SELECT DISTINCT originator_id FROM {{{table}}}"):
        if uuid.UUID(str(found)) == stream:
            return found
    raise AssertionError("stream not stored")


def _swap(backend: Backend, table: str) -> None:
    """Swap the rows of case-1 and case-2 in ``table``, as an outside program could."""
    one, two = _as_stored(backend, _ONE, table), _as_stored(backend, _TWO, table)
    spare = uuid.uuid4().hex if isinstance(one, str) else uuid.uuid4()
    update = f"UPDATE {{{table}}} SET originator_id = ? WHERE originator_id = ?"
    backend.sql(update, spare, one)
    backend.sql(update, one, two)
    backend.sql(update, two, spare)


_READS: dict[str, Callable[[CaseStore], Any]] = {
    "get_case": lambda s: s.get_case("case-1"),
    "get_case without snapshot": lambda s: s.get_case("case-1", use_snapshot=False),
    "get_case as of": lambda s: s.get_case("case-1", as_of=make_day()),
    "case_events": lambda s: s.case_events("case-1"),
    "replay": lambda s: list(s.replay()),
    "streams": lambda s: list(s.streams()),
    "streams without digests": lambda s: list(s.streams(digests=False)),
    "append": lambda s: s.append([make("CaseClosed", case_id="case-1")]),
    "verify": lambda s: s.verify(),
}


def make_day() -> Any:
    from datetime import date

    return date(2026, 12, 31)


@pytest.mark.parametrize("snapshots", [True, False], ids=["with-snapshots", "events-only"])
def test_swapped_streams_are_never_read_as_the_other_case(
    durable_backend: Backend, snapshots: bool
) -> None:
    # given two cases, each with a snapshot at version 2 (or none), whose events (and
    # snapshots) are then swapped between their streams in the database
    store = _two_cases(durable_backend, snapshot_every=2 if snapshots else 0)
    _swap(durable_backend, "events")
    if snapshots:
        _swap(durable_backend, "snapshots")
    # when case-1 is read in every way, then each read refuses with the coded error
    for name, read in _READS.items():
        with pytest.raises(StoreCorruptedError) as caught:
            read(store)
        assert caught.value.code == "E-STORE-CORRUPTED", name
    # and the refused append wrote nothing
    assert len(durable_backend.sql("SELECT originator_version FROM {events}")) == 6


def test_a_snapshot_moved_from_another_stream_is_discarded(durable_backend: Backend) -> None:
    # given two cases with snapshots, only whose snapshots are swapped
    store = _two_cases(durable_backend, snapshot_every=2)
    _swap(durable_backend, "snapshots")
    # when case-1 is read, then its own state comes back, rebuilt from its own events
    state = store.get_case("case-1")
    assert state.case_id == "case-1"
    assert sorted(state.visit_log.columns()[2]) == [15, 15]
    # and verify names both damaged snapshots
    with pytest.raises(StoreCorruptedError) as caught:
        store.verify()
    assert sorted(d.stream for d in caught.value.damage) == ["case-1", "case-2"]


def test_an_event_moved_into_another_stream_is_refused(durable_backend: Backend) -> None:
    # given case-2's last event moved to the end of case-1's stream
    store = _two_cases(durable_backend, snapshot_every=0)
    one, two = (
        _as_stored(durable_backend, _ONE, "events"),
        _as_stored(durable_backend, _TWO, "events"),
    )
    durable_backend.sql(
        "UPDATE {events} SET originator_id = ?, originator_version = 4 "
        "WHERE originator_id = ? AND originator_version = 3",
        one,
        two,
    )
    # when case-1 is read, then it is refused: the event is another stream's
    for name in ("get_case", "case_events", "streams without digests", "append"):
        with pytest.raises(StoreCorruptedError, match="another stream"):
            _READS[name](store)


def test_erantis_check_exits_4_on_swapped_streams(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a SQLite store of two cases whose events are swapped
    db = tmp_path / "e.sqlite"
    with CaseStore.sqlite(db) as store:
        store.append(_history("case-1", 15))
        store.append(_history("case-2", 45))
    backend = _sqlite_backend(db)
    _swap(backend, "events")
    # when a command reads it, then it exits 4 with the coded error
    for args in (
        ["check", "--db", str(db), "--as-of", "2026-12-31"],
        ["case", "case-1", "--db", str(db), "--as-of", "2026-12-31"],
        ["verify", "--db", str(db)],
    ):
        with pytest.raises(SystemExit) as exited:
            main(args)
        err = capsys.readouterr().err
        assert exited.value.code == 4, (args, err)
        assert "[E-STORE-CORRUPTED]" in err, (args, err)


def _sqlite_backend(path: Path) -> Backend:
    import contextlib
    import sqlite3

    def raw(statement: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        text = statement.format(
            events="stored_events", snapshots="stored_snapshots", index="erantis_event_ids"
        )
        with contextlib.closing(sqlite3.connect(path)) as conn, conn:
            return conn.execute(text, params).fetchall()

    return Backend("sqlite", lambda every, cipher: CaseStore.sqlite(path), _sql=raw)


def test_a_whole_store_read_notices_a_stream_cut_short(durable_backend: Backend) -> None:
    # given two cases, the last event of case-2 deleted in SQL (its id stays in the index)
    store = _two_cases(durable_backend, snapshot_every=0)
    two = _as_stored(durable_backend, _TWO, "events")
    durable_backend.sql(
        "DELETE FROM {events} WHERE originator_id = ? AND originator_version = 3", two
    )
    # when the whole store is read (as `erantis check` reads it), then it is refused
    with pytest.raises(StoreCorruptedError, match="event id index"):
        list(store.streams())
    with pytest.raises(StoreCorruptedError, match="event id index"):
        list(store.streams(digests=False))
