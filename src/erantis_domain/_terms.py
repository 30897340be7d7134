"""Private: ``SettlementTerms``, published by :mod:`erantis_domain.projections.terms`.

It lives below both the events and the projections: a ``PeriodSettled`` records the terms it
was computed under, and the projections compute under them.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

__all__ = ["SettlementTerms"]


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError("must be a Decimal, an int or a decimal string, not a float")
    # Converted here, not by pydantic: after a function the value is judged as a Python
    # object, and the strict decoder of stored events would then refuse a decimal string.
    if isinstance(value, bool):
        raise ValueError("must be a Decimal, an int or a decimal string, not a boolean")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        if len(value) > 40:
            raise ValueError("is too long for a decimal number")
        try:
            return Decimal(value)
        except InvalidOperation:
            raise ValueError("is not a decimal number") from None
    return value


# Bounded in digits too: terms are read back from stored events, and "1E+100000000" is one
# digit to the eye and a hundred million when printed.
Percent = Annotated[
    Decimal,
    BeforeValidator(_no_float),
    Field(ge=0, le=100, allow_inf_nan=False, decimal_places=4),
]
Price = Annotated[
    Decimal,
    BeforeValidator(_no_float),
    Field(ge=0, le=1_000_000, allow_inf_nan=False, decimal_places=4),
]


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

    def digest(self) -> str:
        """SHA-256 (hex) of the terms in a canonical form: equal terms give equal digests,
        however their numbers were written (``5``, ``5.0`` and ``5.00`` are one percentage)."""
        canonical = {
            name: _plain(value) if isinstance(value, Decimal) else value
            for name, value in self.model_dump().items()
        }
        text = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("ascii")).hexdigest()


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
