"""Private: the two aggregates' state, and the questions everything else asks of it.

``CitizenCase`` is what erantis knows of one citizen's case (borgerens sag): decisions with
what the case knew when each was made, team adjustments, visits, delegations, follow-ups,
admissions and assessments. ``TeamPeriod`` is one team's settlement period. Both are frozen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from erantis_domain.case._visits import VisitLog
from erantis_domain.values import CourseFrame, Frame, LegalBasis, Role

__all__ = [
    "AdjustmentState",
    "Admission",
    "AgreementState",
    "Certificate",
    "CitizenCase",
    "CourseState",
    "DecisionState",
    "DecisionStatus",
    "Decline",
    "DelegationState",
    "FollowUp",
    "FunctionalAssessment",
    "InForce",
    "MeetingState",
    "NeedsReport",
    "OwnHelper",
    "ProviderChoice",
    "SettlementState",
    "Swap",
    "TargetGroup",
    "TeamPeriod",
    "TrialStep",
    "earliest_revision",
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
    #: A care course's pooled frame: the frame that counts, ``frames`` being its content.
    course_frame: CourseFrame | None = None
    #: The care course (forløb) of the municipality's catalogue it names (ÆL §§9-10).
    care_course: str | None = None
    goals_count: int = 0
    valid_from: date | None = None
    valid_until: date | None = None
    follow_up_due: date | None = None
    team_id: str | None = None
    revises: str | None = None
    revised_by: str | None = None
    revised_from: date | None = None
    has_reasons: bool = True
    complaint_guidance: bool = True
    #: What the case knew when the decision was made (in ``occurred_at`` order): whether
    #: rehabilitation potential and health conditions had been assessed, and the day of the
    #: latest functional-ability assessment.
    potential_assessed_before: bool = False
    health_assessed_before: bool = False
    functional_assessed_on: date | None = None
    #: A physician's referral came before it (a hospital or GP referral, or a referral
    #: reference on the decision).
    physician_referral: bool = False
    #: The law of the latest target-group assessment before the decision, if any, and the
    #: basis it gave (``sel_95_96``: help under SEL §§95-96, outside the Elderly Act, ÆL §2
    #: stk. 4).
    target_law: Literal["AEL", "SEL"] | None = None
    target_basis: Literal["pension_age", "equivalent_need", "sel_95_96", "other"] | None = None
    fully_granted: bool = False
    #: The elements its reasons name and its complaint guidance states (``None``: not
    #: recorded), never their text.
    reasons_name: tuple[str, ...] | None = None
    guidance_states: tuple[str, ...] | None = None
    #: The citizen was informed in writing of the help granted; a minor favourable adjustment
    #: needs no new notice.
    informed_in_writing: bool = True
    minor_favourable: bool = False

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
    #: The events it is known from (start, end).
    event_ids: tuple[str, ...] = ()
    #: The act it was started under, and the law of the citizen's target group then.
    act: str = "SEL"
    target_law: Literal["AEL", "SEL"] | None = None
    #: The legal basis its start cited (``None``: known from its end only).
    basis: LegalBasis | None = None


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
    #: The day the status last changed (delegated, suspended, revoked).
    status_since: date | None = None
    #: The day it was revoked (or stopped by follow-up outcome E3), if it was.
    revoked_on: date | None = None
    #: The delegating nurse (an actor id, never a name).
    delegator_id: str = ""
    #: The medicine is pre-dispensed.
    pre_dispensed: bool = False
    #: The latest follow-up of the delegation while it was not revoked, and its outcome.
    last_follow_up: date | None = None
    last_outcome: Literal["E1", "E2", "E3", "E4"] | None = None


class TargetGroup(_State):
    """A target-group assessment: which law the citizen's need falls under, and why."""

    on: date
    law: Literal["AEL", "SEL"]
    basis: Literal["pension_age", "equivalent_need", "sel_95_96", "other"]
    event_id: str


class FunctionalAssessment(_State):
    """A functional-ability assessment (FSIII funktionsevnetilstand): its scores by
    condition."""

    on: date
    event_id: str
    scores: dict[str, int]


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
    #: Delegations active when the citizen was admitted.
    active_delegations: tuple[str, ...] = ()


class Swap(_State):
    """A swap under the swap right: other help than decided, inside the granted time."""

    on: date
    decision_id: str
    granted_intervention: str
    delivered_intervention: str
    minutes: int
    event_id: str


class ProviderChoice(_State):
    """The citizen's choice (or change) of provider for a decision, asked and effective."""

    decision_id: str
    provider_id: str
    change: bool
    requested_on: date
    effective_from: date
    event_id: str
    #: How the choice is made: ``contract`` or ``fritvalgsbevis``.
    via: str = "contract"


class Certificate(_State):
    """A decision on a fritvalgsbevis for the help of a decision: granted or refused, and
    whether a refusal gave reasons."""

    decision_id: str
    granted: bool
    on: date
    has_reasons: bool
    event_id: str


class NeedsReport(_State):
    """A provider's report to the municipality that the citizen's need changed."""

    decision_id: str
    on: date
    event_id: str


class OwnHelper(_State):
    """A helper the citizen appointed, as approved: its contracted tasks."""

    helper_id: str
    decision_id: str
    tasks: frozenset[str]
    contract: bool
    on: date
    event_id: str


class Decline(_State):
    """A visit of the decided help the citizen declined."""

    on: date
    decision_id: str
    intervention: str
    event_id: str


