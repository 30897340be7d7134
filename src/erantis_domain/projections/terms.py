"""``SettlementTerms``: the parameters of a rammeafregning (frame settlement).

The rules package's ``Policy`` produces these terms for a municipality; the domain only needs
the figures, so ``erantis_domain`` never imports ``erantis_rules``. Every amount and percentage
is a :class:`~decimal.Decimal`; a ``float`` is refused, because money is never binary-rounded.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

__all__ = ["SettlementTerms"]


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError("must be a Decimal, an int or a decimal string, not a float")
    return value


Percent = Annotated[Decimal, BeforeValidator(_no_float), Field(ge=0, le=100, allow_inf_nan=False)]
Price = Annotated[Decimal, BeforeValidator(_no_float), Field(ge=0, allow_inf_nan=False)]


class SettlementTerms(BaseModel):
    """How a team's settlement period is judged and what the incentive is.

    - ``settlement_band_pct``: the band around the frame inside which nothing happens. A variance
      of *exactly* the band is inside; one minute beyond it is not.
    - ``gain_share_provider_pct``: the provider's share of the value of unused minutes when the
      period is an underspend.
    - ``loss_cap_pct``: the provider's cost of an overspend is capped at this share of the
      period's frame value (frame minutes × minute price).
    - ``minute_price``: DKK per minute, set by the municipality.
    - ``carry_over``: when true, a settled incentive is not paid out but carried into the next
      period's settlement (an account balance, overførselsadgang); when false each period
      stands alone.
    - ``pause_during_admission``: when true (the default), a citizen's frame does not count on
      the days they are admitted to an institution (from the admission day up to the day before
      discharge): the team cannot deliver then, and an underspend it did not earn must not pay.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    settlement_band_pct: Percent = Decimal(5)
    gain_share_provider_pct: Percent = Decimal(50)
    loss_cap_pct: Percent = Decimal(5)
    minute_price: Price = Decimal("8.50")
    carry_over: bool = False
    pause_during_admission: bool = True
