"""What-if settlement: the same history under other terms, nothing written; under the
recorded terms it gives the recorded settlements."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erantis_domain.errors import SettlementError
from erantis_domain.events import Event
from erantis_domain.projections import settle
from erantis_domain.store import CaseStore
from erantis_domain.values import Actor, Role
from erantis_rules.policy import Policy
from erantis_rules.policy_versions import PolicyHistory
from erantis_rules.whatif import SettlementFigures, what_if
from tests.projections.histories import histories
from tests.rules.test_policy_versions import _december_and_january
from tests.test_cli import erantis

SYSTEM = Actor(actor_id="settler-1", role=Role.SYSTEM)

_POLICIES = st.builds(
    Policy.build,
    settlement_band_pct=st.integers(0, 20),
    gain_share_provider_pct=st.integers(0, 100),
    loss_cap_pct=st.integers(0, 100),
    minute_price=st.decimals("0.01", "99.99", places=2),
    carry_over=st.booleans(),
    pause_frame_during_admission=st.booleans(),
)


def _settle_all(store: CaseStore, policy: Policy) -> int:
    settled = 0
    for period in ("2026-09", "2026-10", "2026-11"):
        for team in ("team-a", "team-b"):
            try:
                settle(
                    store, team, period, as_of=date(2026, 12, 1),
                    terms=policy.settlement_terms(), recorded_by=SYSTEM, policy_version="p",
                )  # fmt: skip
            except SettlementError:
                continue  # a team without cases
            settled += 1
    return settled


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories(), policy=_POLICIES)
def test_what_if_under_the_recorded_terms_is_the_recorded_settlement(
    history: list[Event], policy: Policy
) -> None:
    # given a history settled month by month under some terms, nothing recorded after
    with CaseStore.memory() as store:
        store.append(history)
        settled = _settle_all(store, policy)
        before = store.last_position()
        # when the history is replayed under the same terms
        result = what_if(store, policy=policy, findings=False)
        # then nothing was written
        assert store.last_position() == before
    # and every settled period's figures are the recorded ones, on both sides
    compared = [c for c in result.periods if c.recorded is not None]
    assert len(compared) == settled
    for row in compared:
        assert row.recorded is not None
        assert _plain(row.alternative) == _plain(row.baseline) == _plain(row.recorded)
        assert row.amount_difference == Decimal(0)


def _plain(figures: SettlementFigures) -> dict[str, object]:
    """The figures without the version's name (the alternative is a version of its own)."""
    data = figures.to_dict()
    data.pop("policy_version")
    return data


def test_a_wider_band_turns_december_inside_and_nothing_is_written(tmp_path: Path) -> None:
    # given December and January each 10 % over their frame, December settled under 5 %
    with CaseStore.memory() as store:
        _december_and_january(store)
        settle(
            store, "team-x", "2026-12", as_of=date(2027, 1, 2),
            terms=Policy().settlement_terms(), recorded_by=SYSTEM, policy_version="default",
        )  # fmt: skip
        before = store.last_position()
        # when replayed under a 20 % band from 1 January 2027 only
        wider = PolicyHistory.from_mapping(
            {
                "versions": [
                    {"id": "old", "valid_from": "2026-01-01"},
                    {"id": "wide", "valid_from": "2027-01-01", "settlement_band_pct": 20},
                ]
            }
        )
        result = what_if(store, policy=wider, as_of=date(2027, 3, 15))
        assert store.last_position() == before
    december, january = result.periods
    # then December stays an overspend under the old version, January turns inside
    assert (december.period, december.alternative.band) == ("2026-12", "overspend")
    assert december.amount_difference == Decimal(0)
    assert (january.baseline.band, january.alternative.band) == ("overspend", "inside")
    assert january.baseline.incentive_amount == Decimal("-425.00")
    assert january.alternative.incentive_amount == Decimal("0.00")
    assert january.amount_difference == Decimal("425.00")
    assert january.baseline.provider_exposure == Decimal("425.00")
    # and the overspend's call for a dialogue meeting (FRM-004) of January disappears
    assert [(f.rule_id, f.subject) for f in result.disappearing] == [("FRM-004", "team-x/2027-01")]
    assert result.appearing == ()


def test_whatif_prints_both_settlements_as_json_lines(tmp_path: Path) -> None:
    db = tmp_path / "events.sqlite"
    with CaseStore.sqlite(db) as store:
        _december_and_january(store)
    alternative = tmp_path / "band-20.toml"
    alternative.write_text("settlement_band_pct = 20\n", encoding="utf-8")
    run = erantis(
        "whatif", "--db", str(db), "--policy", str(alternative), "--period", "2027-01",
        "--no-findings", "--json",
    )  # fmt: skip
    assert run.status == 0, run.err
    [line] = run.lines()
    assert line["record"] == "period" and line["period"] == "2027-01"
    assert line["recorded"] is None
    assert (line["baseline"]["band"], line["alternative"]["band"]) == ("overspend", "inside")
    assert line["amount_difference"] == "425.00"
    table = erantis("whatif", "--db", str(db), "--policy", str(alternative))
    assert table.status == 0, table.err
    assert "+425.00" in table.out and "Findings that would disappear" in table.out
