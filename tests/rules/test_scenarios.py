"""Every scenario under specs/scenarios runs on both evaluators and gives exactly the expected
findings, every field of each; the scenario files are checked for their structure, and the
loader refuses a malformed file (format: specs/scenarios/README.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

import pytest

from erantis_rules import Policy, catalogue, check
from erantis_rules.policy_versions import PolicyHistory
from tests._evaluators import EVALUATORS
from tests.scenarios import BASES, Scenario, ScenarioError, event_id, load, scenario_files

FILES = scenario_files()
BASE_FILES = sorted(BASES.glob("*.yaml"))
Evaluator = Literal["reference", "durable"]
KINDS = ("fail", "pass", "boundary")

#: Rules judged on a yes/no fact of one event, with neither a threshold nor a date to sit on.
WITHOUT_BOUNDARY = {"DOC-002", "DOC-003", "DEL-001", "DEL-002", "DEL-003", "DEL-004", "FRM-002"}


def _name(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def _findings(scenario: Scenario, evaluator: Evaluator) -> list[dict[str, Any]]:
    # A policy of dated versions judges each fact by the version in force on its day.
    policy: Policy | PolicyHistory = (
        PolicyHistory.from_mapping(scenario.policy)
        if "versions" in scenario.policy
        else Policy.from_mapping(scenario.policy)
    )
    found = check(scenario.events, as_of=scenario.as_of, policy=policy, evaluator=evaluator)
    return _sorted([finding.to_dict() for finding in found])


def _sorted(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(findings, key=lambda f: json.dumps(f, sort_keys=True))


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize("path", FILES, ids=_name)
def test_scenario(path: Path, evaluator: Evaluator) -> None:
    # given the scenario: its base, its edit, as_of and policy
    scenario = load(path)
    # when its events are checked
    got = _findings(scenario, evaluator)
    # then exactly the expected findings come out, every field of each
    assert got == _sorted(scenario.expect)


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize("path", BASE_FILES, ids=_name)
def test_base_checked_on_its_own(path: Path, evaluator: Evaluator) -> None:
    # given a base case, unedited, at its own as_of
    base = load(path)
    # when it is checked
    got = _findings(base, evaluator)
    # then it gives exactly what it lists (today: nothing, every base is clean)
    assert got == _sorted(base.expect)


def test_every_rule_has_a_failing_and_a_passing_scenario() -> None:
    # given the catalogue and the scenario files
    kinds: dict[str, set[str]] = {}
    for path in FILES:
        kinds.setdefault(path.parent.name, set()).add(path.stem.split("-")[0])
    # then each rule has a fail- and a pass- scenario, and a boundary- one where it has a
    # threshold or a date
    for rule in catalogue():
        wanted = {"fail", "pass"} if rule.id in WITHOUT_BOUNDARY else set(KINDS)
        assert wanted <= kinds.get(rule.id, set()), rule.id
    assert WITHOUT_BOUNDARY.issubset(rule.id for rule in catalogue())


def test_scenarios_sit_in_a_rule_folder_and_say_what_they_are() -> None:
    # given the rule ids of the catalogue
    rules = {rule.id for rule in catalogue()}
    # then every scenario is <RULE-ID>/{fail,pass,boundary}-<what>.yaml
    for path in FILES:
        assert path.parent.name in rules, path
        assert path.stem.split("-")[0] in KINDS and "-" in path.stem, path


def test_failing_scenarios_expect_their_rule_and_passing_ones_do_not() -> None:
    for path in FILES:
        # given a scenario and the rules it expects
        rules = {finding["rule_id"] for finding in load(path).expect}
        # then a failing one expects its rule, a passing one does not
        if path.stem.startswith("fail-"):
            assert path.parent.name in rules, path
        elif path.stem.startswith("pass-"):
            assert path.parent.name not in rules, path


def test_no_scenario_repeats_another_or_its_base() -> None:
    # given every scenario and base, as the events, as_of and policy they are checked with
    seen: dict[str, Path] = {}
    for path in [*BASE_FILES, *FILES]:
        scenario = load(path)
        key = json.dumps(
            [scenario.events, scenario.as_of.isoformat(), scenario.policy], sort_keys=True
        )
        # then no two are the same check
        assert key not in seen, f"{_name(path)} repeats {_name(seen[key])}"
        seen[key] = path


_EXPECT_NOTHING = "as_of: 2026-10-15\nexpect: []\n"


@pytest.mark.parametrize(
    ("document", "complaint"),
    [
        pytest.param(
            "base: clean-case\nedit:\n  drop: [potental]\n" + _EXPECT_NOTHING,
            "edit.drop names an unknown event key 'potental'",
            id="drop-unknown-key",
        ),
        pytest.param(
            "base: clean-case\nedit:\n  set:\n    grnat: {goals: []}\n" + _EXPECT_NOTHING,
            "edit.set names an unknown event key 'grnat'",
            id="set-unknown-key",
        ),
        pytest.param(
            "base: clean-case\nedit:\n  add:\n    v: {like: visit-9}\n" + _EXPECT_NOTHING,
            "edit.add (like) names an unknown event key 'visit-9'",
            id="like-unknown-key",
        ),
        pytest.param(
            "base: clean-case\nedit:\n  add:\n    grant: {like: visit-1}\n" + _EXPECT_NOTHING,
            "edit.add.grant: the base already has this key",
            id="add-existing-key",
        ),
        pytest.param(
            "base: clean-case\nedit:\n  remove: [grant]\n" + _EXPECT_NOTHING,
            "edit is a mapping of",
            id="unknown-operation",
        ),
        pytest.param(
            "base: clean-case\n"
            + _EXPECT_NOTHING.replace(
                "[]",
                "\n  - {rule_id: DOC-001, severity: violation, subject: case-s1, "
                "message: m, legal_reference: r, evidence: [grnat], due: null}",
            ),
            "cites an unknown event key 'grnat'",
            id="evidence-unknown-key",
        ),
        pytest.param(
            "base: clean-case\n"
            + _EXPECT_NOTHING.replace("[]", "\n  - {rule_id: DOC-001, evidence: []}"),
            "lists exactly",
            id="finding-not-whole",
        ),
        pytest.param(
            "base: clean-case\nbase: team-month\n" + _EXPECT_NOTHING,
            "'base' is given twice",
            id="yaml-key-twice",
        ),
        pytest.param("base: clean-case\nas_of: 2026-10-15\n", "expect is a list", id="no-expect"),
        pytest.param("base: no-such-base\n" + _EXPECT_NOTHING, "unknown base", id="unknown-base"),
    ],
)
def test_a_malformed_scenario_is_an_error(tmp_path: Path, document: str, complaint: str) -> None:
    # given a scenario file with a mistake
    path = tmp_path / "fail-broken.yaml"
    path.write_text("description: A broken scenario.\n" + document, encoding="utf-8")
    # when it is loaded, then the loader refuses it, naming the mistake
    with pytest.raises(ScenarioError, match="fail-broken.yaml: .*" + re.escape(complaint)):
        load(path)


def test_an_edit_drops_sets_and_adds_events_by_key(tmp_path: Path) -> None:
    # given a scenario that drops a visit, moves the grant and copies a visit to a new carer
    path = tmp_path / "pass-edited.yaml"
    path.write_text(
        "description: An edit of each kind.\n"
        "base: clean-case\n"
        "edit:\n"
        "  drop: [visit-4]\n"
        "  set: {grant: {goals: [], day: 2026-11-02}}\n"
        "  add: {visit-5: {like: visit-1, day: 2026-09-30, carer_id: carer-9}}\n" + _EXPECT_NOTHING,
        encoding="utf-8",
    )
    # when it is loaded
    scenario = load(path)
    events = {key: scenario.events[i] for i, key in enumerate(scenario.ids)}
    # then the base's events are edited in place, the new one comes last, ids follow the keys
    assert list(scenario.ids)[-2:] == ["visit-3", "visit-5"]
    assert events["grant"]["goals"] == []
    assert events["grant"]["occurred_at"] == "2026-11-02T09:00:00+01:00"  # Copenhagen, winter
    assert events["visit-5"] == {
        **events["visit-1"],
        "event_id": event_id("visit-5"),
        "occurred_at": "2026-09-30T09:00:00+02:00",
        "carer_id": "carer-9",
    }
    assert scenario.ids == {key: event_id(key) for key in scenario.ids}
