"""Outcome indicators: each one's definition on a small history, and rebuild = incremental."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from erantis_domain.events import Event
from erantis_domain.projections import ledger_of
from erantis_domain.projections.indicators import (
    INDICATORS,
    AreaChange,
    OutcomeIndicators,
    indicators_of,
)
from erantis_domain.store import CaseStore
from tests._profiles import budget
from tests.projections.histories import ev
from tests.report.conftest import municipality_events

TEAM = "team-nord"
PERIOD = "2026-10"


def _visit(case_id: str, day: str, carer: str, team: str = TEAM) -> Event:
    return ev(
        "VisitDelivered",
        case_id,
        day,
        visit_id=f"v-{case_id}-{day}-{carer}",
        carer_id=carer,
        team_id=team,
        delivered_on=day,
    )


def test_continuity_counts_distinct_carers_per_citizen_per_14_days() -> None:
    # given a citizen of the team who met 3 carers in days 1-14 and 1 carer in days 15-28,
    # and one visit by another team
    history = [
        ev("CaseOpened", "case-1", "2026-09-01", team_id=TEAM),
        _visit("case-1", "2026-10-01", "ssh-1"),
        _visit("case-1", "2026-10-02", "ssh-2"),
        _visit("case-1", "2026-10-14", "ssh-3"),
        _visit("case-1", "2026-10-15", "ssh-1"),
        _visit("case-1", "2026-10-20", "ssh-9", team="team-syd"),
    ]
    # when the indicators of the period are computed
    figures = indicators_of(history).team_period(TEAM, PERIOD)
    # then the mean over the two windows is (3 + 2) / 2 and 4 of 5 visits were the team's own
    assert figures.carers_per_14_days == Decimal("2.50")
    assert (figures.visits, figures.own_team_visits) == (5, 4)
    assert figures.own_team_visit_pct == Decimal("80.00")


def test_adjustments_with_the_citizen_and_admissions_per_1000_citizen_days() -> None:
    # given two citizens open the whole of October (62 citizen-days), one admitted twice
    # (the second time 10 days after a discharge), and three team adjustments
    history = [
        ev("CaseOpened", "case-1", "2026-09-01", team_id=TEAM),
        ev("CaseOpened", "case-2", "2026-09-01", team_id=TEAM),
        ev("CitizenAdmitted", "case-1", "2026-10-03"),
        ev("CitizenDischarged", "case-1", "2026-10-06"),
        ev("CitizenAdmitted", "case-1", "2026-10-16"),
        ev("TimeAdjustedByTeam", "case-1", "2026-10-04", citizen_involved=True),
        ev("TimeAdjustedByTeam", "case-2", "2026-10-05", citizen_involved=False),
        ev("TimeAdjustedByTeam", "case-2", "2026-10-07", citizen_involved=True),
    ]
    # when the indicators of the period are computed
    figures = indicators_of(history).team_period(TEAM, PERIOD)
    # then
    assert (figures.citizens, figures.citizen_days) == (2, 62)
    assert (figures.admissions, figures.readmissions) == (2, 1)
    assert figures.admissions_per_1000_days == Decimal("32.26")  # 2 * 1000 / 62
    assert (figures.adjustments, figures.adjustments_with_citizen) == (3, 2)
    assert figures.adjustments_with_citizen_pct == Decimal("66.67")


def test_a_closed_case_stops_counting_citizen_days_on_its_closing_day() -> None:
    # given a case opened on Oct 10 and closed on Oct 20
    history = [
        ev("CaseOpened", "case-1", "2026-10-10", team_id=TEAM),
        ev("CaseClosed", "case-1", "2026-10-20"),
    ]
    # when / then: Oct 10 - Oct 19 count
    assert indicators_of(history).team_period(TEAM, PERIOD).citizen_days == 10


def test_goal_attainment_shares_of_follow_up_outcomes() -> None:
    # given four follow-ups in the period (and one before it)
    history = [
        ev("CaseOpened", "case-1", "2026-09-01", team_id=TEAM),
        ev("FollowUpRecorded", "case-1", "2026-09-30", outcome="E4"),
        ev("FollowUpRecorded", "case-1", "2026-10-02", outcome="E1"),
        ev("FollowUpRecorded", "case-1", "2026-10-03", outcome="E1"),
        ev("FollowUpRecorded", "case-1", "2026-10-04", outcome="E3"),
        ev("FollowUpRecorded", "case-1", "2026-10-05", outcome="E4"),
    ]
    # when the indicators of the period are computed
    figures = indicators_of(history).team_period(TEAM, PERIOD)
    # then
    assert figures.follow_ups == (("E1", 2), ("E2", 0), ("E3", 1), ("E4", 1))
    assert figures.follow_up_pct("E1") == Decimal("50.00")
    assert figures.follow_up_pct("E2") == Decimal("0.00")


def test_functional_change_per_fsiii_area_between_consecutive_assessments() -> None:
    # given three assessments: one before the period, two in it; grade 9 is not comparable
    def assessed(day: str, scores: dict[str, int]) -> Event:
        entries = [{"condition": code, "score": score} for code, score in scores.items()]
        return ev("FunctionalAbilityAssessed", "case-1", day, scores=entries)

    history = [
        ev("CaseOpened", "case-1", "2026-09-01", team_id=TEAM),
        assessed("2026-09-01", {"J1.1": 3, "J1.2": 2, "J3.1": 2, "J4.1": 9}),
        assessed("2026-10-01", {"J1.1": 2, "J1.2": 1, "J3.1": 3, "J4.1": 2}),
        assessed("2026-10-20", {"J1.1": 1}),
    ]
    # when the indicators of the period are computed
    figures = indicators_of(history).team_period(TEAM, PERIOD)
    # then J1 has three comparisons (-1, -1, -1), J3 one (+1); J4 had a 9 before
    assert figures.functional_change == (
        AreaChange(area="J1", pairs=3, mean_change=Decimal("-1.00")),
        AreaChange(area="J3", pairs=1, mean_change=Decimal("1.00")),
    )


def test_a_period_without_events_has_no_rates() -> None:
    # given no events at all
    figures = OutcomeIndicators().team_period(TEAM, PERIOD)
    # then every rate is absent rather than zero
    assert figures.carers_per_14_days is None
    assert figures.own_team_visit_pct is None
    assert figures.admissions_per_1000_days is None
    assert figures.follow_up_pct("E1") is None


def test_every_indicator_documents_its_definition_and_the_events_it_reads() -> None:
    from erantis_domain.events import EVENT_TYPES

    for indicator in INDICATORS:
        assert indicator.definition and indicator.reads
        assert set(indicator.reads) <= set(EVENT_TYPES)


def test_the_indicators_hold_no_case_carer_or_free_text() -> None:
    # given a synthetic municipality
    events = municipality_events(citizens=30)
    projection = indicators_of(events)
    identifiers = {e.case_id for e in events if e.case_id} | {
        e.carer_id for e in events if e.type == "VisitDelivered"
    }
    # when every team's indicators are rendered as text
    text = repr([projection.team_period(team, "2026-02") for team in projection.teams()])
    # then no case id or carer id appears in them
    assert not [identifier for identifier in identifiers if f"'{identifier}'" in text]


@budget(15)
@given(seed=st.integers(0, 10_000), cuts=st.lists(st.integers(0, 3_000), max_size=4))
def test_folding_in_pieces_equals_folding_at_once(seed: int, cuts: list[int]) -> None:
    # given a synthetic municipality stored in pieces, the projection catching up after each
    events = municipality_events(citizens=8, seed=seed)
    bounds = sorted({0, len(events), *(min(cut, len(events)) for cut in cuts)})
    incremental = OutcomeIndicators()
    with CaseStore.memory() as store:
        for start, end in pairwise(bounds):
            store.append(events[start:end])
            incremental.catch_up(store)
        # when the projection is rebuilt at once, and restored from a saved document
        rebuilt = OutcomeIndicators.rebuild(store)
    restored = OutcomeIndicators()
    assert restored.loads(incremental.dumps())
    # then all three agree on every team and period
    for team in rebuilt.teams():
        for period in ("2026-01", "2026-02", "2026-03", "2026-04"):
            expected = asdict(rebuilt.team_period(team, period))
            assert asdict(incremental.team_period(team, period)) == expected
            assert asdict(restored.team_period(team, period)) == expected


def test_an_event_counts_on_its_business_day_in_copenhagen() -> None:
    # given an admission at 22:30 UTC on Sep 30, which is 00:30 on Oct 1 in Copenhagen
    history = [
        ev("CaseOpened", "case-1", "2026-09-01", team_id=TEAM),
        ev("CitizenAdmitted", "case-1", "2026-09-30").model_copy(
            update={"occurred_at": datetime(2026, 9, 30, 22, 30, tzinfo=UTC)}
        ),
    ]
    # when / then: it is an admission of October, not of September
    projection = indicators_of(history)
    assert projection.team_period(TEAM, "2026-10").admissions == 1
    assert projection.team_period(TEAM, "2026-09").admissions == 0


def test_indicators_over_the_ledgers_states_and_of_many_periods_are_their_own_fold() -> None:
    # given a municipality's indicators folded on their own, and over the ledger's case states
    events = municipality_events(citizens=20)
    own = indicators_of(events)
    shared = OutcomeIndicators.over(ledger_of(events).case_states())
    periods = ["2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]
    assert own.teams()
    for team in own.teams():
        # when several periods are asked at once
        many = shared.team_periods(team, periods)
        # then each is the period asked alone, of the indicators' own fold
        assert list(many) == periods
        assert many == {period: own.team_period(team, period) for period in periods}
