"""The two-way true-up: a year's minutes paid again at the actual price, either way."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erantis_domain.projections import BudgetLedger, SettlementTerms, ledger_of, settle, true_up
from erantis_domain.store import CaseStore
from erantis_domain.values import Actor, Role
from tests.projections.histories import grant, visits

SYSTEM = Actor(actor_id="settler-1", role=Role.SYSTEM)


def test_the_year_is_paid_again_at_the_actual_price(store: CaseStore) -> None:
    # given October settled at 8.50 a minute, November not settled (9.00 provisionally)
    store.append(
        [
            grant("case-1", "d-1", 1000, "month", "2026-10-01", team="team-t"),
            *visits("case-1", 1000, "2026-10-01", team="team-t", tag="oct"),
            *visits("case-1", 900, "2026-11-01", team="team-t", tag="nov"),
        ]
    )
    settle(store, "team-t", "2026-10", as_of=date(2026, 11, 2), terms=SettlementTerms(),
           recorded_by=SYSTEM)  # fmt: skip
    ledger = BudgetLedger.rebuild(store)
    november = SettlementTerms(minute_price=Decimal("9.00"))
    # when the year is trued up to an actual average cost of 8.95 a minute
    result = true_up(
        ledger, "team-t", 2026, actual_price=Decimal("8.95"), terms_of=lambda _: november
    )
    # then October is owed 0.45 a minute to the provider, November 0.05 a minute back
    assert [(line.period, line.provisional_price, line.difference) for line in result.lines] == [
        ("2026-10", Decimal("8.50"), Decimal("450.00")),
        ("2026-11", Decimal("9.00"), Decimal("-45.00")),
    ]
    assert result.delivered_minutes == 1900
    assert result.difference == Decimal("405.00")


@given(
    minutes=st.lists(st.integers(1, 3000), min_size=1, max_size=6),
    provisional=st.decimals("0.01", "50", places=2),
    actual=st.decimals("0", "50", places=4),
)
def test_the_difference_is_exact_and_changes_sign_with_the_price(
    minutes: list[int], provisional: Decimal, actual: Decimal
) -> None:
    events = [grant("case-1", "d-1", 100, "month", "2026-01-01", team="team-t")]
    for month, total in enumerate(minutes, start=1):
        events += visits("case-1", total, f"2026-{month:02d}-01", team="team-t", tag=f"m{month}")
    ledger = ledger_of(events)
    terms = SettlementTerms(minute_price=provisional)
    result = true_up(ledger, "team-t", 2026, actual_price=actual, terms_of=lambda _: terms)
    # the year's difference is the sum of the periods', each to the øre
    assert result.difference == sum(line.difference for line in result.lines)
    assert all(line.difference.as_tuple().exponent == -2 for line in result.lines)
    assert result.delivered_minutes == sum(minutes)
    # and its sign is the price's: never owed back when the actual price is higher (rounding
    # to the øre may leave nothing owed either way), nothing when the prices are equal
    if actual > provisional:
        assert result.difference >= 0
    elif actual < provisional:
        assert result.difference <= 0
    else:
        assert result.difference == 0


def test_a_float_price_is_refused() -> None:
    with pytest.raises(ValueError, match="Decimal"):
        true_up(BudgetLedger(), "t", 2026, actual_price=8.5, terms_of=lambda _: SettlementTerms())  # type: ignore[arg-type]
