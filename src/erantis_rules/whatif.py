"""What-if settlement: the same history replayed under other terms, nothing written.

:func:`what_if` answers "with a ±7 % band this team would have…": per team and settlement
period it gives the figures under the terms that apply (:attr:`PeriodComparison.baseline`:
the terms a settled period was recorded under, else the policy version in force for the
period) and under the alternative, beside the recorded settlement; and the findings that
would appear or disappear under the alternative policy.

Both sides are computed on the same facts (the history as known now), so the difference is
the terms' alone; where events were recorded after a settlement, the baseline differs from the
recorded figures by exactly the correction (:mod:`erantis_domain.projections.corrections`).
Deterministic: the same history and policies give the same result.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from erantis_domain.events import Event, TeamEvent
from erantis_domain.events.team import POLICY_TEAM
from erantis_domain.projections.budget import Band, BudgetLedger, SettledFigures, TeamLedger
from erantis_domain.projections.proration import to_ore
from erantis_domain.projections.terms import SettlementTerms
from erantis_domain.values import period_bounds
from erantis_rules.engine import check
from erantis_rules.language.model import Finding
from erantis_rules.policy import Policy
from erantis_rules.policy_versions import PolicyHistory

if TYPE_CHECKING:  # the store pulls in eventsourcing; only its type is needed here
    from erantis_domain.store import CaseStore

__all__ = ["PeriodComparison", "SettlementFigures", "WhatIf", "compare_period", "what_if"]


@dataclass(frozen=True, slots=True)
class SettlementFigures:
    """A period's settlement under some terms: frame and delivered minutes, variance, band,
    incentive, and the provider's exposure (the most it could owe for the period: the loss
    cap's share of the frame's value)."""

    frame_minutes: int
    delivered_minutes: int
    variance_pct: Decimal
    band: Band
    incentive_amount: Decimal
    provider_exposure: Decimal | None
    #: The policy version of the terms, or ``None`` when not known.
    policy_version: str | None
    #: The settlement band of the terms, ± % of the frame (``None`` when not known).
    band_pct: Decimal | None = None

    def to_dict(self) -> dict[str, object]:
        """The figures as JSON-ready data (amounts as decimal strings)."""
        return {
            "frame_minutes": self.frame_minutes,
            "delivered_minutes": self.delivered_minutes,
            "variance_pct": str(self.variance_pct),
            "band": self.band,
            "incentive_amount": str(self.incentive_amount),
            "provider_exposure": (
                None if self.provider_exposure is None else str(self.provider_exposure)
            ),
            "policy_version": self.policy_version,
            "band_pct": None if self.band_pct is None else str(self.band_pct),
        }


@dataclass(frozen=True, slots=True)
class PeriodComparison:
    """One team period: as recorded (``None`` when not settled), under the terms that apply
    (``baseline``) and under the alternative."""

    team_id: str
    period: str
    recorded: SettlementFigures | None
    baseline: SettlementFigures
    alternative: SettlementFigures

    @property
    def amount_difference(self) -> Decimal:
        """Alternative minus baseline incentive, DKK."""
        return self.alternative.incentive_amount - self.baseline.incentive_amount


@dataclass(frozen=True, slots=True)
class WhatIf:
    """The result of :func:`what_if`: the periods compared, in team and period order, and the
    findings only the alternative policy gives (``appearing``) or only the baseline gives
    (``disappearing``)."""

    periods: tuple[PeriodComparison, ...]
    appearing: tuple[Finding, ...]
    disappearing: tuple[Finding, ...]


def _exposure(frame_minutes: int, terms: SettlementTerms) -> Decimal:
    """The most a provider can owe for a period of ``frame_minutes`` under ``terms``."""
    return to_ore(terms.loss_cap_pct / 100 * frame_minutes * terms.minute_price)


def what_if(
    store_or_events: CaseStore | Iterable[Event],
    *,
    policy: Policy | PolicyHistory,
    baseline: Policy | PolicyHistory | None = None,
    teams: Collection[str] | None = None,
    periods: Collection[str] | None = None,
    as_of: date | None = None,
    findings: bool = True,
) -> WhatIf:
    """Replay a store's (or a list of events') history under ``policy`` and compare.

    ``baseline`` is the policy of periods not settled yet (default: the versions adopted in
    the history, else erantis's defaults); a settled period's baseline is the terms it was
    recorded under. ``teams`` and ``periods`` narrow the comparison (default: every team and
    every period it was active in). Findings are judged as of ``as_of`` (default: the day after
    the last period compared), each fact by the version in force on its day; pass
    ``findings=False`` to skip them. Nothing is written to the store.
    """
    ledger, events = _read(store_or_events)
    base = _baseline(baseline, events)
    alternative = PolicyHistory.of(policy)
    compared: list[PeriodComparison] = []
    for team_id in ledger.teams():
        if team_id == POLICY_TEAM or (teams is not None and team_id not in teams):
            continue
        for period in ledger.active_periods(team_id):
            if periods is not None and period not in periods:
                continue
            compared.append(_compare(ledger, team_id, period, base, alternative))
    appearing: tuple[Finding, ...] = ()
    disappearing: tuple[Finding, ...] = ()
    if findings and compared:
        day = as_of or _day_after(max(c.period for c in compared))
        chosen = {c.team_id for c in compared}
        before = _judged(events, day, base, ledger, chosen)
        after = _judged(events, day, alternative, ledger, chosen)
        appearing = tuple(f for key, f in after.items() if key not in before)
        disappearing = tuple(f for key, f in before.items() if key not in after)
    return WhatIf(tuple(compared), appearing, disappearing)


def compare_period(
    store_or_events: CaseStore | Iterable[Event],
    team_id: str,
    period: str,
    *,
    policy: Policy | PolicyHistory,
    baseline: Policy | PolicyHistory | None = None,
) -> PeriodComparison:
    """One team period of :func:`what_if` (without the findings), also for a period in which
    the team was not active (an empty month between active ones). Nothing is written."""
    period_bounds(period)
    ledger, events = _read(store_or_events)
    return _compare(ledger, team_id, period, _baseline(baseline, events), PolicyHistory.of(policy))


def _baseline(baseline: Policy | PolicyHistory | None, events: list[Event]) -> PolicyHistory:
    """The given baseline, else the versions adopted in the history, else the defaults."""
    if baseline is not None:
        return PolicyHistory.of(baseline)
    adopted = PolicyHistory.from_events(e for e in events if isinstance(e, TeamEvent))
    return adopted or PolicyHistory.single()


def _read(source: CaseStore | Iterable[Event]) -> tuple[BudgetLedger, list[Event]]:
    replay = getattr(source, "replay", None)
    # A store is told by its replay (importing its class would load eventsourcing).
    events: list[Event] = (
        [entry.event for entry in replay()] if callable(replay) else list(source)  # type: ignore[arg-type]
    )
    ledger = BudgetLedger()
    for event in events:
        ledger.apply_event(event)
    return ledger, events


def _compare(
    ledger: BudgetLedger,
    team_id: str,
    period: str,
    base: PolicyHistory,
    alternative: PolicyHistory,
) -> PeriodComparison:
    settled = ledger.settlement(team_id, period)
    if settled is not None and settled.terms is not None:
        base_terms, base_version = settled.terms, settled.policy_version
    else:
        version = base.for_period(period)
        base_terms, base_version = version.terms, version.id
    other = alternative.for_period(period)
    return PeriodComparison(
        team_id=team_id,
        period=period,
        recorded=None if settled is None else _recorded(settled),
        baseline=_figures(ledger.team_period(team_id, period, base_terms), base_version),
        alternative=_figures(ledger.team_period(team_id, period, other.terms), other.id),
    )


def _figures(figures: TeamLedger, version: str | None) -> SettlementFigures:
    return SettlementFigures(
        frame_minutes=figures.frame_minutes,
        delivered_minutes=figures.delivered_minutes,
        variance_pct=figures.variance_pct,
        band=figures.band,
        incentive_amount=figures.incentive_amount,
        provider_exposure=_exposure(figures.frame_minutes, figures.terms),
        policy_version=version,
        band_pct=figures.terms.settlement_band_pct,
    )


def _recorded(settled: SettledFigures) -> SettlementFigures:
    return SettlementFigures(
        frame_minutes=settled.granted_minutes,
        delivered_minutes=settled.delivered_minutes,
        variance_pct=settled.variance_pct,
        band=settled.band,
        incentive_amount=settled.incentive_amount,
        provider_exposure=(
            None if settled.terms is None else _exposure(settled.granted_minutes, settled.terms)
        ),
        policy_version=settled.policy_version,
        band_pct=None if settled.terms is None else settled.terms.settlement_band_pct,
    )


def _day_after(period: str) -> date:
    _, last = period_bounds(period)
    return last + timedelta(days=1)


_Key = tuple[str, str, date | None, tuple[str, ...]]


def _judged(
    events: list[Event],
    day: date,
    history: PolicyHistory,
    ledger: BudgetLedger,
    teams: set[str],
) -> dict[_Key, Finding]:
    found = check(events, as_of=day, policy=history)
    cases = {case_id for team_id in teams for case_id in ledger.citizens_of(team_id)}
    return {
        (f.subject, f.rule_id, f.due, f.evidence): f
        for f in found
        if f.subject in cases or f.subject.partition("/")[0] in teams
    }
