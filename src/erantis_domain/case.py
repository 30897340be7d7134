"""The two aggregates as plain state, and the pure ``evolve`` that folds events into them.

``CitizenCase`` is what erantis knows of one citizen's case (borgerens sag): decisions and their
frames, team adjustments, deliveries per period, delegations, follow-ups, admissions and
assessments. ``TeamPeriod`` is one team's settlement period: dialogue meetings and the
settlement. Both are frozen; ``evolve`` returns a new state and never touches storage.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, TypedDict, Unpack

from pydantic import BaseModel, ConfigDict

from erantis_domain import events as ev
from erantis_domain.asof import business_day
from erantis_domain.values import Frame, LegalBasis, Role

__all__ = [
    "Admission",
    "CitizenCase",
    "CourseState",
    "DecisionState",
    "DecisionStatus",
    "DelegationState",
    "FollowUp",
    "InForce",
    "MeetingState",
    "SettlementState",
    "TeamPeriod",
    "earliest_revision",
    "evolve",
    "evolve_team",
    "fold",
    "fold_team",
    "in_force",
]

DecisionStatus = Literal["pending", "active", "expired", "revised", "rejected", "closed"]


@dataclass(frozen=True, slots=True)
class InForce:
    """The days a decision is in force: ``first`` through ``last`` (``None``: open-ended)."""

    first: date
    last: date | None

    def covers(self, day: date) -> bool:
        """Whether the decision is in force on ``day``."""
        return self.first <= day and (self.last is None or day <= self.last)

    def days_within(self, first: date, last: date) -> range:
        """The days in force between ``first`` and ``last`` (both included), as ordinals."""
        start = max(self.first, first)
        end = last if self.last is None else min(self.last, last)
        return range(start.toordinal(), end.toordinal() + 1)


def in_force(
    valid_from: date,
    valid_until: date | None,
    revised_from: date | None = None,
    closed_on: date | None = None,
) -> InForce:
    """When a decision is in force: from ``valid_from`` through ``valid_until``, ending the day
    before a revision takes effect (``revised_from``) and the day before the case closed.
    The one statement of decision validity: the case state, the settlement ledger and the
    rules' facts all ask it."""
    ends = [d for d in (valid_until,) if d is not None]
    ends += [d - timedelta(days=1) for d in (revised_from, closed_on) if d is not None]
    return InForce(valid_from, min(ends) if ends else None)


def earliest_revision(known: date | None, valid_from: date) -> date:
    """The day a decision stops to count once a revision from ``valid_from`` is known: revised
    twice, the earliest revision ends it."""
    return valid_from if known is None or valid_from < known else known


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
        if decision.kind == "rejected" or decision.valid_from is None:
            return "rejected"
        if self.closed_on is not None and on >= self.closed_on:
            return "closed"
        if decision.revised_from is not None and on >= decision.revised_from:
            return "revised"
        if on < decision.valid_from:
            return "pending"
        if not self.in_force(decision_id).covers(on):
            return "expired"
        return "active"

    def in_force(self, decision_id: str) -> InForce:
        """The days a granted or revised decision is in force (revision and closing included).
        Raises ``KeyError`` for an unknown decision and ``ValueError`` for a rejection."""
        decision = self.decisions[decision_id]
        if decision.valid_from is None:
            raise ValueError(f"decision {decision_id!r} is a rejection: it grants no days")
        return in_force(
            decision.valid_from, decision.valid_until, decision.revised_from, self.closed_on
        )

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


class _CaseChanges(TypedDict, total=False):
    """The fields of :class:`CitizenCase` an event may change: a misspelt field is a type
    error (and a ``TypeError`` at run time), never a silent no-op."""

    opened_on: date
    team_id: str
    municipality: str
    closed_on: date
    referrals: tuple[date, ...]
    functional_assessments: tuple[date, ...]
    latest_scores: dict[str, int]
    health_assessments: tuple[date, ...]
    rehab_potential_assessments: tuple[date, ...]
    courses: dict[str, CourseState]
    decisions: dict[str, DecisionState]
    adjustments: dict[str, dict[str, int]]
    adjustments_without_citizen: int
    deliveries: dict[str, dict[str, int]]
    visits: int
    delegations: dict[str, DelegationState]
    follow_ups: tuple[FollowUp, ...]
    admissions: tuple[Admission, ...]


