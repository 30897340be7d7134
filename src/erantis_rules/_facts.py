"""Private: the fold of one case (or one team period) into a few typed derived facts.

Rules never see raw events. Each case is folded once, in Python, into facts that each rule
judges against the policy: per decision, per follow-up, per rehabilitation course, per
delegation, per admission that met an active delegation, per adjusted frame, per time
adjustment, per uncovered visit, one continuity summary. Sums and windows are computed here;
thresholds, deadlines and absence are judged by the rules (:mod:`erantis_rules.catalogue`).

A fact is a frozen dataclass with real dates (``None`` for a date that is not there yet), its
``kind`` naming it, and ``evidence``: the ids of the events it rests on. Only
``erantis_rules._durable`` flattens facts into ordinals and integers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, ClassVar

from erantis_domain import events as ev
from erantis_domain.asof import business_day
from erantis_domain.case import earliest_revision, in_force
from erantis_domain.projections.budget import BudgetLedger
from erantis_domain.projections.terms import SettlementTerms
from erantis_domain.values import Role, period_bounds

__all__ = [
    "AdjustedFrameFact",
    "AdjustmentFact",
    "AdmissionFact",
    "CaseFacts",
    "CaseFold",
    "ContinuityFact",
    "CourseFact",
    "DecisionFact",
    "DelegationFact",
    "Fact",
    "FollowUpFact",
    "MeetingFact",
    "SettledFact",
    "TeamLoad",
    "TeamPeriodFact",
    "UncoveredVisitFact",
    "fold_case",
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
    has_reasons: bool
    guidance: bool
    goals: int
    sel83: bool
    nursing: bool
    potential_before: bool
    health_before: bool
    #: Day of the latest functional-ability assessment before the decision.
    fa_on: date | None
    follow_up_due: date | None
    replaced: bool
    closed: date | None
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
    """The derived facts of one case, and what it adds to its teams."""

    case_id: str
    facts: list[Fact]
    load: TeamLoad


@dataclass(slots=True)
class _Decision:
    event: ev.VisitationGranted | ev.VisitationRevised | ev.VisitationRejected
    fact: DecisionFact
    replaced_from: date | None = None  # the successor's valid_from while revised


@dataclass(slots=True)
class _Delegation:
    fact: DelegationFact


def _frames(event: ev.VisitationGranted | ev.VisitationRevised) -> dict[str, tuple[int, str]]:
    out: dict[str, tuple[int, str]] = {}
    for frame in event.frames:
        minutes, _ = out.get(frame.intervention, (0, frame.per))
        out[frame.intervention] = (minutes + frame.minutes, frame.per)
    return out


def _ids(*events: ev.DomainEvent) -> tuple[str, ...]:
    return tuple(str(e.event_id) for e in events)


class CaseFold:
    """The fold of one case, applied event by event (in ``occurred_at`` order).

    :meth:`facts` gives the derived facts at any point. Visits, most of a case's events, are
    folded incrementally (team load, coverage, continuity window), so a long-running
    :class:`~erantis_rules.RuleEngine` can add one event without refolding the case. An event
    older than the last one applied cannot be applied: refold the case instead.
    """

    def __init__(
        self,
        case_id: str,
        *,
        window_days: int,
        until: date,
        terms: SettlementTerms | None = None,
    ) -> None:
        self.case_id = case_id
        self.window_days = window_days
        self.until = until
        self.terms = terms or SettlementTerms()
        # The settlement's own ledger, for this case only: team frames are the ledger's.
        self._ledger = BudgetLedger()
        self._team_ids: set[str] = set()
        self._first_day: date | None = None
        #: ``occurred_at`` of the last event applied (events must come in this order).
        self.last: Any = None
        self._facts: list[Fact] = []
        self._decisions: dict[str, _Decision] = {}
        self._follow_ups: list[FollowUpFact] = []
        self._courses: dict[str, CourseFact] = {}
        self._delegations: dict[str, _Delegation] = {}
        self._suspensions: dict[str, list[date]] = {}
        # (admitted on, the admission, ids of the delegations active then)
        self._admissions: list[tuple[date, ev.DomainEvent, list[str]]] = []
        self._discharged: dict[int, date] = {}
        self._adjustments: dict[tuple[str, str], list[Any]] = {}
        self._potential_seen = self._health_seen = False
        self._fa_on: date | None = None
        self._closed_on: date | None = None
        # Visits: kept in arrival order, with what is derived from them incrementally.
        self._visits: list[ev.VisitDelivered] = []
        self._delivered: dict[tuple[str, str], int] = {}
        self._spans: dict[str, list[tuple[date, date]]] | None = {}
        self._uncovered: list[Fact] = []
        self._window = _Window(window_days)
        #: Granted minutes per team period; ``None`` when decisions changed since computed.
        self._granted: dict[tuple[str, str], int] | None = None

    def apply(self, event: ev.DomainEvent) -> None:
        """Fold one more event; it must not be older than the last one applied."""
        occurred = event.occurred_at
        if self.last is not None and occurred < self.last:
            raise ValueError("events must be applied in occurred_at order; refold the case")
        self.last = occurred
        if type(event) is ev.VisitDelivered:
            self._visit(event)
            return
        if type(event) in _FRAME_EVENTS:
            self._frame_event(event)
        self._other(event, business_day(occurred))

    def _other(self, event: ev.DomainEvent, on: date) -> None:
        match event:
            case ev.VisitationGranted() | ev.VisitationRevised():
                frames = _frames(event)
                basis = event.legal_basis
                fact = replace(
                    self._decision_fact(event, on),
                    goals=len(event.goals),
                    sel83=basis.act.upper() == "SEL" and basis.paragraph.strip() == "83",
                    nursing=any(code[0] == "G" for code in frames)
                    or (basis.act.upper() == "SUL" and basis.paragraph.strip() == "138"),
                    follow_up_due=event.follow_up_due,
                )
                self._decisions[event.decision_id] = _Decision(event, fact)
                self._spans = self._granted = None
                if isinstance(event, ev.VisitationRevised):
                    earlier = self._decisions.get(event.revises)
                    if earlier is not None and earlier.fact.decision != event.decision_id:
                        earlier.fact = replace(earlier.fact, replaced=True)
                        earlier.replaced_from = earliest_revision(
                            earlier.replaced_from, event.valid_from
                        )
            case ev.VisitationRejected():
                self._decisions[event.decision_id] = _Decision(
                    event, self._decision_fact(event, on)
                )
            case ev.FollowUpRecorded():
                self._follow_ups.append(FollowUpFact(event.subject_id, on, _ids(event)))
                if event.outcome == "E3":
                    self._stop(event.subject_id, on, revoke=True)
            case ev.TimeAdjustedByTeam():
                slot = self._adjustments.setdefault(
                    (event.decision_id, event.intervention), [0, []]
                )
                slot[0] += event.delta_minutes
                slot[1].append(str(event.event_id))
                self._facts.append(
                    AdjustmentFact(event.decision_id, event.citizen_involved, on, _ids(event))
                )
            case ev.NursingTaskDelegated():
                self._delegations[event.delegation_id] = _Delegation(
                    DelegationFact(
                        delegation=event.delegation_id,
                        on=on,
                        task=event.task,
                        form=event.kind,
                        delegator_role=event.delegator_role,
                        delegate_role=event.delegate_role,
                        verified=event.competence_verified,
                        instruction=bool(event.instruction_ref and event.instruction_ref.strip()),
                        follow_up_due=event.follow_up_due,
                        revoked=None,
                        evidence=_ids(event),
                    )
                )
            case ev.DelegationSuspended():
                self._stop(event.delegation_id, on, revoke=False)
            case ev.DelegationRevoked():
                self._stop(event.delegation_id, on, revoke=True)
            case ev.CitizenAdmitted():
                active = [
                    d
                    for d, known in self._delegations.items()
                    # Suspended since it was (re)delegated: not active. An older suspension
                    # belongs to an earlier delegation under the same id.
                    if known.fact.revoked is None
                    and not any(x >= known.fact.on for x in self._suspensions.get(d, ()))
                ]
                self._admissions.append((on, event, active))
            case ev.CitizenDischarged():
                last = len(self._admissions) - 1
                if last >= 0 and last not in self._discharged:
                    self._discharged[last] = on
            case ev.FunctionalAbilityAssessed():
                self._fa_on = on
            case ev.HealthConditionAssessed():
                self._health_seen = True
            case ev.RehabilitationPotentialAssessed():
                self._potential_seen = True
            case ev.RehabilitationCourseStarted():
                self._courses[event.course_id] = CourseFact(event.course_id, on, None, _ids(event))
            case ev.RehabilitationCourseEnded():
                known = self._courses.get(event.course_id)
                if known is None:
                    known = CourseFact(event.course_id, on, None, ())
                self._courses[event.course_id] = replace(
                    known, ended=on, evidence=(*known.evidence, str(event.event_id))
                )
            case ev.CaseClosed():
                self._closed_on = self._closed_on or on
                self._spans = self._granted = None
            case _:
                # CaseOpened, ReferralReceived: nothing to judge.
                pass

    def _stop(self, delegation_id: str, on: date, *, revoke: bool) -> None:
        """A delegation suspended (or revoked: ``revoke``) on a day."""
        self._suspensions.setdefault(delegation_id, []).append(on)
        known = self._delegations.get(delegation_id)
        if revoke and known is not None and known.fact.revoked is None:
            known.fact = replace(known.fact, revoked=on)

    def _frame_event(self, event: ev.DomainEvent) -> None:
        """An event that moves the case's frames in the ledger."""
        self._ledger.apply_event(event)  # type: ignore[arg-type]
        self._granted = None
        start: date | None = None
        if isinstance(event, ev.VisitationGranted | ev.VisitationRevised):
            self._team_ids.add(event.team_id)
            start = event.valid_from
        elif isinstance(event, ev.TimeAdjustedByTeam):
            self._team_ids.add(event.team_id)
            start = business_day(event.occurred_at)
        if start is not None and (self._first_day is None or start < self._first_day):
            self._first_day = start

    def _frames_by_team_period(self) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        if self._first_day is None or self._first_day > self.until:
            return out
        month = self._first_day.replace(day=1)
        while month <= self.until:
            period = _period_of(month)
            for team_id in sorted(self._team_ids):
                frame = self._ledger.case_frame_minutes(self.case_id, team_id, period, self.terms)
                if frame is not None:
                    out[(team_id, period)] = frame
            month = period_bounds(period)[1] + timedelta(days=1)
        return out

    def _decision_fact(
        self, e: ev.VisitationGranted | ev.VisitationRevised | ev.VisitationRejected, on: date
    ) -> DecisionFact:
        """What every decision (grant, revision, rejection) says, and what the case knew."""
        made = {
            ev.VisitationGranted: "granted",
            ev.VisitationRevised: "revised",
            ev.VisitationRejected: "rejected",
        }[type(e)]
        return DecisionFact(
            decision=e.decision_id,
            made=made,
            on=on,
            has_reasons=bool(e.reasons.strip()),
            guidance=e.complaint_guidance,
            goals=0,
            sel83=False,
            nursing=False,
            potential_before=self._potential_seen,
            health_before=self._health_seen,
            fa_on=self._fa_on,
            follow_up_due=None,
            replaced=False,
            closed=None,
            evidence=_ids(e),
        )

    def _visit(self, visit: ev.VisitDelivered) -> None:
        # Most events are visits: this is the hot path of the fold, kept flat on purpose.
        self._visits.append(visit)
        on = visit.delivered_on
        key = (visit.team_id, _PERIOD_OF.get(on) or _period_of(on))
        delivered = self._delivered
        delivered[key] = delivered.get(key, 0) + visit.minutes
        spans = self._spans
        if spans is not None:
            for start, end in spans.get(visit.intervention, ()):
                if start <= on <= end:
                    break
            else:
                self._uncovered.append(_uncovered(visit))
        window = self._window
        day = on.toordinal()
        if window.ordinals and day < window.ordinals[-1]:
            window.in_order = False
        window.visits.append(visit)
        window.ordinals.append(day)
        window.carers.append(visit.carer_id)

    def _cover(self, visit: ev.VisitDelivered, spans: dict[str, list[tuple[date, date]]]) -> None:
        on = visit.delivered_on
        for start, end in spans.get(visit.intervention, ()):
            if start <= on <= end:
                return
        self._uncovered.append(_uncovered(visit))

    def facts(self) -> CaseFacts:
        """The derived facts so far (frozen: later events never change them)."""
        closed_on = self._closed_on
        decisions = self._decisions
        facts: list[Fact] = list(self._facts)
        for decision in decisions.values():
            facts.append(replace(decision.fact, closed=closed_on))
        facts.extend(self._follow_ups)
        facts.extend(self._courses.values())
        facts.extend(known.fact for known in self._delegations.values())
        for number, (admitted, admission, active) in enumerate(self._admissions):
            for delegation_id in active:
                later = [d for d in self._suspensions.get(delegation_id, ()) if d >= admitted]
                facts.append(
                    AdmissionFact(
                        delegation=delegation_id,
                        admitted=admitted,
                        discharged=self._discharged.get(number),
                        suspended=min(later) if later else None,
                        evidence=(
                            str(admission.event_id),
                            *self._delegations[delegation_id].fact.evidence,
                        ),
                    )
                )
        for (decision_id, code), (net, adj_ev) in self._adjustments.items():
            known = decisions.get(decision_id)
            granted = 0
            replaced = False
            if known is not None and not isinstance(known.event, ev.VisitationRejected):
                granted = _frames(known.event).get(code, (0, "week"))[0]
                replaced = known.fact.replaced
            facts.append(
                AdjustedFrameFact(
                    decision=decision_id,
                    intervention=code,
                    granted=max(0, granted),
                    net=net,
                    replaced=replaced,
                    evidence=tuple(adj_ev),
                )
            )
        if self._spans is None:
            # Decisions changed: judge every visit's coverage again.
            spans: dict[str, list[tuple[date, date]]] = {}
            for start, end, codes in _covering(decisions, closed_on):
                for code in codes:
                    spans.setdefault(code, []).append((start, end))
            self._spans = spans
            self._uncovered = []
            for visit in self._visits:
                self._cover(visit, spans)
        facts.extend(self._uncovered)
        continuity = self._window.fact()
        if continuity is not None:
            facts.append(continuity)
        if self._granted is None:
            self._granted = self._frames_by_team_period()
        load = TeamLoad(granted=dict(self._granted), delivered=dict(self._delivered))
        return CaseFacts(self.case_id, facts, load)


