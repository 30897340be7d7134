"""``CaseStore`` on every backend: append and read back, idempotency, all-or-nothing batches,
optimistic concurrency (stated and raced), snapshots, replay, as-of reads and upcasting."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from erantis_domain.case import fold, fold_team
from erantis_domain.errors import (
    ConcurrencyConflict,
    EventIdReused,
    InvalidArgumentError,
    InvalidEventError,
    StoreConfigurationError,
    UnknownCaseError,
)
from erantis_domain.events import VisitationGranted, parse_event, parse_events
from erantis_domain.store import CaseStore, case_stream_id
from erantis_domain.store._mapper import body_hash
from erantis_domain.values import LegalBasis
from tests._postgres import PostgresCluster
from tests.factories import TZ, at, make
from tests.store.conftest import Backend


def history(case_id: str = "case-1", visits: int = 6) -> list[dict[str, Any]]:
    """A case's life from opening to a follow-up: 9 + ``visits`` events on distinct days."""
    days = iter(range(1, 32))

    def on(kind: str, **fields: Any) -> dict[str, Any]:
        return make(kind, case_id=case_id, occurred_at=at(date(2026, 10, next(days))), **fields)

    events = [
        make("CaseOpened", case_id=case_id, occurred_at=at("2026-09-11")),
        on("FunctionalAbilityAssessed"),
        on("VisitationGranted", valid_from="2026-10-02"),
        on("NursingTaskDelegated"),
    ]
    for number in range(visits):
        day = date(2026, 10, 5 + number)
        events.append(
            on("VisitDelivered", visit_id=f"visit-{number}", delivered_on=day.isoformat())
        )
    events += [
        on("TimeAdjustedByTeam", delta_minutes=20),
        on("CitizenAdmitted"),
        on("DelegationSuspended"),
        on("CitizenDischarged"),
        on("FollowUpRecorded", subject_id="del-1", outcome="E3"),
    ]
    return events


def positions(store: CaseStore) -> list[int]:
    return [entry.position for entry in store.replay()]


# --- append and read back -----------------------------------------------------------------


def test_append_then_read_back(store: CaseStore) -> None:
    # given a case history and a team event
    batch = [*history(), make("DialogueMeetingHeld")]
    # when the batch is appended
    result = store.append(batch)
    # then every event is stored, the versions are the stream lengths
    assert (result.stored, result.duplicates) == (16, 0)
    assert dict(result.versions) == {"case-1": 15, "team-nord/2026-10": 1}
    # and the case reads back as the same events in order, folded into the same state
    expected = parse_events(batch[:-1])
    assert store.case_events("case-1") == expected
    assert store.get_case("case-1") == fold("case-1", expected)
    assert store.get_case("case-1").version == 15
    # and the team period too
    assert store.team_events("team-nord", "2026-10") == [parse_event(batch[-1])]
    assert store.get_team_period("team-nord", "2026-10") == fold_team(
        "team-nord", "2026-10", [parse_event(batch[-1])]
    )
    assert store.last_position() == max(positions(store))


def test_appends_continue_a_stream(store: CaseStore) -> None:
    # given a stored first half of a history
    events = history()
    store.append(events[:5])
    # when the second half comes in a later batch
    result = store.append(events[5:])
    # then the versions continue and the case is the fold of all of it
    assert result.versions == {"case-1": 15}
    assert store.case_events("case-1") == parse_events(events)
    assert store.get_case("case-1") == fold("case-1", parse_events(events))


def test_json_text_and_parsed_events_are_accepted(store: CaseStore) -> None:
    # given the same kind of events as JSON text, bytes, a dict and a parsed event
    opened, referral, assessed, closed = (
        make("CaseOpened"),
        make("ReferralReceived"),
        make("FunctionalAbilityAssessed"),
        make("CaseClosed"),
    )
    # when appended in one batch
    result = store.append(
        [json.dumps(opened), json.dumps(referral).encode(), assessed, parse_event(closed)]
    )
    # then all four are stored as given
    assert result.stored == 4
    assert store.case_events("case-1") == parse_events([opened, referral, assessed, closed])


# --- idempotency --------------------------------------------------------------------------


