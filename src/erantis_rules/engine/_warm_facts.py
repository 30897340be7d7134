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
from itertools import chain
from operator import is_
from typing import Any

from erantis_domain.case import CitizenCase
from erantis_rules.engine._decisions import citations, decision_fact, providers
from erantis_rules.engine._derive import (
    _ANY_HELP,
    _COURSE_CODES,
    CaseFacts,
    FactSettings,
    TeamLoad,
    UncoveredStep,
    _adjusted_frames,
    _continuity_fact,
    _continuity_window,
    _same,
    _spans,
    _swaps,
    _uncovered_rows,
    _Window,
    frames_inputs,
)
from erantis_rules.engine._frames import _frames_by_team_period
from erantis_rules.engine._group_facts import (
    adjustment_facts,
    admission_facts,
    course_facts,
    delegation_facts,
    follow_up_facts,
)
from erantis_rules.language._facts import (
    Fact,
    UncoveredVisitFact,
)

__all__ = ["CaseParts", "WarmFacts"]

Build = Callable[[CitizenCase, FactSettings], list[Any]]


def _decisions(state: CitizenCase, settings: FactSettings) -> list[Any]:
    return [
        decision_fact(state, d, settings.regimes, settings.care_courses)
        for d in state.decisions.values()
    ]


def _swaps_of(state: CitizenCase, settings: FactSettings) -> list[Any]:
    swaps = _swaps(state, settings.swap_window_days)
    return [] if swaps is None else [swaps]


def _reads(s: CitizenCase) -> tuple[Any, ...]:
    """The parts of the state each group reads, one after another (see :data:`_GROUPS`)."""
    return (
        *(s.decisions, s.closed_on, s.target_groups),
        *(s.decisions, s.courses, s.closed_on),
        # Own helpers' visits are facts of the visit log: only while the case has own helpers.
        *(s.provider_choices, s.certificates, s.needs_reports, s.own_helpers, s.decisions),
        *(s.target_groups, s.visit_log if s.own_helpers else None),
        s.follow_ups,
        s.courses,
        s.delegations,
        *(s.admissions, s.delegation_stops, s.delegations),
        *(s.adjustment_log, s.decisions),
        s.adjustment_log,
        # The spans of the uncovered visits, and the swaps.
        *(s.decisions, s.closed_on, s.swaps),
        *(s.swaps, s.declines),
    )


#: The groups before the visits' facts, in ``case_facts``' order: which of :func:`_reads`'
#: parts each reads, and how its facts are built.
_GROUPS: tuple[tuple[int, int, Build], ...] = (
    (0, 3, _decisions),
    (3, 6, lambda s, o: citations(s, o.regimes)),
    (6, 13, lambda s, o: providers(s, o.regimes)),
    (13, 14, lambda s, o: follow_up_facts(s)),
    (14, 15, lambda s, o: course_facts(s, o.regimes)),
    (15, 16, lambda s, o: delegation_facts(s)),
    (16, 19, lambda s, o: admission_facts(s)),
    (19, 21, lambda s, o: _adjusted_frames(s)),
    (21, 22, lambda s, o: adjustment_facts(s)),
)
_SPANS = slice(22, 25)
_SWAPS = slice(25, 27)