def _uncovered(visit: ev.VisitDelivered) -> UncoveredVisitFact:
    return UncoveredVisitFact(visit.delivered_on, visit.intervention, _ids(visit))


class _Window:
    """The continuity window: the ``days``-day window with the most distinct carers (the
    earliest if tied). The fold records visits as they come (``CaseFold._visit``); the window
    slides over the ones not yet counted when a fact is asked for, so each visit is counted
    once while visits come in date order (a late-documented one makes the next fact recount
    them all)."""

    def __init__(self, days: int) -> None:
        self.days = days
        self.visits: list[ev.VisitDelivered] = []
        self.ordinals: list[int] = []
        self.carers: list[str] = []
        self._reset()

    def _reset(self) -> None:
        self.counts: dict[str, int] = {}
        self.low = 0
        self.counted = 0
        self.best = (0, 0, 0)  # distinct carers, index of first visit, index past last visit
        self.in_order = True
        self._fact: ContinuityFact | None = None
        self._fact_of = self.best

    def _slide(self) -> None:
        carers, ordinals, counts, days = self.carers, self.ordinals, self.counts, self.days
        low, (most, first, past) = self.low, self.best
        for high in range(self.counted, len(carers)):
            carer = carers[high]
            counts[carer] = counts.get(carer, 0) + 1
            horizon = ordinals[high] - days
            while ordinals[low] <= horizon:
                gone = carers[low]
                left = counts[gone] - 1
                if left:
                    counts[gone] = left
                else:
                    del counts[gone]
                low += 1
            if len(counts) > most:
                most, first, past = len(counts), low, high + 1
        self.low, self.best, self.counted = low, (most, first, past), len(carers)

    def fact(self) -> ContinuityFact | None:
        if not self.visits:
            return None
        if not self.in_order:
            order = sorted(range(len(self.visits)), key=self.ordinals.__getitem__)
            self.visits = [self.visits[i] for i in order]
            self.ordinals = [self.ordinals[i] for i in order]
            self.carers = [self.carers[i] for i in order]
            self._reset()
        self._slide()
        if self._fact is None or self._fact_of != self.best:
            distinct, first, past = self.best
            self._fact_of = self.best
            self._fact = ContinuityFact(
                carers=distinct,
                first=date.fromordinal(self.ordinals[first]),
                last=date.fromordinal(self.ordinals[past - 1]),
                evidence=_ids(*self.visits[first:past]),
            )
        return self._fact


