"""Projections follow the notification log: incremental equals rebuild, a restart resumes from
its checkpoint and never counts an event twice."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder
from hypothesis import given
from hypothesis import strategies as st

from erantis_domain.errors import ConcurrencyConflict
from erantis_domain.events import Event, VisitDelivered
from erantis_domain.projections import (
    BudgetLedger,
    CheckpointStore,
    DelegationRegister,
    DirectoryCheckpoints,
    MemoryCheckpoints,
    Projection,
    SqliteCheckpoints,
    ledger_of,
)
from erantis_domain.store import CaseStore
from erantis_domain.testing.strategies import Municipality, municipalities
from tests._profiles import budget
from tests.projections.histories import PERIOD, TEAM, histories, visits, worked_example
from tests.report.conftest import municipality_events

_PERIODS = ("2026-08", "2026-09", "2026-10", "2026-11", "2026-12")


def _figures(ledger: BudgetLedger) -> list[object]:
    """Every team's ledger in every period of the generated histories, as comparable data."""
    return [ledger.team_period(team, period) for team in ledger.teams() for period in _PERIODS]


def _register_view(register: DelegationRegister) -> list[object]:
    return [
        register.entries(),
        register.active_by_delegate(),
        register.active_by_delegator(),
        register.follow_ups_due(on=date(2026, 10, 1), within_days=30),
    ]


def _assert_delivered_equals_visits(history: list[Event]) -> None:
    expected: dict[tuple[str, str], int] = defaultdict(int)
    for event in history:
        if isinstance(event, VisitDelivered):
            expected[event.team_id, event.delivered_on.strftime("%Y-%m")] += event.minutes

    ledger = ledger_of(history)

    for (team, period), minutes in expected.items():
        assert ledger.team_period(team, period).delivered_minutes == minutes
        assert ledger.delivered_minutes(team, period) == minutes
    assert sum(ledger.delivered_minutes(team, period) for team, period in expected) == sum(
        expected.values()
    )
    for team in ledger.teams():
        assert set(ledger.active_periods(team)) >= {p for t, p in expected if t == team}


@budget(80)
@given(municipality=municipalities(n_cases=(1, 5), n_teams=3))
def test_delivered_minutes_equal_the_sum_of_visits(municipality: Municipality) -> None:
    _assert_delivered_equals_visits(list(municipality.all_events))


@budget(80)
@given(history=histories())
def test_delivered_minutes_equal_the_sum_of_visits_across_teams(history: list[Event]) -> None:
    _assert_delivered_equals_visits(history)


@budget(30)
@given(municipality=municipalities(n_cases=(2, 4)), data=st.data())
def test_incremental_equals_rebuild_on_generated_municipalities(
    municipality: Municipality, data: st.DataObject
) -> None:
    history = list(municipality.all_events)
    cut = data.draw(st.integers(0, len(history)))
    ledger = BudgetLedger()
    with CaseStore.memory() as store:
        store.append(history[:cut])
        ledger.catch_up(store)
        store.append(history[cut:])
        ledger.catch_up(store)
        rebuilt = BudgetLedger.rebuild(store)

    assert ledger.dumps() == rebuilt.dumps()
    periods = {p for team in ledger.teams() for p in ledger.active_periods(team)}
    for team in ledger.teams():
        for period in sorted(periods):
            assert ledger.team_period(team, period) == rebuilt.team_period(team, period)


@budget(50)
@given(history=histories(), data=st.data())
def test_incremental_catch_up_equals_a_rebuild(history: list[Event], data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(history)), max_size=4)))
    ledger, register = BudgetLedger(), DelegationRegister()
    applied = 0
    with CaseStore.memory() as store:
        start = 0
        for cut in [*cuts, len(history)]:
            store.append(history[start:cut])
            start = cut
            applied += ledger.catch_up(store)
            register.catch_up(store)
        rebuilt_ledger = BudgetLedger.rebuild(store)
        rebuilt_register = DelegationRegister.rebuild(store)

    assert applied == len(history)
    assert ledger.position == rebuilt_ledger.position == register.position
    assert ledger.dumps() == rebuilt_ledger.dumps()
    assert _figures(ledger) == _figures(rebuilt_ledger)
    assert register.dumps() == rebuilt_register.dumps()
    assert _register_view(register) == _register_view(rebuilt_register)


def test_incremental_equals_rebuild_on_a_store(store: CaseStore) -> None:
    history = worked_example()
    ledger = BudgetLedger()
    for start in range(0, len(history), 7):
        store.append(history[start : start + 7])
        ledger.catch_up(store)

    rebuilt = BudgetLedger.rebuild(store)

    assert ledger.dumps() == rebuilt.dumps()
    assert ledger.team_period(TEAM, PERIOD) == rebuilt.team_period(TEAM, PERIOD)
    assert ledger.catch_up(store) == 0


@pytest.fixture(params=["directory", "sqlite", "memory"])
def checkpoints(request: pytest.FixtureRequest, tmp_path: Path) -> CheckpointStore:
    if request.param == "directory":
        return DirectoryCheckpoints(tmp_path / "checkpoints")
    if request.param == "sqlite":
        return SqliteCheckpoints(tmp_path / "checkpoints.db")
    return MemoryCheckpoints()


def test_a_restart_resumes_from_the_checkpoint(
    store: CaseStore, checkpoints: CheckpointStore
) -> None:
    history = worked_example()
    store.append(history[:20])
    first = BudgetLedger()
    first.catch_up(store)
    first.save(checkpoints)
    store.append(history[20:])

    restarted = BudgetLedger()
    restored = restarted.restore(checkpoints)
    applied = restarted.catch_up(store)

    assert restored and applied == len(history) - 20
    assert restarted.team_period(TEAM, PERIOD) == BudgetLedger.rebuild(store).team_period(
        TEAM, PERIOD
    )
    assert restarted.team_period(TEAM, PERIOD).delivered_minutes == 1530


