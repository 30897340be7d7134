"""Private: the facts the rules judge, a pure function of a case's state and the day.

Rules never see raw events. A case's state (:class:`~erantis_domain.case.CitizenCase`, the one
fold of its events) gives a few facts that each rule judges against the policy: per decision,
per follow-up, per rehabilitation course, per delegation, per admission that met an active
delegation, per adjusted frame, per time adjustment, per uncovered visit, one continuity
summary. Sums and windows are computed here; thresholds, deadlines and absence are judged by
the rules (:mod:`erantis_rules.catalogue`).

A fact is a frozen dataclass with real dates (``None`` for a date that is not there yet), its
``kind`` naming it, and ``evidence``: the ids of the events it rests on. Only
``erantis_rules._durable`` flattens facts into ordinals and integers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from erantis_domain import events as ev
from erantis_domain import fsiii
from erantis_domain.case import CitizenCase, DecisionState, Swap
from erantis_domain.projections.budget import citizen_frame
from erantis_domain.projections.terms import SettlementTerms
from erantis_domain.values import Role, period_bounds
from erantis_rules.regimes import AEL_FROM, DEFAULT_REGIMES, TRANSITION_END, Regime, regime_of

if TYPE_CHECKING:
    from erantis_rules.policy import Policy

__all__ = [
    "AdjustedFrameFact",
    "AdjustmentFact",
    "AdmissionFact",
    "CaseFacts",
    "CitationFact",
    "ContinuityFact",
    "CourseFact",
    "DecisionFact",
    "DelegationFact",
    "Fact",
    "FactSettings",
    "FollowUpFact",
    "HelperVisitFact",
    "MeetingFact",
    "NeedsReportFact",
    "ProviderChangeFact",
    "SettledFact",
    "SwapsFact",
    "TeamLoad",
    "TeamPeriodFact",
    "UncoveredVisitFact",
    "case_facts",
    "team_facts",
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


@dataclass(slots=True)
class TeamLoad:
    """A case's contribution to its teams' settlement periods per ``(team_id, period)``: its
    frame minutes as the settlement ledger counts them (granted frames prorated by the days
    they count, plus team adjustments, less hospital stays) and its delivered minutes."""

    granted: dict[tuple[str, str], int] = field(default_factory=dict)
    delivered: dict[tuple[str, str], int] = field(default_factory=dict)


@dataclass(slots=True)
class CaseFacts:
    """The derived facts of one case, and what it adds to its teams. ``frames_of`` holds what
    the granted minutes were computed from, so a later call can reuse them."""

    case_id: str
    facts: list[Fact]
    load: TeamLoad
    frames_of: tuple[Any, ...] = ()


def _ids(*events: ev.DomainEvent) -> tuple[str, ...]:
    return tuple(str(e.event_id) for e in events)


def case_facts(
    state: CitizenCase,
    *,
    until: date,
    window_days: int,
    terms: SettlementTerms | None = None,
    regimes: Sequence[Regime] = DEFAULT_REGIMES,
    swap_window_days: int = 91,
    previous: CaseFacts | None = None,
) -> CaseFacts:
    """The facts of a case's state as of ``until`` (the ``as_of`` day: the last day whose
    frames count towards team periods), with ``window_days`` the continuity window.

    ``previous`` (the facts of an earlier state of the same case, under the same settings) lets
    unchanged frames and decision facts be reused instead of computed again; the result is the
    same either way.
    """
    terms = terms or SettlementTerms()
    facts: list[Fact] = []
    if (
        previous is not None
        and previous.frames_of
        and previous.frames_of[0] is state.decisions
        and previous.frames_of[3] == state.closed_on
    ):
        # A decision's fact reads only the decision and the closing day: a warm engine
        # re-asks a case's facts after each visit, and its decisions rarely change.
        facts.extend(fact for fact in previous.facts if isinstance(fact, DecisionFact))
    else:
        facts.extend(_decision_fact(state, d, regimes) for d in state.decisions.values())
    facts.extend(_citations(state, regimes))
    facts.extend(_providers(state, regimes))
    facts.extend(FollowUpFact(f.subject_id, f.on, (f.event_id,)) for f in state.follow_ups)
    facts.extend(
        CourseFact(
            c.course_id,
            c.started_on,
            c.ended_on,
            regime_of(regimes, c.started_on, c.target_law, c.act),
            c.event_ids,
        )
        for c in state.courses.values()
    )
    facts.extend(
        DelegationFact(
            delegation=d.delegation_id,
            on=d.delegated_on,
            task=d.task,
            form=d.kind,
            delegator_role=d.delegator_role,
            delegate_role=d.delegate_role,
            verified=d.competence_verified,
            instruction=d.has_instruction,
            pre_dispensed=d.pre_dispensed,
            follow_up_due=d.follow_up_due,
            revoked=d.revoked_on,
            evidence=(d.event_id,),
        )
        for d in state.delegations.values()
    )
    for admission in state.admissions:
        for delegation_id in admission.active_delegations:
            later = [
                d
                for d in state.delegation_stops.get(delegation_id, ())
                if d >= admission.admitted_on
            ]
            facts.append(
                AdmissionFact(
                    delegation=delegation_id,
                    admitted=admission.admitted_on,
                    discharged=admission.discharged_on,
                    suspended=min(later) if later else None,
                    evidence=(admission.event_id, state.delegations[delegation_id].event_id),
                )
            )
    facts.extend(_adjusted_frames(state))
    facts.extend(
        AdjustmentFact(a.decision_id, a.citizen_involved, a.on, (a.event_id,))
        for a in state.adjustment_log
    )
    facts.extend(_uncovered_visits(state))
    continuity = _continuity(state, window_days)
    if continuity is not None:
        facts.append(continuity)
    swaps = _swaps(state, swap_window_days)
    if swaps is not None:
        facts.append(swaps)
    frames_of = (
        state.decisions,
        state.adjustment_log,
        state.admissions,
        state.closed_on,
        until,
        terms,
    )
    if previous is not None and _same(previous.frames_of, frames_of):
        granted = previous.load.granted
    else:
        granted = _frames_by_team_period(state, until, terms)
    load = TeamLoad(granted=dict(granted), delivered=state.visit_log.minutes_by_team_period())
    return CaseFacts(state.case_id, facts, load, frames_of)


@dataclass(frozen=True, slots=True)
class FactSettings:
    """What a policy sets for the facts of a case, taken once (the settlement terms are a
    model built from the policy: built again per case, they were work on the hot path)."""

    window_days: int
    terms: SettlementTerms
    regimes: tuple[Regime, ...]
    swap_window_days: int

    @classmethod
    def of(cls, policy: Policy) -> FactSettings:
        return cls(
            window_days=policy.continuity_window_days,
            terms=policy.settlement_terms(),
            regimes=policy.regimes,
            swap_window_days=policy.swap_window_days,
        )

    def facts(
        self, state: CitizenCase, until: date, previous: CaseFacts | None = None
    ) -> CaseFacts:
        """:func:`case_facts` under these settings: the one way the engine and the streaming
        check ask for a case's facts."""
        return case_facts(
            state,
            until=until,
            window_days=self.window_days,
            terms=self.terms,
            regimes=self.regimes,
            swap_window_days=self.swap_window_days,
            previous=previous,
        )


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    # The state's parts are immutable and shared between versions: the same object is the
    # same value. Days and terms compare by value.
    return len(a) == len(b) and all(
        x is y or (type(x) is not dict and x == y) for x, y in zip(a, b, strict=True)
    )


