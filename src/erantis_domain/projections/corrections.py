"""Corrections of settled periods: recorded beside the settlement, never in its place.

A visit documented late, a decision revised back in time or an admission recorded after the
month was settled change the figures of a period that is already settled. The settlement
stays as recorded then; :func:`propose_corrections` computes, for each settled period, what
the events recorded since (since the settlement, or its last correction) changed, under the
terms of the original settlement, as a ``SettlementCorrected``: the difference in frame and
delivered minutes and in the amount, the band and variance as known now, and the events that
caused it. :func:`record_corrections` appends them.

So a period has two answers, both kept: *as recorded then* (``PeriodSettled``) and *as known
now* (the ledger under the settlement's terms); the settlement plus its corrections is always
the period as known now, to the øre.

Which events caused a correction: those recorded after the settlement (or its last
correction) in the cases whose line of the period changed. A settlement recorded before
settlements carried their terms is corrected only under ``terms`` given by the caller.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from erantis_domain.events import PeriodSettled, SettlementCorrected
from erantis_domain.projections.budget import Band, BudgetLedger, CitizenLine
from erantis_domain.projections.settlement import SETTLEMENT_TIME_ZONE
from erantis_domain.projections.terms import SettlementTerms
from erantis_domain.values import Actor

if TYPE_CHECKING:  # the store pulls in eventsourcing; only its type is needed here
    from erantis_domain.store import CaseStore

__all__ = ["propose_corrections", "record_corrections"]

_NAMESPACE = uuid5(NAMESPACE_URL, "https://erantis.dk/settlement-corrections")
#: Most causes a correction names (the earliest recorded); far above a month's late events.
_MAX_CAUSES = 1000


@dataclass(slots=True)
class _Settled:
    """A settled period while the log is read: the settlement, the corrections recorded
    since, and the citizen lines as of the last of them (or of the settlement)."""

    event: PeriodSettled
    terms: SettlementTerms
    lines: dict[str, tuple[int, int, int]]
    since: int
    frame: int
    delivered: int
    amount: Decimal
    changed: set[str] = field(default_factory=set)


def _shape(line: CitizenLine) -> tuple[int, int, int]:
    return (line.granted_minutes, line.adjusted_minutes, line.delivered_minutes)


def propose_corrections(
    store: CaseStore,
    *,
    as_of: date,
    recorded_by: Actor,
    teams: Collection[str] | None = None,
    periods: Collection[str] | None = None,
    terms: SettlementTerms | None = None,
) -> list[SettlementCorrected]:
    """The corrections the store's settled periods need as of now, not recorded (see the
    module's documentation), in team and period order; ``teams`` and ``periods`` narrow them.
    ``terms`` are those of settlements recorded without their terms (they are skipped
    otherwise). Proposing again after recording gives nothing new; the same late events give
    the same correction (its event id is derived from them)."""
    ledger = BudgetLedger()
    settled: dict[tuple[str, str], _Settled] = {}

    def wanted(team_id: str, period: str) -> bool:
        return (teams is None or team_id in teams) and (periods is None or period in periods)

    for entry in store.replay():
        event = entry.event
        if isinstance(event, PeriodSettled) and wanted(event.team_id, event.period):
            key = (event.team_id, event.period)
            used = event.terms or terms
            if key not in settled and used is not None:
                then = ledger.team_period(event.team_id, event.period, used)
                settled[key] = _Settled(
                    event=event,
                    terms=used,
                    lines={line.case_id: _shape(line) for line in then.lines},
                    since=entry.position,
                    frame=event.granted_minutes,
                    delivered=event.delivered_minutes,
                    amount=event.incentive_amount,
                )
        elif isinstance(event, SettlementCorrected):
            found = settled.get((event.team_id, event.period))
            if found is not None:
                found.frame += event.granted_minutes_delta
                found.delivered += event.delivered_minutes_delta
                found.amount += event.amount_delta
                found.since = entry.position
                # The next correction's causes are what changed after this one.
                then = ledger.team_period(event.team_id, event.period, found.terms)
                found.lines = {line.case_id: _shape(line) for line in then.lines}
        ledger.apply_event(event)
    proposals: list[tuple[_Settled, int, int, Decimal, Band, Decimal]] = []
    for (team_id, period), found in sorted(settled.items()):
        now = ledger.team_period(team_id, period, found.terms)
        deltas = (
            now.frame_minutes - found.frame,
            now.delivered_minutes - found.delivered,
            now.incentive_amount - found.amount,
        )
        if deltas == (0, 0, Decimal(0)):
            continue
        lines_now = {line.case_id: _shape(line) for line in now.lines}
        found.changed = {
            case_id
            for case_id in found.lines.keys() | lines_now.keys()
            if found.lines.get(case_id) != lines_now.get(case_id)
        }
        proposals.append((found, *deltas, now.band, now.variance_pct))
    if not proposals:
        return []
    causes = _causes(store, [p[0] for p in proposals])
    out: list[SettlementCorrected] = []
    for found, frame, delivered, amount, band, variance in proposals:
        caused_by = causes.get(id(found), [])[:_MAX_CAUSES]
        if not caused_by:
            continue  # nothing recorded since in the cases that changed: not a late event's
        settlement = found.event
        out.append(
            SettlementCorrected(
                event_id=uuid5(
                    _NAMESPACE,
                    f"{settlement.team_id}/{settlement.period}/"
                    + ",".join(str(c) for c in caused_by),
                ),
                occurred_at=datetime.combine(as_of, time(12), tzinfo=SETTLEMENT_TIME_ZONE),
                recorded_by=recorded_by,
                team_id=settlement.team_id,
                period=settlement.period,
                settlement_id=settlement.event_id,
                granted_minutes_delta=frame,
                delivered_minutes_delta=delivered,
                amount_delta=amount,
                band=band,
                variance_pct=variance,
                caused_by=tuple(caused_by),
                policy_version=settlement.policy_version,
                terms_digest=found.terms.digest(),
            )
        )
    return out


def _causes(store: CaseStore, periods: list[_Settled]) -> dict[int, list[UUID]]:
    """The events recorded after each period's settlement or last correction in the cases
    whose line changed, in recording order (a second read: only when something changed)."""
    earliest = min(found.since for found in periods)
    out: dict[int, list[UUID]] = {}
    for entry in store.replay(after=earliest):
        case_id = getattr(entry.event, "case_id", None)
        if case_id is None:
            continue
        for found in periods:
            if entry.position > found.since and case_id in found.changed:
                out.setdefault(id(found), []).append(entry.event.event_id)
    return out


def record_corrections(store: CaseStore, corrections: list[SettlementCorrected]) -> int:
    """Append proposed corrections (each to its team period's stream); returns how many
    were new (a correction proposed and recorded before is a duplicate)."""
    stored = 0
    for correction in corrections:
        stored += store.append([correction]).stored
    return stored