def test_a_crash_after_catch_up_but_before_save_counts_nothing_twice(
    store: CaseStore, checkpoints: CheckpointStore
) -> None:
    store.append(worked_example())
    saved = BudgetLedger()
    saved.catch_up(store)
    saved.save(checkpoints)
    store.append(visits("case-1", 100, "2026-10-20", tag="extra"))
    lost = BudgetLedger()
    lost.restore(checkpoints)
    lost.catch_up(store)  # ... and the process dies before saving.

    again = BudgetLedger()
    again.restore(checkpoints)
    applied = again.catch_up(store)
    replayed_entry = next(iter(store.replay(after=again.position - 1)))
    again.apply(replayed_entry)  # an old entry offered again is skipped

    assert applied == 2
    assert again.team_period(TEAM, PERIOD).delivered_minutes == 1630


def test_the_sqlite_checkpoint_can_live_in_the_event_store_file(tmp_path: Path) -> None:
    path = tmp_path / "erantis.db"
    with CaseStore.sqlite(path) as store:
        store.append(worked_example())
        ledger = BudgetLedger()
        ledger.catch_up(store)
        ledger.save(SqliteCheckpoints(path))

    with CaseStore.sqlite(path) as reopened:
        resumed = BudgetLedger()
        assert resumed.restore(SqliteCheckpoints(path))
        assert resumed.catch_up(reopened) == 0
        assert resumed.team_period(TEAM, PERIOD).frame_minutes == 1567


def test_the_sqlite_checkpoint_position_is_eventsourcings_tracking(tmp_path: Path) -> None:
    # given a ledger saved halfway and again at the end
    path = tmp_path / "erantis.db"
    history = worked_example()
    checkpoints = SqliteCheckpoints(path)
    with CaseStore.sqlite(path) as store:
        store.append(history[:15])
        behind = BudgetLedger()
        behind.catch_up(store)
        behind.save(checkpoints)
        store.append(history[15:])
        ahead = BudgetLedger()
        ahead.catch_up(store)
        ahead.save(checkpoints)
    # then eventsourcing's tracking table holds the position, in eventsourcing's own table
    tracked = SQLiteTrackingRecorder(SQLiteDatastore(str(path)))
    assert (
        tracked.max_tracking_id(BudgetLedger.name)
        == ahead.position
        == checkpoints.position(BudgetLedger.name)
    )
    # and a runner that is behind cannot move it back, nor overwrite the newer state
    with pytest.raises(ConcurrencyConflict):
        behind.save(checkpoints)
    resumed = BudgetLedger()
    assert resumed.restore(checkpoints)
    assert resumed.position == ahead.position


def test_a_checkpoint_document_not_at_the_tracked_position_is_not_read(tmp_path: Path) -> None:
    # given a saved ledger whose document was then replaced behind the tracking's back
    path = tmp_path / "erantis.db"
    with CaseStore.sqlite(path) as store:
        store.append(worked_example())
        ledger = BudgetLedger()
        ledger.catch_up(store)
    checkpoints = SqliteCheckpoints(path)
    ledger.save(checkpoints)
    stale = BudgetLedger().dumps()  # position 0
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE erantis_checkpoints SET document = ?", (stale,))
    # then it is not read back: the projection rebuilds instead of trusting it
    assert checkpoints.read(BudgetLedger.name) is None
    assert not BudgetLedger().restore(checkpoints)


def test_a_checkpoint_of_another_projection_or_version_is_ignored() -> None:
    checkpoints = MemoryCheckpoints()
    register = DelegationRegister()
    checkpoints.write(BudgetLedger.name, register.dumps())
    ledger = BudgetLedger()

    assert not ledger.restore(checkpoints)
    assert ledger.position == 0
    assert not ledger.restore(MemoryCheckpoints())


def test_directory_checkpoints_refuse_path_like_names(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="plain file name"):
        DirectoryCheckpoints(tmp_path).write("../escape", "{}")


def test_projections_share_one_interface() -> None:
    assert issubclass(BudgetLedger, Projection)
    assert issubclass(DelegationRegister, Projection)
    assert BudgetLedger.name != DelegationRegister.name


@budget(50)
@given(history=histories())
def test_ledger_of_equals_the_ledger_folded_event_by_event(history: list[Event]) -> None:
    # given a history folded into a ledger one event at a time
    one_by_one = BudgetLedger()
    for event in history:
        one_by_one.apply_event(event)
    # when ledger_of folds it (each case's events a few at a time)
    # then both ledgers are the same, to the checkpoint document
    assert ledger_of(history).dumps() == one_by_one.dumps()


def test_ledger_of_folds_long_cases_as_event_by_event() -> None:
    # given a municipality whose cases have hundreds of events each, in the generator's order
    events = municipality_events(citizens=6)
    one_by_one = BudgetLedger()
    for event in events:
        one_by_one.apply_event(event)
    # when ledger_of folds it, then it is the ledger folded one event at a time
    folded = ledger_of(events)
    assert folded.dumps() == one_by_one.dumps()
    periods = ("2026-01", "2026-02", "2026-03", "2026-04")
    assert [folded.team_period(t, p) for t in folded.teams() for p in periods] == [
        one_by_one.team_period(t, p) for t in one_by_one.teams() for p in periods
    ]