_CHANGEABLE = frozenset(_CaseChanges.__annotations__)


def _with(state: CitizenCase, **changes: Unpack[_CaseChanges]) -> CitizenCase:
    """The state with some fields changed and its version moved on by one."""
    unknown = changes.keys() - _CHANGEABLE
    if unknown:  # pragma: no cover - mypy catches this first
        raise TypeError(f"CitizenCase has no field {sorted(unknown)}")
    return state.model_copy(update={**changes, "version": state.version + 1})


def _decision(e: ev.VisitationGranted | ev.VisitationRevised) -> DecisionState:
    return DecisionState(
        decision_id=e.decision_id,
        kind="granted" if isinstance(e, ev.VisitationGranted) else "revised",
        event_id=str(e.event_id),
        decided_on=business_day(e.occurred_at),
        legal_basis=e.legal_basis,
        frames=e.frames,
        goals_count=len(e.goals),
        valid_from=e.valid_from,
        valid_until=e.valid_until,
        follow_up_due=e.follow_up_due,
        team_id=e.team_id,
        revises=e.revises if isinstance(e, ev.VisitationRevised) else None,
    )


def _revised(s: CitizenCase, e: ev.VisitationRevised) -> dict[str, DecisionState]:
    decisions = {**s.decisions, e.decision_id: _decision(e)}
    earlier = decisions.get(e.revises)
    if earlier is not None and earlier.decision_id != e.decision_id:
        start = earliest_revision(earlier.revised_from, e.valid_from)
        if start != earlier.revised_from:
            decisions[e.revises] = earlier.model_copy(
                update={"revised_by": e.decision_id, "revised_from": start}
            )
    return decisions


def _delegation_changed(
    s: CitizenCase, delegation_id: str, status: Literal["suspended", "revoked"], day: date
) -> CitizenCase:
    delegation = s.delegations.get(delegation_id)
    if delegation is None or delegation.status == "revoked":
        return _with(s)
    changed = delegation.model_copy(update={"status": status, "status_since": day})
    return _with(s, delegations={**s.delegations, delegation_id: changed})