def test_re_appending_a_batch_stores_nothing_twice(store: CaseStore) -> None:
    # given a stored batch over a case and a team period
    batch = [*history(), make("PeriodSettled")]
    first = store.append(batch)
    before = positions(store)
    # when the same batch is sent again, once as dicts and once as JSON text
    again = store.append(batch)
    as_text = store.append([json.dumps(item) for item in batch])
    # then nothing is stored, all are duplicates and the versions are unchanged
    assert (again.stored, again.duplicates) == (0, 16)
    assert (as_text.stored, as_text.duplicates) == (0, 16)
    assert again.versions == first.versions == as_text.versions
    assert positions(store) == before
    assert len(store.case_events("case-1")) == 15


def test_a_partly_stored_batch_stores_only_the_new_events(store: CaseStore) -> None:
    # given the first 4 events of a history stored
    events = history()
    store.append(events[:4])
    # when the whole history is sent
    result = store.append(events)
    # then the 4 are duplicates and the other 11 are new
    assert (result.stored, result.duplicates) == (11, 4)
    assert store.case_events("case-1") == parse_events(events)


def test_a_duplicate_inside_one_batch_is_stored_once(store: CaseStore) -> None:
    opened = make("CaseOpened")
    result = store.append([opened, make("ReferralReceived"), opened])
    assert (result.stored, result.duplicates) == (2, 1)
    assert result.versions == {"case-1": 2}


def test_a_reused_event_id_with_other_content_is_refused(store: CaseStore) -> None:
    # given a stored event
    opened = make("CaseOpened")
    store.append([opened])
    # when a batch with a new event and the same event_id with other content arrives
    other = {**opened, "municipality": "0101"}
    with pytest.raises(EventIdReused) as caught:
        store.append([make("ReferralReceived"), other])
    # then it is refused with its code and nothing of the batch is stored
    assert caught.value.code == "E-EVENT-ID-REUSED"
    assert opened["event_id"] in str(caught.value)
    assert store.case_events("case-1") == [parse_event(opened)]


def test_a_reused_event_id_inside_one_batch_is_refused(store: CaseStore) -> None:
    opened = make("CaseOpened")
    with pytest.raises(EventIdReused):
        store.append([opened, {**opened, "team_id": "team-syd"}])
    with pytest.raises(UnknownCaseError):
        store.case_events("case-1")


# --- all or nothing -------------------------------------------------------------------------


def test_a_batch_whose_last_event_is_invalid_stores_nothing(store: CaseStore) -> None:
    # given a batch over two cases whose last event has negative minutes
    batch = [*history("case-1"), *history("case-2")[:3], make("VisitDelivered", minutes=-1)]
    # when appended, then validation names the position and nothing is stored anywhere
    with pytest.raises(InvalidEventError, match="index 18"):
        store.append(batch)
    assert store.last_position() == 0
    assert list(store.replay()) == []
    with pytest.raises(UnknownCaseError):
        store.get_case("case-1")


def interleave(
    monkeypatch: pytest.MonkeyPatch,
    store: CaseStore,
    action: Callable[[], object],
    when: Callable[[tuple[str, ...]], bool] = lambda parts: True,
) -> list[int]:
    """Run ``action`` (another writer's append) right after ``store`` has loaded the first
    stream ``when`` accepts, during its own append: the race a real second writer could win.
    ``store._reader.load`` is the only seam between the read and the write of an append."""
    original = store._reader.load
    fired: list[int] = []

    def load(*args: Any, **kwargs: Any) -> Any:
        stream = original(*args, **kwargs)
        if not fired and when(args[2]):
            fired.append(1)
            action()
        return stream

    monkeypatch.setattr(store._reader, "load", load)
    return fired


