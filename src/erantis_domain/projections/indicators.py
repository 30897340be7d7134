"""Outcome indicators (resultatindikatorer) per team and settlement period, for the dialogue
meeting: what the frame achieved, not only how it was spent.

:class:`OutcomeIndicators` is a projection of the store. It keeps each citizen case's state
(folded by :func:`~erantis_domain.case.evolve`, the one fold: responsible team, open and close
days, visits, admissions and discharges, follow-up outcomes, functional-ability scores, team
adjustments) and computes a :class:`TeamIndicators` for a team and period on request. Queries
sort what they read first, so a rebuild gives the same figures as folding the log in pieces.

Days are business days (:func:`~erantis_domain.asof.business_day`, Europe/Copenhagen), visits
count on their ``delivered_on``. A team's citizens are the cases whose ``CaseOpened.team_id`` is
the team (the team responsible for the citizen). Every indicator is an aggregate over them: no
case id, carer id, score of one citizen or free text leaves this module. :data:`INDICATORS`
documents each indicator's definition and the events it reads; the docs of
:class:`TeamIndicators` repeat them field by field.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from itertools import pairwise
from typing import Any

from pydantic import TypeAdapter

from erantis_domain.case import CitizenCase, evolve
from erantis_domain.events import Event
from erantis_domain.projections.base import Projection
from erantis_domain.values import period_bounds

__all__ = [
    "CONTINUITY_WINDOW_DAYS",
    "INDICATORS",
    "READMISSION_WINDOW_DAYS",
    "AreaChange",
    "IndicatorDefinition",
    "OutcomeIndicators",
    "TeamIndicators",
    "indicators_of",
]

#: Length of the continuity windows: the period is cut into 14-day windows from its first day
#: (the last one may be shorter).
CONTINUITY_WINDOW_DAYS = 14
#: An admission within this many days after a discharge of the same citizen is a readmission.
READMISSION_WINDOW_DAYS = 30
_OUTCOMES = ("E1", "E2", "E3", "E4")
_NOT_RELEVANT = 9


@dataclass(frozen=True, slots=True)
class IndicatorDefinition:
    """What an indicator means and which events it is computed from."""

    key: str
    definition: str
    reads: tuple[str, ...]


INDICATORS: tuple[IndicatorDefinition, ...] = (
    IndicatorDefinition(
        "carers_per_14_days",
        "Mean number of distinct carers a citizen of the team met per 14-day window of the "
        "period, over the (citizen, window) pairs with at least one visit. Lower is more "
        "continuity.",
        ("CaseOpened", "VisitDelivered"),
    ),
    IndicatorDefinition(
        "own_team_visit_pct",
        "Share (%) of the visits to the team's citizens in the period that the team itself "
        "delivered.",
        ("CaseOpened", "VisitDelivered"),
    ),
    IndicatorDefinition(
        "adjustments_with_citizen_pct",
        "Share (%) of the team's time adjustments in the period made with the citizen "
        "involved (co-production).",
        ("TimeAdjustedByTeam",),
    ),
    IndicatorDefinition(
        "admissions_per_1000_days",
        "Admissions of the team's citizens in the period per 1,000 citizen-days (days a "
        "citizen's case was open: from the opening day to the day before closing). "
        f"Readmissions: admissions within {READMISSION_WINDOW_DAYS} days after a discharge.",
        ("CaseOpened", "CaseClosed", "CitizenAdmitted", "CitizenDischarged"),
    ),
    IndicatorDefinition(
        "goal_attainment",
        "Follow-ups of the team's citizens recorded in the period by FSIII outcome: E1 "
        "continue, E2 changed within the frame, E3 ended (goal reached), E4 reassessment; "
        "counts and shares (%).",
        ("CaseOpened", "FollowUpRecorded"),
    ),
    IndicatorDefinition(
        "functional_change",
        "For each functional-ability assessment of a team citizen in the period that has an "
        "earlier one: the score change (later minus earlier, 0-4, grade 9 'not relevant' left "
        "out) of each condition scored in both, averaged per FSIII area (J1-J5). Negative is "
        "an improvement.",
        ("CaseOpened", "FunctionalAbilityAssessed"),
    ),
)


@dataclass(frozen=True, slots=True)
class AreaChange:
    """The mean score change of one FSIII functional area (``J1`` .. ``J5``) over ``pairs``
    (condition scored in two consecutive assessments)."""

    area: str
    pairs: int
    mean_change: Decimal


@dataclass(frozen=True, slots=True)
class TeamIndicators:
    """The outcome indicators of a team's period. A rate is ``None`` when it has no
    denominator (no visits, no adjustments, no citizen-days, no follow-ups)."""

    team_id: str
    period: str
    #: Cases the team is responsible for that were open on at least one day of the period.
    citizens: int
    #: Days of the period on which a case of the team was open, summed over the cases.
    citizen_days: int
    #: Mean distinct carers per citizen per 14-day window (2 places).
    carers_per_14_days: Decimal | None
    #: Visits to the team's citizens in the period, and how many the team delivered itself.
    visits: int
    own_team_visits: int
    own_team_visit_pct: Decimal | None
    #: The team's adjustments in the period, and how many were made with the citizen.
    adjustments: int
    adjustments_with_citizen: int
    adjustments_with_citizen_pct: Decimal | None
    admissions: int
    readmissions: int
    admissions_per_1000_days: Decimal | None
    #: Follow-up outcomes in the period: ``(("E1", n), ..., ("E4", n))``.
    follow_ups: tuple[tuple[str, int], ...]
    #: Functional-ability score change per area, areas in code order.
    functional_change: tuple[AreaChange, ...]

    @property
    def follow_up_count(self) -> int:
        """All follow-ups of the period."""
        return sum(n for _, n in self.follow_ups)

    def follow_up_pct(self, outcome: str) -> Decimal | None:
        """Share (%) of the period's follow-ups with ``outcome`` (2 places)."""
        counts = dict(self.follow_ups)
        return _pct(counts.get(outcome, 0), self.follow_up_count)


