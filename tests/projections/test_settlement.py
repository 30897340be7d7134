"""Settling a team's period: figures recorded once, never early, race-safe."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from erantis_domain.case import TeamPeriod
from erantis_domain.errors import SettlementError
from erantis_domain.events import PeriodSettled
from erantis_domain.projections import (
    BudgetLedger,
    SettlementTerms,
    settle,
    settlement_event_id,
)
from erantis_domain.store import CaseStore
from erantis_domain.values import Actor, Role
from tests.projections.histories import PERIOD, one_citizen_month, visits

LEAD = Actor(actor_id="visitator-7", role=Role.VISITATOR)
TERMS = SettlementTerms()


def test_settle_records_the_ledger_figures(store: CaseStore) -> None:
    store.append(one_citizen_month(1000, 1051))

    settled = settle(
        store, "team-band", PERIOD, as_of=date(2026, 11, 3), terms=TERMS, recorded_by=LEAD
    )

    assert store.team_events("team-band", PERIOD) == [settled]
    assert settled.event_id == settlement_event_id("team-band", PERIOD)
    assert settled.occurred_at.date() == date(2026, 11, 3)
    assert (settled.granted_minutes, settled.delivered_minutes) == (1000, 1051)
    assert (settled.variance_pct, settled.band) == (Decimal("5.1000"), "overspend")
    assert settled.incentive_amount == Decimal("-425.00")
    state = store.get_team_period("team-band", PERIOD).settlement
    assert state is not None and state.incentive_amount == "-425.00"


def test_a_period_that_has_not_ended_is_refused(store: CaseStore) -> None:
    store.append(one_citizen_month(1000, 1000))

    with pytest.raises(SettlementError, match="not ended as of 2026-10-31") as caught:
        settle(store, "team-band", PERIOD, as_of=date(2026, 10, 31), terms=TERMS, recorded_by=LEAD)

    assert caught.value.code == "E-SETTLEMENT"
    assert "from 2026-11-01" in caught.value.message
    assert store.team_events("team-band", PERIOD) == []


def test_a_second_settlement_is_refused(store: CaseStore) -> None:
    store.append(one_citizen_month(1000, 1000))
    settle(store, "team-band", PERIOD, as_of=date(2026, 11, 1), terms=TERMS, recorded_by=LEAD)
    store.append(visits("case-9", 40, "2026-10-30", team="team-band", tag="late"))

    with pytest.raises(SettlementError, match="already settled") as caught:
        settle(store, "team-band", PERIOD, as_of=date(2026, 11, 9), terms=TERMS, recorded_by=LEAD)

    assert caught.value.code == "E-SETTLEMENT"
    assert len(store.team_events("team-band", PERIOD)) == 1


def test_a_retried_settlement_is_a_duplicate_at_the_store(store: CaseStore) -> None:
    store.append(one_citizen_month(1000, 1000))
    settled = settle(
        store, "team-band", PERIOD, as_of=date(2026, 11, 1), terms=TERMS, recorded_by=LEAD
    )

    again = store.append([settled])

    assert (again.stored, again.duplicates) == (0, 1)


class _StaleReads(CaseStore):
    """A store whose first team-period read is stale: another settler wins the race after it."""

    def __init__(self, inner: CaseStore) -> None:
        self.__dict__.update(inner.__dict__)
        self.stale_reads = 1

    def get_team_period(self, team_id: str, period: str) -> TeamPeriod:
        if self.stale_reads:
            self.stale_reads -= 1
            return TeamPeriod(team_id=team_id, period=period)
        return super().get_team_period(team_id, period)


def test_losing_a_race_is_refused_as_already_settled(store: CaseStore) -> None:
    store.append(one_citizen_month(1000, 1000))
    settle(store, "team-band", PERIOD, as_of=date(2026, 11, 1), terms=TERMS, recorded_by=LEAD)
    racing = _StaleReads(store)

    with pytest.raises(SettlementError, match="already settled"):
        settle(racing, "team-band", PERIOD, as_of=date(2026, 11, 2), terms=TERMS, recorded_by=LEAD)

    assert len(store.team_events("team-band", PERIOD)) == 1


def test_a_racing_identical_settlement_is_stored_once(store: CaseStore) -> None:
    store.append(one_citizen_month(1000, 1000))
    first = settle(
        store, "team-band", PERIOD, as_of=date(2026, 11, 1), terms=TERMS, recorded_by=LEAD
    )
    racing = _StaleReads(store)

    second = settle(
        racing, "team-band", PERIOD, as_of=date(2026, 11, 1), terms=TERMS, recorded_by=LEAD
    )

    assert second == first
    assert store.team_events("team-band", PERIOD) == [first]


def test_a_given_ledger_is_caught_up_and_sees_the_settlement(store: CaseStore) -> None:
    store.append(one_citizen_month(1000, 940))
    ledger = BudgetLedger()

    settle(
        store,
        "team-band",
        PERIOD,
        as_of=date(2026, 11, 1),
        terms=TERMS,
        recorded_by=LEAD,
        ledger=ledger,
    )

    settled = ledger.team_period("team-band", PERIOD).settled
    assert settled is not None
    assert (settled.band, settled.incentive_amount) == ("underspend", Decimal("255.00"))


def test_carry_over_adds_the_previous_settlement(store: CaseStore) -> None:
    terms = SettlementTerms(carry_over=True)
    store.append(one_citizen_month(1000, 940))  # October: 50 % × 60 × 8.50 = 255.00
    settle(store, "team-band", PERIOD, as_of=date(2026, 11, 1), terms=terms, recorded_by=LEAD)
    store.append(visits("case-9", 1000, "2026-11-01", team="team-band", tag="nov"))

    november = settle(
        store, "team-band", "2026-11", as_of=date(2026, 12, 1), terms=terms, recorded_by=LEAD
    )
    without = BudgetLedger.rebuild(store).team_period("team-band", "2026-11", TERMS)

    # November: frame 1000 (monthly), delivered 1000: inside, own 0.00, carried in 255.00.
    assert november.band == "inside"
    assert november.incentive_amount == Decimal("255.00")
    assert without.incentive_amount == Decimal("0.00")


def test_the_recorded_event_validates_as_json() -> None:
    settled = PeriodSettled.model_validate_json(
        PeriodSettled(
            event_id=settlement_event_id("t", PERIOD),
            occurred_at="2026-11-01T12:00:00+01:00",
            recorded_by=LEAD,
            team_id="t",
            period=PERIOD,
            granted_minutes=1,
            delivered_minutes=1,
            variance_pct=Decimal("0.0000"),
            band="inside",
            incentive_amount=Decimal("0.00"),
        ).model_dump_json()
    )
    assert settled.incentive_amount == Decimal("0.00")
