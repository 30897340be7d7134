"""The team frame ledger (rammeregnskab): frame against delivery per team and settlement period.

:class:`BudgetLedger` is a projection of the store. It keeps each citizen case's state (folded
by :func:`~erantis_domain.case.evolve`, the one fold) and settlements per team period, and
computes a :class:`TeamLedger` for a team and period on request, under given
:class:`SettlementTerms`, by asking the case states (:func:`citizen_line`). A full rebuild
gives the same figures as an incremental one.

Which days a frame counts on
----------------------------
A decision's frame (granted or revised, never rejected) counts for the decision's ``team_id``
on each day of the period that is

- on or after ``valid_from`` and on or before ``valid_until`` (an expired decision stops
  counting from ``valid_until`` + 1);
- before the ``valid_from`` of a revision that replaces it (the earliest one, if several);
- before the day the case was closed (``CaseClosed``: the closing day no longer counts);
- not a day of an admission, when :attr:`SettlementTerms.pause_during_admission` (the default):
  from the admission day up to the day before discharge, or to the end of the period while the
  citizen is still admitted.

Each frame of the decision is one line: ``minutes × days / 7`` (weekly) or
``minutes × days / days_in_month`` (monthly), rounded half-even to whole minutes
(:mod:`~erantis_domain.projections.proration`). A care course (a decision with a pooled
``course_frame``, helhedspleje) is one line of its pooled frame, prorated the same way; its
frames are its content and do not count again.

A team adjustment (``TimeAdjustedByTeam``) is a line of ``delta_minutes`` per the period of the
adjusted frame (week or month), prorated the same way over the days on which the adjusted
decision counts, from the adjustment's day on. It counts for the adjustment's ``team_id``. An
adjustment of a decision or intervention the ledger does not know is taken as weekly, from its
day, on the days the case counts at all.

Figures
-------
For a citizen line and for the team: ``frame = granted + adjusted`` (for the team: not below
0); ``variance = delivered - frame`` minutes (positive: overspend); ``variance_pct =
variance / frame × 100`` to 4 places (100 when the frame is 0 and minutes were delivered, 0 when
neither). The band is *inside* when ``|variance| × 100 <= band_pct × frame`` — exactly at the
band is inside — else *overspend* or *underspend*, by the sign.

Incentive of the period (DKK, to øre, half away from zero): underspend →
``gain_share_provider_pct / 100 × (frame - delivered) × minute_price``; overspend →
``-min((delivered - frame) × minute_price, loss_cap_pct / 100 × frame × minute_price)``; inside
→ 0. With :attr:`SettlementTerms.carry_over` the previous period's settled amount is carried in
and added (``incentive_amount = own_incentive + carried_in``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, TypeAdapter

from erantis_domain import events as ev
from erantis_domain.asof import business_day
from erantis_domain.case import AdjustmentState, CitizenCase, evolve, evolve_all
from erantis_domain.events import Event
from erantis_domain.projections.base import EventSource, Projection
from erantis_domain.projections.checkpoints import CheckpointStore
from erantis_domain.projections.proration import prorate, to_ore, to_pct
from erantis_domain.projections.terms import SettlementTerms
from erantis_domain.values import period_bounds

__all__ = [
    "Band",
    "BudgetLedger",
    "CitizenLine",
    "CorrectionTotals",
    "SettledFigures",
    "TeamLedger",
    "band_of",
    "citizen_frame",
    "citizen_line",
    "ledger_of",
]

Band = Literal["inside", "overspend", "underspend"]
Per = Literal["week", "month"]


# --- what the projection keeps ----------------------------------------------------------------


class _Fact(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SettledFigures(_Fact):
    """A recorded ``PeriodSettled``, as the ledger knows it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    settled_on: date
    granted_minutes: int
    delivered_minutes: int
    variance_pct: Decimal
    band: Band
    incentive_amount: Decimal
    event_id: str
    #: The terms and policy version it was settled under (``None`` when recorded before
    #: settlements said so).
    terms: SettlementTerms | None = None
    policy_version: str | None = None


