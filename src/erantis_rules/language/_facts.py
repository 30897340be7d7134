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
    "CertificateFact",
    "CertificateUseFact",
    "CitationFact",
    "ContinuityFact",
    "CourseFact",
    "DecisionFact",
    "DelegationFact",
    "Fact",
    "FollowUpFact",
    "HelperVisitFact",
    "MeetingFact",
    "NeedsReportFact",
    "ProviderChangeFact",
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
    #: What its reasons and complaint guidance, where their elements are recorded, leave out
    #: (``""``: nothing, or not recorded); read by DOC-010, never their text.
    content_gaps: str
    #: The citizen was informed in writing of the help granted, or needed no new notice.
    informed: bool
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
    #: Its legal basis as text (``SEL §83 stk. 1 nr. 3``): a paragraph, never personal data.
    cited: str
    #: The citizen's target group had been assessed before it was made.
    target_assessed: bool
    #: Why the Elderly Act does not apply, when the latest target-group assessment before it
    #: concluded so: ``sel_95_96`` (ÆL §2 stk. 4) or ``other`` (a need not from ageing);
    #: ``""``: assessed to be in the target group, or not assessed.
    assessed_outside: str
    #: The law of the citizen's latest target-group assessment, whenever made (``""``: none).
    citizen_law: str
    #: A grant under SEL §§83, 83a or 86 made before 2025-07-01: valid until 2027-07-01 for a
    #: citizen of the Elderly Act (ÆL §46 stk. 2).
    transitional_basis: bool
    #: It grants madservice (FSIII H1.11, or SEL §83 stk. 1 nr. 3) on or after 2025-07-01
    #: under another provision than SEL §83b or ÆL §§13-14 (and not one SEL §2 stk. 5 bars,
    #: which REG-001 judges).
    meals_miscited: bool
    #: The care course (forløb) it names (``""``: none).
    care_course: str
    #: An ÆL §10 grant that names no care course of the municipality's catalogue in force on
    #: its day (ÆL §9 stk. 1 and 3): none, or one the catalogue does not hold then.
    course_missing: bool
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
    #: The same, with an open-ended decision's as ``date.max`` (a comparison with the clock
    #: reads one fact); ``None`` for a rejection.
    runs_through: date | None
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CitationFact:
    """The legal basis a grant or a rehabilitation course's start cites (``what``: ``Decision``
    or ``Course``), on its day: whether SEL §2 stk. 5 bars it for the Elderly Act's target
    group, and whether the citizen then still had a running pre-2025-07-01 SEL decision
    (ÆL §46 stk. 2-3, transitional)."""

    kind: ClassVar[str] = "citation"
    subject: str
    what: str
    on: date
    regime: str
    #: The citation as text (``SEL §83a``): a paragraph, never personal data.
    cited: str
    barred_sel: bool
    transitional: bool
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProviderChangeFact:
    """A change of provider the citizen asked for, and the day it took effect."""

    kind: ClassVar[str] = "provider_change"
    decision: str
    regime: str
    requested: date
    effective: date
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NeedsReportFact:
    """A provider's report of the citizen's changed need for the help of a decision."""

    kind: ClassVar[str] = "needs_report"
    decision: str
    regime: str
    reported: date
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CertificateFact:
    """A decision on a fritvalgsbevis for the help of a decision: granted or refused, and
    whether a refusal gave reasons."""

    kind: ClassVar[str] = "certificate"
    decision: str
    regime: str
    on: date
    granted: bool
    has_reasons: bool
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CertificateUseFact:
    """A provider chosen through a fritvalgsbevis for the help of a decision, and whether a
    decision granting one for that help was made by the day the provider took over."""

    kind: ClassVar[str] = "certificate_use"
    decision: str
    regime: str
    effective: date
    granted_by_then: bool
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HelperVisitFact:
    """A visit by the citizen's own approved helper outside the tasks of a contract on file
    (none on file: every visit)."""

    kind: ClassVar[str] = "helper_visit"
    helper: str
    regime: str
    on: date
    intervention: str
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
    | CitationFact
    | FollowUpFact
    | ProviderChangeFact
    | NeedsReportFact
    | CertificateFact
    | CertificateUseFact
    | HelperVisitFact
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