def fold_case(
    case_id: str,
    events: Sequence[ev.DomainEvent],
    *,
    window_days: int,
    until: date,
    terms: SettlementTerms | None = None,
) -> CaseFacts:
    """Fold the events of one case, sorted by ``occurred_at``, into derived facts.

    ``window_days`` is the continuity window (a policy parameter; windows are computed here);
    ``until`` is the last day whose frames count towards team periods (the ``as_of`` day).
    """
    fold = CaseFold(case_id, window_days=window_days, until=until, terms=terms)
    for event in events:
        fold.apply(event)
    return fold.facts()


def _covering(
    decisions: dict[str, _Decision], closed_on: date | None
) -> list[tuple[date, date, frozenset[str]]]:
    spans = []
    for d in decisions.values():
        e = d.event
        if isinstance(e, ev.VisitationRejected):
            continue
        span = in_force(e.valid_from, e.valid_until, d.replaced_from, closed_on)
        spans.append((span.first, span.last or date.max, frozenset(_frames(e))))
    return spans


_PERIOD_OF: dict[date, str] = {}
_FRAME_EVENTS = frozenset(
    {
        ev.CaseOpened,
        ev.VisitationGranted,
        ev.VisitationRevised,
        ev.TimeAdjustedByTeam,
        ev.CitizenAdmitted,
        ev.CitizenDischarged,
        ev.CaseClosed,
    }
)


def _period_of(day: date) -> str:
    period = _PERIOD_OF.get(day)
    if period is None:
        period = _PERIOD_OF[day] = f"{day.year:04d}-{day.month:02d}"
    return period


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
        if isinstance(event, ev.DialogueMeetingHeld):
            facts.append(MeetingFact(event.held_on, _ids(event)))
        elif isinstance(event, ev.PeriodSettled):
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