class CorrectionTotals(_Fact):
    """The ``SettlementCorrected`` recorded for a settled period, added up: the settlement
    plus these is the period as known when the last of them was recorded."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    count: int
    granted_minutes_delta: int
    delivered_minutes_delta: int
    amount_delta: Decimal
    #: The last correction's id.
    event_id: str


class _LedgerState(_Fact):
    cases: dict[str, CitizenCase] = {}
    #: team id -> period -> the first settlement recorded.
    settlements: dict[str, dict[str, SettledFigures]] = {}
    #: team id -> period -> the corrections recorded since.
    corrections: dict[str, dict[str, CorrectionTotals]] = {}


_STATE = TypeAdapter(_LedgerState)


# --- the read model ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CitizenLine:
    """One citizen's share of a team's period: where the variance comes from."""

    case_id: str
    granted_minutes: int
    adjusted_minutes: int
    delivered_minutes: int
    #: Swaps under the swap right in the period, under the team's decisions (covered help).
    swaps: int = 0

    @property
    def frame_minutes(self) -> int:
        """Granted plus net team adjustments."""
        return self.granted_minutes + self.adjusted_minutes

    @property
    def variance_minutes(self) -> int:
        """Delivered minus frame: positive is an overspend."""
        return self.delivered_minutes - self.frame_minutes

    @property
    def variance_pct(self) -> Decimal | None:
        """Variance in % of the frame, 4 places; ``None`` when the frame is not positive."""
        if self.frame_minutes <= 0:
            return None
        return to_pct(self.variance_minutes, self.frame_minutes)


@dataclass(frozen=True, slots=True)
class TeamLedger:
    """A team's settlement period (afregningsperiode): frame, delivery, band and incentive,
    with a line per citizen. ``settled`` is the recorded settlement, if there is one."""

    team_id: str
    period: str
    terms: SettlementTerms
    lines: tuple[CitizenLine, ...]
    granted_minutes: int
    adjusted_minutes: int
    delivered_minutes: int
    frame_minutes: int
    variance_minutes: int
    variance_pct: Decimal
    band: Band
    own_incentive: Decimal
    carried_in: Decimal
    incentive_amount: Decimal
    settled: SettledFigures | None


def band_of(variance_minutes: int, frame_minutes: int, band_pct: Decimal) -> Band:
    """The band of a variance, judged on the exact fraction: ``|variance| × 100 <= band_pct ×
    frame`` is inside (exactly at the band is inside), else overspend or underspend."""
    if abs(variance_minutes) * 100 <= band_pct * frame_minutes:
        return "inside"
    return "overspend" if variance_minutes > 0 else "underspend"


def _incentive(band: Band, frame: int, delivered: int, terms: SettlementTerms) -> Decimal:
    price = terms.minute_price
    if band == "underspend":
        return to_ore(terms.gain_share_provider_pct / 100 * (frame - delivered) * price)
    if band == "overspend":
        cost = (delivered - frame) * price
        cap = terms.loss_cap_pct / 100 * frame * price
        return -to_ore(min(cost, cap))
    return to_ore(Decimal(0))


def _previous_period(period: str) -> str:
    first, _ = period_bounds(period)
    return (first - timedelta(days=1)).strftime("%Y-%m")


def _days(first: date, last: date) -> Iterator[int]:
    return iter(range(first.toordinal(), last.toordinal() + 1))


# --- the projection ------------------------------------------------------------------------------


class BudgetLedger(Projection):
    """Projection: the team frame ledger of every team and settlement period.

    Keep one up to date with :meth:`catch_up` (and :meth:`save` / :meth:`restore` for a
    checkpoint, or :meth:`sync` for both), then ask :meth:`team_period` for the figures of a
    team's month.
    """

    name = "budget-ledger"
    state_version = 3

    def __init__(self) -> None:
        super().__init__()
        self._state = _LedgerState()

    # --- folding ----------------------------------------------------------------------------

    def apply_event(self, event: Event) -> None:
        """Fold one case event into its case's state (``evolve``) and record settlements;
        other team events are ignored."""
        if isinstance(event, ev.PeriodSettled):
            periods = self._state.settlements.setdefault(event.team_id, {})
            periods.setdefault(
                event.period,
                SettledFigures(
                    settled_on=business_day(event.occurred_at),
                    granted_minutes=event.granted_minutes,
                    delivered_minutes=event.delivered_minutes,
                    variance_pct=event.variance_pct,
                    band=event.band,
                    incentive_amount=event.incentive_amount,
                    event_id=str(event.event_id),
                    terms=event.terms,
                    policy_version=event.policy_version,
                ),
            )
            return
        if isinstance(event, ev.SettlementCorrected):
            periods_of = self._state.corrections.setdefault(event.team_id, {})
            before = periods_of.get(event.period)
            periods_of[event.period] = CorrectionTotals(
                count=(before.count if before else 0) + 1,
                granted_minutes_delta=(before.granted_minutes_delta if before else 0)
                + event.granted_minutes_delta,
                delivered_minutes_delta=(before.delivered_minutes_delta if before else 0)
                + event.delivered_minutes_delta,
                amount_delta=(before.amount_delta if before else Decimal("0.00"))
                + event.amount_delta,
                event_id=str(event.event_id),
            )
            return
        case_id = getattr(event, "case_id", None)
        if case_id is None:
            return
        state = self._state.cases.get(case_id) or CitizenCase(case_id=case_id)
        self._state.cases[case_id] = evolve(state, event)

    def sync(self, store: EventSource, checkpoints: CheckpointStore) -> int:
        """Keep the ledger persisted: restore it from ``checkpoints`` (when this ledger has
        applied nothing yet), apply only the events stored since that checkpoint, and save it
        again when any were applied. Returns how many events were read and applied.

        ``settle`` and the dialogue agenda then read the events stored since the last run, not
        the whole store; restoring and saving cost the size of the saved state (every case's
        folded state, about 40 KB per citizen-year), not the number of events."""
        if self.position == 0:
            self.restore(checkpoints)
        applied = self.catch_up(store)
        if applied:
            self.save(checkpoints)
        return applied

    def case(self, case_id: str) -> CitizenCase | None:
        """The state of a case as the ledger folded it (``None`` when it saw none)."""
        return self._state.cases.get(case_id)

    def case_states(self) -> Mapping[str, CitizenCase]:
        """Every case's state as the ledger folded it, by case id: a read-only view (the
        states themselves are immutable), for a reader that would fold the same events again,
        such as :meth:`OutcomeIndicators.over
        <erantis_domain.projections.indicators.OutcomeIndicators.over>`."""
        return MappingProxyType(self._state.cases)

    def _state_to_json(self) -> Any:
        return _STATE.dump_python(self._state, mode="json")

    def _state_from_json(self, data: Any) -> None:
        self._state = _STATE.validate_python(data)

    # Every case's state is large: written and read as text by pydantic, never as a tree of
    # generic JSON data (which took the restore's peak memory to 4x the ledger's own).
    def _state_to_text(self) -> str:
        return _STATE.dump_json(self._state).decode()

    def _state_from_text(self, text: str) -> None:
        self._state = _STATE.validate_json(text)

    # --- queries ----------------------------------------------------------------------------

    def teams(self) -> list[str]:
        """Every team the ledger has seen in a decision, visit, adjustment or settlement."""
        found: set[str] = set(self._state.settlements)
        for state in self._state.cases.values():
            found |= state.teams()
        return sorted(found)

    def citizens_of(self, team_id: str) -> list[str]:
        """Cases the team is responsible for (``CaseOpened.team_id``) or has a decision,
        adjustment or visit of, in any period."""
        return sorted(
            case_id
            for case_id, state in self._state.cases.items()
            if state.team_id == team_id or state.concerns(team_id)
        )

    def active_periods(self, team_id: str) -> list[str]:
        """Periods in which the team delivered minutes, adjusted a frame or was settled."""
        found: set[str] = set(self._state.settlements.get(team_id, {}))
        for state in self._state.cases.values():
            found.update(p for t, p in state.visit_log.minutes_by_team_period() if t == team_id)
            found.update(
                a.on.strftime("%Y-%m") for a in state.adjustment_log if a.team_id == team_id
            )
        return sorted(found)

    def settlement(self, team_id: str, period: str) -> SettledFigures | None:
        """The recorded settlement of a team's period, if any."""
        return self._state.settlements.get(team_id, {}).get(period)

    def corrections(self, team_id: str, period: str) -> CorrectionTotals | None:
        """The corrections recorded for a settled period, added up (``None``: none)."""
        return self._state.corrections.get(team_id, {}).get(period)

    def delivered_minutes(self, team_id: str, period: str) -> int:
        """Minutes the team delivered in the period (all citizens)."""
        return sum(
            state.visit_log.minutes_in(team_id, period) for state in self._state.cases.values()
        )

    def case_frame_minutes(
        self, case_id: str, team_id: str, period: str, terms: SettlementTerms | None = None
    ) -> int | None:
        """One citizen's frame in a team's period: granted plus adjusted minutes, before the
        team total is floored at 0; ``None`` when no decision or adjustment of the case counts
        there. The rules (FRM-004) judge a team's overspend on the sum of these
        (:func:`citizen_frame`), so they agree with the settlement."""
        state = self._state.cases.get(case_id)
        if state is None:
            return None
        frame = citizen_frame(state, team_id, period, terms or SettlementTerms())
        return None if frame is None else sum(frame)

    def team_period(
        self, team_id: str, period: str, terms: SettlementTerms | None = None
    ) -> TeamLedger:
        """The ledger of a team's period under ``terms`` (the defaults when ``None``)."""
        terms = terms or SettlementTerms()
        cases = self._state.cases
        lines = [
            line
            for case_id in sorted(cases)
            if (line := citizen_line(cases[case_id], team_id, period, terms)) is not None
        ]
        granted = sum(line.granted_minutes for line in lines)
        adjusted = sum(line.adjusted_minutes for line in lines)
        delivered = sum(line.delivered_minutes for line in lines)
        frame = max(0, granted + adjusted)
        variance = delivered - frame
        if frame > 0:
            variance_pct = to_pct(variance, frame)
        else:
            variance_pct = to_pct(100 if delivered else 0, 100)
        band = band_of(variance, frame, terms.settlement_band_pct)
        own = _incentive(band, frame, delivered, terms)
        carried = Decimal("0.00")
        if terms.carry_over:
            previous = self.settlement(team_id, _previous_period(period))
            if previous is not None:
                carried = to_ore(previous.incentive_amount)
        return TeamLedger(
            team_id=team_id,
            period=period,
            terms=terms,
            lines=tuple(lines),
            granted_minutes=granted,
            adjusted_minutes=adjusted,
            delivered_minutes=delivered,
            frame_minutes=frame,
            variance_minutes=variance,
            variance_pct=variance_pct,
            band=band,
            own_incentive=own,
            carried_in=carried,
            incentive_amount=own + carried,
            settled=self.settlement(team_id, period),
        )