@dataclass(slots=True)
class CaseParts:
    """What :class:`WarmFacts` remembers of a case's last facts. Kept for every case of a
    warm engine, so it is small: a group's facts are a tuple (an empty one is the shared
    ``()``), the parts read one tuple."""

    #: What :func:`_reads` gave.
    reads: tuple[Any, ...]
    #: Per group of :data:`_GROUPS`, its facts.
    groups: tuple[tuple[Any, ...], ...]
    #: Uncovered visits: the spans, the scan's step over them, the scan's row list (its
    #: first ``len(uncovered)`` rows are facts), and the facts.
    spans: tuple[tuple[str, int, int], ...]
    step: UncoveredStep
    rows: list[int] | None
    uncovered: tuple[Any, ...]
    #: Continuity: the window, its best run, and the fact.
    window: _Window | None
    best: tuple[int, int, int]
    continuity: tuple[Any, ...]
    swaps: tuple[Any, ...]


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
        reads = _reads(state)
        changed = previous is None or parts is None
        facts: list[Fact] = []
        groups: tuple[tuple[Any, ...], ...]
        # Most events (visits) leave every part but the visit log, which grows in place, the
        # same objects: the groups, spans and swaps are then the remembered ones as a whole.
        unchanged = parts is not None and all(map(is_, reads, parts.reads))
        if unchanged:
            assert parts is not None
            reads, groups = parts.reads, parts.groups
            facts.extend(chain.from_iterable(groups))
        else:
            same: tuple[bool, ...] = (
                tuple(map(is_, reads, parts.reads)) if parts is not None else (False,) * len(reads)
            )
            built_groups: list[tuple[Any, ...]] = []
            for index, (first, past, build) in enumerate(_GROUPS):
                if parts is not None and all(same[first:past]):
                    known = parts.groups[index]
                    built_groups.append(known)
                    facts.extend(known)
                    continue
                built = tuple(build(state, settings))
                if not changed and built != parts.groups[index]:  # type: ignore[union-attr]
                    changed = True
                built_groups.append(built)
                facts.extend(built)
            groups = tuple(built_groups)

        # Uncovered visits: the spans follow the decisions, the closing day and the swaps; the
        # rows follow the visit log, whose remembered scan only appends to its row list.
        if parts is not None and (unchanged or all(same[_SPANS])):
            spans, step = parts.spans, parts.step
        else:
            spans = _spans(state, settings.care_courses)
            step = _Uncovered(spans)
        rows = _uncovered_rows(state, spans, step)
        if parts is not None and rows is parts.rows and parts.spans == spans:
            uncovered = parts.uncovered
            if len(rows) > len(uncovered):
                uncovered += _uncovered_facts(state, rows[len(uncovered) :])
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
            continuity = () if window is None else (_continuity_fact(state, window),)
            if not changed:
                changed = continuity != parts.continuity  # type: ignore[union-attr]
        facts.extend(continuity)

        if parts is not None and (unchanged or all(same[_SWAPS])):
            swaps = parts.swaps
        else:
            swaps = tuple(_swaps_of(state, settings))
            if not changed:
                changed = swaps != parts.swaps  # type: ignore[union-attr]
        facts.extend(swaps)

        frames_of = frames_inputs(state, until, settings.terms)
        if previous is not None and _same(previous.frames_of, frames_of):
            # The previous copy, not another one: nothing mutates it, and the engine's
            # accounting skips a contribution that is the same object.
            frames_of, granted = previous.frames_of, previous.load.granted
        else:
            granted = dict(_frames_by_team_period(state, until, settings.terms))
        load = TeamLoad(granted=granted, delivered=state.visit_log.minutes_by_team_period())
        if not changed:
            # Equal facts: the previous list, rather than a new one every call (each new
            # container a call leaves alive is walked by the caller's next young collection).
            assert previous is not None
            facts = previous.facts
        if (
            unchanged
            and parts is not None
            and rows is parts.rows
            and uncovered is parts.uncovered
            and window is parts.window
            and continuity is parts.continuity
            and swaps is parts.swaps
        ):
            remembered = parts
        else:
            remembered = CaseParts(
                reads, groups, spans, step, rows, uncovered, window, best, continuity, swaps
            )
        return CaseFacts(state.case_id, facts, load, frames_of), remembered, changed


class _Uncovered:
    """The uncovered-rows scan's step over fixed spans (``_derive._uncovered_step``'s rows),
    kept per case: the spans covering each intervention as one dict of tuples of integers,
    which a full collection stops tracking, instead of a closure over lists (about thirty
    tracked objects a case, walked by every full collection of the caller's process)."""

    __slots__ = ("_covering",)

    def __init__(self, spans: tuple[tuple[str, int, int], ...]) -> None:
        by_code: dict[str, list[tuple[int, int]]] = {}
        for code, first, last in spans:
            by_code.setdefault(code, []).append((first, last))
        # A care course's spans also cover the interventions the course may hold.
        help_spans = by_code.get(_ANY_HELP, [])
        extra = {
            code: help_spans + by_code.get(element, []) for code, element in _COURSE_CODES.items()
        }
        self._covering: dict[str, tuple[tuple[int, int], ...]] = {
            code: tuple(by_code.get(code, []) + extra.get(code, []))
            for code in by_code.keys() | extra.keys()
        }

    def __call__(self, acc: list[int], c: Any, first: int, past: int) -> list[int]:
        days, codes, covering = c.days, c.codes, self._covering
        for i in range(first, past):
            day = days[i]
            for start, end in covering.get(codes[i], ()):
                if start <= day <= end:
                    break
            else:
                acc.append(i)
        return acc


def _uncovered_facts(state: CitizenCase, rows: list[int]) -> tuple[Any, ...]:
    return tuple(
        UncoveredVisitFact(date.fromordinal(day), code, (event_id,))
        for day, code, event_id in state.visit_log.rows_at(rows)
    )
