"""The delegation register: by delegate, by delegating nurse, suspended, follow-ups due."""

from __future__ import annotations

from datetime import date

from erantis_domain.events import Event
from erantis_domain.projections import DelegationEntry, DelegationRegister
from erantis_domain.store import CaseStore
from tests.projections.histories import ev


def _history() -> list[Event]:
    return [
        ev(
            "NursingTaskDelegated",
            "case-1",
            "2026-09-01",
            delegation_id="del-1",
            delegator_id="nurse-1",
            delegate_id="ssa-1",
            follow_up_due="2026-10-15",
        ),
        ev(
            "NursingTaskDelegated",
            "case-2",
            "2026-09-02",
            delegation_id="del-1",
            task="G1.19",
            delegator_id="nurse-2",
            delegate_id="ssa-1",
            follow_up_due="2026-12-01",
        ),
        ev(
            "NursingTaskDelegated",
            "case-3",
            "2026-09-03",
            delegation_id="del-3",
            delegator_id="nurse-1",
            delegate_id="ssh-4",
            delegate_role="ssh",
            follow_up_due="2026-10-20",
        ),
        ev("DelegationSuspended", "case-3", "2026-09-20", delegation_id="del-3"),
        ev(
            "NursingTaskDelegated",
            "case-4",
            "2026-09-04",
            delegation_id="del-4",
            delegator_id="nurse-2",
            delegate_id="ssa-2",
            follow_up_due="2026-09-30",
        ),
        ev("FollowUpRecorded", "case-4", "2026-09-28", subject_id="del-4", outcome="E3"),
        ev("DelegationSuspended", "case-4", "2026-09-29", delegation_id="del-4"),
        ev("FollowUpRecorded", "case-1", "2026-09-25", subject_id="del-1", outcome="E1"),
    ]


def _ids(entries: list[DelegationEntry]) -> list[tuple[str, str]]:
    return [(e.case_id, e.delegation_id) for e in entries]


def test_the_register_on_a_store(store: CaseStore) -> None:
    store.append(_history())
    register = DelegationRegister()

    assert register.catch_up(store) == 8

    by_delegate = register.active_by_delegate()
    assert list(by_delegate) == ["ssa-1"]
    assert _ids(by_delegate["ssa-1"]) == [("case-1", "del-1"), ("case-2", "del-1")]
    by_nurse = register.active_by_delegator()
    assert {nurse: _ids(entries) for nurse, entries in by_nurse.items()} == {
        "nurse-1": [("case-1", "del-1")],
        "nurse-2": [("case-2", "del-1")],
    }
    assert _ids(register.suspended()) == [("case-3", "del-3")]
    assert register.suspended()[0].status_since == date(2026, 9, 20)


def test_an_ended_delegation_is_revoked_for_good() -> None:
    register = DelegationRegister()
    for event in _history():
        register.apply_event(event)

    ended = register.get("case-4", "del-4")

    assert ended is not None
    assert (ended.status, ended.status_since, ended.last_outcome) == (
        "revoked",
        date(2026, 9, 28),
        "E3",
    )


def test_follow_ups_due_within_n_days() -> None:
    register = DelegationRegister()
    for event in _history():
        register.apply_event(event)

    due = register.follow_ups_due(on=date(2026, 10, 16), within_days=7)

    # case-1 del-1 was followed up on 2026-09-25: next due 90 days later (2026-12-24).
    # case-3 (suspended) is due 2026-10-20; case-2 on 2026-12-01 is beyond the horizon.
    assert [(d.entry.case_id, d.due, d.overdue) for d in due] == [
        ("case-3", date(2026, 10, 20), False)
    ]
    overdue = register.follow_ups_due(on=date(2026, 12, 2), within_days=0)
    assert [(d.entry.case_id, d.due, d.overdue) for d in overdue] == [
        ("case-3", date(2026, 10, 20), True),
        ("case-2", date(2026, 12, 1), True),
    ]


def test_the_follow_up_interval_is_a_parameter() -> None:
    register = DelegationRegister(follow_up_interval_days=30)
    for event in _history():
        register.apply_event(event)
    entry = register.get("case-1", "del-1")

    assert entry is not None
    assert register.next_follow_up(entry) == date(2026, 10, 25)


def test_events_of_unknown_delegations_are_ignored() -> None:
    register = DelegationRegister()
    register.apply_event(ev("DelegationSuspended", "case-9", "2026-09-01", delegation_id="x"))
    register.apply_event(ev("FollowUpRecorded", "case-9", "2026-09-01", subject_id="d-1"))

    assert register.entries() == []