def test_a_batch_that_conflicts_stores_nothing_in_any_stream(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given both cases opened, and two writers on the same data
    writer, rival = backend.open(), backend.open()
    writer.append([make("CaseOpened", case_id="case-1"), make("CaseOpened", case_id="case-2")])
    # and a rival that appends to case-2 after the writer has read it
    fired = interleave(
        monkeypatch,
        writer,
        lambda: rival.append([make("ReferralReceived", case_id="case-2")]),
        when=lambda parts: parts == ("case-2",),
    )
    # when the writer appends to both cases in one batch
    with pytest.raises(ConcurrencyConflict) as caught:
        writer.append(
            [make("ReferralReceived", case_id="case-1"), make("CaseClosed", case_id="case-2")]
        )
    # then it loses the race, and neither case holds any of its events
    assert fired == [1]
    assert caught.value.code == "E-CONFLICT"
    assert [e.type for e in rival.case_events("case-1")] == ["CaseOpened"]
    assert [e.type for e in rival.case_events("case-2")] == ["CaseOpened", "ReferralReceived"]
    assert rival.last_position() == max(positions(rival))
    assert len(positions(rival)) == 3


# --- optimistic concurrency -----------------------------------------------------------------


def test_a_stale_expected_version_is_a_conflict(store: CaseStore) -> None:
    # given a case at version 2
    store.append([make("CaseOpened"), make("ReferralReceived")])
    # when a writer who saw version 1 appends
    with pytest.raises(ConcurrencyConflict) as caught:
        store.append([make("CaseClosed")], expected_version=1)
    # then it gets a conflict naming both versions, and nothing is written
    assert caught.value.code == "E-CONFLICT"
    assert "version 2" in str(caught.value)
    assert "expected 1" in str(caught.value)
    assert store.get_case("case-1").version == 2
    # and the writer who saw version 2 succeeds
    result = store.append([make("CaseClosed")], expected_version=2)
    assert result.versions == {"case-1": 3}


def test_expected_version_0_is_a_new_case(store: CaseStore) -> None:
    assert store.append([make("CaseOpened")], expected_version=0).versions == {"case-1": 1}
    with pytest.raises(ConcurrencyConflict):
        store.append([make("CaseOpened", case_id="case-1")], expected_version=0)


def test_expected_version_needs_one_stream(store: CaseStore) -> None:
    batch = [make("CaseOpened", case_id="case-1"), make("CaseOpened", case_id="case-2")]
    with pytest.raises(ConcurrencyConflict, match="exactly one stream"):
        store.append(batch, expected_version=0)
    assert store.last_position() == 0


def test_a_retried_batch_with_expected_version_reports_duplicates(store: CaseStore) -> None:
    # given a batch stored with expected_version 0 whose reply was lost
    batch = [make("CaseOpened"), make("ReferralReceived")]
    store.append(batch, expected_version=0)
    # when the writer retries it unchanged
    retry = store.append(batch, expected_version=0)
    # then it is told the events are stored already, not that it lost a race
    assert (retry.stored, retry.duplicates) == (0, 2)
    assert retry.versions == {"case-1": 2}


def test_a_writer_that_loses_a_real_race_gets_a_conflict(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given two store handles on the same data (memory: one handle), both past version 1
    first, second = backend.open(), backend.open()
    first.append([make("CaseOpened")])
    assert second.get_case("case-1").version == 1
    # and the second writer appends between the first one's read and its write
    rival = make("ReferralReceived", reason="rival")
    fired = interleave(monkeypatch, first, lambda: second.append([rival]))
    # when the first writer appends without stating a version
    mine = make("ReferralReceived", reason="mine")
    with pytest.raises(ConcurrencyConflict):
        first.append([mine])
    # then the rival's event is stored and the loser's is not
    assert fired == [1]
    assert [e.event_id for e in second.case_events("case-1")][1:] == [UUID(rival["event_id"])]
    # and on retry (a fresh read) the loser's event goes in after it
    monkeypatch.undo()
    assert first.append([mine]).versions == {"case-1": 3}
    assert [e.reason for e in first.case_events("case-1")[1:]] == ["rival", "mine"]  # type: ignore[union-attr]


def test_two_handles_see_each_others_writes(durable_backend: Backend) -> None:
    # given two handles on the same file or database
    one, two = durable_backend.open(), durable_backend.open()
    # when each appends to the case in turn
    one.append([make("CaseOpened")], expected_version=0)
    two.append([make("ReferralReceived")], expected_version=1)
    # then both read the same two events, and a stale expectation on either is refused
    assert one.case_events("case-1") == two.case_events("case-1")
    with pytest.raises(ConcurrencyConflict):
        one.append([make("CaseClosed")], expected_version=1)


# --- reopening ------------------------------------------------------------------------------


def test_reopened_data_reads_back_and_continues(durable_backend: Backend) -> None:
    # given a history stored, and the store closed
    events = history()
    first = durable_backend.open()
    first.append(events[:10])
    before = first.get_case("case-1")
    first.close()
    # when the file or database is opened again
    again = durable_backend.open()
    # then the case reads back equal, re-sending is still idempotent, and it continues
    assert again.get_case("case-1") == before
    assert again.case_events("case-1") == parse_events(events[:10])
    assert again.append(events).stored == 5
    assert again.get_case("case-1") == fold("case-1", parse_events(events))


def test_a_sqlite_file_is_reopened(tmp_path: Path) -> None:
    # given a store on a file that is closed after writing
    path = tmp_path / "cases.sqlite"
    events = history()
    with CaseStore.sqlite(path) as store:
        store.append(events)
    # when the file is opened by a new store, then everything is there
    with CaseStore.sqlite(path) as reopened:
        assert reopened.persistence == "sqlite"
        assert reopened.case_events("case-1") == parse_events(events)
        assert [e.event for e in reopened.replay()] == parse_events(events)


# --- snapshots ------------------------------------------------------------------------------


def test_snapshot_and_full_replay_give_the_same_state(backend: Backend) -> None:
    # given a store taking a snapshot every 3 events, and a 15-event case in three batches
    store = backend.open(snapshot_every=3)
    events = history()
    for start, stop in ((0, 5), (5, 9), (9, 13)):
        store.append(events[start:stop])
    # then snapshots were taken
    assert store._app.snapshots is not None
    snapshots = list(store._app.snapshots.get(case_stream_id("case-1")))
    assert [s.originator_version for s in snapshots] == [5, 9, 13]
    # when the case is read with and without the snapshot, after two more events
    store.append(events[13:])
    with_snapshot = store.get_case("case-1")
    without = store.get_case("case-1", use_snapshot=False)
    # then all readings agree with the fold of the stored events
    assert with_snapshot == without == fold("case-1", store.case_events("case-1"))
    assert with_snapshot.version == 15
    assert with_snapshot.delegations["del-1"].status == "revoked"
    # and idempotency still holds for events only the snapshot remembers
    assert store.append(events).duplicates == 15


def test_a_reopened_store_reads_from_its_snapshot(durable_backend: Backend) -> None:
    # given a long case stored with snapshots every 3 events, and the store closed
    first = durable_backend.open(snapshot_every=3)
    events = history(visits=20)
    first.append(events[:11])
    first.append(events[11:])
    first.close()
    # when reopened, then the snapshot-based state equals a full replay and a fold
    again = durable_backend.open(snapshot_every=3)
    state = again.get_case("case-1")
    assert state == again.get_case("case-1", use_snapshot=False)
    assert state == fold("case-1", parse_events(events))
    assert state.visits == 20


def test_snapshots_can_be_disabled(backend: Backend) -> None:
    # given a store with snapshot_every=0, when a long history is appended
    store = backend.open(snapshot_every=0)
    store.append(history(visits=20))
    # then no snapshot is stored, and the case still reads back
    assert store._app.snapshots is not None
    assert list(store._app.snapshots.get(case_stream_id("case-1"))) == []
    assert store.get_case("case-1").version == 29


# --- replay ---------------------------------------------------------------------------------


def test_replay_is_in_recording_order_and_resumes_after_a_position(store: CaseStore) -> None:
    # given three batches over two cases and a team period, interleaved
    one, two = history("case-1", visits=2), history("case-2", visits=2)
    batches = [
        [*one[:3], *two[:2]],
        [make("DialogueMeetingHeld"), *one[3:]],
        two[2:],
    ]
    for batch in batches:
        store.append(batch)
    recorded = parse_events([item for batch in batches for item in batch])
    # when everything is replayed, in pages of 4
    entries = list(store.replay(batch_size=4))
    # then the events come in recording order with increasing positions
    assert [e.event for e in entries] == recorded
    found = [e.position for e in entries]
    assert found == sorted(set(found))
    assert found[-1] == store.last_position()
    assert all(e.recorded_at.tzinfo is not None for e in entries)
    # and resuming after any position gives exactly the rest
    for index in (0, 4, 11, len(entries) - 1):
        rest = list(store.replay(after=found[index], batch_size=3))
        assert [e.event for e in rest] == recorded[index + 1 :]
    assert list(store.replay(after=store.last_position())) == []


def test_an_empty_store_replays_nothing(store: CaseStore) -> None:
    assert list(store.replay()) == []
    assert store.last_position() == 0


# --- reading as of a date -------------------------------------------------------------------


def test_get_case_as_of_a_date_includes_that_whole_day(store: CaseStore) -> None:
    # given a case opened 11 Sep, granted 1 Oct at 10:00, visited 2 Oct, closed 20 Oct
    opened = make("CaseOpened", occurred_at=at("2026-09-11"))
    granted = make("VisitationGranted", occurred_at=at("2026-10-01"))
    visited = make("VisitDelivered", occurred_at=at("2026-10-02"), delivered_on="2026-10-02")
    closed = make("CaseClosed", occurred_at=at("2026-10-20"))
    store.append([opened, granted, visited, closed])
    # when read as of several moments
    before_grant = store.get_case("case-1", as_of=date(2026, 9, 30))
    grant_day = store.get_case("case-1", as_of=date(2026, 10, 1))
    just_before = store.get_case("case-1", as_of=datetime(2026, 10, 1, 9, 59, tzinfo=TZ))
    on_the_minute = store.get_case("case-1", as_of=datetime(2026, 10, 1, 10, 0, tzinfo=TZ))
    # then each reading folds exactly the events that had occurred
    assert before_grant == fold("case-1", parse_events([opened]))
    assert grant_day == fold("case-1", parse_events([opened, granted]))
    assert just_before == before_grant
    assert on_the_minute == grant_day
    assert grant_day.decisions["d-1"].decision_id == "d-1"
    assert grant_day.visits == 0
    assert store.get_case("case-1", as_of=date(2026, 12, 31)) == store.get_case("case-1")


def test_get_case_as_of_a_naive_datetime_is_refused(store: CaseStore) -> None:
    store.append([make("CaseOpened")])
    with pytest.raises(InvalidArgumentError, match="timezone-aware"):
        store.get_case("case-1", as_of=datetime(2026, 10, 1, 12))


# --- unknown cases --------------------------------------------------------------------------


def test_an_unknown_case_is_an_error_with_its_code(store: CaseStore) -> None:
    # given a store with another case
    store.append([make("CaseOpened", case_id="case-1")])
    # when an unknown case is read in any way, then UnknownCaseError names it
    reads: list[Callable[[], object]] = [
        lambda: store.get_case("case-9"),
        lambda: store.get_case("case-9", use_snapshot=False),
        lambda: store.get_case("case-9", as_of=date(2026, 10, 1)),
        lambda: store.case_events("case-9"),
    ]
    for read in reads:
        with pytest.raises(UnknownCaseError) as caught:
            read()
        assert caught.value.code == "E-UNKNOWN-CASE"
        assert "'case-9'" in str(caught.value)
    # and an unknown team period is simply empty
    assert store.team_events("team-nord", "2026-10") == []
    assert store.get_team_period("team-nord", "2026-10").version == 0


# --- upcasting ------------------------------------------------------------------------------


def _insert_v1_grant(store: CaseStore, basis: str) -> dict[str, Any]:
    """Write a version-1 ``VisitationGranted`` straight into the recorder, as an old erantis
    would have stored it: ``legal_basis`` as text (and index it, as opening such a store
    does)."""
    v1 = make("VisitationGranted", legal_basis=basis, schema_version=1)
    state = {"recorded_at": "2026-10-01T08:00:00+00:00", "event": v1}
    stored = StoredEvent(
        originator_id=case_stream_id("case-1"),
        originator_version=1,
        topic="erantis/VisitationGranted",
        state=json.dumps(state).encode("utf-8"),
    )
    store._app.recorder.insert_events([stored])
    if store._ids.recorder is None:
        event = parse_event(v1)
        key = (case_stream_id("case-1").hex, str(event.event_id))
        store._ids.memory[key] = body_hash(event.model_dump_json())[:32]
    else:
        store._ids.build()
    return v1


@pytest.mark.parametrize(
    ("basis", "expected"),
    [
        ("SEL §83", LegalBasis(act="SEL", paragraph="83", regime="unspecified")),
        ("SUL § 138", LegalBasis(act="SUL", paragraph="138", regime="unspecified")),
    ],
)
def test_a_stored_v1_grant_is_read_as_v2(
    store: CaseStore, basis: str, expected: LegalBasis
) -> None:
    # given a version-1 grant stored by an older erantis
    v1 = _insert_v1_grant(store, basis)
    # when the case is read back in every way
    (event,) = store.case_events("case-1")
    (entry,) = list(store.replay())
    state = store.get_case("case-1")
    # then it is a version-2 grant with a structured legal basis
    assert isinstance(event, VisitationGranted)
    assert event.schema_version == 2
    assert event.legal_basis == expected
    assert entry.event == event
    assert entry.recorded_at == datetime.fromisoformat("2026-10-01T08:00:00+00:00")
    assert state.decisions["d-1"].legal_basis == expected
    assert event.event_id == UUID(v1["event_id"])
    # and re-sending the old version-1 JSON finds it stored (idempotent across versions)
    again = store.append([json.dumps(v1)])
    assert (again.stored, again.duplicates) == (0, 1)
    # and the stream continues after it
    assert store.append([make("VisitDelivered")]).versions == {"case-1": 2}


# --- configuration in code wins over the environment ---------------------------------------


def _hostile_environment(monkeypatch: pytest.MonkeyPatch, elsewhere: Path) -> None:
    for prefix in ("", "ERANTIS_"):
        monkeypatch.setenv(f"{prefix}PERSISTENCE_MODULE", "eventsourcing.popo")
        monkeypatch.setenv(f"{prefix}SQLITE_DBNAME", str(elsewhere))
        monkeypatch.setenv(f"{prefix}POSTGRES_DBNAME", "elsewhere")
        monkeypatch.setenv(f"{prefix}POSTGRES_PORT", "1")
        monkeypatch.setenv(f"{prefix}IS_SNAPSHOTTING_ENABLED", "n")


def test_the_environment_cannot_move_a_sqlite_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an environment that points eventsourcing at memory and at another file
    elsewhere = tmp_path / "elsewhere" / "other.sqlite"
    elsewhere.parent.mkdir()
    _hostile_environment(monkeypatch, elsewhere)
    # when a store is opened on an explicit file and written to
    path = tmp_path / "mine.sqlite"
    events = history()
    with CaseStore.sqlite(path) as store:
        assert store.persistence == "sqlite"
        store.append(events)
    # then the data is in that file (a new store reads it back) and nowhere else
    with CaseStore.sqlite(path) as reopened:
        assert reopened.case_events("case-1") == parse_events(events)
    assert path.exists()
    assert not elsewhere.exists()
    assert list(elsewhere.parent.iterdir()) == []


def test_the_environment_cannot_move_a_postgres_store(
    postgres_cluster: PostgresCluster, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # given a hostile environment and a database of our own
    dbname = postgres_cluster.create_database()
    _hostile_environment(monkeypatch, tmp_path / "other.sqlite")

    def open_store() -> CaseStore:
        return CaseStore.postgres(
            dbname=dbname,
            host=postgres_cluster.host,
            port=postgres_cluster.port,
            user=postgres_cluster.user,
        )

    # when a store is opened with explicit settings and written to
    with open_store() as store:
        assert store.persistence == "postgres"
        store.append([make("CaseOpened")])
    # then a second store on the same settings reads it back
    with open_store() as again:
        assert [e.type for e in again.case_events("case-1")] == ["CaseOpened"]


# --- configuration errors -------------------------------------------------------------------


def test_a_sqlite_path_in_a_missing_directory_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(StoreConfigurationError) as caught:
        CaseStore.sqlite(tmp_path / "missing" / "cases.sqlite")
    assert caught.value.code == "E-STORE-CONFIG"
    assert not (tmp_path / "missing").exists()
    with pytest.raises(StoreConfigurationError):
        CaseStore.sqlite(":memory:")


def test_a_negative_snapshot_interval_is_a_configuration_error() -> None:
    with pytest.raises(StoreConfigurationError, match="snapshot_every must be >= 0"):
        CaseStore.memory(snapshot_every=-1)


def test_a_closed_store_refuses_to_be_used(tmp_path: Path) -> None:
    from erantis_domain.errors import StoreConfigurationError

    store = CaseStore.sqlite(tmp_path / "closed.sqlite")
    store.close()
    store.close()  # closing twice is harmless
    with pytest.raises(StoreConfigurationError, match="closed"):
        store.append([make("CaseOpened")])
    with pytest.raises(StoreConfigurationError, match="closed"):
        store.get_case("case-1")