class AdjustmentState(_State):
    """One time adjustment by the team (inside the frame of a decision)."""

    decision_id: str
    intervention: str
    delta_minutes: int
    on: date
    team_id: str
    citizen_involved: bool
    event_id: str


class CitizenCase(_State):
    """State of one citizen's case, folded from its events (``evolve``)."""

    case_id: str
    version: int = 0
    opened_on: date | None = None
    team_id: str | None = None
    municipality: str | None = None
    closed_on: date | None = None
    referrals: tuple[date, ...] = ()
    #: Days of the referrals from a physician (hospital or GP).
    physician_referrals: tuple[date, ...] = ()
    target_groups: tuple[TargetGroup, ...] = ()
    functional_ability: tuple[FunctionalAssessment, ...] = ()
    health_assessments: tuple[date, ...] = ()
    rehab_potential_assessments: tuple[date, ...] = ()
    courses: dict[str, CourseState] = {}
    decisions: dict[str, DecisionState] = {}
    adjustment_log: tuple[AdjustmentState, ...] = ()
    swaps: tuple[Swap, ...] = ()
    declines: tuple[Decline, ...] = ()
    provider_choices: tuple[ProviderChoice, ...] = ()
    needs_reports: tuple[NeedsReport, ...] = ()
    #: Decisions on fritvalgsbeviser, in the order folded.
    certificates: tuple[Certificate, ...] = ()
    #: Approved own helpers by helper id (the latest approval of each).
    own_helpers: dict[str, OwnHelper] = {}
    visit_log: VisitLog = Field(default_factory=VisitLog)
    delegations: dict[str, DelegationState] = {}
    #: Days each delegation id was suspended, revoked or stopped (E3), whatever its state.
    delegation_stops: dict[str, tuple[date, ...]] = {}
    follow_ups: tuple[FollowUp, ...] = ()
    #: Follow-ups with outcome E4 (the purchaser must reassess) with no decision since, by
    #: subject; a later follow-up of the subject with another outcome withdraws its need.
    awaiting_reassessment: dict[str, FollowUp] = {}
    admissions: tuple[Admission, ...] = ()

    @property
    def functional_assessments(self) -> tuple[date, ...]:
        """Days of the functional-ability assessments, in the order folded."""
        return tuple(a.on for a in self.functional_ability)

    @property
    def latest_scores(self) -> dict[str, int]:
        """Each condition's latest score."""
        out: dict[str, int] = {}
        for assessment in self.functional_ability:
            out.update(assessment.scores)
        return out

    @property
    def visits(self) -> int:
        """How many visits were delivered."""
        return len(self.visit_log)

    @property
    def deliveries(self) -> dict[str, dict[str, int]]:
        """Delivered minutes per settlement period (``YYYY-MM``) and intervention."""
        out: dict[str, dict[str, int]] = {}
        for visit in self.visit_log:
            per_code = out.setdefault(visit.delivered_on.strftime("%Y-%m"), {})
            per_code[visit.intervention] = per_code.get(visit.intervention, 0) + visit.minutes
        return out

    @property
    def adjustments(self) -> dict[str, dict[str, int]]:
        """Net team adjustment in minutes per decision and intervention."""
        out: dict[str, dict[str, int]] = {}
        for a in self.adjustment_log:
            per_code = out.setdefault(a.decision_id, {})
            per_code[a.intervention] = per_code.get(a.intervention, 0) + a.delta_minutes
        return out

    @property
    def adjustments_without_citizen(self) -> int:
        """How many adjustments were made without the citizen involved."""
        return sum(not a.citizen_involved for a in self.adjustment_log)

    def stays(self) -> list[tuple[date, date | None]]:
        """Stays at an institution, ``(admitted, discharged)``: an admission recorded while
        the citizen was already admitted belongs to the stay under way."""
        out: list[tuple[date, date | None]] = []
        for a in self.admissions:
            if out and out[-1][1] is None:
                out[-1] = (out[-1][0], a.discharged_on)
            else:
                out.append((a.admitted_on, a.discharged_on))
        return out

    def teams(self) -> set[str]:
        """Teams with a decision, an adjustment or a visit of the case."""
        found = {d.team_id for d in self.decisions.values() if d.team_id is not None}
        found.update(a.team_id for a in self.adjustment_log)
        found.update(self.visit_log.teams())
        return found

    def concerns(self, team_id: str) -> bool:
        """Whether the team has a decision, an adjustment or a visit of the case (``team_id in
        teams()``, without building the set)."""
        return (
            any(d.team_id == team_id for d in self.decisions.values())
            or any(a.team_id == team_id for a in self.adjustment_log)
            or self.visit_log.has_team(team_id)
        )

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


class AgreementState(_State):
    """An agreement of a dialogue meeting, without its text (free text stays in the event)."""

    held_on: date
    owner: Role | None
    due: date | None
    indicator: str | None
    event_id: str


class TrialStep(_State):
    """A step of a PDSA improvement trial."""

    stage: Literal["plan", "do", "study", "act"]
    on: date
    indicator: str | None
    event_id: str


class TeamPeriod(_State):
    """State of one team's settlement period."""

    team_id: str
    period: str
    version: int = 0
    meetings: tuple[MeetingState, ...] = ()
    agreements: tuple[AgreementState, ...] = ()
    #: PDSA improvement trials by id: their steps in the order recorded.
    trials: dict[str, tuple[TrialStep, ...]] = {}
    settlement: SettlementState | None = None
