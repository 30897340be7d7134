"""Private: a case's facts for a warm engine, derived again only where its state changed.

:func:`~erantis_rules.engine._derive.case_facts` builds every fact of a case from its state.
A warm engine asks after each event, and an event changes one part of the state (a visit
extends the visit log and nothing else): the case's state is immutable and shares every part
an event did not touch with the state before it, so a *group* of facts whose parts are the
same objects as last time is the same list of facts. :class:`WarmFacts` keeps, per case, each
group's parts (compared by identity, and kept alive so an identity is never reused) and its
facts, and derives again only the groups whose parts changed. The visit log grows in place:
uncovered visits are converted to facts only for rows the log's remembered scan added, and the
continuity fact is kept while the window's best run stays the same.

The facts are those of ``case_facts``, in the same order (a test holds the two equal, state
after state).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from operator import is_
from typing import Any

from erantis_domain.case import CitizenCase
from erantis_rules.engine._decisions import citations, decision_fact, providers
from erantis_rules.engine._derive import (
    CaseFacts,
    FactSettings,
    TeamLoad,
    UncoveredStep,
    _adjusted_frames,
    _continuity_fact,
    _continuity_window,
    _frames_by_team_period,
    _same,
    _spans,
    _swaps,
    _uncovered_rows,
    _uncovered_step,
    _Window,
)
from erantis_rules.language._facts import (
    AdjustmentFact,
    AdmissionFact,
    CourseFact,
    DelegationFact,
    Fact,
    FollowUpFact,
    UncoveredVisitFact,
)
from erantis_rules.regimes import regime_of

__all__ = ["CaseParts", "WarmFacts"]

Build = Callable[[CitizenCase, FactSettings], list[Any]]


def _decisions(state: CitizenCase, settings: FactSettings) -> list[Any]:
    return [
        decision_fact(state, d, settings.regimes, settings.care_courses)
        for d in state.decisions.values()
    ]


def _follow_ups(state: CitizenCase, settings: FactSettings) -> list[Any]:
    return [FollowUpFact(f.subject_id, f.on, (f.event_id,)) for f in state.follow_ups]


def _courses(state: CitizenCase, settings: FactSettings) -> list[Any]:
    regimes = settings.regimes
    return [
        CourseFact(
            c.course_id,
            c.started_on,
            c.ended_on,
            regime_of(regimes, c.started_on, c.target_law, c.act),
            c.event_ids,
        )
        for c in state.courses.values()
    ]


def _delegations(state: CitizenCase, settings: FactSettings) -> list[Any]:
    return [
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
    ]


def _admissions(state: CitizenCase, settings: FactSettings) -> list[Any]:
    out: list[Any] = []
    for admission in state.admissions:
        for delegation_id in admission.active_delegations:
            later = [
                d
                for d in state.delegation_stops.get(delegation_id, ())
                if d >= admission.admitted_on
            ]
            out.append(
                AdmissionFact(
                    delegation=delegation_id,
                    admitted=admission.admitted_on,
                    discharged=admission.discharged_on,
                    suspended=min(later) if later else None,
                    evidence=(admission.event_id, state.delegations[delegation_id].event_id),
                )
            )
    return out


def _adjustments(state: CitizenCase, settings: FactSettings) -> list[Any]:
    return [
        AdjustmentFact(a.decision_id, a.citizen_involved, a.on, (a.event_id,))
        for a in state.adjustment_log
    ]


def _swaps_of(state: CitizenCase, settings: FactSettings) -> list[Any]:
    swaps = _swaps(state, settings.swap_window_days)
    return [] if swaps is None else [swaps]


def _providers_reads(s: CitizenCase) -> tuple[Any, ...]:
    # Own helpers' visits are facts of the visit log: only while the case has own helpers.
    return (
        s.provider_choices,
        s.certificates,
        s.needs_reports,
        s.own_helpers,
        s.decisions,
        s.target_groups,
        s.visit_log if s.own_helpers else None,
    )


#: The groups before the visits' facts, in ``case_facts``' order: what each reads of the
#: state, and how its facts are built.
_GROUPS: tuple[tuple[Callable[[CitizenCase], tuple[Any, ...]], Build], ...] = (
    (lambda s: (s.decisions, s.closed_on, s.target_groups), _decisions),
    (lambda s: (s.decisions, s.courses, s.closed_on), lambda s, o: citations(s, o.regimes)),
    (_providers_reads, lambda s, o: providers(s, o.regimes)),
    (lambda s: (s.follow_ups,), _follow_ups),
    (lambda s: (s.courses,), _courses),
    (lambda s: (s.delegations,), _delegations),
    (lambda s: (s.admissions, s.delegation_stops, s.delegations), _admissions),
    (lambda s: (s.adjustment_log, s.decisions), lambda s, o: _adjusted_frames(s)),
    (lambda s: (s.adjustment_log,), _adjustments),
)


@dataclass(slots=True)
class CaseParts:
    """What :class:`WarmFacts` remembers of a case's last facts."""

    #: Per group of :data:`_GROUPS`: the parts read and the facts built.
    groups: list[tuple[tuple[Any, ...], list[Any]]]
    #: Uncovered visits: what the spans were read from, the spans, the scan's row list, how
    #: many of its rows are facts, and the facts.
    spans_of: tuple[Any, ...]
    spans: tuple[tuple[str, int, int], ...]
    step: UncoveredStep
    rows: list[int] | None
    uncovered: list[Any]
    #: Continuity: the window, its best run, and the fact.
    window: _Window | None
    best: tuple[int, int, int]
    continuity: list[Any]
    swaps_of: tuple[Any, ...]
    swaps: list[Any]


