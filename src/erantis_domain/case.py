"""The two aggregates as plain state, and the pure ``evolve`` that folds events into them.

``CitizenCase`` is what erantis knows of one citizen's case (borgerens sag): decisions and their
frames, team adjustments, deliveries per period, delegations, follow-ups, admissions and
assessments. ``TeamPeriod`` is one team's settlement period: dialogue meetings and the
settlement. Both are frozen; ``evolve`` returns a new state and never touches storage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from erantis_domain import events as ev
from erantis_domain.values import Frame, LegalBasis, Role

__all__ = [
    "Admission",
    "CitizenCase",
    "CourseState",
    "DecisionState",
    "DecisionStatus",
    "DelegationState",
    "FollowUp",
    "MeetingState",
    "SettlementState",
    "TeamPeriod",
    "evolve",
    "evolve_team",
    "fold",
    "fold_team",
]

DecisionStatus = Literal["pending", "active", "expired", "revised", "rejected", "closed"]


class _State(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DecisionState(_State):
    """A decision as the case knows it. ``kind`` tells grant, revision or rejection;
    ``revised_by`` / ``revised_from`` link a revised decision to its successor."""

    decision_id: str
    kind: Literal["granted", "revised", "rejected"]
    event_id: str
    decided_on: date
    legal_basis: LegalBasis
    frames: tuple[Frame, ...] = ()
    goals_count: int = 0
    valid_from: date | None = None
    valid_until: date | None = None
    follow_up_due: date | None = None
    team_id: str | None = None
    revises: str | None = None
    revised_by: str | None = None
    revised_from: date | None = None

    def frame_minutes(self) -> dict[str, tuple[int, str]]:
        """Granted minutes and period (``week``/``month``) per intervention."""
        out: dict[str, tuple[int, str]] = {}
        for frame in self.frames:
            minutes, _ = out.get(frame.intervention, (0, frame.per))
            out[frame.intervention] = (minutes + frame.minutes, frame.per)
        return out


class CourseState(_State):
    """A rehabilitation course (SEL §83a forløb)."""

    course_id: str
    started_on: date
    planned_weeks: int
    goals_count: int
    ended_on: date | None = None


class DelegationState(_State):
    """A nursing-task delegation and where it stands."""

    delegation_id: str
    event_id: str
    task: str
    kind: Literal["concrete", "framework"]
    delegator_role: Role
    delegate_id: str
    delegate_role: Role
    has_instruction: bool
    competence_verified: bool
    delegated_on: date
    follow_up_due: date
    status: Literal["active", "suspended", "revoked"] = "active"
    status_since: date | None = None


class FollowUp(_State):
    """A recorded follow-up of a decision or a delegation."""

    subject_id: str
    outcome: Literal["E1", "E2", "E3", "E4"]
    on: date
    event_id: str


class Admission(_State):
    """A stay at an institution; ``discharged_on`` is ``None`` while it lasts."""

    admitted_on: date
    discharged_on: date | None = None
    event_id: str


class CitizenCase(_State):
    """State of one citizen's case, folded from its events in recording order."""

    case_id: str
    version: int = 0
    opened_on: date | None = None
    team_id: str | None = None
    municipality: str | None = None
    closed_on: date | None = None
    referrals: tuple[date, ...] = ()
    functional_assessments: tuple[date, ...] = ()
    latest_scores: dict[str, int] = {}
    health_assessments: tuple[date, ...] = ()
    rehab_potential_assessments: tuple[date, ...] = ()
    courses: dict[str, CourseState] = {}
    decisions: dict[str, DecisionState] = {}
    #: Net team adjustment in minutes per decision and intervention.
    adjustments: dict[str, dict[str, int]] = {}
    adjustments_without_citizen: int = 0
    #: Delivered minutes per settlement period (``YYYY-MM``) and intervention.
    deliveries: dict[str, dict[str, int]] = {}
    visits: int = 0
    delegations: dict[str, DelegationState] = {}
    follow_ups: tuple[FollowUp, ...] = ()
    admissions: tuple[Admission, ...] = ()

    @property
    def admitted(self) -> bool:
        """Whether the citizen is at an institution now (the last admission is open)."""
        return bool(self.admissions) and self.admissions[-1].discharged_on is None

    def decision_status(self, decision_id: str, on: date) -> DecisionStatus:
        """Status of a decision on a day: ``pending`` before ``valid_from``, ``active``,
        ``expired`` after ``valid_until``, ``revised`` from its successor's ``valid_from``,
        ``rejected``, or ``closed`` once the case is closed."""
        decision = self.decisions[decision_id]
        if decision.kind == "rejected":
            return "rejected"
        if self.closed_on is not None and on >= self.closed_on:
            return "closed"
        if decision.revised_from is not None and on >= decision.revised_from:
            return "revised"
        if decision.valid_from is not None and on < decision.valid_from:
            return "pending"
        if decision.valid_until is not None and on > decision.valid_until:
            return "expired"
        return "active"

    def active_decisions(self, on: date) -> list[DecisionState]:
        """Decisions in force on a day, in decision order."""
        return [
            d
            for d in self.decisions.values()
            if self.decision_status(d.decision_id, on) == "active"
        ]

    def frames_by_area(self, on: date) -> dict[str, tuple[int, str]]:
        """Granted minutes and period per intervention across the decisions active on a day,
        team adjustments included."""
        out: dict[str, tuple[int, str]] = {}
        for decision in self.active_decisions(on):
            adjusted = self.adjustments.get(decision.decision_id, {})
            for code, (minutes, per) in decision.frame_minutes().items():
                previous, _ = out.get(code, (0, per))
                out[code] = (previous + minutes + adjusted.get(code, 0), per)
        return out

    def follow_ups_of(self, subject_id: str) -> list[FollowUp]:
        """Follow-ups recorded for a decision or delegation."""
        return [f for f in self.follow_ups if f.subject_id == subject_id]


