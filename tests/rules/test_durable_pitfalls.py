"""Each known durable-rules pitfall has a test, so it can never come back."""

from __future__ import annotations

import gc
import resource
import threading
from datetime import date, timedelta
from typing import Any

import pytest

# Pitfalls of durable-rules itself: where it cannot import (Python 3.13+) they are reported as
# skipped; tests/test_packaging.py asserts it imports wherever erantis declares it.
pytest.importorskip("durable.engine", reason="durable-rules does not import on this Python")

from erantis_domain.errors import RuleEngineError
from erantis_rules import Policy, RuleEngine, check
from erantis_rules.language._durable import DurableEvaluator


def _case(case_id: str, *, reasons: str, n: int) -> list[dict[str, Any]]:
    """A granted case; without reasons it breaks DOC-002."""
    day = date(2026, 9, 1)
    base = {
        "case_id": case_id,
        "occurred_at": f"{day.isoformat()}T09:00:00+02:00",
        "recorded_by": {"actor_id": "v1", "role": "visitator"},
    }
    return [
        {
            **base,
            "type": "FunctionalAbilityAssessed",
            "event_id": f"00000000-0000-4000-8001-{n:012d}",
            "scores": [{"condition": "J1", "score": 1}],
        },
        {
            **base,
            "type": "RehabilitationPotentialAssessed",
            "event_id": f"00000000-0000-4000-8002-{n:012d}",
            "has_potential": False,
            "reasons": "",
        },
        {
            **base,
            "type": "VisitationGranted",
            "event_id": f"00000000-0000-4000-8003-{n:012d}",
            "decision_id": f"{case_id}-d",
            "legal_basis": {"act": "SEL", "paragraph": "83", "regime": "SEL-2024"},
            "frames": [{"intervention": "H1.1", "minutes": 60, "per": "week"}],
            "goals": ["g"],
            "valid_from": day.isoformat(),
            "valid_until": None,
            "follow_up_due": (day + timedelta(days=200)).isoformat(),
            "team_id": "team-x",
            "reasons": reasons,
            "complaint_guidance": True,
        },
    ]


def test_cases_whose_ids_collide_in_durables_hash_get_their_own_findings() -> None:
    # given two cases whose ids share durable's 32-bit sid hash, only one at fault
    events = _case("case-0724246", reasons="", n=1) + _case("case-1465780", reasons="ok", n=2)
    # when checked on durable-rules
    findings = check(events, as_of=date(2026, 9, 10), evaluator="durable")
    # then only the faulty case has the finding, with its own evidence
    assert [(f.subject, f.rule_id) for f in findings] == [("case-0724246", "DOC-002")]
    assert findings[0].evidence == ("00000000-0000-4000-8003-000000000001",)


def test_one_check_over_1100_cases_works() -> None:
    # given 1,100 cases (more than durable's 1,024 live subjects), every third at fault
    events: list[dict[str, Any]] = []
    for n in range(1100):
        events += _case(f"case-{n:05d}", reasons="" if n % 3 == 0 else "ok", n=n)
    # when checked on durable-rules
    findings = check(events, as_of=date(2026, 9, 10), evaluator="durable")
    # then every faulty case and only those have a finding
    assert sorted(f.subject for f in findings) == [f"case-{n:05d}" for n in range(0, 1100, 3)]


def test_an_error_while_reading_durables_matches_surfaces_as_an_erantis_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a durable evaluator that fails while reading a match (durable's own Python layer
    # swallowed errors raised in rule actions; the evaluator now reads matches itself)
    def broken(self: DurableEvaluator, messages: str) -> None:
        raise ZeroDivisionError("boom")

    engine = RuleEngine(evaluator="durable")
    engine.feed(_case("case-1", reasons="", n=1))
    with monkeypatch.context() as patched:
        patched.setattr(DurableEvaluator, "_record", broken)
        # when a faulty case is checked
        with pytest.raises(RuleEngineError) as caught:
            engine.findings(date(2026, 9, 10))
    # then the error says what happened and carries the stable code
    assert caught.value.code == "E-RULE-ENGINE"
    assert "boom" in str(caught.value)
    # and the failed subject was deleted: the same evaluator judges the case afterwards
    assert [f.rule_id for f in engine.findings(date(2026, 9, 11))] == ["DOC-002"]
    engine.close()


def test_two_engines_in_one_process_do_not_see_each_other() -> None:
    # given two engines with different policies
    strict = RuleEngine(Policy(assessment_max_age_days=1), evaluator="durable")
    lax = RuleEngine(Policy(), evaluator="durable")
    events = _case("case-1", reasons="ok", n=1)
    events[0]["occurred_at"] = "2026-08-01T09:00:00+02:00"
    strict.feed(events)
    lax.feed(events)
    # then each judges with its own rules
    assert [f.rule_id for f in strict.findings(date(2026, 9, 10))] == ["DOC-006"]
    assert lax.findings(date(2026, 9, 10)) == []
    strict.close()
    lax.close()


def _rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # pragma: no cover


def test_creating_and_dropping_100_engines_leaves_threads_and_memory_flat() -> None:
    # given a warm process
    events = _case("case-1", reasons="", n=1)
    check(events, as_of=date(2026, 9, 10), evaluator="durable")
    gc.collect()
    threads, rss = threading.active_count(), _rss_kb()
    # when 100 engines are created, used and dropped
    for _ in range(100):
        engine = RuleEngine(evaluator="durable")
        engine.feed(events)
        assert len(engine.findings(date(2026, 9, 10))) == 1
        engine.close()
    gc.collect()
    # then no thread was left behind and memory grew by less than 20 MB (a leaked ruleset
    # costs about 20 MB each)
    assert threading.active_count() == threads
    assert _rss_kb() - rss < 20_000


def test_many_live_engines_with_every_rule_do_not_crash() -> None:
    # given twelve engines alive at once (durable's node pool grows and is reallocated: a join
    # node without expressions then read uninitialised memory and crashed the process)
    events = _case("case-1", reasons="", n=1)
    engines = [RuleEngine(evaluator="durable") for _ in range(12)]
    # when each checks a faulty case
    results = []
    for engine in engines:
        engine.feed(events)
        results.append([f.rule_id for f in engine.findings(date(2026, 9, 10))])
        engine.close()
    # then each finds the same, and the process is still alive to say so
    assert results == [["DOC-002"]] * 12


def test_a_joined_condition_must_compare_with_an_earlier_fact() -> None:
    from erantis_rules.language._durable import _variants

    with pytest.raises(RuleEngineError):
        _variants([("subj", {"t": "team_period"}), ("s$not", {"t": "settled"})])
    flat = _variants(
        [
            ("subj", {"$and": [{"t": "x"}, {"$or": [{"a": 1}, {"b": 2}]}]}),
            ("clock", {"$gt": {"as_of": {"subj": "on"}}}),
        ]
    )
    # nested groups are flattened into one durable rule per alternative
    assert len(flat) == 2
    assert all("$or" not in str(variant) for variant in flat)
