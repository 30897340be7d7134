"""Given events, when one more is folded in with ``evolve``, then the case state is exactly
this. One test (at least) per case event type — a test below fails if a type has none — plus
decision status, frames with adjustments, delegations, admissions, team periods and purity."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import pytest

from erantis_domain.case import (
    Admission,
    AgreementState,
    CitizenCase,
    CourseState,
    DecisionState,
    DelegationState,
    FollowUp,
    MeetingState,
    SettlementState,
    TargetGroup,
    TeamPeriod,
    evolve,
    evolve_team,
    fold,
    fold_team,
)
from erantis_domain.case._evolve import with_visit_rows
from erantis_domain.errors import InvalidEventError
from erantis_domain.events import (
    CASE_EVENT_TYPES,
    TEAM_EVENT_TYPES,
    Event,
    VisitationGranted,
    VisitDelivered,
)
from erantis_domain.values import Frame, LegalBasis, Role
from tests.factories import CASE_ID, at, event

COVERED: set[str] = set()
_F = TypeVar("_F", bound=Callable[..., Any])


def covers(*kinds: str) -> Callable[[_F], _F]:
    """Mark a test as the given/when/then test of these event types."""

    def mark(test: _F) -> _F:
        COVERED.update(kinds)
        return test

    return mark


def given(*events: Event) -> CitizenCase:
    return fold(CASE_ID, events)


def on(kind: str, day: str, /, **fields: Any) -> Event:
    """An event of ``kind`` that occurred on ``day`` at 10:00 Copenhagen time."""
    return event(kind, occurred_at=at(day), **fields)


OPENED = on("CaseOpened", "2026-09-11")
GRANT = on("VisitationGranted", "2026-09-25", valid_from="2026-10-01", valid_until="2026-12-31")
DELEGATED = on("NursingTaskDelegated", "2026-10-03", delegation_id="del-1")


def test_every_case_event_type_has_an_evolve_test() -> None:
    # given the catalogue's case events, then each is covered by a test in this module
    assert sorted(CASE_EVENT_TYPES - COVERED) == []
    assert sorted(TEAM_EVENT_TYPES & COVERED) == []


# --- one test per event type ---------------------------------------------------------------


@covers("CaseOpened")
def test_case_opened() -> None:
    # given a fresh case, when it is opened
    state = evolve(CitizenCase(case_id=CASE_ID), OPENED)
    # then the opening day, team and municipality are known and the version is 1
    assert state == CitizenCase(
        case_id=CASE_ID,
        version=1,
        opened_on=date(2026, 9, 11),
        team_id="team-nord",
        municipality="0756",
    )


@covers("ReferralReceived")
def test_referral_received() -> None:
    state = given(OPENED, on("ReferralReceived", "2026-09-12"))
    state = evolve(state, on("ReferralReceived", "2026-11-02", source="gp"))
    assert state.referrals == (date(2026, 9, 12), date(2026, 11, 2))
    assert state.version == 3


@covers("FunctionalAbilityAssessed")
def test_functional_ability_assessed_keeps_the_latest_score_per_condition() -> None:
    # given an assessment of J1.1 and J3
    first = on(
        "FunctionalAbilityAssessed",
        "2026-09-15",
        scores=[{"condition": "J1.1", "score": 2}, {"condition": "J3", "score": 1}],
    )
    # when a later assessment regrades J1.1 and adds J4.2
    later = on(
        "FunctionalAbilityAssessed",
        "2026-12-01",
        scores=[{"condition": "J1.1", "score": 4}, {"condition": "J4.2", "score": 9}],
    )
    state = evolve(given(OPENED, first), later)
    # then both dates are kept and each condition has its latest grade
    assert state.functional_assessments == (date(2026, 9, 15), date(2026, 12, 1))
    assert state.latest_scores == {"J1.1": 4, "J3": 1, "J4.2": 9}


@covers("HealthConditionAssessed")
def test_health_condition_assessed() -> None:
    state = evolve(given(OPENED), on("HealthConditionAssessed", "2026-09-16"))
    assert state.health_assessments == (date(2026, 9, 16),)
    assert state.functional_assessments == ()


@covers("RehabilitationPotentialAssessed")
def test_rehabilitation_potential_assessed() -> None:
    state = evolve(given(OPENED), on("RehabilitationPotentialAssessed", "2026-09-17"))
    assert state.rehab_potential_assessments == (date(2026, 9, 17),)


@covers("RehabilitationCourseStarted")
def test_rehabilitation_course_started() -> None:
    started = on("RehabilitationCourseStarted", "2026-09-20", goals=["a", "b"], planned_weeks=8)
    state = evolve(given(OPENED), started)
    assert state.courses == {
        "course-1": CourseState(
            course_id="course-1",
            started_on=date(2026, 9, 20),
            planned_weeks=8,
            goals_count=2,
            event_ids=(str(started.event_id),),
            basis=started.legal_basis,
        )
    }


@covers("RehabilitationCourseEnded")
def test_rehabilitation_course_ended() -> None:
    # given a started course, when it ends
    started = on("RehabilitationCourseStarted", "2026-09-20", planned_weeks=12)
    state = evolve(given(OPENED, started), on("RehabilitationCourseEnded", "2026-12-10"))
    # then the course keeps its start and gets its end
    course = state.courses["course-1"]
    assert (course.started_on, course.ended_on, course.planned_weeks) == (
        date(2026, 9, 20),
        date(2026, 12, 10),
        12,
    )


def test_a_course_ended_without_a_recorded_start_is_still_known() -> None:
    state = evolve(given(OPENED), on("RehabilitationCourseEnded", "2026-12-10", course_id="c-9"))
    assert state.courses["c-9"].ended_on == date(2026, 12, 10)
    assert state.courses["c-9"].started_on == date(2026, 12, 10)


@covers("VisitationGranted")
def test_visitation_granted() -> None:
    # given an open case, when a grant is made
    state = evolve(given(OPENED), GRANT)
    # then the decision is recorded as a whole
    assert state.decisions == {
        "d-1": DecisionState(
            decision_id="d-1",
            kind="granted",
            event_id=str(GRANT.event_id),
            decided_on=date(2026, 9, 25),
            legal_basis=LegalBasis(act="SEL", paragraph="83", regime="SEL-2024"),
            frames=(Frame(intervention="H1.1", minutes=180, per="week"),),
            goals_count=1,
            valid_from=date(2026, 10, 1),
            valid_until=date(2026, 12, 31),
            follow_up_due=date(2027, 4, 1),
            team_id="team-nord",
        )
    }


@covers("VisitationRevised")
def test_visitation_revised_links_both_decisions() -> None:
    # given a grant, when a revision replaces it from 1 November with 240 minutes
    revised = on(
        "VisitationRevised",
        "2026-10-28",
        decision_id="d-2",
        revises="d-1",
        valid_from="2026-11-01",
        frames=[{"intervention": "H1.1", "minutes": 240, "per": "week"}],
    )
    state = evolve(given(OPENED, GRANT), revised)
    # then the new decision is a revision of d-1, and d-1 points to its successor
    assert state.decisions["d-2"].kind == "revised"
    assert state.decisions["d-2"].revises == "d-1"
    assert state.decisions["d-2"].frame_minutes() == {"H1.1": (240, "week")}
    assert state.decisions["d-1"].revised_by == "d-2"
    assert state.decisions["d-1"].revised_from == date(2026, 11, 1)
    # and the old decision is otherwise unchanged
    assert (
        state.decisions["d-1"].model_copy(update={"revised_by": None, "revised_from": None})
        == given(OPENED, GRANT).decisions["d-1"]
    )


def test_a_revision_of_an_unknown_decision_links_nothing() -> None:
    state = evolve(given(OPENED), on("VisitationRevised", "2026-10-28", revises="d-404"))
    assert list(state.decisions) == ["d-2"]
    assert state.decisions["d-2"].revises == "d-404"


@covers("VisitationRejected")
def test_visitation_rejected() -> None:
    rejected = on("VisitationRejected", "2026-09-20", decision_id="d-0")
    state = evolve(given(OPENED), rejected)
    assert state.decisions == {
        "d-0": DecisionState(
            decision_id="d-0",
            kind="rejected",
            event_id=str(rejected.event_id),
            decided_on=date(2026, 9, 20),
            legal_basis=LegalBasis(act="SEL", paragraph="83", regime="SEL-2024"),
        )
    }
    assert state.decision_status("d-0", date(2026, 10, 1)) == "rejected"


@covers("VisitDelivered")
def test_visits_delivered_add_up_per_period_and_intervention() -> None:
    # given a grant, when visits are delivered in October (two of H1.1, one G1.20) and November
    visits = [
        on("VisitDelivered", "2026-10-31", delivered_on="2026-10-02", minutes=30),
        on("VisitDelivered", "2026-10-31", delivered_on="2026-10-31", minutes=25),
        on("VisitDelivered", "2026-10-31", delivered_on="2026-10-15", intervention="G1.20"),
        on("VisitDelivered", "2026-11-01", delivered_on="2026-11-01", minutes=40),
    ]
    state = given(OPENED, GRANT, *visits)
    # then minutes are summed per delivery month (not recording day) and intervention
    assert state.deliveries == {
        "2026-10": {"H1.1": 55, "G1.20": 30},
        "2026-11": {"H1.1": 40},
    }
    assert state.visits == 4


def test_visits_folded_as_rows_give_the_state_evolve_gives() -> None:
    # given a granted case and a run of visits (one of them a repeat of an earlier row's day)
    visits = [
        on("VisitDelivered", "2026-10-31", delivered_on="2026-10-02", minutes=30),
        on("VisitDelivered", "2026-10-31", delivered_on="2026-10-15", intervention="G1.20"),
        on("VisitDelivered", "2026-11-01", delivered_on="2026-10-02", minutes=40),
    ]
    start = given(OPENED, GRANT)
    rows = [
        (
            v.delivered_on.toordinal(),
            v.intervention,
            v.minutes,
            v.team_id,
            v.carer_id,
            v.event_id.int,
        )
        for v in visits
        if isinstance(v, VisitDelivered)
    ]
    # when they are folded as rows (what a streaming check does), in two runs
    by_rows = with_visit_rows(with_visit_rows(start, rows[:1]), rows[1:])
    # then the state equals evolve's one event at a time: visits, version and fields set
    by_events = start
    for visit in visits:
        by_events = evolve(by_events, visit)
    assert by_rows == by_events
    assert by_rows.version == by_events.version == start.version + 3
    assert by_rows.model_fields_set == by_events.model_fields_set
    assert list(by_rows.visit_log) == list(by_events.visit_log)
    assert with_visit_rows(start, []) is start


@covers("TimeAdjustedByTeam")
def test_time_adjustments_accumulate_per_decision_and_intervention() -> None:
    # given a grant, when the team adds 20, then removes 5 minutes, one without the citizen
    adjustments = [
        on("TimeAdjustedByTeam", "2026-10-05", delta_minutes=20),
        on("TimeAdjustedByTeam", "2026-10-12", delta_minutes=-5, citizen_involved=False),
        on("TimeAdjustedByTeam", "2026-10-12", intervention="H1.8", delta_minutes=10),
    ]
    state = given(OPENED, GRANT, *adjustments)
    # then the net adjustment is kept per intervention and the uninvolved one is counted
    assert state.adjustments == {"d-1": {"H1.1": 15, "H1.8": 10}}
    assert state.adjustments_without_citizen == 1


@covers("NursingTaskDelegated")
def test_nursing_task_delegated() -> None:
    state = evolve(given(OPENED), DELEGATED)
    assert state.delegations == {
        "del-1": DelegationState(
            delegation_id="del-1",
            event_id=str(DELEGATED.event_id),
            task="G1.20",
            kind="concrete",
            delegator_role=Role.NURSE,
            delegate_id="ssa-1",
            delegate_role=Role.SSA,
            has_instruction=False,
            competence_verified=True,
            delegated_on=date(2026, 10, 3),
            follow_up_due=date(2026, 12, 30),
            status="active",
            status_since=date(2026, 10, 3),
            delegator_id="nurse-1",
        )
    }


def test_a_framework_delegation_with_an_instruction_says_so() -> None:
    delegated = on("NursingTaskDelegated", "2026-10-03", kind="framework", instruction_ref="I-7")
    state = evolve(given(OPENED), delegated)
    assert state.delegations["del-1"].has_instruction is True
    assert state.delegations["del-1"].kind == "framework"


@covers("DelegationSuspended")
def test_delegation_suspended() -> None:
    state = evolve(given(OPENED, DELEGATED), on("DelegationSuspended", "2026-10-20"))
    assert state.delegations["del-1"].status == "suspended"
    assert state.delegations["del-1"].status_since == date(2026, 10, 20)


@covers("DelegationRevoked")
def test_delegation_revoked_after_suspension() -> None:
    suspended = on("DelegationSuspended", "2026-10-20")
    state = evolve(given(OPENED, DELEGATED, suspended), on("DelegationRevoked", "2026-10-25"))
    assert state.delegations["del-1"].status == "revoked"
    assert state.delegations["del-1"].status_since == date(2026, 10, 25)


def test_a_revoked_delegation_stays_revoked() -> None:
    # given a revoked delegation, when a suspension and another revocation arrive later
    revoked = on("DelegationRevoked", "2026-10-25")
    state = given(
        OPENED,
        DELEGATED,
        revoked,
        on("DelegationSuspended", "2026-11-01"),
        on("DelegationRevoked", "2026-11-02"),
    )
    # then it stays revoked since the first revocation
    assert state.delegations["del-1"].status == "revoked"
    assert state.delegations["del-1"].status_since == date(2026, 10, 25)
    assert state.version == 5


def test_suspending_an_unknown_delegation_only_records_the_stop() -> None:
    before = given(OPENED, DELEGATED)
    after = evolve(before, on("DelegationSuspended", "2026-10-20", delegation_id="del-404"))
    # the day is kept for that id (a delegation under it later is judged by it)
    stops = {"del-404": (date(2026, 10, 20),)}
    assert after == before.model_copy(update={"version": 3, "delegation_stops": stops})


@covers("FollowUpRecorded")
def test_follow_up_recorded_on_a_decision() -> None:
    # given a grant, when it is followed up with E1 (continue)
    follow_up = on("FollowUpRecorded", "2027-03-01", subject_id="d-1", outcome="E1")
    state = evolve(given(OPENED, GRANT), follow_up)
    # then the follow-up is kept and found by its subject
    expected = FollowUp(
        subject_id="d-1", outcome="E1", on=date(2027, 3, 1), event_id=str(follow_up.event_id)
    )
    assert state.follow_ups == (expected,)
    assert state.follow_ups_of("d-1") == [expected]
    assert state.follow_ups_of("del-1") == []


def test_an_e3_follow_up_revokes_the_delegation() -> None:
    # given an active delegation, when a follow-up ends it (E3)
    ended = on("FollowUpRecorded", "2026-12-01", subject_id="del-1", outcome="E3")
    state = evolve(given(OPENED, DELEGATED), ended)
    # then the delegation is revoked from that day
    assert state.delegations["del-1"].status == "revoked"
    assert state.delegations["del-1"].status_since == date(2026, 12, 1)
    assert [f.outcome for f in state.follow_ups_of("del-1")] == ["E3"]


@pytest.mark.parametrize("outcome", ["E1", "E2", "E4"])
def test_other_follow_ups_leave_the_delegation_active(outcome: str) -> None:
    follow_up = on("FollowUpRecorded", "2026-12-01", subject_id="del-1", outcome=outcome)
    state = evolve(given(OPENED, DELEGATED), follow_up)
    # then it stays active, and remembers its latest follow-up
    assert state.delegations["del-1"] == given(OPENED, DELEGATED).delegations["del-1"].model_copy(
        update={"last_follow_up": date(2026, 12, 1), "last_outcome": outcome}
    )


def test_an_e3_follow_up_of_a_decision_leaves_delegations_alone() -> None:
    ended = on("FollowUpRecorded", "2026-12-01", subject_id="d-1", outcome="E3")
    state = evolve(given(OPENED, GRANT, DELEGATED), ended)
    assert state.delegations["del-1"].status == "active"


@covers("CitizenAdmitted")
def test_citizen_admitted() -> None:
    admitted = on("CitizenAdmitted", "2026-10-20")
    state = evolve(given(OPENED), admitted)
    assert state.admissions == (
        Admission(admitted_on=date(2026, 10, 20), event_id=str(admitted.event_id)),
    )
    assert state.admitted is True


@covers("CitizenDischarged")
def test_citizen_discharged_closes_the_last_admission() -> None:
    # given two admissions, the first ended
    state = given(
        OPENED,
        on("CitizenAdmitted", "2026-10-20"),
        on("CitizenDischarged", "2026-10-24"),
        on("CitizenAdmitted", "2026-11-10"),
    )
    assert state.admitted is True
    # when the citizen is discharged again
    state = evolve(state, on("CitizenDischarged", "2026-11-12"))
    # then both stays are closed with their days
    assert [(a.admitted_on, a.discharged_on) for a in state.admissions] == [
        (date(2026, 10, 20), date(2026, 10, 24)),
        (date(2026, 11, 10), date(2026, 11, 12)),
    ]
    assert state.admitted is False


def test_a_discharge_without_an_admission_changes_nothing_but_the_version() -> None:
    before = given(OPENED)
    after = evolve(before, on("CitizenDischarged", "2026-10-01"))
    assert after == before.model_copy(update={"version": 2})
    assert after.admitted is False


@covers("CaseClosed")
def test_case_closed() -> None:
    state = evolve(given(OPENED, GRANT), on("CaseClosed", "2026-11-15"))
    assert state.closed_on == date(2026, 11, 15)
    assert state.decision_status("d-1", date(2026, 11, 14)) == "active"
    assert state.decision_status("d-1", date(2026, 11, 15)) == "closed"


# --- decision status -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "status"),
    [
        (date(2026, 9, 30), "pending"),
        (date(2026, 10, 1), "active"),
        (date(2026, 12, 31), "active"),
        (date(2027, 1, 1), "expired"),
    ],
)
def test_decision_status_follows_the_validity(day: date, status: str) -> None:
    # given a grant valid 1 October to 31 December, then its status on a day is
    assert given(OPENED, GRANT).decision_status("d-1", day) == status


def test_an_open_ended_decision_never_expires() -> None:
    grant = on("VisitationGranted", "2026-09-25", valid_from="2026-10-01", valid_until=None)
    assert given(OPENED, grant).decision_status("d-1", date(2036, 1, 1)) == "active"


def test_a_revised_decision_is_revised_from_its_successors_start() -> None:
    # given d-1 revised by d-2 from 1 November
    revised = on(
        "VisitationRevised", "2026-10-28", decision_id="d-2", revises="d-1", valid_from="2026-11-01"
    )
    state = given(OPENED, GRANT, revised)
    # then d-1 is active until then and revised after; d-2 is pending until then
    assert state.decision_status("d-1", date(2026, 10, 31)) == "active"
    assert state.decision_status("d-1", date(2026, 11, 1)) == "revised"
    assert state.decision_status("d-2", date(2026, 10, 31)) == "pending"
    assert state.decision_status("d-2", date(2026, 11, 1)) == "active"
    assert [d.decision_id for d in state.active_decisions(date(2026, 10, 15))] == ["d-1"]
    assert [d.decision_id for d in state.active_decisions(date(2026, 11, 15))] == ["d-2"]


def test_a_rejection_is_rejected_even_after_closing() -> None:
    state = given(OPENED, on("VisitationRejected", "2026-09-20"), on("CaseClosed", "2026-09-21"))
    assert state.decision_status("d-0", date(2026, 12, 1)) == "rejected"
    assert state.active_decisions(date(2026, 12, 1)) == []


def test_decision_status_of_an_unknown_decision_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        given(OPENED).decision_status("d-404", date(2026, 10, 1))


# --- frames by area --------------------------------------------------------------------------


def test_frames_by_area_sums_active_decisions_and_adjustments() -> None:
    # given a grant of 180 H1.1 + 60 H1.8 per week, a nursing grant of 70 G1.20, and the team's
    # adjustments (+20, -5 to H1.1; +30 to a decision that is not active)
    grant = on(
        "VisitationGranted",
        "2026-09-25",
        frames=[
            {"intervention": "H1.1", "minutes": 180, "per": "week"},
            {"intervention": "H1.8", "minutes": 60, "per": "week"},
        ],
        valid_from="2026-10-01",
        valid_until="2026-12-31",
    )
    nursing = on(
        "VisitationGranted",
        "2026-09-25",
        decision_id="d-n",
        legal_basis={"act": "SUL", "paragraph": "138", "regime": "SUL-2024"},
        frames=[{"intervention": "G1.20", "minutes": 70, "per": "week"}],
        valid_from="2026-10-01",
        valid_until="2026-12-31",
    )
    later = on("VisitationGranted", "2026-09-25", decision_id="d-later", valid_from="2027-01-01")
    state = given(
        OPENED,
        grant,
        nursing,
        later,
        on("TimeAdjustedByTeam", "2026-10-05", delta_minutes=20),
        on("TimeAdjustedByTeam", "2026-10-06", delta_minutes=-5),
        on("TimeAdjustedByTeam", "2026-10-06", decision_id="d-later", delta_minutes=30),
    )
    # when the frames are read for a day in October
    frames = state.frames_by_area(date(2026, 10, 15))
    # then each area has its granted minutes plus the net adjustment of active decisions
    assert frames == {"H1.1": (195, "week"), "H1.8": (60, "week"), "G1.20": (70, "week")}
    # and before any decision is in force, there is no frame
    assert state.frames_by_area(date(2026, 9, 30)) == {}
    # and in January only the later decision, with its own adjustment
    assert state.frames_by_area(date(2027, 1, 15)) == {"H1.1": (210, "week")}


def test_frames_by_area_follow_a_revision() -> None:
    # given d-1 (180 H1.1, adjusted +20) revised by d-2 (240 H1.1) from 1 November
    revised = on(
        "VisitationRevised",
        "2026-10-28",
        decision_id="d-2",
        revises="d-1",
        valid_from="2026-11-01",
        frames=[{"intervention": "H1.1", "minutes": 240, "per": "week"}],
    )
    adjusted = on("TimeAdjustedByTeam", "2026-10-05", delta_minutes=20)
    state = given(OPENED, GRANT, adjusted, revised)
    # then October has the adjusted old frame and November the new one alone
    assert state.frames_by_area(date(2026, 10, 31)) == {"H1.1": (200, "week")}
    assert state.frames_by_area(date(2026, 11, 1)) == {"H1.1": (240, "week")}


def test_a_decision_has_one_frame_per_intervention() -> None:
    # two frames of one intervention (e.g. per week and per month) would make the frame
    # ambiguous for the ledger and the rules, so the contract refuses them
    with pytest.raises(InvalidEventError, match=r"H1\.1 has more than one frame"):
        on(
            "VisitationGranted",
            "2026-09-25",
            frames=[
                {"intervention": "H1.1", "minutes": 100, "per": "month"},
                {"intervention": "H1.1", "minutes": 20, "per": "week"},
            ],
        )


# --- routing and purity ----------------------------------------------------------------------


def test_evolve_refuses_an_event_of_another_case() -> None:
    with pytest.raises(ValueError, match="'case-2'"):
        evolve(given(OPENED), event("CaseClosed", case_id="case-2"))


def test_evolve_refuses_a_team_event() -> None:
    with pytest.raises(ValueError):
        evolve(given(OPENED), event("DialogueMeetingHeld"))


class _LateGrant(VisitationGranted):
    """An event type of an embedder's: a subclass of a case event folds as its base does."""


