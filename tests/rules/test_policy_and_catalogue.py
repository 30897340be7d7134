"""Policy loading and validation; the generated rule catalogue."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from erantis_domain.errors import InvalidPolicyError
from erantis_domain.values import Role
from erantis_rules import Policy, Severity, catalogue
from erantis_rules.catalogue import rules_markdown
from erantis_rules.language.model import Ground

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_are_the_domain_policy_defaults() -> None:
    policy = Policy()
    assert policy.adjustment_tolerance_pct == 10
    assert policy.settlement_band_pct == 5
    assert policy.gain_share_provider_pct == 50
    assert policy.loss_cap_pct == 5
    assert policy.minute_price == Decimal("8.50")
    assert policy.case_follow_up_max_days == 365
    assert policy.delegation_follow_up_max_days == 90
    assert policy.rehab_max_weeks == 12
    assert policy.reassess_after_rehab_days == 14
    assert (policy.continuity_max_carers, policy.continuity_window_days) == (6, 14)
    assert policy.suspend_on_admission and policy.suspend_on_admission_days == 1
    assert policy.assessment_max_age_days == 365
    assert policy.dialogue_after_overspend_days == 30
    assert policy.settlement_deadline_days == 30
    assert policy.may_take(Role.SSA, "G1.39") and not policy.may_take(Role.SSH, "G1.39")
    assert policy.may_take(Role.NURSE, "G1.17")


def test_a_negative_band_is_an_error_naming_the_field() -> None:
    with pytest.raises(InvalidPolicyError) as caught:
        Policy.build(settlement_band_pct=-5)
    assert caught.value.code == "E-POLICY-INVALID"
    assert "settlement_band_pct" in str(caught.value) and "-5" in str(caught.value)


def test_unknown_fields_and_unknown_task_codes_are_errors() -> None:
    with pytest.raises(InvalidPolicyError, match="no_such_threshold"):
        Policy.build(no_such_threshold=1)
    with pytest.raises(InvalidPolicyError, match=r"G9\.99"):
        Policy.build(delegable_tasks_by_role={"ssa": ["G9.99"]})


def test_policy_loads_from_toml_and_json(tmp_path: Path) -> None:
    # given the same overrides as TOML and as JSON
    toml = tmp_path / "policy.toml"
    toml.write_text(
        'name = "Ikast-Brande"\nsettlement_band_pct = 7\nminute_price = "9.25"\n'
        '[delegable_tasks_by_role]\nssh = ["G1.19"]\n',
        encoding="utf-8",
    )
    js = tmp_path / "policy.json"
    js.write_text(
        '{"name": "Ikast-Brande", "settlement_band_pct": 7, "minute_price": "9.25",'
        ' "delegable_tasks_by_role": {"ssh": ["G1.19"]}}',
        encoding="utf-8",
    )
    # when loaded
    from_toml, from_json = Policy.from_file(toml), Policy.from_file(js)
    # then both give the same policy with the overrides applied
    assert from_toml == from_json
    assert from_toml.settlement_band_pct == 7 and from_toml.minute_price == Decimal("9.25")
    assert not from_toml.may_take(Role.SSH, "G1.20")


def test_a_broken_or_missing_policy_file_is_an_erantis_error(tmp_path: Path) -> None:
    broken = tmp_path / "policy.toml"
    broken.write_text("settlement_band_pct = = 5", encoding="utf-8")
    with pytest.raises(InvalidPolicyError):
        Policy.from_file(broken)
    with pytest.raises(InvalidPolicyError):
        Policy.from_file(tmp_path / "missing.toml")


def test_settlement_terms_follow_the_policy() -> None:
    terms = Policy.build(settlement_band_pct=7, carry_over=True).settlement_terms()
    assert terms.settlement_band_pct == Decimal(7) and terms.carry_over


def test_catalogue_has_the_contract_ids_with_metadata() -> None:
    ids = [rule.id for rule in catalogue()]
    assert ids == [
        *(f"DEL-00{n}" for n in range(1, 7)),
        *(f"DOC-00{n}" for n in range(1, 10)),
        "DOC-010",
        "DOC-011",
        *(f"FRM-00{n}" for n in range(1, 9)),
        *(f"PRV-00{n}" for n in range(1, 6)),
        *(f"REG-00{n}" for n in range(1, 7)),
    ]
    for rule in catalogue():
        assert rule.title and rule.description and rule.message and rule.legal_reference
        assert isinstance(rule.severity, Severity)


def test_specs_rules_md_is_current() -> None:
    checked_in = (ROOT / "specs" / "rules.md").read_text(encoding="utf-8")
    assert checked_in == rules_markdown(), (
        "stale: run `uv run erantis rules --markdown > specs/rules.md`"
    )


def test_a_policy_file_that_is_not_utf8_is_an_erantis_error(tmp_path: Path) -> None:
    latin = tmp_path / "policy.toml"
    latin.write_bytes('name = "Ærø"'.encode("latin-1"))
    with pytest.raises(InvalidPolicyError, match="UTF-8"):
        Policy.from_file(latin)


def test_the_policy_can_keep_frames_counting_during_admission() -> None:
    assert Policy().settlement_terms().pause_during_admission
    assert (
        not Policy.build(pause_frame_during_admission=False)
        .settlement_terms()
        .pause_during_admission
    )


def test_role_tables_merge_with_the_defaults(tmp_path: Path) -> None:
    # given a policy file that names only the SSA as a delegator, and one that forbids it
    adds = tmp_path / "adds.toml"
    adds.write_text('[delegating_tasks_by_role]\nssa = ["G1.19"]\n', encoding="utf-8")
    forbids = Policy.build(delegating_tasks_by_role={Role.SSA: []})
    # when loaded
    policy = Policy.from_file(adds)
    # then the named role is replaced, the others keep their defaults
    assert policy.may_delegate(Role.SSA, "G1.19") and not policy.may_delegate(Role.SSA, "G1.20")
    assert policy.may_delegate(Role.PHYSICIAN, "G1.20") and policy.may_delegate(Role.NURSE, "G1.39")
    assert not forbids.may_delegate(Role.SSA, "G1.19") and forbids.may_delegate(Role.NURSE, "G1.19")
    # and by default an SSA's onward delegation (unverified law) is no violation
    assert Policy().may_delegate(Role.SSA, "G1.20")


def test_the_follow_up_interval_names_its_municipal_standard() -> None:
    # given a policy naming the standard its follow-up interval comes from
    policy = Policy.build(
        case_follow_up_max_days=180,
        case_follow_up_standard={"name": "Kvalitetsstandard hjemmepleje", "adopted": "2025-03-01"},
    )
    # then the standard reads with its name and date, and the default says it is none
    assert str(policy.case_follow_up_standard) == "Kvalitetsstandard hjemmepleje of 2025-03-01"
    assert "no municipal standard" in str(Policy().case_follow_up_standard)


def test_no_rule_on_unverified_ground_raises_more_than_info() -> None:
    # given the catalogue, each rule with how sure its legal ground is
    for rule in catalogue():
        # then a rule whose law is unverified says so at most as info
        if rule.ground is Ground.UNVERIFIED:
            assert rule.severity is Severity.INFO, rule.id
    # and the generated catalogue shows each rule's ground next to its references
    assert "| REG-004 | " in rules_markdown() and "| verified |" in rules_markdown()
