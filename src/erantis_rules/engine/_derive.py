"""Private: the facts the rules judge, a pure function of a case's state and the day.

Rules never see raw events. A case's state (:class:`~erantis_domain.case.CitizenCase`, the one
fold of its events) gives a few facts that each rule judges against the policy: per decision,
per follow-up, per rehabilitation course, per delegation, per admission that met an active
delegation, per adjusted frame, per time adjustment, per uncovered visit, one continuity
summary. Sums and windows are computed here; thresholds, deadlines and absence are judged by
the rules (:mod:`erantis_rules.catalogue`).

The kinds of fact (frozen dataclasses with real dates) are the rule language's:
:mod:`erantis_rules.language._facts`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from erantis_domain import events as ev
from erantis_domain import fsiii
from erantis_domain.case import CitizenCase, DecisionState, Swap
from erantis_domain.projections.terms import SettlementTerms
from erantis_domain.values import period_bounds
from erantis_rules.courses import DEFAULT_CARE_COURSES, CareCourse, element_of
from erantis_rules.engine._decisions import citations, decision_fact, providers

# Re-exported: the warm engine asks for it here.
from erantis_rules.engine._frames import _frames_by_team_period
from erantis_rules.engine._group_facts import (
    adjustment_facts,
    admission_facts,
    course_facts,
    delegation_facts,
    follow_up_facts,
)
from erantis_rules.language._facts import (
    AdjustedFrameFact,
    ContinuityFact,
    DecisionFact,
    Fact,
    MeetingFact,
    SettledFact,
    SwapsFact,
    TeamPeriodFact,
    UncoveredVisitFact,
)
from erantis_rules.regimes import DEFAULT_REGIMES, Regime

if TYPE_CHECKING:
    from erantis_rules.policy import Policy

__all__ = [
    "CaseFacts",
    "FactSettings",
    "TeamLoad",
    "case_facts",
    "team_facts",
]


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
    the granted minutes and the decisions' facts were computed from, so a later call can
    reuse them."""

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
    care_courses: Sequence[CareCourse] = DEFAULT_CARE_COURSES,
    previous: CaseFacts | None = None,
) -> CaseFacts:
    """The facts of a case's state as of ``until`` (the ``as_of`` day: the last day whose
    frames count towards team periods), with ``window_days`` the continuity window.

    ``care_courses`` is the municipality's catalogue of care courses (ÆL §9): what an ÆL §10
    grant naming one of them covers.

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
        and previous.frames_of[6] is state.target_groups
    ):
        # A decision's fact reads only the decisions, the closing day and the citizen's
        # target-group assessments: a warm engine re-asks a case's facts after each visit,
        # and those rarely change.
        facts.extend(fact for fact in previous.facts if isinstance(fact, DecisionFact))
    else:
        facts.extend(
            decision_fact(state, d, regimes, care_courses) for d in state.decisions.values()
        )
    facts.extend(citations(state, regimes))
    facts.extend(providers(state, regimes))
    facts.extend(follow_up_facts(state))
    facts.extend(course_facts(state, regimes))
    facts.extend(delegation_facts(state))
    facts.extend(admission_facts(state))
    facts.extend(_adjusted_frames(state))
    facts.extend(adjustment_facts(state))
    facts.extend(_uncovered_visits(state, care_courses))
    continuity = _continuity(state, window_days)
    if continuity is not None:
        facts.append(continuity)
    swaps = _swaps(state, swap_window_days)
    if swaps is not None:
        facts.append(swaps)
    frames_of = frames_inputs(state, until, terms)
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
    care_courses: tuple[CareCourse, ...] = DEFAULT_CARE_COURSES

    @classmethod
    def of(cls, policy: Policy) -> FactSettings:
        return cls(
            window_days=policy.continuity_window_days,
            terms=policy.settlement_terms(),
            regimes=policy.regimes,
            swap_window_days=policy.swap_window_days,
            care_courses=policy.care_courses,
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
            care_courses=self.care_courses,
            previous=previous,
        )


def frames_inputs(state: CitizenCase, until: date, terms: SettlementTerms) -> tuple[Any, ...]:
    """What a case's frame minutes per team period are worked out from (``CaseFacts.frames_of``:
    its decisions first, closing day fourth, target groups seventh, as ``case_facts`` reads
    them)."""
    return (
        state.decisions,
        state.adjustment_log,
        state.admissions,
        state.closed_on,
        until,
        terms,
        state.target_groups,
    )


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    # The state's parts are immutable and shared between versions: the same object is the
    # same value. Days and terms compare by value.
    return len(a) == len(b) and all(
        x is y or (type(x) is not dict and x == y) for x, y in zip(a, b, strict=True)
    )


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
        if pooled and known is not None and known.course_frame is None and not known.frames:
            # An ÆL §10 course granted without minutes (they are the municipality's optional
            # configuration): no frame, so no tolerance to judge adjustments against.
            continue
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


#: The span code of a care course that names no course of the catalogue: it covers any help
#: of the elements ÆL §9 stk. 2 allows (nr. 1-3).
_ANY_HELP = "H*"
#: The span code of one element of a named care course (``H*personal`` ...).
_ELEMENT = "H*"
#: Per intervention a care course may hold (ÆL §9 stk. 2 nr. 1-3: personal and practical help,
#: rehabilitation and genoptræning; not madservice, ÆL §13, respite or nursing), the span code
#: of its element.
_COURSE_CODES = {
    code: _ELEMENT + element
    for code in fsiii.codes("H")
    if fsiii.help_category(code) in fsiii.CARE_COURSE_ELEMENTS
    and (element := element_of(code)) is not None
}


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


def _course_spans(
    d: DecisionState, first: int, last: int, care_courses: Sequence[CareCourse]
) -> list[tuple[str, int, int]]:
    """The help a care course covers from day ``first`` to ``last`` (ordinals): under an ÆL §10
    grant naming a course of the catalogue, the elements of the course's version on each day
    (``H*personal`` ...); on days no version of it is in the catalogue, and for a course that
    names none, every element §9 stk. 2 allows (``H*``: DOC-011 says so)."""
    versions: list[CareCourse] = []
    if d.care_course is not None and d.legal_basis.cites("AEL", "10"):
        versions = sorted(
            (c for c in care_courses if c.id == d.care_course), key=lambda c: c.valid_from
        )
    out: list[tuple[str, int, int]] = []
    cursor = first
    for version in versions:
        start = max(cursor, version.valid_from.toordinal())
        end = min(last, (version.valid_to or date.max).toordinal())
        if start > end:
            continue
        if start > cursor:
            out.append((_ANY_HELP, cursor, start - 1))
        out.extend((_ELEMENT + element, start, end) for element in sorted(version.elements))
        cursor = end + 1
    if cursor <= last:
        out.append((_ANY_HELP, cursor, last))
    return out


def _spans(
    state: CitizenCase, care_courses: Sequence[CareCourse]
) -> tuple[tuple[str, int, int], ...]:
    """(intervention, first, last ordinal) for each frame of each decision in force, and for a
    care course the help it covers (``H*`` or ``H*<element>``)."""
    out: list[tuple[str, int, int]] = []
    for d in state.decisions.values():
        if d.kind == "rejected":
            continue
        span = state.in_force(d.decision_id)
        first, last = span.first.toordinal(), (span.last or date.max).toordinal()
        out.extend((code, first, last) for code in sorted(d.frame_minutes()))
        if _care_course(d):
            out.extend(_course_spans(d, first, last, care_courses))
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


def _uncovered_visits(
    state: CitizenCase, care_courses: Sequence[CareCourse] = DEFAULT_CARE_COURSES
) -> list[UncoveredVisitFact]:
    """Visits no decision in force on their day covers (judged once per visit while the
    decisions stay the same)."""
    rows = _uncovered_rows(state, _spans(state, care_courses))
    return [
        UncoveredVisitFact(date.fromordinal(day), code, (event_id,))
        for day, code, event_id in state.visit_log.rows_at(rows)
    ]


Spans = tuple[tuple[str, int, int], ...]
UncoveredStep = Callable[[list[int], Any, int, int], list[int]]


def _uncovered_rows(
    state: CitizenCase, spans: Spans, step: UncoveredStep | None = None
) -> list[int]:
    """The rows of the visits the spans do not cover, in log order (the log's remembered
    scan: the caller must not change the list). ``step`` is ``_uncovered_step(spans)``,
    when the caller kept it."""
    rows: list[int] = state.visit_log.scan("uncovered", spans, list, step or _uncovered_step(spans))
    return rows


def _uncovered_step(spans: Spans) -> UncoveredStep:
    """The scan's step: the rows it is given that no span covers, appended."""
    by_code: dict[str, list[tuple[int, int]]] = {}
    for code, first, last in spans:
        by_code.setdefault(code, []).append((first, last))
    # Per intervention a care course may hold, the spans of the courses that cover it.
    help_spans = by_code.get(_ANY_HELP, [])
    course_spans = {
        code: covering
        for code, element in _COURSE_CODES.items()
        if (covering := help_spans + by_code.get(element, []))
    }

    def step(acc: list[int], c: Any, first: int, past: int) -> list[int]:
        covering: dict[str, list[tuple[int, int]]] = {}  # per intervention, all its spans
        rows = zip(range(first, past), c.codes[first:past], c.days[first:past], strict=True)
        for i, code, day in rows:
            spans = covering.get(code)
            if spans is None:
                spans = covering[code] = by_code.get(code, []) + course_spans.get(code, [])
            for start, end in spans:
                if start <= day <= end:
                    break
            else:
                acc.append(i)
        return acc

    return step


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
        if not order and not first:
            # A whole log at once (a check folds a case, then asks): its rows by day, stably,
            # which is the order the loop below reaches, in one C-level sort.
            self.order = sorted(range(first, past), key=days.__getitem__)
            return self._slide(c)
        for i in range(first, past):
            if order and days[i] < days[order[-1]]:
                fresh = _Window(self.days)
                fresh.order = sorted(range(past), key=days.__getitem__)
                return fresh._slide(c)
            order.append(i)
        return self._slide(c)

    def _slide(self, c: Any) -> _Window:
        order, counts = self.order, self.counts
        # The days and carers of the rows from the window's start on, in window order, read
        # once into plain lists (positions below are relative to ``base``).
        base = self.low
        days = [c.days[i] for i in order[base:]]
        carers = [c.carers[i] for i in order[base:]]
        low, (most, first, past) = 0, self.best
        horizon_days = self.days
        for high in range(self.counted - base, len(order) - base):
            carer = carers[high]
            counts[carer] = counts.get(carer, 0) + 1
            horizon = days[high] - horizon_days
            while days[low] <= horizon:
                gone = carers[low]
                left = counts[gone] - 1
                if left:
                    counts[gone] = left
                else:
                    del counts[gone]
                low += 1
            if len(counts) > most:
                most, first, past = len(counts), base + low, base + high + 1
        self.low, self.best, self.counted = base + low, (most, first, past), len(order)
        return self


