"""The team frame ledger, worked by hand (see ``histories.py`` for the arithmetic)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from erantis_domain.projections import BudgetLedger, CitizenLine, SettlementTerms, ledger_of
from erantis_domain.store import CaseStore
from tests.projections.histories import (
    PERIOD,
    TEAM,
    ev,
    grant,
    one_citizen_month,
    visits,
    worked_example,
)


def test_a_team_of_three_citizens_on_a_store(store: CaseStore) -> None:
    store.append(worked_example())
    ledger = BudgetLedger()

    applied = ledger.catch_up(store)
    figures = ledger.team_period(TEAM, PERIOD)

    assert applied == len(worked_example())
    assert figures.lines == (
        CitizenLine("case-1", granted_minutes=935, adjusted_minutes=0, delivered_minutes=900),
        CitizenLine("case-2", granted_minutes=406, adjusted_minutes=0, delivered_minutes=400),
        CitizenLine("case-3", granted_minutes=200, adjusted_minutes=26, delivered_minutes=230),
    )
    assert (figures.granted_minutes, figures.adjusted_minutes) == (1541, 26)
    assert (figures.frame_minutes, figures.delivered_minutes) == (1567, 1530)
    assert (figures.variance_minutes, figures.variance_pct) == (-37, Decimal("-2.3612"))
    assert (figures.band, figures.incentive_amount) == ("inside", Decimal("0.00"))
    assert figures.settled is None


def test_citizen_lines_explain_the_variance() -> None:
    figures = ledger_of(worked_example()).team_period(TEAM, PERIOD)

    by_case = {line.case_id: line for line in figures.lines}

    assert by_case["case-3"].frame_minutes == 226
    assert by_case["case-3"].variance_minutes == 4
    assert by_case["case-3"].variance_pct == Decimal("1.7699")
    assert by_case["case-1"].variance_pct == Decimal("-3.7433")
    assert sum(line.variance_minutes for line in figures.lines) == figures.variance_minutes


def test_another_team_sees_only_its_own_visits() -> None:
    figures = ledger_of(worked_example()).team_period("team-syd", PERIOD)

    assert figures.lines == (
        CitizenLine("case-1", granted_minutes=0, adjusted_minutes=0, delivered_minutes=120),
    )
    assert (figures.frame_minutes, figures.band) == (0, "overspend")
    assert figures.variance_pct == Decimal("100.0000")
    # A frame of nothing has a frame value of nothing: the loss cap is 0.00.
    assert figures.incentive_amount == Decimal("0.00")


def test_a_hospital_stay_pauses_the_frame_unless_the_terms_say_otherwise() -> None:
    ledger = ledger_of(worked_example())

    paused = ledger.team_period(TEAM, PERIOD)
    counted = ledger.team_period(TEAM, PERIOD, SettlementTerms(pause_during_admission=False))

    assert paused.lines[1].granted_minutes == 406  # 600 × 21 / 31
    assert counted.lines[1].granted_minutes == 600  # the whole month


def test_an_open_admission_pauses_to_the_end_of_the_period() -> None:
    ledger = ledger_of(
        [
            grant("case-9", "d-9", 700, "week", "2026-10-01"),
            ev("CitizenAdmitted", "case-9", "2026-10-25"),
        ]
    )

    assert ledger.team_period(TEAM, PERIOD).granted_minutes == 2400  # 24 days: 700 × 24 / 7
    assert ledger.team_period(TEAM, "2026-11").granted_minutes == 0


def test_expired_decisions_stop_counting_the_day_after_valid_until() -> None:
    ledger = ledger_of([grant("case-9", "d-9", 310, "month", "2026-09-01", "2026-10-10")])

    assert ledger.team_period(TEAM, "2026-09").granted_minutes == 310
    assert ledger.team_period(TEAM, PERIOD).granted_minutes == 100  # 310 × 10 / 31
    assert ledger.team_period(TEAM, "2026-11").lines == ()


def test_a_revision_recorded_before_its_predecessor_still_replaces_it() -> None:
    revision = grant("case-9", "d-2", 140, "week", "2026-10-15", revises="d-1")
    original = grant("case-9", "d-1", 70, "week", "2026-10-01")

    in_order = ledger_of([original, revision]).team_period(TEAM, PERIOD)
    reversed_ = ledger_of([revision, original]).team_period(TEAM, PERIOD)

    # d-1 Oct 1-14: 70 × 14 / 7 = 140; d-2 Oct 15-31: 140 × 17 / 7 = 340.
    assert in_order.granted_minutes == reversed_.granted_minutes == 480


def test_a_negative_adjustment_is_prorated_from_its_day() -> None:
    ledger = ledger_of(
        [
            grant("case-9", "d-9", 300, "month", "2026-09-01"),
            ev(
                "TimeAdjustedByTeam",
                "case-9",
                "2026-10-22",
                decision_id="d-9",
                delta_minutes=-31,
                citizen_involved=False,
            ),
        ]
    )

    october = ledger.team_period(TEAM, PERIOD)
    november = ledger.team_period(TEAM, "2026-11")

    assert (october.granted_minutes, october.adjusted_minutes) == (300, -10)  # 31 × 10 / 31
    assert (november.granted_minutes, november.adjusted_minutes) == (300, -31)


@pytest.mark.parametrize(
    ("delivered", "band", "amount"),
    [
        (1050, "inside", "0.00"),  # exactly 5 % over: at the band is inside
        (1051, "overspend", "-425.00"),  # 51 × 8.50 = 433.50, capped at 5 % of 8,500.00
        (950, "inside", "0.00"),  # exactly 5 % under
        (949, "underspend", "216.75"),  # 50 % × 51 × 8.50
        (1000, "inside", "0.00"),
    ],
)
def test_the_band_edges(delivered: int, band: str, amount: str) -> None:
    figures = ledger_of(one_citizen_month(1000, delivered)).team_period("team-band", PERIOD)

    assert figures.frame_minutes == 1000
    assert figures.band == band
    assert figures.incentive_amount == Decimal(amount)


def test_an_overspend_below_the_loss_cap_costs_its_minutes() -> None:
    terms = SettlementTerms(loss_cap_pct=10)

    figures = ledger_of(one_citizen_month(1000, 1051)).team_period("team-band", PERIOD, terms)

    assert figures.variance_pct == Decimal("5.1000")
    assert figures.incentive_amount == Decimal("-433.50")


def test_amounts_round_half_away_from_zero_to_ore() -> None:
    terms = SettlementTerms(minute_price=Decimal("8.45"))

    figures = ledger_of(one_citizen_month(1000, 947)).team_period("team-band", PERIOD, terms)

    # 50 % × 53 × 8.45 = 223.925 -> 223.93 (half-even would give 223.92).
    assert figures.incentive_amount == Decimal("223.93")


def test_minutes_round_half_even_per_line() -> None:
    # September has 30 days; 45/month for 1 day is 1.5 -> 2, 75/month for 1 day is 2.5 -> 2.
    ledger = ledger_of(
        [
            grant("case-1", "d-1", 45, "month", "2026-09-30"),
            grant("case-2", "d-2", 75, "month", "2026-09-30"),
        ]
    )

    lines = ledger.team_period(TEAM, "2026-09").lines

    assert [line.granted_minutes for line in lines] == [2, 2]


def test_terms_refuse_floats_and_out_of_range_percentages() -> None:
    with pytest.raises(ValueError, match="not a float"):
        SettlementTerms(minute_price=8.5)
    with pytest.raises(ValueError):
        SettlementTerms(gain_share_provider_pct=Decimal(101))
    assert SettlementTerms(settlement_band_pct=Decimal("2.5")).settlement_band_pct == Decimal("2.5")


def test_teams_and_active_periods() -> None:
    ledger = ledger_of([*worked_example(), *visits("case-2", 30, "2026-11-02", tag="nov")])

    assert ledger.teams() == ["team-nord", "team-syd"]
    assert ledger.active_periods(TEAM) == ["2026-10", "2026-11"]
    assert ledger.delivered_minutes(TEAM, PERIOD) == 1530


def test_a_care_course_counts_its_pooled_frame_once() -> None:
    # given a care course of 120 minutes a week whose content lists 60 + 90 minutes, and a team
    # adjustment of +14 a week to one of its interventions from 15 October
    course = ev(
        "VisitationGranted",
        "case-1",
        "2026-10-01",
        decision_id="d-1",
        frames=[
            {"intervention": "H1.1", "minutes": 60, "per": "week"},
            {"intervention": "H1.3", "minutes": 90, "per": "week"},
        ],
        course_frame={"minutes": 120, "per": "week"},
        valid_from="2026-10-01",
        valid_until=None,
        team_id=TEAM,
    )
    adjusted = ev(
        "TimeAdjustedByTeam",
        "case-1",
        "2026-10-15",
        decision_id="d-1",
        intervention="H1.3",
        delta_minutes=14,
        team_id=TEAM,
    )
    # when the ledger counts October
    line = ledger_of([course, adjusted]).team_period(TEAM, PERIOD).lines[0]
    # then the pooled frame counts (31 days of 120 a week), not the sum of its content, and the
    # adjustment is prorated per week from its day (17 days)
    assert line.granted_minutes == 531  # 120 × 31 / 7 = 531.43
    assert line.adjusted_minutes == 34  # 14 × 17 / 7 = 34.0


@pytest.mark.parametrize(
    ("course_frame", "granted"),
    [(None, 0), ({"minutes": 120, "per": "week"}, 531)],
)
def test_an_ael_10_course_without_minutes_frames_counts_its_course_frame_or_nothing(
    course_frame: dict[str, object] | None, granted: int
) -> None:
    # given an ÆL §10 grant naming its care course with no minutes frames, with or without a
    # pooled course frame
    course = ev(
        "VisitationGranted",
        "case-1",
        "2026-10-01",
        decision_id="d-1",
        legal_basis={"act": "AEL", "paragraph": "10"},
        care_course="pleje",
        frames=[],
        course_frame=course_frame,
        valid_from="2026-10-01",
        valid_until=None,
        team_id=TEAM,
    )
    # when the ledger counts October
    line = ledger_of([course]).team_period(TEAM, PERIOD).lines[0]
    # then the course frame counts when there is one (120 × 31 / 7), else no minutes at all
    assert line.granted_minutes == granted
    assert line.adjusted_minutes == 0


def test_the_ledger_counts_swaps_per_citizen() -> None:
    # given a grant and two swaps under it, one in October and one in November
    swap = {"decision_id": "d-1", "granted_intervention": "H1.1", "delivered_intervention": "H1.3"}
    events = [
        grant("case-1", "d-1", 120, "week", "2026-10-01"),
        ev("HelpSwapped", "case-1", "2026-10-12", swapped_on="2026-10-12", minutes=30, **swap),
        ev("HelpSwapped", "case-1", "2026-11-02", swapped_on="2026-11-02", minutes=30, **swap),
    ]
    # then October's line counts one swap
    [line] = ledger_of(events).team_period(TEAM, PERIOD).lines
    assert line.swaps == 1
