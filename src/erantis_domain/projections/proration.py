"""Proration and rounding: how frames become minutes in a period, and minutes become money.

The rules, exactly (all arithmetic in :class:`~decimal.Decimal`, never ``float``):

- A *line* is one frame of one decision (or one team adjustment) inside one settlement period.
- A line's minutes are ``minutes × days / 7`` for a weekly frame and
  ``minutes × days / days_in_month`` for a monthly frame, where ``days`` counts the days of the
  period on which the line counts (see :mod:`erantis_domain.projections.budget`) and
  ``days_in_month`` is the length of that calendar month (28-31).
- Each line is rounded to whole minutes with ``ROUND_HALF_EVEN`` (banker's rounding: no
  systematic drift when many lines are summed). Citizen and team totals are exact sums of
  rounded lines, so a team total always equals the sum of its citizen lines.
- Percentages are quantized to 4 decimal places with ``ROUND_HALF_EVEN``; the band test uses the
  exact fraction, never the rounded percentage.
- Amounts in DKK are quantized to øre (0.01) with ``ROUND_HALF_UP`` (commercial rounding, half
  away from zero, so an overspend cost and a gain of the same size round alike).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Literal

__all__ = [
    "MINUTE_ROUNDING",
    "MONEY_ROUNDING",
    "ORE",
    "PCT_PLACES",
    "PCT_ROUNDING",
    "prorate",
    "to_ore",
    "to_pct",
]

MINUTE_ROUNDING = ROUND_HALF_EVEN
"""Rounding of a prorated line to whole minutes."""
PCT_ROUNDING = ROUND_HALF_EVEN
"""Rounding of a variance percentage to :data:`PCT_PLACES`."""
MONEY_ROUNDING = ROUND_HALF_UP
"""Rounding of an amount to øre."""
ORE = Decimal("0.01")
"""One øre: the quantum of every amount."""
PCT_PLACES = Decimal("0.0001")
"""The quantum of every percentage (4 decimal places)."""


def prorate(minutes: int, per: Literal["week", "month"], days: int, days_in_month: int) -> int:
    """Whole minutes of a frame of ``minutes`` per ``per`` over ``days`` days of a month with
    ``days_in_month`` days, rounded half-even. ``days`` may be 0 (the line does not count)."""
    if days < 0 or not 28 <= days_in_month <= 31 or days > days_in_month:
        raise ValueError(f"days {days} of a {days_in_month}-day month is not a valid span")
    divisor = 7 if per == "week" else days_in_month
    exact = Decimal(minutes) * Decimal(days) / Decimal(divisor)
    return int(exact.to_integral_value(rounding=MINUTE_ROUNDING))


def to_ore(amount: Decimal) -> Decimal:
    """An amount in DKK quantized to øre, half away from zero."""
    return amount.quantize(ORE, rounding=MONEY_ROUNDING)


def to_pct(numerator: int, denominator: int) -> Decimal:
    """``numerator / denominator × 100`` quantized to 4 decimal places, half-even."""
    if denominator == 0:
        raise ZeroDivisionError("a percentage of nothing")
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(
        PCT_PLACES, rounding=PCT_ROUNDING
    )