def _decision_fact(state: CitizenCase, d: DecisionState, regimes: Sequence[Regime]) -> DecisionFact:
    basis = d.legal_basis
    granting = d.kind != "rejected"
    frames = d.frame_minutes()
    sel83 = granting and basis.cites("SEL", "83")
    cites_ael = basis.act == "AEL"
    regime = regime_of(regimes, d.decided_on, d.target_law, basis.act)
    last = state.in_force(d.decision_id).last if granting else None
    barred = granting and basis.cites("SEL", *_BARRED_FOR_AEL)
    meals = granting and (
        _MEALS in frames
        or (basis.cites("SEL", "83") and basis.stk in (None, "1") and basis.nr == "3")
    )
    meals_miscited = (
        meals
        and d.decided_on >= AEL_FROM
        and not any(basis.cites(act, *paragraphs) for act, paragraphs in _MEALS_BASES)
        and not (barred and d.target_law == "AEL")
    )
    return DecisionFact(
        decision=d.decision_id,
        made=d.kind,
        on=d.decided_on,
        regime=regime,
        has_reasons=d.has_reasons,
        guidance=d.complaint_guidance,
        content_gaps=_content_gaps(state, d),
        informed=d.informed_in_writing or d.minor_favourable,
        fully_granted=d.fully_granted,
        goals=d.goals_count,
        care=granting and (sel83 or cites_ael),
        sel83=sel83,
        barred_sel=barred,
        cites_ael=granting and cites_ael,
        cited=str(basis),
        target_assessed=d.target_law is not None,
        assessed_outside=(d.target_basis or "other") if d.target_law == "SEL" else "",
        citizen_law=state.target_groups[-1].law if state.target_groups else "",
        transitional_basis=_transitional_basis(d),
        meals_miscited=meals_miscited,
        nursing=granting and (any(code[0] == "G" for code in frames) or basis.cites("SUL", "138")),
        sul138=granting and basis.cites("SUL", "138"),
        physician_referral=d.physician_referral,
        potential_before=d.potential_assessed_before,
        health_before=d.health_assessed_before,
        fa_on=d.functional_assessed_on,
        follow_up_due=d.follow_up_due,
        replaced=d.revised_from is not None,
        closed=state.closed_on,
        in_force_last=last,
        runs_through=(last or date.max) if granting else None,
        evidence=(d.event_id,),
    )