class _ReplayedVisit(VisitDelivered):
    pass


def test_a_subclass_of_a_case_event_folds_as_its_base() -> None:
    # given a grant and a visit, and the same events as instances of subclasses
    visit = on("VisitDelivered", "2026-10-02", delivered_on="2026-10-02")
    late = _LateGrant.model_validate(GRANT.model_dump())
    replayed = _ReplayedVisit.model_validate(visit.model_dump())
    # when each is folded, one event at a time and all at once
    state = evolve(evolve(given(OPENED), late), replayed)
    # then the states are those of the events themselves
    assert state == given(OPENED, GRANT, visit) == fold(CASE_ID, [OPENED, late, replayed])
    assert state.decisions["d-1"].kind == "granted"
    assert state.visits == 1


def test_records_share_fields_sets_that_a_copy_does_not_change() -> None:
    # given two admissions folded from their events (their records share one fields-set,
    # one object for the collector to walk instead of one per record)
    state = given(
        OPENED,
        on("CitizenAdmitted", "2026-10-10"),
        on("CitizenAdmitted", "2026-10-11"),
    )
    first, second = state.admissions
    assert first.model_fields_set is second.model_fields_set
    # when one is copied with a field set that it had not
    copied = first.model_copy(update={"discharged_on": date(2026, 10, 12)})
    # then the copy's fields set grows, and the records' stay as they were
    assert "discharged_on" in copied.model_fields_set
    assert first.model_fields_set == second.model_fields_set
    assert "discharged_on" not in second.model_fields_set
    # and a discharge folded in changes the last admission only
    discharged = evolve(state, on("CitizenDischarged", "2026-10-12"))
    assert discharged.admissions[-1].model_fields_set > second.model_fields_set
    assert "discharged_on" not in second.model_fields_set


