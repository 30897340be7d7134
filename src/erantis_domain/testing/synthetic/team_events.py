"""A team's own events: the settlement of each month that ended (``PeriodSettled``) and the
dialogue meetings (``DialogueMeetingHeld``) each quarter and after most overspent months."""

from __future__ import annotations

from decimal import Decimal
from operator import itemgetter
from typing import Any

from erantis_domain.projections.budget import Band, band_of
from erantis_domain.projections.proration import to_ore, to_pct
from erantis_domain.projections.terms import SettlementTerms
from erantis_domain.testing.synthetic.calendar import SLOTS
from erantis_domain.testing.synthetic.municipality import Municipality
from erantis_domain.testing.synthetic.team import Team

__all__ = ["team_events"]

#: The slot of a team event: 12:00.
_NOON = 10
#: Share of ended months never settled (FRM-007).
_UNSETTLED = 0.03
#: Share of overspent months without a dialogue meeting (FRM-004), and of quarters without one.
_NO_MEETING, _NO_QUARTERLY = 0.3, 0.15
#: The provider's share of an overspend's cost, as the recorded settlements say. The budget
#: ledger charges the whole cost (capped); recorded figures are the team's, not the ledger's.
_OVERSPEND_SHARE = Decimal(1) / 2


def team_events(town: Municipality, team: Team) -> list[dict[str, Any]]:
    """The team's events over the window, sorted by ``occurred_at``; call after all its
    citizens, whose visits and decisions fill the team's ledger."""
    draws, calendar = town.draws, town.calendar
    out: list[tuple[int, dict[str, Any]]] = []

    def add(d: int, kind: str, by: dict[str, str], period: str, **fields: Any) -> None:
        if d < calendar.days:
            body = {
                "type": kind,
                "event_id": draws.event_id(),
                "occurred_at": calendar.occ[d][_NOON],
                "recorded_by": by,
                "team_id": team.id,
                "period": period,
                **fields,
            }
            out.append((d * SLOTS + _NOON, body))

    terms = SettlementTerms()
    for index, (_, hi, _, period) in enumerate(calendar.months):
        if hi >= calendar.days - 1:
            break  # the month has not ended inside the window
        granted, delivered = team.granted[index], team.delivered[index]
        band, incentive = _settle(granted, delivered, terms)
        if not draws.chance(_UNSETTLED):
            add(
                hi + draws.between(2, 10),
                "PeriodSettled",
                {"actor_id": "settlement", "role": "system"},
                period,
                granted_minutes=granted,
                delivered_minutes=delivered,
                variance_pct=str(to_pct(delivered - granted, granted) if granted else "0.0000"),
                band=band,
                incentive_amount=str(to_ore(incentive)),
            )
        quarter_end = int(period[5:7]) % 3 == 0
        if (band == "overspend" and not draws.chance(_NO_MEETING)) or (
            quarter_end and not draws.chance(_NO_QUARTERLY)
        ):
            held = hi + draws.between(5, 25)
            add(
                held,
                "DialogueMeetingHeld",
                {"actor_id": f"{team.id}-lead", "role": "team_lead"},
                period,
                held_on=calendar.iso[held],
                participants=["visitator", "team_lead"],
                agreements=["Gennemgang af forbrug og rammer"],
            )
    out.sort(key=itemgetter(0))
    return [body for _, body in out]


def _settle(granted: int, delivered: int, terms: SettlementTerms) -> tuple[Band, Decimal]:
    """The band and the unrounded incentive of a month; a month without a frame is inside."""
    if not granted:
        return "inside", Decimal(0)
    band = band_of(delivered - granted, granted, terms.settlement_band_pct)
    price = terms.minute_price
    if band == "overspend":
        cost = (delivered - granted) * price * _OVERSPEND_SHARE
        return band, -min(cost, terms.loss_cap_pct / 100 * granted * price)
    if band == "underspend":
        return band, terms.gain_share_provider_pct / 100 * (granted - delivered) * price
    return band, Decimal(0)