#: SEL § 2, stk. 5 (LOV 1703 of 30/12/2024): not for citizens who can receive ÆL help.
_BARRED_FOR_AEL = ("83", "83a", "83b", "84", "86")
#: Decisions that stay valid until 2027-07-01 when made before 2025-07-01 (ÆL §46 stk. 2;
#: §86 only its stk. 1, §91 stk. 3 is a provider's matter, not a grant of help).
_TRANSITIONAL = ("83", "83a", "86")
#: Madservice (FSIII H1.11) and the provisions it is granted under from 2025-07-01: SEL §83b
#: outside the Elderly Act, ÆL §13 at home and §14 for residents (SEL §83 stk. 1 nr. 3 is
#: repealed by LOV 1703).
_MEALS = "H1.11"
_MEALS_BASES = (("SEL", ("83b",)), ("AEL", ("13", "14")))


_REASON_NAMES = {
    "legal_rules": "the legal rules",
    "main_considerations": "the main considerations",
    "facts": "the facts relied on",
}
_GUIDANCE_NAMES = {
    "complaint_body": "the complaint body (Ankestyrelsen)",
    "via_municipality": "that the complaint goes to the municipality first",
    "time_limit": "the time limit (4 weeks)",
    "ending_final": "that ending the Serviceloven decision cannot be appealed",
}


def _content_gaps(state: CitizenCase, d: DecisionState) -> str:
    """What the recorded elements of the reasons and the guidance leave out, in words."""
    gaps: list[str] = []
    if d.has_reasons and d.reasons_name is not None:
        missing = [name for key, name in _REASON_NAMES.items() if key not in d.reasons_name]
        if missing:
            gaps.append("its reasons do not name " + " or ".join(missing))
    if d.complaint_guidance and d.guidance_states is not None:
        wanted = ["complaint_body", "via_municipality", "time_limit"]
        ended = state.decisions.get(d.revises) if d.revises is not None else None
        if d.legal_basis.act == "AEL" and ended is not None and _transitional_basis(ended):
            wanted.append("ending_final")
        missing = [_GUIDANCE_NAMES[key] for key in wanted if key not in d.guidance_states]
        if missing:
            gaps.append("its complaint guidance does not state " + " or ".join(missing))
    return "; ".join(gaps)


def _transitional_basis(d: DecisionState) -> bool:
    """A grant under SEL §§83, 83a or 86 stk. 1 made before 2025-07-01 (ÆL §46 stk. 2)."""
    basis = d.legal_basis
    return (
        d.kind != "rejected"
        and d.decided_on < AEL_FROM
        and basis.cites("SEL", *_TRANSITIONAL)
        and not (basis.paragraph == "86" and basis.stk not in (None, "1"))
    )


def _transitional_on(state: CitizenCase, day: date, but: str = "") -> bool:
    """Whether the citizen is transitional on ``day`` (ÆL §46 stk. 2-3): before 2027-07-01, a
    pre-2025-07-01 SEL grant (other than ``but``) was in force that day or the day before
    (a revision from ``day`` ends it the day before)."""
    if day >= TRANSITION_END:
        return False
    for d in state.decisions.values():
        if d.decision_id == but or not _transitional_basis(d):
            continue
        span = state.in_force(d.decision_id)
        if span.first < day and (span.last is None or span.last >= day - timedelta(days=1)):
            return True
    return False