def test_evolve_is_pure() -> None:
    # given a history that touches every part of the state, including repeated updates of
    # the same nested entries
    history = [
        OPENED,
        on("ReferralReceived", "2026-09-12"),
        on("TargetGroupAssessed", "2026-09-13"),
        on("FunctionalAbilityAssessed", "2026-09-15"),
        on("FunctionalAbilityAssessed", "2026-09-16", scores=[{"condition": "J1.1", "score": 3}]),
        on("HealthConditionAssessed", "2026-09-16"),
        on("RehabilitationPotentialAssessed", "2026-09-17"),
        on("RehabilitationCourseStarted", "2026-09-18"),
        on("RehabilitationCourseEnded", "2026-09-19"),
        GRANT,
        on("VisitationRevised", "2026-10-28", decision_id="d-2", valid_from="2026-11-01"),
        on("VisitationRejected", "2026-09-20"),
        on("VisitDelivered", "2026-10-02"),
        on("VisitDelivered", "2026-10-03"),
        on("HelpSwapped", "2026-10-04"),
        on("VisitDeclined", "2026-10-04"),
        on("ProviderChosen", "2026-10-04"),
        on("ChangedNeedsReported", "2026-10-04"),
        on("FreeChoiceCertificateDecided", "2026-10-04"),
        on("OwnHelperApproved", "2026-10-04"),
        on("TimeAdjustedByTeam", "2026-10-05"),
        on("TimeAdjustedByTeam", "2026-10-06"),
        DELEGATED,
        on("DelegationSuspended", "2026-10-20"),
        on("CitizenAdmitted", "2026-10-20"),
        on("CitizenDischarged", "2026-10-24"),
        on("FollowUpRecorded", "2026-12-01", subject_id="del-1", outcome="E3"),
        on("DelegationRevoked", "2026-12-02"),
        on("CaseClosed", "2026-12-31"),
    ]
    assert {e.type for e in history} == CASE_EVENT_TYPES
    state = CitizenCase(case_id=CASE_ID)
    for item in history:
        # when each event is folded in
        before = state.model_dump()
        after = evolve(state, item)
        # then the state given to evolve is unchanged, and a new one is returned
        assert state.model_dump() == before, item.type
        assert after is not state
        assert after.version == state.version + 1
        state = after
    # and folding the same events again gives an equal state (deterministic)
    assert fold(CASE_ID, history) == state