def _identical(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return all(map(is_, a, b))


class WarmFacts:
    """``case_facts`` under fixed settings, derived again only where a case's state changed
    (see the module)."""

    __slots__ = ("_settings",)

    def __init__(self, settings: FactSettings) -> None:
        self._settings = settings

    def facts(
        self,
        state: CitizenCase,
        until: date,
        previous: CaseFacts | None,
        parts: CaseParts | None,
    ) -> tuple[CaseFacts, CaseParts, bool]:
        """The case's facts as of ``until`` (equal to ``case_facts``'), what to remember of
        them, and whether they differ from ``previous``' (which ``parts`` must describe)."""
        settings = self._settings
        changed = previous is None or parts is None
        facts: list[Fact] = []
        groups: list[tuple[tuple[Any, ...], list[Any]]] = []
        for index, (reads, build) in enumerate(_GROUPS):
            read = reads(state)
            if parts is not None:
                known_read, known = parts.groups[index]
                if _identical(known_read, read):
                    groups.append((read, known))
                    facts.extend(known)
                    continue
            built = build(state, settings)
            if not changed and built != parts.groups[index][1]:  # type: ignore[union-attr]
                changed = True
            groups.append((read, built))
            facts.extend(built)

        # Uncovered visits: the spans follow the decisions, the closing day and the swaps; the
        # rows follow the visit log, whose remembered scan only appends to its row list.
        spans_of = (state.decisions, state.closed_on, state.swaps)
        if parts is not None and _identical(parts.spans_of, spans_of):
            spans, step = parts.spans, parts.step
        else:
            spans = _spans(state, settings.care_courses)
            step = _uncovered_step(spans)
        rows = _uncovered_rows(state, spans, step)
        if parts is not None and rows is parts.rows and parts.spans == spans:
            done = len(parts.uncovered)
            uncovered = parts.uncovered
            if len(rows) > done:
                uncovered = uncovered + _uncovered_facts(state, rows[done:])
        else:
            uncovered = _uncovered_facts(state, rows)
        if not changed and uncovered is not parts.uncovered:  # type: ignore[union-attr]
            changed = uncovered != parts.uncovered  # type: ignore[union-attr]
        facts.extend(uncovered)

        window = _continuity_window(state, settings.window_days)
        best = window.best if window is not None else (0, 0, 0)
        if parts is not None and window is parts.window and best == parts.best:
            continuity = parts.continuity
        else:
            continuity = [] if window is None else [_continuity_fact(state, window)]
            if not changed:
                changed = continuity != parts.continuity  # type: ignore[union-attr]
        facts.extend(continuity)

        swaps_of = (state.swaps, state.declines)
        if parts is not None and _identical(parts.swaps_of, swaps_of):
            swaps = parts.swaps
        else:
            swaps = _swaps_of(state, settings)
            if not changed:
                changed = swaps != parts.swaps  # type: ignore[union-attr]
        facts.extend(swaps)

        frames_of = (
            state.decisions,
            state.adjustment_log,
            state.admissions,
            state.closed_on,
            until,
            settings.terms,
            state.target_groups,
        )
        if previous is not None and _same(previous.frames_of, frames_of):
            granted = previous.load.granted
        else:
            granted = _frames_by_team_period(state, until, settings.terms)
        load = TeamLoad(granted=dict(granted), delivered=state.visit_log.minutes_by_team_period())
        remembered = CaseParts(
            groups,
            spans_of,
            spans,
            step,
            rows,
            uncovered,
            window,
            best,
            continuity,
            swaps_of,
            swaps,
        )
        return CaseFacts(state.case_id, facts, load, frames_of), remembered, changed


def _uncovered_facts(state: CitizenCase, rows: list[int]) -> list[Any]:
    return [
        UncoveredVisitFact(date.fromordinal(day), code, (event_id,))
        for day, code, event_id in state.visit_log.rows_at(rows)
    ]