class MeetingState(_State):
    """A dialogue meeting held about the period."""

    held_on: date
    participants: tuple[Role, ...]
    agreements_count: int
    event_id: str


class SettlementState(_State):
    """The recorded settlement of a period."""

    settled_on: date
    granted_minutes: int
    delivered_minutes: int
    band: Literal["inside", "overspend", "underspend"]
    variance_pct: str
    incentive_amount: str
    event_id: str


class TeamPeriod(_State):
    """State of one team's settlement period."""

    team_id: str
    period: str
    version: int = 0
    meetings: tuple[MeetingState, ...] = ()
    settlement: SettlementState | None = None


# --- evolve ------------------------------------------------------------------------------------

_S = TypeVar("_S", CitizenCase, TeamPeriod)
_Handler = Callable[[CitizenCase, Any], dict[str, Any]]
_HANDLERS: dict[str, _Handler] = {}


def _on(kind: type[ev.DomainEvent]) -> Callable[[_Handler], _Handler]:
    def register(handler: _Handler) -> _Handler:
        _HANDLERS[kind.__name__] = handler
        return handler

    return register


def _day(event: ev.DomainEvent) -> date:
    return event.occurred_at.date()


@_on(ev.CaseOpened)
def _opened(s: CitizenCase, e: ev.CaseOpened) -> dict[str, Any]:
    return {"opened_on": _day(e), "team_id": e.team_id, "municipality": e.municipality}


@_on(ev.ReferralReceived)
def _referral(s: CitizenCase, e: ev.ReferralReceived) -> dict[str, Any]:
    return {"referrals": (*s.referrals, _day(e))}


@_on(ev.FunctionalAbilityAssessed)
def _functional(s: CitizenCase, e: ev.FunctionalAbilityAssessed) -> dict[str, Any]:
    scores = {**s.latest_scores, **{entry.condition: entry.score for entry in e.scores}}
    return {"functional_assessments": (*s.functional_assessments, _day(e)), "latest_scores": scores}


@_on(ev.HealthConditionAssessed)
def _health(s: CitizenCase, e: ev.HealthConditionAssessed) -> dict[str, Any]:
    return {"health_assessments": (*s.health_assessments, _day(e))}


@_on(ev.RehabilitationPotentialAssessed)
def _potential(s: CitizenCase, e: ev.RehabilitationPotentialAssessed) -> dict[str, Any]:
    return {"rehab_potential_assessments": (*s.rehab_potential_assessments, _day(e))}


@_on(ev.RehabilitationCourseStarted)
def _course_started(s: CitizenCase, e: ev.RehabilitationCourseStarted) -> dict[str, Any]:
    course = CourseState(
        course_id=e.course_id,
        started_on=_day(e),
        planned_weeks=e.planned_weeks,
        goals_count=len(e.goals),
    )
    return {"courses": {**s.courses, e.course_id: course}}


