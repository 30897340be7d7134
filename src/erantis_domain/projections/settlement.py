"""Settling a team's period (rammeafregning): the ledger's figures recorded as ``PeriodSettled``.

:func:`settle` computes the team's :class:`~erantis_domain.projections.budget.TeamLedger` from
the store and appends one ``PeriodSettled`` to the team period's stream. It refuses, with
:class:`~erantis_domain.errors.SettlementError` (code ``E-SETTLEMENT``), a period that has not
ended as of the given date and a period already settled. The event id is derived from team and
period (``uuid5``), and the append names the stream version the check saw
(``expected_version``): two settlers racing can never both record a settlement.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter, ValidationError

from erantis_domain.errors import (
    ConcurrencyConflict,
    EventIdReused,
    FieldProblem,
    InvalidEventError,
    SettlementError,
)
from erantis_domain.events import PeriodSettled
from erantis_domain.projections.budget import BudgetLedger, TeamLedger
from erantis_domain.projections.terms import SettlementTerms
from erantis_domain.values import Actor, Identifier, Period, looks_like_cpr, period_bounds

if TYPE_CHECKING:  # the store pulls in eventsourcing; only its type is needed here
    from erantis_domain.store import CaseStore

__all__ = ["SETTLEMENT_TIME_ZONE", "settle", "settlement_event_id"]

SETTLEMENT_TIME_ZONE = ZoneInfo("Europe/Copenhagen")
"""The settlement is recorded at noon, Danish time, of the ``as_of`` day."""

_NAMESPACE = uuid5(NAMESPACE_URL, "https://erantis.dk/settlements")


def settlement_event_id(team_id: str, period: str) -> UUID:
    """The event id of the settlement of a team's period: the same on every retry."""
    return uuid5(_NAMESPACE, f"{team_id}/{period}")


_IDENTIFIER: TypeAdapter[str] = TypeAdapter(Identifier)
_PERIOD: TypeAdapter[str] = TypeAdapter(Period)


def _check_key(team_id: str, period: str) -> None:
    """Refuse a malformed team id or period before anything is computed or stored."""
    for field, adapter, value in (("team_id", _IDENTIFIER, team_id), ("period", _PERIOD, period)):
        try:
            adapter.validate_python(value)
        except ValidationError as exc:
            problem = str(exc.errors(include_url=False)[0]["msg"]).removeprefix("Value error, ")
            # Never repeat a value shaped like a CPR number, and never a long one.
            if "CPR" in problem or looks_like_cpr(value):
                shown = "<withheld: looks like a CPR number>"
            else:
                shown = repr(value) if len(value) <= 40 else repr(value[:37]) + "..."
            raise InvalidEventError(
                f"cannot settle: {field} {shown}: {problem}",
                [FieldProblem(field, problem, shown)],
            ) from None


def _withheld(team_id: str) -> str:
    return "<withheld>" if looks_like_cpr(team_id) else repr(team_id)


def _already_settled(team_id: str, period: str, settled_on: date) -> SettlementError:
    return SettlementError(
        f"period {period} of team {team_id!r} is already settled "
        f"(on {settled_on.isoformat()}); a period is settled once"
    )


def settle(
    store: CaseStore,
    team_id: str,
    period: str,
    *,
    as_of: date,
    terms: SettlementTerms,
    recorded_by: Actor,
    ledger: BudgetLedger | None = None,
    policy_version: str | None = None,
) -> PeriodSettled:
    """Settle ``team_id``'s ``period`` as of ``as_of`` and return the recorded ``PeriodSettled``.

    The figures are the ledger's under ``terms``: ``granted_minutes`` is the adjusted frame
    (granted plus net team adjustments, :attr:`TeamLedger.frame_minutes`), ``variance_pct`` and
    ``band`` as in the ledger, ``incentive_amount`` the period's incentive (with the carried-in
    amount when ``terms.carry_over``). Pass a caught-up ``ledger`` to save a full replay; it is
    caught up again here either way. The event records ``terms``, their digest and
    ``policy_version`` (the id of the policy version the terms come from), so that a correction
    or a what-if can read back what the period was settled under.

    Raises :class:`~erantis_domain.errors.SettlementError` when the period has not ended by
    ``as_of`` (the earliest settlement day is the first day after the period) or when it is
    already settled, including by a concurrent writer with other figures. A concurrent or
    retried settlement with *identical* content is stored once and returned to both callers
    (the store treats the same ``event_id`` and content as a duplicate).
    """
    _check_key(team_id, period)
    _, last = period_bounds(period)
    if as_of <= last:
        raise SettlementError(
            f"period {period} has not ended as of {as_of.isoformat()}; it can be settled "
            f"from {date.fromordinal(last.toordinal() + 1).isoformat()}"
        )
    state = store.get_team_period(team_id, period)
    if state.settlement is not None:
        raise _already_settled(team_id, period, state.settlement.settled_on)
    ledger = ledger if ledger is not None else BudgetLedger()
    ledger.catch_up(store)
    if not ledger.citizens_of(team_id):
        # A typo in a team id would otherwise be settled as a period of zero minutes.
        raise SettlementError(
            f"team {_withheld(team_id)} has no cases in the store; nothing to settle"
        )
    figures: TeamLedger = ledger.team_period(team_id, period, terms)
    event = PeriodSettled(
        event_id=settlement_event_id(team_id, period),
        occurred_at=datetime.combine(as_of, time(12), tzinfo=SETTLEMENT_TIME_ZONE),
        recorded_by=recorded_by,
        team_id=team_id,
        period=period,
        granted_minutes=figures.frame_minutes,
        delivered_minutes=figures.delivered_minutes,
        variance_pct=figures.variance_pct,
        band=figures.band,
        incentive_amount=figures.incentive_amount,
        policy_version=policy_version,
        terms=terms,
        terms_digest=terms.digest(),
    )
    try:
        store.append([event], expected_version=state.version)
    except (ConcurrencyConflict, EventIdReused) as exc:
        now = store.get_team_period(team_id, period)
        if now.settlement is not None:
            raise _already_settled(team_id, period, now.settlement.settled_on) from exc
        raise
    ledger.catch_up(store)
    return event
