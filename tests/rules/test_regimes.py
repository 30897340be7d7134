"""Legal regimes are dated data: which regime a decision is judged under, and a regime a
municipality adds without code."""

from __future__ import annotations

from datetime import date

import pytest

from erantis_domain.errors import InvalidPolicyError
from erantis_rules import Policy, check
from erantis_rules.regimes import DEFAULT_REGIMES, Regime, reference_under, regime_of
from tests._evaluators import EVALUATORS
from tests.factories import at, event


@pytest.mark.parametrize(
    ("day", "target", "act", "regime"),
    [
        (date(2025, 6, 30), "AEL", "SEL", "SEL-2024"),  # before the Act: Serviceloven
        (date(2025, 6, 30), None, "AEL", "SEL-2024"),  # the Act was not in force yet
        (date(2025, 7, 1), "AEL", "SEL", "AEL-2025"),  # its target group, from day one
        (date(2025, 7, 1), "SEL", "SEL", "SEL-2024"),  # outside its target group
        (date(2025, 7, 1), None, "AEL", "AEL-2025"),  # no assessment: the act it cites
        (date(2025, 7, 1), None, "SEL", "SEL-2024"),
    ],
)
def test_a_decisions_regime_follows_its_day_and_the_target_group(
    day: date, target: str | None, act: str, regime: str
) -> None:
    assert regime_of(DEFAULT_REGIMES, day, target, act) == regime  # type: ignore[arg-type]


_LATER = (
    *DEFAULT_REGIMES,
    Regime(
        id="AEL-2027",
        law="AEL",
        title="Ældreloven as amended in 2027",
        in_force_from=date(2027, 1, 1),
        inherits="AEL-2025",
    ),
)


def test_a_later_regime_takes_over_from_its_first_day_and_inherits_references() -> None:
    assert regime_of(_LATER, date(2026, 12, 31), "AEL", "AEL") == "AEL-2025"
    assert regime_of(_LATER, date(2027, 1, 1), "AEL", "AEL") == "AEL-2027"
    references = {"AEL-2025": "ÆL §2"}
    assert reference_under(references, "AEL-2027", _LATER) == "ÆL §2"
    assert reference_under(references, "SEL-2024", _LATER) is None


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_a_regime_added_in_a_policy_is_judged_without_code(evaluator: str) -> None:
    # given a municipality's policy with a later Elderly Act regime, and a SEL §83 grant in
    # 2027 for a citizen in the Act's target group
    policy = Policy.build(regimes=[r.model_dump() for r in _LATER])
    events = [
        event("CaseOpened", occurred_at=at("2027-01-10")),
        event("TargetGroupAssessed", occurred_at=at("2027-01-11")),
        event(
            "VisitationGranted",
            occurred_at=at("2027-01-15"),
            valid_from="2027-01-15",
            follow_up_due="2027-06-01",
        ),
    ]
    # when checked
    findings = check(events, as_of=date(2027, 1, 20), policy=policy, evaluator=evaluator)
    # then REG-001 holds under the new regime, citing what it cites under the one it inherits
    [reg] = [f for f in findings if f.rule_id == "REG-001"]
    assert reg.legal_reference == "SEL §2 stk. 5 (LOV 1703 af 30/12/2024 §1 nr. 2); ÆL §2"
    # and the Serviceloven-only rules (DOC-001, DOC-003) do not judge it
    assert not {"DOC-001", "DOC-003", "DOC-005"} & {f.rule_id for f in findings}


@pytest.mark.parametrize(
    "regimes",
    [
        [{"id": "AEL-2025", "law": "AEL", "title": "Ældreloven"}],  # no Serviceloven fallback
        [{"id": "SEL-2024", "law": "SEL", "title": "SEL"}] * 2,  # an id twice
        [{"id": "SEL-2024", "law": "SEL", "title": "SEL", "inherits": "XYZ-2030"}],
        [{"id": "sel 2024", "law": "SEL", "title": "SEL"}],  # not an id
    ],
)
def test_a_policy_with_a_broken_regime_list_is_refused_with_a_code(
    regimes: list[dict[str, str]],
) -> None:
    with pytest.raises(InvalidPolicyError):
        Policy.build(regimes=regimes)