@_on(ev.RehabilitationCourseEnded)
def _course_ended(s: CitizenCase, e: ev.RehabilitationCourseEnded) -> dict[str, Any]:
    course = s.courses.get(e.course_id)
    if course is None:
        # An end without a recorded start is still a fact: the course is known from its end.
        course = CourseState(
            course_id=e.course_id, started_on=_day(e), planned_weeks=1, goals_count=0
        )
    return {"courses": {**s.courses, e.course_id: course.model_copy(update={"ended_on": _day(e)})}}


def _decision(e: ev.VisitationGranted | ev.VisitationRevised) -> DecisionState:
    return DecisionState(
        decision_id=e.decision_id,
        kind="granted" if isinstance(e, ev.VisitationGranted) else "revised",
        event_id=str(e.event_id),
        decided_on=_day(e),
        legal_basis=e.legal_basis,
        frames=e.frames,
        goals_count=len(e.goals),
        valid_from=e.valid_from,
        valid_until=e.valid_until,
        follow_up_due=e.follow_up_due,
        team_id=e.team_id,
        revises=getattr(e, "revises", None),
    )


@_on(ev.VisitationGranted)
def _granted(s: CitizenCase, e: ev.VisitationGranted) -> dict[str, Any]:
    return {"decisions": {**s.decisions, e.decision_id: _decision(e)}}


@_on(ev.VisitationRevised)
def _revised(s: CitizenCase, e: ev.VisitationRevised) -> dict[str, Any]:
    decisions = {**s.decisions, e.decision_id: _decision(e)}
    earlier = decisions.get(e.revises)
    # Revised twice: the earliest revision ends it (as in the ledger and the rules).
    if (
        earlier is not None
        and earlier.decision_id != e.decision_id
        and (earlier.revised_from is None or e.valid_from < earlier.revised_from)
    ):
        decisions[e.revises] = earlier.model_copy(
            update={"revised_by": e.decision_id, "revised_from": e.valid_from}
        )
    return {"decisions": decisions}


@_on(ev.VisitationRejected)
def _rejected(s: CitizenCase, e: ev.VisitationRejected) -> dict[str, Any]:
    decision = DecisionState(
        decision_id=e.decision_id,
        kind="rejected",
        event_id=str(e.event_id),
        decided_on=_day(e),
        legal_basis=e.legal_basis,
    )
    return {"decisions": {**s.decisions, e.decision_id: decision}}


@_on(ev.VisitDelivered)
def _delivered(s: CitizenCase, e: ev.VisitDelivered) -> dict[str, Any]:
    period = e.delivered_on.strftime("%Y-%m")
    per_code = dict(s.deliveries.get(period, {}))
    per_code[e.intervention] = per_code.get(e.intervention, 0) + e.minutes
    return {"deliveries": {**s.deliveries, period: per_code}, "visits": s.visits + 1}


@_on(ev.TimeAdjustedByTeam)
def _adjusted(s: CitizenCase, e: ev.TimeAdjustedByTeam) -> dict[str, Any]:
    per_code = dict(s.adjustments.get(e.decision_id, {}))
    per_code[e.intervention] = per_code.get(e.intervention, 0) + e.delta_minutes
    return {
        "adjustments": {**s.adjustments, e.decision_id: per_code},
        "adjustments_without_citizen": s.adjustments_without_citizen + (not e.citizen_involved),
    }


@_on(ev.NursingTaskDelegated)
def _delegated(s: CitizenCase, e: ev.NursingTaskDelegated) -> dict[str, Any]:
    delegation = DelegationState(
        delegation_id=e.delegation_id,
        event_id=str(e.event_id),
        task=e.task,
        kind=e.kind,
        delegator_role=e.delegator_role,
        delegate_id=e.delegate_id,
        delegate_role=e.delegate_role,
        has_instruction=bool(e.instruction_ref),
        competence_verified=e.competence_verified,
        delegated_on=_day(e),
        follow_up_due=e.follow_up_due,
        status_since=_day(e),
    )
    return {"delegations": {**s.delegations, e.delegation_id: delegation}}


def _delegation_status(
    s: CitizenCase, e: ev.DelegationSuspended | ev.DelegationRevoked, status: str
) -> dict[str, Any]:
    delegation = s.delegations.get(e.delegation_id)
    if delegation is None or delegation.status == "revoked":
        return {}
    changed = delegation.model_copy(update={"status": status, "status_since": _day(e)})
    return {"delegations": {**s.delegations, e.delegation_id: changed}}


@_on(ev.DelegationSuspended)
def _suspended(s: CitizenCase, e: ev.DelegationSuspended) -> dict[str, Any]:
    return _delegation_status(s, e, "suspended")


