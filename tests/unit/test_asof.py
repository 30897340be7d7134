"""Business days are dates in Europe/Copenhagen, and one ``AsOf`` says what is known."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from erantis_domain.asof import AsOf, business_day
from erantis_domain.case import fold
from erantis_domain.errors import InvalidArgumentError
from erantis_domain.projections import ledger_of
from erantis_domain.projections.proration import prorate
from erantis_rules import check
from tests.factories import CASE_ID, at, event


def test_an_event_late_in_the_utc_evening_happened_on_the_next_danish_day() -> None:
    # given 23:30 UTC on 31 March 2026 (01:30 summer time in Copenhagen)
    moment = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    # then its business day is 1 April
    assert business_day(moment) == date(2026, 4, 1)
    # and in winter, 23:30 UTC on 31 January is 00:30 on 1 February
    assert business_day(datetime(2026, 1, 31, 23, 30, tzinfo=UTC)) == date(2026, 2, 1)
    # while 21:59 UTC is 23:59 in Copenhagen: still 31 March
    assert business_day(datetime(2026, 3, 31, 21, 59, tzinfo=UTC)) == date(2026, 3, 31)


def test_as_of_a_day_knows_the_events_of_that_business_day() -> None:
    late = event("CaseClosed", occurred_at="2026-03-31T23:30:00+00:00")
    # then as of 31 March it is not known yet, as of 1 April it is
    assert not AsOf.of(date(2026, 3, 31)).knows(late)
    assert AsOf.of(date(2026, 4, 1)).knows(late)


def test_as_of_an_instant_knows_what_happened_up_to_it() -> None:
    closed = event("CaseClosed", occurred_at="2026-04-01T10:00:00+02:00")
    instant = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)  # 10:00 in Copenhagen
    assert AsOf.of(instant).knows(closed)
    assert not AsOf.of(instant - timedelta(seconds=1)).knows(closed)
    # and the day of an instant is its business day
    assert AsOf.of(datetime(2026, 3, 31, 23, 30, tzinfo=UTC)).day == date(2026, 4, 1)


@pytest.mark.parametrize("bad", [datetime(2026, 4, 1, 10, 0), "2026-04-01", 20260401])
def test_a_naive_instant_or_another_type_is_refused_with_a_code(bad: object) -> None:
    with pytest.raises(InvalidArgumentError) as raised:
        AsOf.of(bad)  # type: ignore[arg-type]
    assert raised.value.code == "E-ARGUMENT-INVALID"


def test_the_case_state_the_ledger_and_the_rules_use_the_business_day() -> None:
    # given a case closed at 23:30 UTC on 14 November (00:30 on 15 November in Copenhagen)
    events = [
        event("CaseOpened", occurred_at=at("2026-09-11")),
        event("VisitationGranted", occurred_at=at("2026-09-25")),
        event("CaseClosed", occurred_at=datetime(2026, 11, 14, 23, 30, tzinfo=UTC)),
    ]
    # then the case closed on 15 November
    state = fold(CASE_ID, events)
    assert state.closed_on == date(2026, 11, 15)
    assert state.decision_status("d-1", date(2026, 11, 14)) == "active"
    # and the ledger counts the frame of 180 minutes a week for 14 of November's 30 days
    line = ledger_of(events).team_period("team-nord", "2026-11").lines[0]
    assert line.granted_minutes == prorate(180, "week", 14, 30)
    # and as of 14 November the rules do not know of the closing yet
    assert check(events, as_of=date(2026, 11, 14)) == check(events[:2], as_of=date(2026, 11, 14))