# --- the team period -------------------------------------------------------------------------


def test_dialogue_meeting_held() -> None:
    # given an empty team period, when a dialogue meeting is held about it
    held = event("DialogueMeetingHeld", occurred_at=at("2026-11-05"))
    state = evolve_team(TeamPeriod(team_id="team-nord", period="2026-10"), held)
    # then the meeting is recorded
    assert state == TeamPeriod(
        team_id="team-nord",
        period="2026-10",
        version=1,
        meetings=(
            MeetingState(
                held_on=date(2026, 11, 5),
                participants=(Role.VISITATOR, Role.TEAM_LEAD),
                agreements_count=1,
                event_id=str(held.event_id),
            ),
        ),
        # what was agreed, without its text: who owns it, by when, the indicator it targets
        agreements=(
            AgreementState(
                held_on=date(2026, 11, 5),
                owner=Role.TEAM_LEAD,
                due=date(2026, 12, 31),
                indicator="goal_attainment",
                event_id=str(held.event_id),
            ),
        ),
    )


def test_an_improvement_trial_keeps_its_steps_in_order() -> None:
    # given a PDSA trial planned, then done
    planned = event("ImprovementTrialRecorded", occurred_at=at("2026-11-06"))
    done = event(
        "ImprovementTrialRecorded", occurred_at=at("2026-11-20"), stage="do", on="2026-11-20"
    )
    state = TeamPeriod(team_id="team-nord", period="2026-10")
    for step in (planned, done):
        state = evolve_team(state, step)
    # then the trial has both steps, with the indicator it targets
    assert [(s.stage, s.on, s.indicator) for s in state.trials["pdsa-1"]] == [
        ("plan", date(2026, 11, 6), "carers_per_14_days"),
        ("do", date(2026, 11, 20), "carers_per_14_days"),
    ]