def citizen_line(
    state: CitizenCase, team_id: str, period: str, terms: SettlementTerms
) -> CitizenLine | None:
    """One citizen's line of a team's period, asked of the case state: the frames of its
    decisions prorated by the days they are in force there (less hospital stays when the terms
    pause the frame), its team adjustments, and its delivered minutes. ``None`` when the case
    has nothing in that team's period."""
    frame = citizen_frame(state, team_id, period, terms)
    delivered = state.visit_log.minutes_in(team_id, period)
    if frame is None and not delivered:
        return None
    granted, adjusted = frame or (0, 0)
    first, last = period_bounds(period)
    swaps = sum(
        1
        for swap in state.swaps
        if first <= swap.on <= last
        and (decision := state.decisions.get(swap.decision_id)) is not None
        and decision.team_id == team_id
    )
    return CitizenLine(state.case_id, granted, adjusted, delivered, swaps)


def citizen_frame(
    state: CitizenCase, team_id: str, period: str, terms: SettlementTerms
) -> tuple[int, int] | None:
    """The granted and adjusted minutes a case's frame counts for a team's period, or
    ``None`` when no decision or adjustment of the case counts there (deliveries aside)."""
    if not state.concerns(team_id):
        return None
    first, last = period_bounds(period)
    days_in_month = last.day
    paused = _paused_days(state, first, last, terms.pause_during_admission)
    counted_any = False
    granted = 0
    decision_days: dict[str, set[int]] = {}
    for decision_id, decision in state.decisions.items():
        if decision.valid_from is None:
            continue  # a rejection grants nothing
        days = set(state.in_force(decision_id).days_within(first, last)) - paused
        decision_days[decision_id] = days
        if decision.team_id != team_id or not days:
            continue
        counted_any = True
        if decision.course_frame is not None:  # a care course: its pooled frame counts
            pooled = decision.course_frame
            granted += prorate(pooled.minutes, pooled.per, len(days), days_in_month)
            continue
        for frame in decision.frames:
            granted += prorate(frame.minutes, frame.per, len(days), days_in_month)
    adjusted = 0
    for adjustment in state.adjustment_log:
        if adjustment.team_id != team_id:
            continue
        per, days = _adjusted_frame(adjustment, state, decision_days, first, last)
        days = {d for d in days if d >= adjustment.on.toordinal()} - paused
        adjusted += prorate(adjustment.delta_minutes, per, len(days), days_in_month)
    if not (counted_any or granted or adjusted):
        return None
    return granted, adjusted


