"""The dialogue meeting agenda: ledger, open FRM/DEL findings, E4 citizens, adjustments made
without the citizen."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from erantis_domain.events import Event
from erantis_domain.projections import BudgetLedger, SettlementTerms, ledger_of
from erantis_domain.store import CaseStore
from erantis_rules.agenda import (
    AdjustmentWithoutCitizen,
    ReassessmentNeeded,
    dialogue_agenda,
    settlement_terms,
)
from erantis_rules.engine import EvaluatorName
from erantis_rules.policy import Policy
from tests.projections.histories import PERIOD, TEAM, ev, worked_example

AS_OF = date(2026, 11, 10)
#: The agenda's tests use the plain-Python evaluator: durable-rules 2.0.28 segfaulted in
#: ``assert_facts`` on about half the runs of these histories (reported to the rules engine).
EVALUATOR: EvaluatorName = "auto"


def _history() -> list[Event]:
    return [
        *worked_example(),
        ev("FollowUpRecorded", "case-1", "2026-10-20", subject_id="d-1", outcome="E4"),
        # An E4 answered by a later decision (d-3 on 2026-10-01) is no longer open.
        ev("FollowUpRecorded", "case-2", "2026-09-25", subject_id="d-x", outcome="E4"),
        ev(
            "TimeAdjustedByTeam",
            "case-1",
            "2026-10-25",
            decision_id="d-2",
            delta_minutes=7,
            citizen_involved=False,
        ),
        ev(
            "NursingTaskDelegated",
            "case-2",
            "2026-10-05",
            delegation_id="del-9",
            task="G1.39",
            delegate_id="ssh-2",
            delegate_role="ssh",
            follow_up_due="2026-11-01",
        ),
        ev("CaseOpened", "case-7", "2026-10-02"),  # responsible team, nothing granted yet
        ev("CaseOpened", "case-8", "2026-10-02", team_id="team-syd"),
    ]


def test_the_agenda_of_a_team_period(store: CaseStore) -> None:
    history = _history()
    store.append(history)

    agenda = dialogue_agenda(store, TEAM, PERIOD, as_of=AS_OF, evaluator=EVALUATOR)

    assert agenda.ledger == ledger_of(history).team_period(TEAM, PERIOD)
    assert agenda.ledger.adjusted_minutes == 26 + 7  # d-2 +7/week from Oct 25: 7 days
    assert agenda.citizens == ("case-1", "case-2", "case-3", "case-7")
    assert {(f.subject, f.rule_id) for f in agenda.findings} == {
        ("case-1", "FRM-002"),
        ("case-2", "DEL-004"),
        ("case-2", "DEL-005"),
        ("case-2", "DEL-006"),
        ("case-3", "FRM-001"),
        ("team-nord/2026-09", "FRM-007"),
    }
    assert [(r.case_id, r.subject_id, r.recorded_on) for r in agenda.reassessments] == [
        ("case-1", "d-1", date(2026, 10, 20))
    ]
    assert isinstance(agenda.reassessments[0], ReassessmentNeeded)
    (adjustment,) = agenda.adjustments_without_citizen
    assert adjustment == AdjustmentWithoutCitizen(
        case_id="case-1",
        decision_id="d-2",
        intervention="H1.1",
        delta_minutes=7,
        adjusted_on=date(2026, 10, 25),
        event_id=adjustment.event_id,
    )
    assert agenda.needs_attention


def test_findings_are_only_frame_and_delegation_rules(store: CaseStore) -> None:
    store.append(_history())

    agenda = dialogue_agenda(store, TEAM, PERIOD, as_of=AS_OF, evaluator=EVALUATOR)

    assert agenda.findings
    assert all(f.rule_id.startswith(("FRM-", "DEL-")) for f in agenda.findings)


def test_the_policy_sets_the_ledger_terms(store: CaseStore) -> None:
    store.append(_history())
    policy = Policy(settlement_band_pct=1, minute_price=Decimal("10.00"))
    ledger = BudgetLedger()

    agenda = dialogue_agenda(
        store, TEAM, PERIOD, as_of=AS_OF, policy=policy, ledger=ledger, evaluator=EVALUATOR
    )

    # frame 1574, delivered 1530: -44 minutes is beyond 1 %: 50 % × 44 × 10.00 = 220.00.
    assert (agenda.ledger.band, agenda.ledger.incentive_amount) == ("underspend", Decimal("220.00"))
    assert ledger.position == store.last_position()


@pytest.mark.parametrize("field", ["settlement_band_pct", "loss_cap_pct", "minute_price"])
def test_settlement_terms_follow_the_policy(field: str) -> None:
    policy = Policy()

    terms = settlement_terms(policy)

    assert getattr(terms, field) == getattr(policy, field)
    assert settlement_terms(Policy()) == SettlementTerms()
