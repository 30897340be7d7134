"""Private: the kinds of fact the rules are stated over.

A fact is a frozen dataclass with real dates (``None`` for a date that is not there yet), its
``kind`` naming it, and ``evidence``: the ids of the events it rests on. The conditions of the
catalogue read their fields; the engine derives them from a case's state
(:mod:`erantis_rules.engine._derive`); only :mod:`erantis_rules.language._durable` flattens
them into ordinals and integers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from erantis_domain.values import Role

__all__ = [
    "AdjustedFrameFact",
    "AdjustmentFact",
    "AdmissionFact",
    "ContinuityFact",
    "CourseFact",
    "DecisionFact",
    "DelegationFact",
    "Fact",
    "FollowUpFact",
    "MeetingFact",
    "SettledFact",
    "SwapsFact",
    "TeamPeriodFact",
    "UncoveredVisitFact",
]


@dataclass(frozen=True, slots=True)
class DecisionFact:
    """What a decision (grant, revision or rejection) says, and what the case knew then."""

    kind: ClassVar[str] = "decision"
    decision: str
    #: ``granted``, ``revised`` or ``rejected``.
    made: str
    on: date
    #: The legal regime it is judged under (``erantis_rules.regimes``).
    regime: str
    has_reasons: bool
    guidance: bool
    #: It grants all that was applied for (fuldt medhold).
    fully_granted: bool
    goals: int
    #: Care help: a grant under SEL §83 or the Elderly Act (not SUL §138 nursing alone).
    care: bool
    sel83: bool
    #: It cites SEL §§83, 83a, 83b, 84 or 86 (barred for the Elderly Act's target group).
    barred_sel: bool
    #: It cites the Elderly Act.
    cites_ael: bool
    #: The citizen's target group had been assessed before it was made.
    target_assessed: bool
    nursing: bool
    #: Home nursing under SUL §138 (not a care grant with a nursing frame).
    sul138: bool
    #: A physician's referral came before it.
    physician_referral: bool
    potential_before: bool
    health_before: bool
    #: Day of the latest functional-ability assessment before the decision.
    fa_on: date | None
    follow_up_due: date | None
    replaced: bool
    closed: date | None
    #: Its last day in force (revision and closing included); ``None``: open-ended or a
    #: rejection (see ``made``).
    in_force_last: date | None
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FollowUpFact:
    """A follow-up recorded of a decision or a delegation (``subject``)."""

    kind: ClassVar[str] = "follow_up"
    subject: str
    on: date
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CourseFact:
    """A rehabilitation course, open while ``ended`` is ``None``."""

    kind: ClassVar[str] = "course"
    course: str
    started: date
    ended: date | None
    regime: str
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DelegationFact:
    """A nursing-task delegation as last delegated; ``revoked`` once revoked."""

    kind: ClassVar[str] = "delegation"
    delegation: str
    on: date
    task: str
    #: ``concrete`` or ``framework``.
    form: str
    delegator_role: Role
    delegate_role: Role
    verified: bool
    instruction: bool
    #: The medicine is pre-dispensed.
    pre_dispensed: bool
    follow_up_due: date
    revoked: date | None
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AdmissionFact:
    """An admission that met an active delegation, and when (if) it was suspended after."""

    kind: ClassVar[str] = "admission"
    delegation: str
    admitted: date
    discharged: date | None
    suspended: date | None
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AdjustedFrameFact:
    """A decision's frame for one intervention with the team's net adjustment of it."""

    kind: ClassVar[str] = "adjusted_frame"
    decision: str
    intervention: str
    #: The granted frame, floored at 0 as in the settlement.
    granted: int
    net: int
    replaced: bool
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AdjustmentFact:
    """One time adjustment by the team."""

    kind: ClassVar[str] = "adjustment"
    decision: str
    citizen: bool
    on: date
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UncoveredVisitFact:
    """A visit no decision in force on its day covers."""

    kind: ClassVar[str] = "uncovered_visit"
    on: date
    intervention: str
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ContinuityFact:
    """The window with the most distinct carers (the earliest if tied)."""

    kind: ClassVar[str] = "continuity"
    carers: int
    first: date
    last: date
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SwapsFact:
    """The window of ``window_days`` with the most visits swapped under the swap right or
    declined (the earliest if tied)."""

    kind: ClassVar[str] = "swaps"
    count: int
    first: date
    last: date
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TeamPeriodFact:
    """A team's settlement period: its frame and delivered minutes over all its cases."""

    kind: ClassVar[str] = "team_period"
    team: str
    period: str
    start: date
    end: date
    #: The team's frame, floored at 0 as in the settlement.
    granted: int
    delivered: int
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MeetingFact:
    """A dialogue meeting held about a team period."""

    kind: ClassVar[str] = "meeting"
    held: date
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SettledFact:
    """A team period's recorded settlement."""

    kind: ClassVar[str] = "settled"
    team: str
    evidence: tuple[str, ...]


Fact = (
    DecisionFact
    | FollowUpFact
    | CourseFact
    | DelegationFact
    | AdmissionFact
    | AdjustedFrameFact
    | AdjustmentFact
    | UncoveredVisitFact
    | ContinuityFact
    | SwapsFact
    | TeamPeriodFact
    | MeetingFact
    | SettledFact
)