def _adjusted_frame(
    adjustment: AdjustmentState,
    state: CitizenCase,
    decision_days: dict[str, set[int]],
    first: date,
    last: date,
) -> tuple[Per, set[int]]:
    decision = state.decisions.get(adjustment.decision_id)
    if decision is not None and adjustment.decision_id in decision_days:
        if decision.course_frame is not None:
            return decision.course_frame.per, decision_days[adjustment.decision_id]
        for frame in decision.frames:
            if frame.intervention == adjustment.intervention:
                return frame.per, decision_days[adjustment.decision_id]
    end = last
    if state.closed_on is not None:
        end = min(end, state.closed_on - timedelta(days=1))
    return "week", set(_days(first, end))


def _paused_days(state: CitizenCase, first: date, last: date, pause: bool) -> set[int]:
    if not pause:
        return set()
    paused: set[int] = set()
    for admitted, discharged in state.stays():
        end = last if discharged is None else discharged - timedelta(days=1)
        paused.update(_days(max(admitted, first), min(end, last)))
    return paused


#: Case events a fold from a list keeps per case before folding them together: a run of visits
#: then makes one new state instead of one per visit, at a bounded cost in memory.
_RUN = 16


def ledger_of(events: Iterable[Event]) -> BudgetLedger:
    """A ledger folded from events in the order given (no store, position stays 0).

    Each case's events are folded in their order, a few at a time (``evolve_all``: the state
    ``apply_event`` reaches one event at a time); cases do not depend on each other, nor do
    the settlements, so the ledger is the one ``apply_event`` builds."""
    ledger = BudgetLedger()
    cases = ledger._state.cases
    waiting: dict[str, list[Event]] = {}

    def fold(case_id: str, run: list[Event]) -> None:
        cases[case_id] = evolve_all(cases[case_id], run)

    for event in events:
        case_id = getattr(event, "case_id", None)
        if case_id is None:  # a team event: settlements and corrections are kept
            ledger.apply_event(event)
            continue
        run = waiting.get(case_id)
        if run is None:
            if case_id not in cases:  # cases stay in the order they were first seen
                cases[case_id] = CitizenCase(case_id=case_id)
            waiting[case_id] = [event]
        elif len(run) < _RUN:
            run.append(event)
        else:
            fold(case_id, run)
            waiting[case_id] = [event]
    for case_id, run in waiting.items():
        fold(case_id, run)
    return ledger