def test_an_agreement_of_version_1_is_read_as_text_only() -> None:
    # given a stored version 1 meeting, whose agreements were plain text
    from erantis_domain.events import parse_event
    from tests.factories import make

    old = make("DialogueMeetingHeld", agreements=["Mere tid til rehabilitering"])
    old["schema_version"] = 1
    # when read, then each agreement is the text, with no owner, due day or indicator
    [agreement] = parse_event(old).agreements  # type: ignore[union-attr]
    assert (agreement.text, agreement.owner, agreement.due, agreement.indicator) == (
        "Mere tid til rehabilitering",
        None,
        None,
        None,
    )


def test_period_settled() -> None:
    # given a period with a meeting, when it is settled
    held = event("DialogueMeetingHeld")
    settled = event(
        "PeriodSettled",
        occurred_at=at("2026-11-10"),
        granted_minutes=1000,
        delivered_minutes=1100,
        variance_pct="10.0000",
        band="overspend",
        incentive_amount="-425.00",
    )
    state = fold_team("team-nord", "2026-10", [held, settled])
    # then the settlement is recorded alongside the meeting
    assert state.version == 2
    assert len(state.meetings) == 1
    assert state.settlement == SettlementState(
        settled_on=date(2026, 11, 10),
        granted_minutes=1000,
        delivered_minutes=1100,
        band="overspend",
        variance_pct="10.0000",
        incentive_amount="-425.00",
        event_id=str(settled.event_id),
    )


