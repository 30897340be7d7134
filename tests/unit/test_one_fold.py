"""The case state, the settlement ledger and the rules agree on when a decision is in force:
they all ask ``in_force`` (revisions and closing included)."""

from __future__ import annotations

from datetime import date

from erantis_domain.case import fold
from erantis_domain.projections import ledger_of
from erantis_domain.projections.proration import prorate
from erantis_rules import check
from tests.factories import CASE_ID, at, event


def test_a_case_closed_twice_is_closed_from_the_earlier_day_everywhere() -> None:
    # given a grant from 1 October, closings on 10 and 5 October, and a visit on 7 October
    events = [
        event("CaseOpened", occurred_at=at("2026-09-11")),
        event("VisitationGranted", occurred_at=at("2026-09-25")),
        event("CaseClosed", occurred_at=at("2026-10-10")),
        event("CaseClosed", occurred_at=at("2026-10-05")),
        event("VisitDelivered", occurred_at=at("2026-10-07"), delivered_on="2026-10-07"),
    ]
    # when the case state, the ledger and the rules read them
    state = fold(CASE_ID, events)
    line = ledger_of(events).team_period("team-nord", "2026-10").lines[0]
    findings = check(events, as_of=date(2026, 10, 8), evaluator="reference")
    # then the decision was in force 1-4 October in each of them
    assert state.decision_status("d-1", date(2026, 10, 7)) == "closed"
    assert line.granted_minutes == prorate(180, "week", 4, 31)
    uncovered = [f for f in findings if f.rule_id == "FRM-003"]
    assert [f.message for f in uncovered] == [
        "A visit of H1.1 on 2026-10-07 is not covered by any active decision."
    ]


def test_revised_twice_the_earliest_revision_ends_it_everywhere() -> None:
    # given d-1 revised by d-2 from 1 December, then by d-3 from 1 November
    revision = "VisitationRevised"
    events = [
        event("CaseOpened", occurred_at=at("2026-09-11")),
        event("VisitationGranted", occurred_at=at("2026-09-25")),
        event(revision, occurred_at=at("2026-10-20"), decision_id="d-2", valid_from="2026-12-01"),
        event(revision, occurred_at=at("2026-10-21"), decision_id="d-3", valid_from="2026-11-01"),
    ]
    # then d-1 counts through 31 October in the case state and in the ledger
    state = fold(CASE_ID, events)
    assert state.in_force("d-1").last == date(2026, 10, 31)
    assert state.decisions["d-1"].revised_by == "d-3"
    ledger = ledger_of(events).team_period("team-nord", "2026-11")
    # November: only d-3 (180 per week, 30 days) counts, d-1 is replaced and d-2 not begun
    assert ledger.lines[0].granted_minutes == prorate(180, "week", 30, 30)