def _apply(s: CitizenCase, event: ev.DomainEvent) -> CitizenCase:
    """One case event folded into the state: the only place case events become state."""
    day = business_day(event.occurred_at)
    match event:
        case ev.CaseOpened():
            return _with(s, opened_on=day, team_id=event.team_id, municipality=event.municipality)
        case ev.ReferralReceived():
            return _with(s, referrals=(*s.referrals, day))
        case ev.FunctionalAbilityAssessed():
            scores = {**s.latest_scores, **{e.condition: e.score for e in event.scores}}
            return _with(
                s,
                functional_assessments=(*s.functional_assessments, day),
                latest_scores=scores,
            )
        case ev.HealthConditionAssessed():
            return _with(s, health_assessments=(*s.health_assessments, day))
        case ev.RehabilitationPotentialAssessed():
            return _with(s, rehab_potential_assessments=(*s.rehab_potential_assessments, day))
        case ev.RehabilitationCourseStarted():
            course = CourseState(
                course_id=event.course_id,
                started_on=day,
                planned_weeks=event.planned_weeks,
                goals_count=len(event.goals),
            )
            return _with(s, courses={**s.courses, event.course_id: course})
        case ev.RehabilitationCourseEnded():
            # An end without a recorded start is still a fact: the course is known from its end.
            known = s.courses.get(event.course_id) or CourseState(
                course_id=event.course_id, started_on=day, planned_weeks=1, goals_count=0
            )
            ended = known.model_copy(update={"ended_on": day})
            return _with(s, courses={**s.courses, event.course_id: ended})
        case ev.VisitationGranted():
            return _with(s, decisions={**s.decisions, event.decision_id: _decision(event)})
        case ev.VisitationRevised():
            return _with(s, decisions=_revised(s, event))
        case ev.VisitationRejected():
            rejection = DecisionState(
                decision_id=event.decision_id,
                kind="rejected",
                event_id=str(event.event_id),
                decided_on=day,
                legal_basis=event.legal_basis,
            )
            return _with(s, decisions={**s.decisions, event.decision_id: rejection})
        case ev.VisitDelivered():
            period = event.delivered_on.strftime("%Y-%m")
            per_code = dict(s.deliveries.get(period, {}))
            per_code[event.intervention] = per_code.get(event.intervention, 0) + event.minutes
            return _with(s, deliveries={**s.deliveries, period: per_code}, visits=s.visits + 1)
        case ev.TimeAdjustedByTeam():
            adjusted = dict(s.adjustments.get(event.decision_id, {}))
            adjusted[event.intervention] = adjusted.get(event.intervention, 0) + event.delta_minutes
            return _with(
                s,
                adjustments={**s.adjustments, event.decision_id: adjusted},
                adjustments_without_citizen=s.adjustments_without_citizen
                + (not event.citizen_involved),
            )
        case ev.NursingTaskDelegated():
            delegation = DelegationState(
                delegation_id=event.delegation_id,
                event_id=str(event.event_id),
                task=event.task,
                kind=event.kind,
                delegator_role=event.delegator_role,
                delegate_id=event.delegate_id,
                delegate_role=event.delegate_role,
                has_instruction=bool(event.instruction_ref),
                competence_verified=event.competence_verified,
                delegated_on=day,
                follow_up_due=event.follow_up_due,
                status_since=day,
            )
            return _with(s, delegations={**s.delegations, event.delegation_id: delegation})
        case ev.DelegationSuspended():
            return _delegation_changed(s, event.delegation_id, "suspended", day)
        case ev.DelegationRevoked():
            return _delegation_changed(s, event.delegation_id, "revoked", day)
        case ev.FollowUpRecorded():
            follow_up = FollowUp(
                subject_id=event.subject_id,
                outcome=event.outcome,
                on=day,
                event_id=str(event.event_id),
            )
            s = s.model_copy(update={"follow_ups": (*s.follow_ups, follow_up)})
            if event.outcome == "E3":  # the task is stopped: the delegation ends
                return _delegation_changed(s, event.subject_id, "revoked", day)
            return _with(s)
        case ev.CitizenAdmitted():
            admission = Admission(admitted_on=day, event_id=str(event.event_id))
            return _with(s, admissions=(*s.admissions, admission))
        case ev.CitizenDischarged():
            if not s.admitted:
                return _with(s)
            last = s.admissions[-1].model_copy(update={"discharged_on": day})
            return _with(s, admissions=(*s.admissions[:-1], last))
        case ev.CaseClosed():
            # Closed twice: the case closed on the earlier day (as the ledger and the rules see).
            if s.closed_on is not None and s.closed_on <= day:
                return _with(s)
            return _with(s, closed_on=day)
    raise ValueError(f"{type(event).__name__} is not a case event")


def evolve(state: CitizenCase, event: ev.DomainEvent) -> CitizenCase:
    """Apply one case event to a case state and return the new state (pure).

    Raises ``ValueError`` for an event of another case or a team event: a programming error,
    not bad input (the store routes events by key).
    """
    if getattr(event, "case_id", None) != state.case_id:
        raise ValueError(
            f"event of case {getattr(event, 'case_id', None)!r} applied to {state.case_id!r}"
        )
    return _apply(state, event)


def evolve_team(state: TeamPeriod, event: ev.DomainEvent) -> TeamPeriod:
    """Apply one team event (dialogue meeting, settlement) to a team period (pure)."""
    if not isinstance(event, ev.TeamEvent) or (event.team_id, event.period) != (
        state.team_id,
        state.period,
    ):
        raise ValueError("event does not belong to this team period")
    version = state.version + 1
    match event:
        case ev.DialogueMeetingHeld():
            meeting = MeetingState(
                held_on=event.held_on,
                participants=event.participants,
                agreements_count=len(event.agreements),
                event_id=str(event.event_id),
            )
            return state.model_copy(
                update={"meetings": (*state.meetings, meeting), "version": version}
            )
        case ev.PeriodSettled():
            settlement = SettlementState(
                settled_on=business_day(event.occurred_at),
                granted_minutes=event.granted_minutes,
                delivered_minutes=event.delivered_minutes,
                band=event.band,
                variance_pct=str(event.variance_pct),
                incentive_amount=str(event.incentive_amount),
                event_id=str(event.event_id),
            )
            return state.model_copy(update={"settlement": settlement, "version": version})
    return state.model_copy(update={"version": version})


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