def _regime_of_decision(
    state: CitizenCase, decision_id: str, day: date, regimes: Sequence[Regime]
) -> str:
    """The regime of a decision of the case, or (unknown) of a day for the citizen's law."""
    d = state.decisions.get(decision_id)
    if d is not None:
        return regime_of(regimes, d.decided_on, d.target_law, d.legal_basis.act)
    law = state.target_groups[-1].law if state.target_groups else None
    return regime_of(regimes, day, law, "SEL")


def _providers(state: CitizenCase, regimes: Sequence[Regime]) -> list[Fact]:
    """Provider changes, providers' reports of changed needs, and own helpers' visits outside
    their contract (free choice: ÆL §§18, 20; SEL §§91, 94)."""
    out: list[Fact] = []
    for c in state.provider_choices:
        if c.change:
            regime = _regime_of_decision(state, c.decision_id, c.requested_on, regimes)
            out.append(
                ProviderChangeFact(
                    c.decision_id, regime, c.requested_on, c.effective_from, (c.event_id,)
                )
            )
    for r in state.needs_reports:
        regime = _regime_of_decision(state, r.decision_id, r.on, regimes)
        out.append(NeedsReportFact(r.decision_id, regime, r.on, (r.event_id,)))
    if state.own_helpers:
        helpers = state.own_helpers
        for visit in state.visit_log:
            helper = helpers.get(visit.carer_id)
            if helper is None or (helper.contract and visit.intervention in helper.tasks):
                continue
            regime = _regime_of_decision(state, helper.decision_id, visit.delivered_on, regimes)
            out.append(
                HelperVisitFact(
                    helper.helper_id,
                    regime,
                    visit.delivered_on,
                    visit.intervention,
                    (visit.event_id,),
                )
            )
    return out


def _citations(state: CitizenCase, regimes: Sequence[Regime]) -> list[CitationFact]:
    """The legal basis of each grant and of each rehabilitation course's start."""
    out: list[CitationFact] = []
    for d in state.decisions.values():
        if d.kind == "rejected":
            continue
        basis = d.legal_basis
        out.append(
            CitationFact(
                subject=d.decision_id,
                what="Decision",
                on=d.decided_on,
                regime=regime_of(regimes, d.decided_on, d.target_law, basis.act),
                cited=str(basis),
                barred_sel=basis.cites("SEL", *_BARRED_FOR_AEL),
                transitional=_transitional_on(state, d.decided_on, but=d.decision_id),
                evidence=(d.event_id,),
            )
        )
    for c in state.courses.values():
        if c.basis is None:
            continue  # known from its end only: what it cited is not known
        out.append(
            CitationFact(
                subject=c.course_id,
                what="Course",
                on=c.started_on,
                regime=regime_of(regimes, c.started_on, c.target_law, c.act),
                cited=str(c.basis),
                barred_sel=c.basis.cites("SEL", *_BARRED_FOR_AEL),
                transitional=_transitional_on(state, c.started_on),
                evidence=c.event_ids[:1],
            )
        )
    return out


#: The "intervention" of a care course's adjustments: the course as a whole.
COURSE = "the care course"


def _care_course(d: DecisionState) -> bool:
    """A grant of a care course (helhedspleje): one under ÆL §10, or any with a pooled frame.
    Its content varies inside the course by law (ÆL §10: "løbende tilpasning af indholdet"),
    whatever frames per intervention the municipality records."""
    return d.course_frame is not None or d.legal_basis.cites("AEL", "10")


def _course_minutes(d: DecisionState) -> int:
    """A care course's frame: its pooled frame, else its frames together (a monthly frame
    counted by the week when the frames mix weeks and months)."""
    if d.course_frame is not None:
        return d.course_frame.minutes
    pers = {f.per for f in d.frames}
    if len(pers) <= 1:
        return sum(f.minutes for f in d.frames)
    return sum(f.minutes if f.per == "week" else round(f.minutes * 12 / 52) for f in d.frames)


