"""What is due next: the rules' own findings moved forward in time."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erantis_domain.asof import business_day
from erantis_domain.errors import InvalidArgumentError
from erantis_domain.events import Event
from erantis_rules.agenda import due_list
from erantis_rules.catalogue import catalogue
from erantis_rules.engine import check
from tests._profiles import budget
from tests.projections.histories import ev, grant
from tests.report.conftest import municipality_events

FOLLOW_UP_DUE = date(2026, 11, 15)


def _granted(follow_up_on: date | None = None) -> list[Event]:
    decision = grant("case-1", "d-1", 180, "week", "2026-10-01")
    history = [
        ev("CaseOpened", "case-1", "2026-09-20"),
        ev("FunctionalAbilityAssessed", "case-1", "2026-09-25"),
        ev("RehabilitationPotentialAssessed", "case-1", "2026-09-25", has_potential=False),
        decision.model_copy(update={"follow_up_due": FOLLOW_UP_DUE}),
    ]
    if follow_up_on is not None:
        history.append(ev("FollowUpRecorded", "case-1", follow_up_on, subject_id="d-1"))
    return history


def _doc_004(items: object) -> bool:
    return any(
        getattr(item, "rule_id", None) == "DOC-004" and item.subject == "case-1"  # type: ignore[attr-defined]
        for item in items  # type: ignore[attr-defined]
    )


def test_a_follow_up_is_due_with_the_rule_and_paragraph_that_require_it() -> None:
    # given a decision whose follow-up is due on Nov 15
    history = _granted()
    # when the due list is made on Nov 1 for the next 30 days
    items = [i for i in due_list(history, as_of=date(2026, 11, 1)) if i.rule_id == "DOC-004"]
    # then the follow-up is on it, with the rule's reference (SEL §148 stk. 2 for the duty, the
    # municipality's standard for the interval)
    assert [(i.subject, i.due, i.legal_reference) for i in items] == [
        (
            "case-1",
            FOLLOW_UP_DUE,
            "SEL §148 stk. 2 (duty); "
            "interval: Policy: case_follow_up_max_days (municipal standard)",
        )
    ]
    assert items[0].title == next(r.title for r in catalogue() if r.id == "DOC-004")


def test_an_item_leaves_the_list_exactly_when_done_or_when_it_becomes_a_finding() -> None:
    # given the same decision, without a follow-up and with one recorded on Nov 10
    undone, done = _granted(), _granted(follow_up_on=date(2026, 11, 10))
    for day in (date(2026, 10, 1) + timedelta(days=n) for n in range(0, 75, 3)):
        # when the due list (30 days) and the findings are made on each day
        due_undone = _doc_004(due_list(undone, as_of=day))
        finding_undone = _doc_004(check(undone, as_of=day))
        due_done = _doc_004(due_list(done, as_of=day))
        # then without the follow-up it is due in the 30 days up to its due day, a finding after
        assert due_undone == (FOLLOW_UP_DUE - timedelta(days=30) <= day <= FOLLOW_UP_DUE), day
        assert finding_undone == (day > FOLLOW_UP_DUE), day
        assert not (due_undone and finding_undone)
        # and with it recorded on Nov 10 it is due until then, and never a finding
        assert due_done == (FOLLOW_UP_DUE - timedelta(days=30) <= day < date(2026, 11, 10)), day
        assert not _doc_004(check(done, as_of=day))


def test_the_list_ignores_what_happens_after_the_day_it_is_made_for() -> None:
    # given a follow-up recorded on Nov 10
    history = _granted(follow_up_on=date(2026, 11, 10))
    # when the list is made on Nov 1, then the later follow-up is not known yet
    assert _doc_004(due_list(history, as_of=date(2026, 11, 1)))


@pytest.mark.parametrize("days", [0, 367])
def test_a_window_out_of_range_is_refused(days: int) -> None:
    with pytest.raises(InvalidArgumentError, match="within_days"):
        due_list([], as_of=date(2026, 11, 1), within_days=days)


@budget(6)
@given(seed=st.integers(0, 10_000), day=st.integers(30, 110))
def test_nothing_no_rule_requires_is_listed(seed: int, day: int) -> None:
    # given a synthetic municipality, listed on some day of its four months
    events = municipality_events(citizens=15, seed=seed)
    as_of = date(2026, 1, 1) + timedelta(days=day)
    known = [event for event in events if business_day(event.occurred_at) <= as_of]
    # when the due list of the next 14 days is made
    items = due_list(events, as_of=as_of, within_days=14)
    rules = {rule.id for rule in catalogue()}
    now = {finding.key for finding in check(known, as_of=as_of)}
    later: dict[date, set[tuple[str, str, str]]] = {}
    for item in items:
        # then each item is a rule of the catalogue, due in the window and not a finding yet
        assert item.rule_id in rules
        assert as_of <= item.due <= as_of + timedelta(days=14)
        key = (item.subject, item.rule_id, ",".join(item.evidence))
        assert key not in now
        # and it is that rule's finding once its due day has passed with nothing more recorded
        if item.due not in later:
            after = item.due + timedelta(days=1)
            later[item.due] = {finding.key for finding in check(known, as_of=after)}
        assert key in later[item.due]