# --- what the projection keeps ----------------------------------------------------------------

_STATE = TypeAdapter(dict[str, CitizenCase])


class OutcomeIndicators(Projection):
    """The outcome indicators projection: :meth:`team_period` gives a team's figures."""

    name = "outcome-indicators"
    state_version = 2

    def __init__(self) -> None:
        super().__init__()
        self._cases: dict[str, CitizenCase] = {}

    @classmethod
    def over(cls, cases: Mapping[str, CitizenCase]) -> OutcomeIndicators:
        """Indicators over case states folded elsewhere, from the same events in the same order
        (:meth:`BudgetLedger.case_states
        <erantis_domain.projections.BudgetLedger.case_states>`: the ledger folds every case
        event with the same :func:`~erantis_domain.case.evolve`), instead of a second fold.
        Its ``position`` is 0: it is not caught up from a store."""
        projection = cls()
        projection._cases = dict(cases)
        return projection

    def apply_event(self, event: Event) -> None:
        """Fold a case event into its case's state; team events are ignored."""
        if event.case_id is None:
            return
        state = self._cases.get(event.case_id) or CitizenCase(case_id=event.case_id)
        self._cases[event.case_id] = evolve(state, event)

    def _state_to_json(self) -> Any:
        return _STATE.dump_python(self._cases, mode="json")

    def _state_from_json(self, data: Any) -> None:
        self._cases = _STATE.validate_python(data)

    # --- queries ----------------------------------------------------------------------------

    def teams(self) -> list[str]:
        """Teams responsible for at least one case."""
        return sorted({state.team_id for state in self._cases.values() if state.team_id})

    def team_period(self, team_id: str, period: str) -> TeamIndicators:
        """The indicators of ``team_id``'s citizens (and adjustments) in ``period``."""
        return self.team_periods(team_id, [period])[period]

    def team_periods(self, team_id: str, periods: Iterable[str]) -> dict[str, TeamIndicators]:
        """:meth:`team_period` of each of ``periods``, by period, reading each case's visits
        once for all of them (a visit is rebuilt from the compact log on each read)."""
        bounds = {period: period_bounds(period) for period in periods}
        own = [state for state in self._cases.values() if state.team_id == team_id]
        # Per period: visits, own visits, and per citizen the carers met per 14-day window.
        visits = dict.fromkeys(bounds, 0)
        own_visits = dict.fromkeys(bounds, 0)
        carers: dict[str, list[int]] = {period: [] for period in bounds}
        for state in own:
            windows: dict[str, dict[int, set[str]]] = {}
            for visit in state.visit_log:
                day = visit.delivered_on
                period = f"{day.year:04d}-{day.month:02d}"
                if period not in bounds:
                    continue
                visits[period] += 1
                own_visits[period] += visit.team_id == team_id
                first = bounds[period][0]
                of_period = windows.get(period)
                if of_period is None:
                    of_period = windows[period] = defaultdict(set)
                of_period[(day - first).days // CONTINUITY_WINDOW_DAYS].add(visit.carer_id)
            for period, of_period in windows.items():
                carers[period].extend(len(seen) for seen in of_period.values())
        return {
            period: self._figures(
                team_id,
                period,
                own,
                (visits[period], own_visits[period], carers[period]),
            )
            for period in bounds
        }

    def _figures(
        self,
        team_id: str,
        period: str,
        own: list[CitizenCase],
        visited: tuple[int, int, list[int]],
    ) -> TeamIndicators:
        first, last = period_bounds(period)
        visits, own_visits, carers = visited
        citizen_days = 0
        citizens = 0
        for state in own:
            days = _open_days(state, first, last)
            citizen_days += days
            citizens += days > 0
        adjustments = [
            a.citizen_involved
            for state in self._cases.values()
            for a in state.adjustment_log
            if a.team_id == team_id and first <= a.on <= last
        ]
        admissions = readmissions = 0
        for state in own:
            discharges = [a.discharged_on for a in state.admissions if a.discharged_on]
            for admission in state.admissions:
                day = admission.admitted_on
                if first <= day <= last:
                    admissions += 1
                    readmissions += any(
                        day - timedelta(days=READMISSION_WINDOW_DAYS) <= out <= day
                        for out in discharges
                    )
        outcomes: Counter[str] = Counter(
            f.outcome for state in own for f in state.follow_ups if first <= f.on <= last
        )
        return TeamIndicators(
            team_id=team_id,
            period=period,
            citizens=citizens,
            citizen_days=citizen_days,
            carers_per_14_days=_mean(carers),
            visits=visits,
            own_team_visits=own_visits,
            own_team_visit_pct=_pct(own_visits, visits),
            adjustments=len(adjustments),
            adjustments_with_citizen=sum(adjustments),
            adjustments_with_citizen_pct=_pct(sum(adjustments), len(adjustments)),
            admissions=admissions,
            readmissions=readmissions,
            admissions_per_1000_days=(
                None if citizen_days == 0 else _two(Decimal(admissions * 1000) / citizen_days)
            ),
            follow_ups=tuple((outcome, outcomes[outcome]) for outcome in _OUTCOMES),
            functional_change=_functional_change(own, first, last),
        )


def _open_days(state: CitizenCase, first: date, last: date) -> int:
    if state.opened_on is None:
        return 0
    start = max(first, state.opened_on)
    end = last if state.closed_on is None else min(last, state.closed_on - timedelta(days=1))
    return max(0, (end - start).days + 1)


def _functional_change(own: list[CitizenCase], first: date, last: date) -> tuple[AreaChange, ...]:
    deltas: dict[str, list[int]] = defaultdict(list)
    for state in own:
        ordered = sorted(state.functional_ability, key=lambda a: (a.on, a.event_id))
        for earlier, later in pairwise(ordered):
            if not first <= later.on <= last:
                continue
            for condition, score in later.scores.items():
                before = earlier.scores.get(condition)
                if before is None or _NOT_RELEVANT in (before, score):
                    continue
                deltas[condition.split(".")[0]].append(score - before)
    return tuple(
        AreaChange(area=area, pairs=len(values), mean_change=_mean(values) or Decimal("0.00"))
        for area, values in sorted(deltas.items())
    )


def _two(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def _pct(part: int, whole: int) -> Decimal | None:
    return None if whole == 0 else _two(Decimal(part * 100) / whole)


def _mean(values: list[int]) -> Decimal | None:
    return None if not values else _two(Decimal(sum(values)) / len(values))


def indicators_of(events: Iterable[Event]) -> OutcomeIndicators:
    """An indicators projection folded from ``events`` (no store needed)."""
    projection = OutcomeIndicators()
    for event in events:
        projection.apply_event(event)
    return projection