def _adjusted_frames(state: CitizenCase) -> list[AdjustedFrameFact]:
    """Per decision and intervention adjusted by the team (per decision, for a care course,
    judged on the course as a whole): the granted frame and the net adjustment."""
    totals: dict[tuple[str, str], list[Any]] = {}
    for a in state.adjustment_log:
        known = state.decisions.get(a.decision_id)
        pooled = known is not None and known.kind != "rejected" and _care_course(known)
        slot = totals.setdefault((a.decision_id, COURSE if pooled else a.intervention), [0, []])
        slot[0] += a.delta_minutes
        slot[1].append(a.event_id)
    out: list[AdjustedFrameFact] = []
    for (decision_id, code), (net, ids) in totals.items():
        known = state.decisions.get(decision_id)
        granted, replaced = 0, False
        if known is not None and known.kind != "rejected":
            if code == COURSE:
                granted = _course_minutes(known)
            else:
                granted = known.frame_minutes().get(code, (0, "week"))[0]
            replaced = known.revised_from is not None
        out.append(AdjustedFrameFact(decision_id, code, max(0, granted), net, replaced, tuple(ids)))
    return out


#: The span code of a care course: it covers any help of the course's elements.
_ANY_HELP = "H*"
#: The interventions a care course covers (ÆL §9 stk. 2 nr. 1-3): personal and practical help,
#: rehabilitation and genoptræning; not madservice (ÆL §13), respite or nursing.
_COURSE_CODES = frozenset(
    code for code in fsiii.codes("H") if fsiii.help_category(code) in fsiii.CARE_COURSE_ELEMENTS
)


def _swap_covers(decision: DecisionState, swap: Swap) -> bool:
    """Whether a swap is one the swap right allows (SEL §94a): under a decision of SEL §83 or
    §83b (the Elderly Act has none: its care course varies by itself), away from help the
    decision grants, into help of a kind it grants, and within the time granted for it. Never
    into nursing (SUL §138 needs a physician's referral)."""
    if decision.kind == "rejected" or not decision.legal_basis.cites("SEL", "83", "83b"):
        return False
    frames = decision.frame_minutes()
    granted = frames.get(swap.granted_intervention)
    if granted is None or swap.minutes > granted[0]:
        return False
    kinds = {fsiii.help_category(code) for code in frames} - {None}
    return fsiii.help_category(swap.delivered_intervention) in kinds


def _spans(state: CitizenCase) -> tuple[tuple[str, int, int], ...]:
    """(intervention, first, last ordinal) for each frame of each decision in force, and
    ``H*`` for a care course."""
    out: list[tuple[str, int, int]] = []
    for d in state.decisions.values():
        if d.kind == "rejected":
            continue
        span = state.in_force(d.decision_id)
        last = (span.last or date.max).toordinal()
        codes = sorted(d.frame_minutes())
        if _care_course(d):
            codes.append(_ANY_HELP)
        out.extend((code, span.first.toordinal(), last) for code in codes)
    # A swap under the swap right covers the help given instead, on its day, when the decision
    # it swaps under was in force then and allows it.
    for swap in state.swaps:
        decision = state.decisions.get(swap.decision_id)
        if decision is None or not _swap_covers(decision, swap):
            continue
        if state.in_force(swap.decision_id).covers(swap.on):
            day = swap.on.toordinal()
            out.append((swap.delivered_intervention, day, day))
    return tuple(out)


def _swaps(state: CitizenCase, window_days: int) -> SwapsFact | None:
    """The window with the most swapped or declined visits (the earliest if tied)."""
    changes = sorted(
        [(s.on, s.event_id) for s in state.swaps] + [(d.on, d.event_id) for d in state.declines]
    )
    if not changes:
        return None
    best = (0, 0, 0)
    low = 0
    for high, (on, _) in enumerate(changes):
        while (on - changes[low][0]).days >= window_days:
            low += 1
        if high + 1 - low > best[0]:
            best = (high + 1 - low, low, high + 1)
    count, first, past = best
    chosen = changes[first:past]
    return SwapsFact(count, chosen[0][0], chosen[-1][0], tuple(e for _, e in chosen))


def _uncovered_visits(state: CitizenCase) -> list[UncoveredVisitFact]:
    """Visits no decision in force on their day covers (judged once per visit while the
    decisions stay the same)."""
    spans = _spans(state)
    by_code: dict[str, list[tuple[int, int]]] = {}
    for code, first, last in spans:
        by_code.setdefault(code, []).append((first, last))

    course_codes = _COURSE_CODES

    def step(acc: list[int], c: Any, first: int, past: int) -> list[int]:
        days, codes = c.days, c.codes
        help_spans = by_code.get(_ANY_HELP, [])
        for i in range(first, past):
            day, code = days[i], codes[i]
            spans = by_code.get(code, [])
            if help_spans and code in course_codes:
                spans = spans + help_spans
            for start, end in spans:
                if start <= day <= end:
                    break
            else:
                acc.append(i)
        return acc

    rows: list[int] = state.visit_log.scan("uncovered", spans, list, step)
    return [
        UncoveredVisitFact(date.fromordinal(day), code, (event_id,))
        for day, code, event_id in state.visit_log.rows_at(rows)
    ]


