"""Two-way true-up (efterregulering): the year's price recalculated from actual costs.

Under the Elderly Act the municipality sets the settlement prices from its average long-run
costs (ÆL § 19); when the year's accounts show the actual average cost per minute, the
minutes delivered at the provisional price are paid again at the actual one, and the
difference is paid either way: to the provider when the actual price is higher, back to the
municipality when it is lower. This is a settlement model beside gain share and loss cap,
which judge the minutes against the frame; the true-up judges the price of the minutes.

:func:`true_up` computes it per settlement period of a year from the frame ledger: the
provisional price of a period is the one it was settled under (its recorded terms), else the
one ``terms_of`` gives (e.g. the policy version in force for the period). Amounts are to the
øre, half away from zero, per period; the year's difference is the sum of the periods'.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from erantis_domain.projections.budget import BudgetLedger
from erantis_domain.projections.proration import to_ore
from erantis_domain.projections.terms import SettlementTerms

__all__ = ["TrueUp", "TrueUpLine", "true_up"]


@dataclass(frozen=True, slots=True)
class TrueUpLine:
    """One settlement period of the year: minutes delivered, the provisional price they were
    paid at, and what they cost at the actual price."""

    period: str
    delivered_minutes: int
    provisional_price: Decimal
    paid: Decimal
    due: Decimal

    @property
    def difference(self) -> Decimal:
        """Due minus paid: positive is owed to the provider, negative owed back by it."""
        return self.due - self.paid


@dataclass(frozen=True, slots=True)
class TrueUp:
    """A team's year trued up to the actual price per minute."""

    team_id: str
    year: int
    actual_price: Decimal
    lines: tuple[TrueUpLine, ...]

    @property
    def delivered_minutes(self) -> int:
        """Minutes delivered in the year."""
        return sum(line.delivered_minutes for line in self.lines)

    @property
    def difference(self) -> Decimal:
        """The year's difference, the sum of the periods': positive is owed to the provider."""
        return sum((line.difference for line in self.lines), Decimal("0.00"))


def true_up(
    ledger: BudgetLedger,
    team_id: str,
    year: int,
    *,
    actual_price: Decimal,
    terms_of: Callable[[str], SettlementTerms],
) -> TrueUp:
    """The true-up of ``team_id``'s ``year`` to ``actual_price`` DKK per minute (see the
    module's documentation). ``ledger`` must be caught up."""
    if isinstance(actual_price, float) or not actual_price.is_finite() or actual_price < 0:
        raise ValueError("actual_price must be a finite, non-negative Decimal")
    lines = []
    for month in range(1, 13):
        period = f"{year:04d}-{month:02d}"
        delivered = ledger.delivered_minutes(team_id, period)
        if not delivered:
            continue
        settled = ledger.settlement(team_id, period)
        terms = settled.terms if settled is not None and settled.terms else terms_of(period)
        lines.append(
            TrueUpLine(
                period=period,
                delivered_minutes=delivered,
                provisional_price=terms.minute_price,
                paid=to_ore(delivered * terms.minute_price),
                due=to_ore(delivered * actual_price),
            )
        )
    return TrueUp(team_id, year, actual_price, tuple(lines))