@_on(ev.DelegationRevoked)
def _revoked(s: CitizenCase, e: ev.DelegationRevoked) -> dict[str, Any]:
    return _delegation_status(s, e, "revoked")


@_on(ev.FollowUpRecorded)
def _follow_up(s: CitizenCase, e: ev.FollowUpRecorded) -> dict[str, Any]:
    follow_up = FollowUp(
        subject_id=e.subject_id, outcome=e.outcome, on=_day(e), event_id=str(e.event_id)
    )
    changes: dict[str, Any] = {"follow_ups": (*s.follow_ups, follow_up)}
    delegation = s.delegations.get(e.subject_id)
    if e.outcome == "E3" and delegation is not None and delegation.status != "revoked":
        changes["delegations"] = {
            **s.delegations,
            e.subject_id: delegation.model_copy(
                update={"status": "revoked", "status_since": _day(e)}
            ),
        }
    return changes


@_on(ev.CitizenAdmitted)
def _admitted(s: CitizenCase, e: ev.CitizenAdmitted) -> dict[str, Any]:
    return {"admissions": (*s.admissions, Admission(admitted_on=_day(e), event_id=str(e.event_id)))}


@_on(ev.CitizenDischarged)
def _discharged(s: CitizenCase, e: ev.CitizenDischarged) -> dict[str, Any]:
    if not s.admitted:
        return {}
    last = s.admissions[-1].model_copy(update={"discharged_on": _day(e)})
    return {"admissions": (*s.admissions[:-1], last)}


@_on(ev.CaseClosed)
def _closed(s: CitizenCase, e: ev.CaseClosed) -> dict[str, Any]:
    return {"closed_on": _day(e)}


def evolve(state: CitizenCase, event: ev.DomainEvent) -> CitizenCase:
    """Apply one case event to a case state and return the new state (pure).

    Raises ``ValueError`` for an event of another case or a team event: a programming error,
    not bad input (the store routes events by key).
    """
    if getattr(event, "case_id", None) != state.case_id:
        raise ValueError(
            f"event of case {getattr(event, 'case_id', None)!r} applied to {state.case_id!r}"
        )
    handler = _HANDLERS[event.type]  # type: ignore[attr-defined]
    changes = handler(state, event)
    changes["version"] = state.version + 1
    return state.model_copy(update=changes)


def evolve_team(state: TeamPeriod, event: ev.DomainEvent) -> TeamPeriod:
    """Apply one team event (dialogue meeting, settlement) to a team period (pure)."""
    if not isinstance(event, ev.TeamEvent) or (event.team_id, event.period) != (
        state.team_id,
        state.period,
    ):
        raise ValueError("event does not belong to this team period")
    changes: dict[str, Any] = {"version": state.version + 1}
    if isinstance(event, ev.DialogueMeetingHeld):
        meeting = MeetingState(
            held_on=event.held_on,
            participants=event.participants,
            agreements_count=len(event.agreements),
            event_id=str(event.event_id),
        )
        changes["meetings"] = (*state.meetings, meeting)
    elif isinstance(event, ev.PeriodSettled):
        changes["settlement"] = SettlementState(
            settled_on=event.occurred_at.date(),
            granted_minutes=event.granted_minutes,
            delivered_minutes=event.delivered_minutes,
            band=event.band,
            variance_pct=str(event.variance_pct),
            incentive_amount=str(event.incentive_amount),
            event_id=str(event.event_id),
        )
    return state.model_copy(update=changes)


def fold(case_id: str, events: Iterable[ev.DomainEvent]) -> CitizenCase:
    """Fold case events, in the order given, into a fresh :class:`CitizenCase`."""
    state = CitizenCase(case_id=case_id)
    for event in events:
        state = evolve(state, event)
    return state


def fold_team(team_id: str, period: str, events: Iterable[ev.DomainEvent]) -> TeamPeriod:
    """Fold team events, in the order given, into a fresh :class:`TeamPeriod`."""
    state = TeamPeriod(team_id=team_id, period=period)
    for event in events:
        state = evolve_team(state, event)
    return state


def _check_complete(handlers: Mapping[str, _Handler]) -> None:
    missing = ev.CASE_EVENT_TYPES - handlers.keys()
    if missing:  # pragma: no cover - guards the catalogue against a forgotten handler
        raise RuntimeError(f"evolve has no handler for {sorted(missing)}")


_check_complete(_HANDLERS)
