"""Ingest and snapshots (issue 14, item 7): ``erantis ingest`` stores a file case by case and
resumes after an interruption; stores written before the index of event ids (digests inside
snapshots) still load, verify and deduplicate; a long case's snapshot restores it exactly."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from erantis_domain.case import fold
from erantis_domain.errors import StoreCorruptedError, StoreKeyError
from erantis_domain.events import parse_event
from erantis_domain.store import CaseStore
from erantis_domain.store.keys import FieldCipher
from erantis_domain.testing.synthetic import generate
from erantis_rules._stores import open_cli_store
from erantis_rules.cli import _shared as cli
from erantis_rules.cli import app
from tests.factories import at, make
from tests.store.conftest import Backend

OLD_STORE = Path(__file__).parent.parent / "data" / "stores" / "layout-1.sqlite"
OLD_EVENTS = Path(__file__).parent.parent / "data" / "stores" / "layout-1.jsonl"


def _municipality(path: Path, citizens: int = 12, months: int = 2) -> list[dict[str, Any]]:
    events = list(generate(citizens=citizens, start=date(2026, 1, 1), months=months, seed=3))
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return events


def _stored_ids(db: Path) -> list[str]:
    with open_cli_store(str(db))[0] as store:  # as the command line opens it
        store.verify()
        return sorted(str(entry.event.event_id) for entry in store.replay())


# --- erantis ingest -------------------------------------------------------------------------


def test_an_interrupted_ingest_resumes_storing_nothing_twice_and_losing_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a municipality's file, and a store that fails after three cases were stored
    file, db = tmp_path / "events.jsonl", tmp_path / "erantis.sqlite"
    events = _municipality(file)
    real_append = CaseStore.append
    calls = 0

    def failing(self: CaseStore, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls > 3:
            raise RuntimeError("the power went out")
        return real_append(self, *args, **kwargs)

    monkeypatch.setattr(CaseStore, "append", failing)
    runner = CliRunner()
    interrupted = runner.invoke(app, ["ingest", "--trust-recorded-by", str(file), "--db", str(db)])
    assert interrupted.exception is not None
    partly = _stored_ids(db)
    assert 0 < len(partly) < len(events)
    # when the same command runs again
    monkeypatch.setattr(CaseStore, "append", real_append)
    resumed = runner.invoke(app, ["ingest", "--trust-recorded-by", str(file), "--db", str(db)])
    # then it stores exactly the rest: every event once, the store intact
    assert resumed.exit_code == 0, resumed.output
    rest = len(events) - len(partly)
    assert f"{rest} events stored, {len(partly)} already stored" in resumed.output
    assert _stored_ids(db) == sorted(e["event_id"] for e in events)
    # and the cases read back as the file's events fold them
    case_id = events[0]["case_id"]
    with open_cli_store(str(db))[0] as store:  # as the command line opens it
        expected = fold(case_id, [parse_event(e) for e in events if e.get("case_id") == case_id])
        assert store.get_case(case_id) == expected


def test_ingest_stores_each_case_in_one_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a time-ordered file (the events of the cases interleave)
    file, db = tmp_path / "events.jsonl", tmp_path / "erantis.sqlite"
    events = _municipality(file, citizens=5)
    batches: list[set[tuple[str, ...]]] = []
    real_append = CaseStore.append

    def spying(self: CaseStore, batch: Any, **kwargs: Any) -> Any:
        batch = list(batch)
        batches.append({_stream(e) for e in batch})
        return real_append(self, batch, **kwargs)

    monkeypatch.setattr(CaseStore, "append", spying)
    # when it is ingested
    assert (
        CliRunner()
        .invoke(app, ["ingest", "--trust-recorded-by", str(file), "--db", str(db)])
        .exit_code
        == 0
    )
    # then each append held one case (or team period), and each was appended once
    streams = [next(iter(b)) for b in batches]
    assert all(len(b) == 1 for b in batches)
    assert len(streams) == len(set(streams)) == len({_stream(parse_event(e)) for e in events})


def _stream(event: Any) -> tuple[str, ...]:
    case_id = getattr(event, "case_id", None)
    return (case_id,) if case_id else (event.team_id, event.period)


def test_the_progress_bar_shows_on_a_terminal_unless_quiet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given stderr is a terminal
    file = tmp_path / "events.jsonl"
    _municipality(file, citizens=2, months=1)
    shown: dict[bool, str] = {}
    for quiet in (False, True):
        screen = io.StringIO()
        monkeypatch.setattr(cli, "_err", Console(file=screen, force_terminal=True, width=100))
        args = [
            "ingest",
            "--trust-recorded-by",
            str(file),
            "--db",
            str(tmp_path / f"{quiet}.sqlite"),
        ]
        # when it is ingested, with and without --quiet
        result = CliRunner().invoke(app, args + (["--quiet"] if quiet else []))
        assert result.exit_code == 0, result.output
        shown[quiet] = screen.getvalue()
    # then the bar names its steps, and --quiet draws nothing
    assert "storing" in shown[False] and "validating events" in shown[False]
    assert shown[True] == ""


# --- stores written before the index of event ids --------------------------------------------


def _old_store(tmp_path: Path) -> tuple[CaseStore, list[dict[str, Any]]]:
    """A copy of the store written at dbe7360, opened by this erantis, and its events."""
    copy = tmp_path / "old.sqlite"
    shutil.copyfile(OLD_STORE, copy)
    lines = [json.loads(line) for line in OLD_EVENTS.read_text(encoding="utf-8").splitlines()]
    return CaseStore.sqlite(copy, snapshot_every=3), lines


def test_a_store_written_before_the_index_loads_verifies_and_deduplicates(
    tmp_path: Path,
) -> None:
    # given a store written by erantis at dbe7360 (format-1 rows, digests inside snapshots)
    store, lines = _old_store(tmp_path)
    events = [parse_event(e) for e in lines]
    case_1 = [e for e in events if getattr(e, "case_id", None) == "case-1"]
    # when it is read, then its format-1 snapshot gives the state its events fold to
    assert store.get_case("case-1") == fold("case-1", case_1)
    assert store.get_case("case-1") == store.get_case("case-1", use_snapshot=False)
    report = store.verify()
    assert (report.events, report.snapshots) == (len(lines), 1)
    # and every event re-sent is recognised (the index was built from the stored events)
    again = store.append(lines)
    assert (again.stored, again.duplicates) == (0, len(lines))
    # and a new event continues its chain, with a new snapshot, and all verifies
    visit = make("VisitDelivered", occurred_at=at("2026-10-20"))
    assert store.append([visit]).stored == 1
    assert store.get_case("case-1") == fold("case-1", [*case_1, parse_event(visit)])
    assert store.verify().events == len(lines) + 1
    store.close()


def test_damage_in_a_store_written_before_the_index_is_still_found(tmp_path: Path) -> None:
    # given the old store, whose first event (format 1: digest over sorted keys) is edited
    store, _ = _old_store(tmp_path)
    store.close()
    with sqlite3.connect(tmp_path / "old.sqlite") as conn:
        ((state,),) = conn.execute("SELECT state FROM stored_events WHERE rowid = 1")
        assert b'"municipality":"0756"' in state
        edited = bytes(state).replace(b'"municipality":"0756"', b'"municipality":"0101"')
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = 1", (edited,))
        # and the digests inside its newest format-1 snapshot are edited too
        ((snap,),) = conn.execute("SELECT state FROM stored_snapshots WHERE originator_version = 7")
        payload = json.loads(snap)
        digests = payload["state"]["digests"]
        digests[next(iter(digests))] = "0" * 32
        conn.execute(
            "UPDATE stored_snapshots SET state = ? WHERE originator_version = 7",
            (json.dumps(payload).encode(),),
        )
    # when it is opened and verified, then both are named
    with (
        CaseStore.sqlite(tmp_path / "old.sqlite") as reopened,
        pytest.raises(StoreCorruptedError) as caught,
    ):
        reopened.verify()
    found = [(d.stream, d.position) for d in caught.value.damage]
    assert ("case-1", 1) in found
    assert any("snapshot" in d.problem for d in caught.value.damage)


def test_a_store_whose_index_is_gone_rebuilds_it_on_opening(durable_backend: Backend) -> None:
    # given a store (SQLite or PostgreSQL) whose index table is dropped, as before it existed
    store = durable_backend.open(snapshot_every=2)
    history = [make("CaseOpened"), make("VisitDelivered"), make("DialogueMeetingHeld")]
    store.append(history)
    durable_backend.sql("DROP TABLE {index}")
    # when it is opened again, then re-sent events are duplicates and it verifies
    again = durable_backend.open(snapshot_every=2)
    result = again.append(history)
    assert (result.stored, result.duplicates) == (0, 3)
    assert again.verify().events == 3


# --- snapshots of long cases -------------------------------------------------------------------


def test_a_long_case_is_restored_exactly_from_its_snapshot(backend: Backend) -> None:
    # given a case with visits on more distinct days, and by more carers, than one character
    # per row can name (the snapshot then keeps those columns as plain lists)
    store = backend.open(snapshot_every=50)
    start = date(2026, 1, 1)
    visits = [
        make(
            "VisitDelivered",
            occurred_at=at(start + timedelta(days=i)),
            delivered_on=(start + timedelta(days=i)).isoformat(),
            carer_id=f"carer-{i}",
            minutes=5 + i % 7,
        )
        for i in range(120)
    ]
    store.append([make("CaseOpened", occurred_at=at("2025-12-31")), *visits[:70]])
    store.append(visits[70:])
    # when it is read from its snapshot, then it equals the state folded from its events
    assert store.get_case("case-1") == store.get_case("case-1", use_snapshot=False)
    assert store.get_case("case-1").visits == 120


def test_an_encrypted_store_written_before_the_index_is_indexed_with_its_key(
    durable_backend: Backend,
) -> None:
    # given an encrypted store whose index table is dropped, as before the index existed
    cipher = FieldCipher({"k1": bytes(range(32))}, "k1")
    history = [make("CaseOpened"), make("ReferralReceived", reason="Canary reason")]
    durable_backend.open(cipher=cipher).append(history)
    durable_backend.sql("DROP TABLE {index}")
    # when it is opened without its key, then the coded key error is raised (nothing indexed)
    with pytest.raises(StoreKeyError):
        durable_backend.open()
    # and opened with its key, it is indexed: re-sent events are duplicates
    store = durable_backend.open(cipher=cipher)
    assert store.append(history).duplicates == 2
    assert store.verify().events == 2