class _Window:
    """The continuity window: the ``days``-day window with the most distinct carers (the
    earliest if tied), slid over the visits in the order of their days. Visits folded in day
    order slide on; a late-documented one (an earlier day) starts the count again."""

    __slots__ = ("best", "counted", "counts", "days", "low", "order")

    def __init__(self, days: int) -> None:
        self.days = days
        self.order: list[int] = []  # row indexes, by day (stable)
        self.counts: dict[str, int] = {}
        self.low = 0
        self.counted = 0
        self.best = (0, 0, 0)  # distinct carers, position of first visit, past last visit

    def step(self, c: Any, first: int, past: int) -> _Window:
        days = c.days
        order = self.order
        for i in range(first, past):
            if order and days[i] < days[order[-1]]:
                fresh = _Window(self.days)
                fresh.order = sorted(range(past), key=days.__getitem__)
                return fresh._slide(c)
            order.append(i)
        return self._slide(c)

    def _slide(self, c: Any) -> _Window:
        days, carers, order, counts = c.days, c.carers, self.order, self.counts
        low, (most, first, past) = self.low, self.best
        horizon_days = self.days
        for high in range(self.counted, len(order)):
            carer = carers[order[high]]
            counts[carer] = counts.get(carer, 0) + 1
            horizon = days[order[high]] - horizon_days
            while days[order[low]] <= horizon:
                gone = carers[order[low]]
                left = counts[gone] - 1
                if left:
                    counts[gone] = left
                else:
                    del counts[gone]
                low += 1
            if len(counts) > most:
                most, first, past = len(counts), low, high + 1
        self.low, self.best, self.counted = low, (most, first, past), len(order)
        return self


def _continuity(state: CitizenCase, window_days: int) -> ContinuityFact | None:
    log = state.visit_log
    if not len(log):
        return None
    window: _Window = log.scan(
        "continuity",
        window_days,
        lambda: _Window(window_days),
        lambda acc, c, first, past: acc.step(c, first, past),
    )
    distinct, first, past = window.best
    rows = window.order[first:past]
    picked = log.rows_at(rows)
    return ContinuityFact(
        carers=distinct,
        first=date.fromordinal(picked[0][0]),
        last=date.fromordinal(picked[-1][0]),
        evidence=tuple(event_id for _, _, event_id in picked),
    )


def _frames_by_team_period(
    state: CitizenCase, until: date, terms: SettlementTerms
) -> dict[tuple[str, str], int]:
    """The case's frame minutes per team period from its first frame day through ``until``,
    as the settlement ledger counts them."""
    starts = [d.valid_from for d in state.decisions.values() if d.valid_from is not None]
    starts += [a.on for a in state.adjustment_log]
    out: dict[tuple[str, str], int] = {}
    if not starts or min(starts) > until:
        return out
    teams = {d.team_id for d in state.decisions.values() if d.team_id is not None}
    teams |= {a.team_id for a in state.adjustment_log}
    month = min(starts).replace(day=1)
    while month <= until:
        period = f"{month.year:04d}-{month.month:02d}"
        for team_id in sorted(teams):
            frame = citizen_frame(state, team_id, period, terms)
            if frame is not None:
                out[(team_id, period)] = sum(frame)
        month = period_bounds(period)[1] + timedelta(days=1)
    return out


def team_facts(
    team_id: str,
    period: str,
    granted: int,
    delivered: int,
    team_events: Iterable[ev.DomainEvent],
) -> list[Fact]:
    """Facts of one team period: its totals, its dialogue meetings and its settlement."""
    first, final = period_bounds(period)
    facts: list[Fact] = []
    for event in team_events:
        match event:
            case ev.DialogueMeetingHeld():
                facts.append(MeetingFact(event.held_on, _ids(event)))
            case ev.PeriodSettled():
                facts.append(SettledFact(team_id, _ids(event)))
    facts.append(
        TeamPeriodFact(
            team=team_id,
            period=period,
            start=first,
            end=final,
            granted=max(0, granted),
            delivered=delivered,
        )
    )
    return facts
