"""Private: a case's frame minutes per team period, as the settlement ledger counts them
(``citizen_frame``), for all its teams and months at once: for the rules' team-period facts
(:mod:`erantis_rules.engine._derive`) and the warm engine."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from erantis_domain.case import CitizenCase, DecisionState
from erantis_domain.projections.proration import prorate
from erantis_domain.projections.terms import SettlementTerms
from erantis_domain.values import period_bounds

__all__: list[str] = []


def _frames_by_team_period(
    state: CitizenCase, until: date, terms: SettlementTerms
) -> dict[tuple[str, str], int]:
    """The case's frame minutes per team period from its first frame day through ``until``,
    as the settlement ledger counts them: :func:`citizen_frame` of every team and month, with
    what does not depend on the month (each decision's days in force, the stays, the
    closing) worked out once for all of them, and days counted as ordinals in ranges rather
    than as sets of days (a set only where a stay pauses the frame that month)."""
    decisions = state.decisions
    adjustments = state.adjustment_log
    starts = [d.valid_from for d in decisions.values() if d.valid_from is not None]
    starts += [a.on for a in adjustments]
    out: dict[tuple[str, str], int] = {}
    if not starts or min(starts) > until:
        return out
    teams = sorted(
        {d.team_id for d in decisions.values() if d.team_id is not None}
        | {a.team_id for a in adjustments}
    )
    # Per decision that grants days: its first and last day in force (ordinals).
    spans: dict[str, tuple[DecisionState, int, int]] = {}
    for decision_id, decision in decisions.items():
        if decision.valid_from is not None:
            span = state.in_force(decision_id)
            last = _LAST if span.last is None else span.last.toordinal()
            spans[decision_id] = (decision, span.first.toordinal(), last)
    # An adjustment of a decision or intervention not known counts on the case's days.
    case_last = _LAST if state.closed_on is None else state.closed_on.toordinal() - 1
    # Per adjustment: its decision's span and the period of its frame, or ``None``.
    adjusted_frames: list[tuple[Any, str, int, int | None, int]] = []
    for a in adjustments:
        known = spans.get(a.decision_id)
        per: str = "week"
        first: int | None = None
        last = case_last
        if known is not None:
            decision, first, last = known
            if decision.course_frame is not None:
                per = decision.course_frame.per
            else:
                for frame in decision.frames:
                    if frame.intervention == a.intervention:
                        per = frame.per
                        break
                else:
                    first, last = None, case_last
        adjusted_frames.append((a, per, a.on.toordinal(), first, last))
    stays = [
        (admitted.toordinal(), _LAST if discharged is None else discharged.toordinal() - 1)
        for admitted, discharged in state.stays()
    ]
    if not terms.pause_during_admission:
        stays = []
    lines: dict[tuple[int, str, int, int], int] = {}

    def line(minutes: int, per: str, days: int, days_in_month: int) -> int:
        key = (minutes, per, days, days_in_month)
        found = lines.get(key)
        if found is None:
            found = lines[key] = prorate(minutes, per, days, days_in_month)  # type: ignore[arg-type]
        return found

    month = min(starts).replace(day=1)
    while month <= until:
        period = f"{month.year:04d}-{month.month:02d}"
        month_first, month_last = period_bounds(period)
        days_in_month = month_last.day
        low, high = month_first.toordinal(), month_last.toordinal()
        paused: set[int] = set()
        for admitted, discharged in stays:
            paused.update(range(max(admitted, low), min(discharged, high) + 1))

        days_of = {
            decision_id: _days_in(first, last, low, high, paused)
            for decision_id, (_, first, last) in spans.items()
        }
        for team_id in teams:
            counted_any = False
            granted = 0
            for decision_id, (decision, _, _) in spans.items():
                days = days_of[decision_id]
                if decision.team_id != team_id or not days:
                    continue
                counted_any = True
                if decision.course_frame is not None:
                    pooled = decision.course_frame
                    granted += line(pooled.minutes, pooled.per, days, days_in_month)
                    continue
                for frame in decision.frames:
                    granted += line(frame.minutes, frame.per, days, days_in_month)
            adjusted = 0
            for a, per, on, first, last in adjusted_frames:
                if a.team_id != team_id:
                    continue
                days = _days_in(on if first is None else max(first, on), last, low, high, paused)
                adjusted += line(a.delta_minutes, per, days, days_in_month)
            if counted_any or granted or adjusted:
                out[(team_id, period)] = granted + adjusted
        month = month_last + timedelta(days=1)
    return out


def _days_in(first: int, last: int, low: int, high: int, paused: set[int]) -> int:
    """How many days from ``first`` to ``last`` fall in the month ``low`` to ``high`` and are
    not paused (ordinals, all included)."""
    first, last = max(first, low), min(last, high)
    if first > last:
        return 0
    if not paused:
        return last - first + 1
    return sum(1 for day in range(first, last + 1) if day not in paused)


#: After the last day of any frame (an ordinal).
_LAST = date.max.toordinal()