def test_evolve_team_refuses_another_period_or_a_case_event() -> None:
    period = TeamPeriod(team_id="team-nord", period="2026-10")
    with pytest.raises(ValueError):
        evolve_team(period, event("PeriodSettled", period="2026-11"))
    with pytest.raises(ValueError):
        evolve_team(period, event("PeriodSettled", team_id="team-syd"))
    with pytest.raises(ValueError):
        evolve_team(period, event("CaseOpened"))


def test_evolve_team_is_pure() -> None:
    period = fold_team("team-nord", "2026-10", [event("DialogueMeetingHeld")])
    before = period.model_dump()
    evolve_team(period, event("DialogueMeetingHeld"))
    evolve_team(period, event("PeriodSettled"))
    assert period.model_dump() == before


def test_a_case_closed_twice_closed_on_the_earlier_day_whatever_the_order() -> None:
    # given a case closed on 10 October and (documented later) on 5 October
    first, second = on("CaseClosed", "2026-10-10"), on("CaseClosed", "2026-10-05")
    for order in ((first, second), (second, first)):
        state = given(OPENED, GRANT, *order)
        # then it closed on 5 October: the decision is not in force on 7 October
        assert state.closed_on == date(2026, 10, 5)
        assert state.decision_status("d-1", date(2026, 10, 7)) == "closed"
        assert state.in_force("d-1").last == date(2026, 10, 4)
        assert state.version == 4


