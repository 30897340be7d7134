"""Every scenario under specs/scenarios runs on both evaluators and gives exactly the expected
findings (rule id, subject, evidence)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from erantis_rules import Policy, catalogue, check
from tests._evaluators import EVALUATORS

SCENARIOS = Path(__file__).resolve().parents[2] / "specs" / "scenarios"
FILES = sorted(SCENARIOS.glob("*/*.yaml"))


def _load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_scenario(path: Path, evaluator: str) -> None:
    # given the scenario's events, as_of and policy
    spec = _load(path)
    policy = Policy.from_mapping(spec.get("policy", {}))
    # when they are checked
    findings = check(
        spec["given"], as_of=date.fromisoformat(spec["as_of"]), policy=policy, evaluator=evaluator
    )
    # then exactly the expected findings come out
    got = sorted((f.rule_id, f.subject, list(f.evidence)) for f in findings)
    want = sorted((e["rule_id"], e["subject"], e["evidence"]) for e in spec["expect"])
    assert got == want


def test_every_rule_has_a_failing_and_a_passing_scenario() -> None:
    # given the catalogue and the scenario files
    names: dict[str, set[str]] = {}
    for path in FILES:
        names.setdefault(path.parent.name, set()).add(path.stem.split("-")[0])
    # then each rule has at least one "fail-" and one "pass-" scenario
    for rule in catalogue():
        assert {"fail", "pass"} <= names.get(rule.id, set()), rule.id


def test_failing_scenarios_expect_their_rule_and_passing_ones_do_not() -> None:
    for path in FILES:
        spec = _load(path)
        rules = {e["rule_id"] for e in spec["expect"]}
        if path.stem.startswith("fail-"):
            assert path.parent.name in rules, path
        elif path.stem.startswith("pass-"):
            assert path.parent.name not in rules, path