def _continuity(state: CitizenCase, window_days: int) -> ContinuityFact | None:
    window = _continuity_window(state, window_days)
    return None if window is None else _continuity_fact(state, window)


def _continuity_window(state: CitizenCase, window_days: int) -> _Window | None:
    """The log's remembered continuity window (``None``: no visits); the caller must not
    change it."""
    log = state.visit_log
    if not len(log):
        return None
    window: _Window = log.scan(
        "continuity",
        window_days,
        lambda: _Window(window_days),
        lambda acc, c, first, past: acc.step(c, first, past),
    )
    return window


def _continuity_fact(state: CitizenCase, window: _Window) -> ContinuityFact:
    distinct, first, past = window.best
    rows = window.order[first:past]
    picked = state.visit_log.rows_at(rows)
    return ContinuityFact(
        carers=distinct,
        first=date.fromordinal(picked[0][0]),
        last=date.fromordinal(picked[-1][0]),
        evidence=tuple(event_id for _, _, event_id in picked),
    )


#: A warm engine asks for a team period's facts on every visit in it: its days once.
_bounds = lru_cache(maxsize=1024)(period_bounds)


def team_facts(
    team_id: str,
    period: str,
    granted: int,
    delivered: int,
    team_events: Iterable[ev.DomainEvent],
) -> list[Fact]:
    """Facts of one team period: its totals, its dialogue meetings and its settlement."""
    first, final = _bounds(period)
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