def test_a_rejection_has_no_days_in_force() -> None:
    state = given(OPENED, on("VisitationRejected", "2026-09-20"))
    with pytest.raises(ValueError):
        state.in_force("d-0")


def test_a_misspelt_state_field_is_refused() -> None:
    from erantis_domain.case._evolve import _with

    with pytest.raises(TypeError):
        _with(given(OPENED), closed_onn=date(2026, 10, 1))  # type: ignore[call-arg]


def test_a_decision_keeps_what_the_case_knew_when_it_was_made() -> None:
    # given assessments before the grant, and another functional assessment after it
    state = given(
        OPENED,
        on("FunctionalAbilityAssessed", "2026-09-15"),
        on("RehabilitationPotentialAssessed", "2026-09-17"),
        GRANT,
        on("FunctionalAbilityAssessed", "2026-10-15"),
        on("HealthConditionAssessed", "2026-10-16"),
    )
    # then the decision knows the earlier ones only
    decision = state.decisions["d-1"]
    assert decision.functional_assessed_on == date(2026, 9, 15)
    assert decision.potential_assessed_before is True
    assert decision.health_assessed_before is False


def test_a_revision_recorded_before_the_decision_it_revises_still_ends_it() -> None:
    revised = on(
        "VisitationRevised", "2026-10-28", decision_id="d-2", revises="d-1", valid_from="2026-11-01"
    )
    state = given(OPENED, revised, GRANT)
    assert state.decisions["d-1"].revised_from == date(2026, 11, 1)
    assert state.decisions["d-1"].revised_by == "d-2"
    assert state.decision_status("d-1", date(2026, 11, 1)) == "revised"


def test_an_admission_remembers_the_delegations_in_force_and_stays_merge() -> None:
    # given a delegation, an admission, a second admission before discharge, and a discharge
    state = given(
        OPENED,
        DELEGATED,
        on("CitizenAdmitted", "2026-10-20"),
        on("CitizenAdmitted", "2026-10-22"),
        on("CitizenDischarged", "2026-10-24"),
    )
    # then each admission knows the delegation in force then
    assert [a.active_delegations for a in state.admissions] == [("del-1",), ("del-1",)]
    # and the second admission belongs to the stay under way: one stay, 20 to 24 October
    assert state.stays() == [(date(2026, 10, 20), date(2026, 10, 24))]


