"""Corrections of settled periods: a late event gives a SettlementCorrected beside the
settlement, and settled plus corrections is the period as known now, to the øre."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erantis_domain.errors import SettlementError
from erantis_domain.events import Event, PeriodSettled, SettlementCorrected
from erantis_domain.projections import (
    BudgetLedger,
    SettlementTerms,
    propose_corrections,
    record_corrections,
    settle,
)
from erantis_domain.store import CaseStore
from erantis_domain.values import Actor, Role
from tests.projections.histories import PERIOD, histories, one_citizen_month, visits

SYSTEM = Actor(actor_id="settler-1", role=Role.SYSTEM)
TERMS = SettlementTerms()


def test_a_visit_documented_after_the_settlement_is_a_correction(store: CaseStore) -> None:
    # given October settled inside the band (1000 of 1000 minutes)
    store.append(one_citizen_month(1000, 1000))
    settled = settle(
        store, "team-band", PERIOD, as_of=date(2026, 11, 2), terms=TERMS, recorded_by=SYSTEM,
        policy_version="default",
    )  # fmt: skip
    assert settled.band == "inside"
    # when a 60-minute visit of 30 October is documented on 5 November
    [late] = visits("case-9", 60, "2026-10-30", team="team-band", tag="late")
    store.append([late])
    [correction] = propose_corrections(store, as_of=date(2026, 11, 6), recorded_by=SYSTEM)
    # then the correction says what changed, under the settlement's terms, and why
    assert correction.settlement_id == settled.event_id
    assert (correction.granted_minutes_delta, correction.delivered_minutes_delta) == (0, 60)
    # 1060 of 1000 is 6 %: an overspend, capped at 5 % of 1000 × 8.50
    assert (correction.band, correction.variance_pct) == ("overspend", Decimal("6.0000"))
    assert correction.amount_delta == Decimal("-425.00")
    assert correction.caused_by == (late.event_id,)
    assert correction.terms_digest == settled.terms_digest
    assert correction.policy_version == "default"
    # and nothing was written until it is recorded; then the settlement still stands
    assert store.team_events("team-band", PERIOD) == [settled]
    assert record_corrections(store, [correction]) == 1
    assert store.team_events("team-band", PERIOD) == [settled, correction]
    # and the ledger answers as recorded then and as known now
    ledger = BudgetLedger.rebuild(store)
    then = ledger.settlement("team-band", PERIOD)
    assert then is not None and then.incentive_amount == Decimal("0.00")
    totals = ledger.corrections("team-band", PERIOD)
    assert totals is not None and totals.amount_delta == Decimal("-425.00")
    assert ledger.team_period("team-band", PERIOD, TERMS).incentive_amount == Decimal("-425.00")
    # and proposing again finds nothing new, recording again stores nothing
    assert propose_corrections(store, as_of=date(2026, 11, 7), recorded_by=SYSTEM) == []
    assert record_corrections(store, [correction]) == 0


def test_an_event_that_changes_nothing_gives_no_correction(store: CaseStore) -> None:
    store.append(one_citizen_month(1000, 1000))
    settle(store, "team-band", PERIOD, as_of=date(2026, 11, 2), terms=TERMS, recorded_by=SYSTEM)
    # a visit of November, recorded after October was settled
    store.append(visits("case-9", 60, "2026-11-03", team="team-band", tag="nov"))
    assert propose_corrections(store, as_of=date(2026, 11, 6), recorded_by=SYSTEM) == []


_TERMS = st.builds(
    SettlementTerms,
    settlement_band_pct=st.integers(0, 20).map(Decimal),
    gain_share_provider_pct=st.integers(0, 100).map(Decimal),
    loss_cap_pct=st.integers(0, 100).map(Decimal),
    minute_price=st.decimals("0.01", "99.99", places=2),
    carry_over=st.booleans(),
    pause_during_admission=st.booleans(),
)


def _settle_all(store: CaseStore, terms: SettlementTerms) -> list[PeriodSettled]:
    out = []
    for period in ("2026-09", "2026-10", "2026-11"):
        for team in ("team-a", "team-b"):
            try:
                out.append(
                    settle(store, team, period, as_of=date(2026, 12, 1), terms=terms,
                           recorded_by=SYSTEM)
                )  # fmt: skip
            except SettlementError:
                continue  # a team without cases yet
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories(), terms=_TERMS, data=st.data())
def test_settled_plus_corrections_is_the_period_as_known_now(
    history: list[Event], terms: SettlementTerms, data: st.DataObject
) -> None:
    # given part of a history settled month by month, then the rest recorded late, in rounds
    split = data.draw(st.integers(0, len(history)))
    rounds = data.draw(st.integers(1, 3))
    with CaseStore.memory() as store:
        store.append(history[:split])
        settled = _settle_all(store, terms)
        late = history[split:]
        step = max(1, -(-len(late) // rounds))
        for start in range(0, len(late), step):
            store.append(late[start : start + step])
            # when the corrections are proposed and recorded after each round
            record_corrections(
                store, propose_corrections(store, as_of=date(2026, 12, 2), recorded_by=SYSTEM)
            )
        # then nothing more is proposed
        assert propose_corrections(store, as_of=date(2026, 12, 3), recorded_by=SYSTEM) == []
        ledger = BudgetLedger.rebuild(store)
        corrections = [
            e for e in (entry.event for entry in store.replay())
            if isinstance(e, SettlementCorrected)
        ]  # fmt: skip
    # and each settled period plus its corrections is the period as known now, exactly
    for settlement in settled:
        key = (settlement.team_id, settlement.period)
        mine = [c for c in corrections if (c.team_id, c.period) == key]
        now = ledger.team_period(*key, terms)
        assert settlement.granted_minutes + sum(c.granted_minutes_delta for c in mine) == (
            now.frame_minutes
        )
        assert settlement.delivered_minutes + sum(c.delivered_minutes_delta for c in mine) == (
            now.delivered_minutes
        )
        total = settlement.incentive_amount + sum((c.amount_delta for c in mine), Decimal(0))
        assert total == now.incentive_amount
        assert total.as_tuple().exponent == -2  # to the øre, never rounded further
        # and every correction names late events and the settlement's terms
        for correction in mine:
            assert correction.caused_by and correction.terms_digest == terms.digest()


def test_the_command_line_proposes_records_and_shows_corrections(tmp_path: Path) -> None:
    from tests.test_cli import erantis

    # given October settled inside the band, then a late visit documented
    db = tmp_path / "events.sqlite"
    with CaseStore.sqlite(db) as store:
        store.append(one_citizen_month(1000, 1000))
    base = ("--db", str(db), "--team", "team-band", "--period", PERIOD)
    assert erantis("settle", *base, "--as-of", "2026-11-02").status == 0
    with CaseStore.sqlite(db) as store:
        store.append(visits("case-9", 60, "2026-10-30", team="team-band", tag="late"))
    # when the agenda is read, then it lists the correction the period needs
    agenda = erantis("agenda", *base, "--as-of", "2026-11-06", "--json")
    assert agenda.status == 0, agenda.err
    [listed] = [line for line in agenda.lines() if line["record"] == "correction"]
    assert (listed["delivered_minutes_delta"], listed["amount_delta"]) == (60, "-425.00")
    # when settle --corrections runs dry, nothing is recorded; then for real, once
    dry = erantis("settle", "--corrections", "--dry-run", "--db", str(db), "--as-of",
                  "2026-11-06", "--json")  # fmt: skip
    assert [line["recorded"] for line in dry.lines()] == [False]
    for _ in range(2):
        run = erantis("settle", "--corrections", "--db", str(db), "--as-of", "2026-11-06")
        assert run.status == 0, run.err
    with CaseStore.sqlite(db) as store:
        kinds = [type(e).__name__ for e in store.team_events("team-band", PERIOD)]
    assert kinds == ["PeriodSettled", "SettlementCorrected"]
    # and the ledger answers as recorded then and as known now
    ledger = erantis("ledger", *base, "--json")
    assert ledger.status == 0, ledger.err
    records = {line["record"]: line for line in ledger.lines()}
    assert records["as_recorded"]["incentive_amount"] == "0.00"
    assert (records["as_recorded"]["corrections"], records["as_recorded"]["amount_delta"]) == (
        1,
        "-425.00",
    )
    assert records["team"]["incentive_amount"] == "-425.00"
    # and settle without --team or --corrections is a usage error
    assert erantis("settle", "--db", str(db), "--as-of", "2026-11-06").status == 2