def test_a_delegation_stopped_by_follow_up_e3_is_revoked_from_that_day() -> None:
    stop = on("FollowUpRecorded", "2026-11-05", subject_id="del-1", outcome="E3")
    state = given(OPENED, DELEGATED, stop)
    assert state.delegations["del-1"].revoked_on == date(2026, 11, 5)
    assert state.delegation_stops == {"del-1": (date(2026, 11, 5),)}


def test_an_e4_follow_up_awaits_reassessment_until_a_decision() -> None:
    # given a grant followed up with E4 (needs reassessment by the purchaser)
    e4 = on("FollowUpRecorded", "2027-01-10", subject_id="d-1", outcome="E4")
    waiting = given(OPENED, GRANT, e4)
    assert list(waiting.awaiting_reassessment) == ["d-1"]
    assert waiting.awaiting_reassessment["d-1"].on == date(2027, 1, 10)
    # when a decision follows, or a later follow-up of the subject says otherwise
    revised = on("VisitationRevised", "2027-01-20", valid_from="2027-02-01")
    e1 = on("FollowUpRecorded", "2027-01-15", subject_id="d-1", outcome="E1")
    # then nothing awaits reassessment any more
    assert evolve(waiting, revised).awaiting_reassessment == {}
    assert evolve(waiting, e1).awaiting_reassessment == {}


@covers("TargetGroupAssessed")
def test_a_target_group_assessment_is_kept_and_decisions_know_it() -> None:
    # given an assessment that the citizen is under the Elderly Act (pension age)
    assessed = on("TargetGroupAssessed", "2026-09-20", law="AEL", basis="pension_age")
    state = given(OPENED, assessed, GRANT)
    # then the case keeps it, and the grant after it knows the law
    assert state.target_groups == (
        TargetGroup(
            on=date(2026, 9, 20), law="AEL", basis="pension_age", event_id=str(assessed.event_id)
        ),
    )
    assert state.decisions["d-1"].target_law == "AEL"
    assert given(OPENED, GRANT).decisions["d-1"].target_law is None


@covers("HelpSwapped")
def test_a_swap_is_kept_as_covered_help() -> None:
    swapped = on(
        "HelpSwapped",
        "2026-10-12",
        granted_intervention="H1.1",
        delivered_intervention="H1.3",
        minutes=30,
        swapped_on="2026-10-12",
    )
    state = given(OPENED, GRANT, swapped)
    assert [(s.on, s.granted_intervention, s.delivered_intervention) for s in state.swaps] == [
        (date(2026, 10, 12), "H1.1", "H1.3")
    ]


@covers("ProviderChosen", "ChangedNeedsReported", "OwnHelperApproved")
def test_provider_choice_needs_report_and_own_helper_are_kept() -> None:
    # given a grant, when the citizen changes provider, the provider reports changed needs and
    # a helper of the citizen's own is approved
    state = given(
        OPENED,
        GRANT,
        on("ProviderChosen", "2026-10-14"),
        on("ChangedNeedsReported", "2026-11-10"),
        on("OwnHelperApproved", "2026-11-12", contract_ref=None),
    )
    # then each is kept for the rules, the helper with its tasks and no contract
    assert [(c.provider_id, c.change, c.effective_from) for c in state.provider_choices] == [
        ("provider-b", True, date(2026, 11, 1))
    ]
    assert [(r.decision_id, r.on) for r in state.needs_reports] == [("d-1", date(2026, 11, 10))]
    helper = state.own_helpers["carer-7"]
    assert (helper.tasks, helper.contract) == (frozenset({"H1.1"}), False)


@covers("FreeChoiceCertificateDecided")
def test_fritvalgsbevis_decisions_are_kept_with_the_choice_they_allow() -> None:
    # given a grant, a fritvalgsbevis refused without reasons, then one granted, and a
    # provider chosen through it
    state = given(
        OPENED,
        GRANT,
        on("FreeChoiceCertificateDecided", "2026-10-10", decided_on="2026-10-10", reasons=" "),
        on("FreeChoiceCertificateDecided", "2026-10-12", granted=True, decided_on="2026-10-12"),
        on("ProviderChosen", "2026-10-14", via="fritvalgsbevis"),
    )
    # then both decisions are kept in order, the refusal without reasons (blank is none)
    assert [(c.granted, c.on, c.has_reasons) for c in state.certificates] == [
        (False, date(2026, 10, 10), False),
        (True, date(2026, 10, 12), True),
    ]
    # and the choice keeps how it was made
    assert [c.via for c in state.provider_choices] == ["fritvalgsbevis"]


@covers("VisitDeclined")
def test_a_declined_visit_is_kept() -> None:
    declined = on("VisitDeclined", "2026-10-13", declined_on="2026-10-13")
    state = given(OPENED, GRANT, declined)
    assert [(d.on, d.intervention) for d in state.declines] == [(date(2026, 10, 13), "H1.1")]
