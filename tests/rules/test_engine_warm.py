"""The warm RuleEngine: remembered verdicts, compact case histories, late events, any split."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import fields as dataclass_fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from unittest.mock import patch
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erantis_domain.asof import AsOf
from erantis_domain.case import fold_as_of
from erantis_domain.events import DomainEvent, Event, parse_event
from erantis_domain.testing import events as any_event
from erantis_domain.testing import municipalities
from erantis_domain.values import Role
from erantis_rules import Policy, RuleEngine, check
from erantis_rules.engine import EvaluatorName, _history
from erantis_rules.engine._history import CaseHistory
from erantis_rules.engine._stream import _raw
from erantis_rules.engine._verdicts import RememberedVerdicts, figures_of
from erantis_rules.language._facts import (
    ContinuityFact,
    DecisionFact,
    DelegationFact,
    Fact,
    FollowUpFact,
    MeetingFact,
    SettledFact,
    TeamPeriodFact,
)
from erantis_rules.language._reference import ReferenceEvaluator
from erantis_rules.language.conditions import AS_OF, absent, all_of, gt, other, param, this
from erantis_rules.language.model import Rule
from tests._evaluators import EVALUATORS
from tests._profiles import budget
from tests.scenarios import SCENARIOS, load


class Counting:
    """The reference evaluator, counting the subjects it is asked to judge."""

    name = "reference"

    def __init__(self) -> None:
        self.inner = ReferenceEvaluator(Policy())
        self.asked: list[str] = []

    def evaluate(
        self, subjects: Iterable[tuple[str, list[Fact]]], as_of: date
    ) -> list[tuple[str, Rule, Fact]]:
        subjects = list(subjects)
        self.asked.extend(subject for subject, _ in subjects)
        return self.inner.evaluate(subjects, as_of)

    def close(self) -> None:
        return None


def _period(delivered: int, *extra: Fact) -> list[Fact]:
    """A settled team period with a 700-minute frame (the band: more than 735 is over)."""
    fact = TeamPeriodFact(
        team="team-a",
        period="2026-09",
        start=date(2026, 9, 1),
        end=date(2026, 9, 30),
        granted=700,
        delivered=delivered,
    )
    return [SettledFact("team-a", ("settled",)), *extra, fact]


def _judged(memo: RememberedVerdicts, facts: list[Fact], as_of: date) -> list[tuple[str, Fact]]:
    return [(rule.id, fact) for _, rule, fact in memo.evaluate([("team-a/2026-09", facts)], as_of)]


AFTER_DUE = date(2026, 11, 1)


def test_a_team_period_is_judged_again_only_when_its_totals_cross_the_band() -> None:
    # given remembered verdicts over a counting evaluator, and a period under the band
    counting = Counting()
    memo = RememberedVerdicts(counting, Policy())
    assert _judged(memo, _period(700), AFTER_DUE) == []
    assert counting.asked == ["team-a/2026-09"]
    # when the delivered minutes move within the band
    under = _judged(memo, _period(735), AFTER_DUE)
    # then nothing is judged again and nothing is found
    assert under == [] and len(counting.asked) == 1
    # when they cross it, the period is judged again and breaks FRM-004
    over = _period(736)
    assert _judged(memo, over, AFTER_DUE) == [("FRM-004", over[-1])]
    assert len(counting.asked) == 2
    # when they move on above it, the remembered verdict holds for the current fact (the
    # message cites the current figures)
    further = _period(800)
    assert _judged(memo, further, AFTER_DUE) == [("FRM-004", further[-1])]
    assert len(counting.asked) == 2


def test_a_changed_fact_or_a_later_day_changes_the_remembered_verdict() -> None:
    counting = Counting()
    memo = RememberedVerdicts(counting, Policy())
    over = _period(800)
    # given a verdict remembered before the meeting deadline (30 October): nothing broken yet
    assert _judged(memo, over, date(2026, 10, 30)) == []
    # when the day moves past it, the period is judged again and breaks FRM-004
    assert _judged(memo, over, AFTER_DUE) == [("FRM-004", over[-1])]
    # when a fact the rule reads appears (a meeting in time), the verdict changes
    met = _period(800, MeetingFact(date(2026, 10, 15), ("meeting",)))
    assert _judged(memo, met, AFTER_DUE) == []
    assert len(counting.asked) == 3


def test_a_fact_is_judged_again_only_when_a_field_the_rules_read_changes() -> None:
    # given a case's continuity window judged once
    counting = Counting()
    memo = RememberedVerdicts(counting, Policy())
    day = date(2026, 3, 1)

    def window(carers: int, *evidence: str) -> list[Fact]:
        return [ContinuityFact(carers, day, day + timedelta(days=13), evidence)]

    assert memo.evaluate([("case-1", window(3, "a"))], AFTER_DUE) == []
    # when the window moves to other visits with as many carers (only cited fields change)
    moved = window(3, "b", "c")
    assert memo.evaluate([("case-1", moved)], AFTER_DUE) == []
    # then it is not judged again
    assert counting.asked == ["case-1"]
    # when the number of carers, which FRM-006 reads, changes, it is judged again
    crowded = window(99, "b", "c")
    found = memo.evaluate([("case-1", crowded)], AFTER_DUE)
    assert [(rule.id, fact) for _, rule, fact in found] == [("FRM-006", crowded[0])]
    assert counting.asked == ["case-1", "case-1"]
    # and a verdict remembered for an equal read field holds for the current fact
    again = window(99, "d")
    found = memo.evaluate([("case-1", again)], AFTER_DUE)
    assert [(rule.id, fact) for _, rule, fact in found] == [("FRM-006", again[0])]
    assert len(counting.asked) == 2


def test_figures_are_fields_read_only_in_comparisons_of_the_fact_itself() -> None:
    # given the team period's rules, a rule reading the totals against the day, and one
    # reading them inside an absence
    band = gt(this.delivered * 100, this.granted * (param("settlement_band_pct") + 100))
    by_day = gt(AS_OF, this.end + this.delivered)
    joined = absent("meeting", gt(other.held, this.end + this.granted))
    # then only fields never read beside the day or another fact are figures (wherever the
    # comparison sits: its outcome stands in the key either way)
    figures, compares = figures_of([all_of(band, gt(AS_OF, this.end))])
    assert figures == {"delivered", "granted"} and compares == (band,)
    assert figures_of([band, by_day])[0] == {"granted"}
    assert figures_of([band, joined])[0] == {"delivered"}


def test_a_case_is_judged_again_only_for_what_changed() -> None:
    # given a case judged once
    scenario = load(SCENARIOS / "DOC-004" / "fail-follow-up-overdue.yaml")
    counting = Counting()
    memo = RememberedVerdicts(counting, Policy())
    engine_facts = _case_facts(scenario.events, scenario.as_of)
    first = memo.evaluate([("case-s1", engine_facts)], scenario.as_of)
    asked = len(counting.asked)
    # when the same facts are judged again, nothing is asked and the same matches come back
    again = memo.evaluate(
        [("case-s1", _case_facts(scenario.events, scenario.as_of))], scenario.as_of
    )
    assert len(counting.asked) == asked
    assert [(r.id, f) for _, r, f in again] == [(r.id, f) for _, r, f in first]


class Recording(Counting):
    """The counting evaluator, also recording the facts it is asked to judge."""

    def __init__(self) -> None:
        super().__init__()
        self.facts: list[list[Fact]] = []

    def evaluate(
        self, subjects: Iterable[tuple[str, list[Fact]]], as_of: date
    ) -> list[tuple[str, Rule, Fact]]:
        subjects = list(subjects)
        self.facts.extend(facts for _, facts in subjects)
        return super().evaluate(subjects, as_of)


def test_a_new_follow_up_re_judges_only_what_it_follows_up() -> None:
    # given two decisions and a delegation, judged once, the first decision's follow-up due
    day = date(2026, 3, 1)
    decisions = [_decision("d1", day), _decision("d2", day)]
    delegation = _delegation("n1", day)
    recording = Recording()
    memo = RememberedVerdicts(recording, Policy())
    as_of = date(2026, 12, 1)
    before = memo.evaluate([("case-1", [*decisions, delegation])], as_of)
    assert {(r.id, f.decision) for _, r, f in before if r.id == "DOC-004"} == {
        ("DOC-004", "d1"),
        ("DOC-004", "d2"),
    }
    # when a follow-up of the first decision arrives
    follow_up = FollowUpFact("d1", date(2026, 4, 1), ("f1",))
    after = memo.evaluate([("case-1", [*decisions, delegation, follow_up])], as_of)
    # then only that decision is judged again, with its follow-up (the delegation and the
    # other decision keep their remembered verdicts), and the finding on d1 is gone
    assert recording.facts[-1] == [decisions[0], follow_up]
    assert {(r.id, f.decision) for _, r, f in after if r.id == "DOC-004"} == {("DOC-004", "d2")}
    # and judged from scratch the same facts give the same matches
    fresh = RememberedVerdicts(ReferenceEvaluator(Policy()), Policy())
    again = fresh.evaluate([("case-1", [*decisions, delegation, follow_up])], as_of)
    assert sorted((r.id, repr(f)) for _, r, f in again) == sorted(
        (r.id, repr(f)) for _, r, f in after
    )


def _decision(decision: str, on: date) -> DecisionFact:
    fields = {f.name: f for f in dataclass_fields(DecisionFact)}
    values: dict[str, Any] = {name: False for name in fields}
    values.update(
        decision=decision,
        made="granted",
        on=on,
        regime="SEL-2024",
        content_gaps="",
        goals=1,
        cited="SEL §83",
        assessed_outside="",
        citizen_law="",
        care_course="",
        fa_on=None,
        follow_up_due=on + timedelta(days=90),
        closed=None,
        in_force_last=None,
        runs_through=date.max,
        has_reasons=True,
        guidance=True,
        informed=True,
        care=True,
        evidence=(decision,),
    )
    return DecisionFact(**values)


def _delegation(delegation: str, on: date) -> DelegationFact:
    return DelegationFact(
        delegation=delegation,
        on=on,
        task="medicine",
        form="concrete",
        delegator_role=Role.NURSE,
        delegate_role=Role.SSA,
        verified=True,
        instruction=True,
        pre_dispensed=True,
        follow_up_due=on + timedelta(days=365),
        revoked=None,
        evidence=(delegation,),
    )


def _case_facts(events: Iterable[Any], as_of: date) -> list[Fact]:
    from erantis_domain.case import fold_as_of
    from erantis_rules.engine._derive import FactSettings

    parsed = [parse_event(e) for e in events]
    state = fold_as_of("case-s1", [e for e in parsed if getattr(e, "case_id", None)], as_of)
    return FactSettings.of(Policy()).facts(state, as_of).facts


@budget(60)
@given(event=any_event())
def test_a_kept_line_parses_back_to_the_event(event: Event) -> None:
    # given an event fed as a parsed event, a mapping, a JSON text and JSON bytes
    text = event.model_dump_json()
    mapping = json.loads(text)
    for item in (event, mapping, text, text.encode(), text + "\r\n"):
        # when the engine keeps its line, then the line parses back to the same event
        line = _raw(item, event)
        assert line is not None
        assert parse_event(line) == event


def _line(event: DomainEvent) -> bytes:
    line = _raw(event, event)
    assert line is not None
    return line


def _time_order(events: Iterable[DomainEvent]) -> list[DomainEvent]:
    return sorted(events, key=lambda e: e.occurred_at)


def test_a_late_event_refolds_its_case() -> None:
    # given a case with an overdue follow-up, fed in time order, and a visit after it
    scenario = load(SCENARIOS / "DOC-004" / "fail-follow-up-overdue.yaml")
    events = _time_order(parse_event(e) for e in scenario.events)
    later = events[-1].model_copy(
        update={"occurred_at": events[-1].occurred_at + timedelta(days=30)}
    )
    follow_up = parse_event(
        {
            "type": "FollowUpRecorded",
            "event_id": "11111111-0000-4000-8000-000000000001",
            "case_id": "case-s1",
            "occurred_at": "2026-09-20T10:00:00+02:00",
            "recorded_by": {"actor_id": "v", "role": "visitator"},
            "subject_id": "d1",
            "outcome": "E1",
            "note": "",
        }
    )
    assert follow_up.occurred_at < later.occurred_at
    with RuleEngine() as engine:
        for event in [*events, later]:
            engine.feed([event])
            engine.changes(scenario.as_of)
        assert [f.rule_id for f in engine.findings(scenario.as_of)] == ["DOC-004"]
        # when a follow-up older than the case's last event arrives
        engine.feed([follow_up])
        changes = engine.changes(scenario.as_of)
    # then the case is folded again in time order: the follow-up resolves the finding, as a
    # batch check of the same events finds
    assert [f.rule_id for f in changes.resolved] == ["DOC-004"]
    assert changes.findings == check([*events, later, follow_up], as_of=scenario.as_of) == []


def test_events_after_the_as_of_leave_the_known_state_as_it_is() -> None:
    # given a case fed in time order, then two visits that happen after the day asked
    scenario = load(SCENARIOS / "DOC-004" / "fail-follow-up-overdue.yaml")
    events = _time_order(parse_event(e) for e in scenario.events)
    after = [
        events[-1].model_copy(
            update={
                "event_id": UUID(int=(1 << 100) + n),
                "occurred_at": datetime.combine(scenario.as_of, time(12), UTC) + timedelta(days=n),
            }
        )
        for n in (1, 2)
    ]
    history = CaseHistory("case-s1")
    for event in events:
        history.add(event, _line(event))
    when = AsOf.of(scenario.as_of)
    history.add(after[0], _line(after[0]))
    known = history.state_as_of(when)
    # when another event the day does not know arrives
    history.add(after[1], _line(after[1]))
    with patch.object(_history, "parse_event", side_effect=AssertionError("parsed")):
        again = history.state_as_of(when)
    # then the known state is the one folded before, not refolded from the lines
    assert again is known
    assert again == fold_as_of("case-s1", [*events, *after], when)
    # and an event the day knows makes it fold again
    history.add(events[0].model_copy(update={"event_id": UUID(int=7)}), _line(events[0]))
    assert history.state_as_of(when) is not known


def _line(event: DomainEvent) -> bytes:
    return event.model_dump_json().encode()


def test_a_case_history_keeps_lines_not_events() -> None:
    # given a case fed its events out of time order
    scenario = load(SCENARIOS / "DOC-004" / "fail-follow-up-overdue.yaml")
    events = _time_order(parse_event(e) for e in scenario.events)
    history = CaseHistory("case-s1")
    for event in reversed(events):
        assert history.add(event, _line(event))
    # when a repeat comes, it is refused; and the state asked for is the time-ordered fold
    assert not history.add(events[0], _line(events[0]))
    from erantis_domain.asof import AsOf
    from erantis_domain.case import fold

    assert history.state_as_of(AsOf.of(scenario.as_of)) == fold("case-s1", events)
    # and every line is kept, as JSON, in arrival order
    assert [parse_event(line) for line in history.lines] == list(reversed(events))


def _as_items(events: list[Event], kinds: list[int]) -> list[Any]:
    """Each event fed as a parsed event, a mapping or a JSON line."""
    out: list[Any] = []
    for event, kind in zip(events, kinds, strict=True):
        text = event.model_dump_json()
        out.append((event, json.loads(text), text)[kind])
    return out


@pytest.mark.parametrize("every", [256, 2])
@pytest.mark.parametrize("evaluator", EVALUATORS)
@budget(25)
@given(town=municipalities(n_cases=(1, 4), n_teams=2), data=st.data())
def test_warm_engine_fed_one_by_one_with_late_events_equals_check(
    evaluator: EvaluatorName, every: int, town: Any, data: st.DataObject
) -> None:
    # (every=2: a checkpoint of each case's state every two events, so late events refold
    # from checkpoints)
    with patch.object(_history, "_EVERY", every):
        _fed_one_by_one_with_late_events(evaluator, town, data)


def _fed_one_by_one_with_late_events(
    evaluator: EvaluatorName, town: Any, data: st.DataObject
) -> None:
    # given a municipality's events in time order, some of them held back to arrive last
    events = _time_order(town.all_events)
    late = data.draw(st.sets(st.integers(0, len(events) - 1), max_size=4), label="late")
    order = [e for i, e in enumerate(events) if i not in late] + [events[i] for i in late]
    kinds = data.draw(st.lists(st.integers(0, 2), min_size=len(order), max_size=len(order)))
    items = _as_items(order, kinds)
    # when they are fed in pieces of one to a few events, with changes asked after each
    with RuleEngine(evaluator=evaluator) as engine:
        start = 0
        while start < len(items):
            size = data.draw(st.integers(1, 5), label="piece")
            engine.feed(items[start : start + size])
            engine.changes(town.as_of)
            start += size
        warm = engine.findings(town.as_of)
        # and fed everything once more (repeats change nothing)
        assert engine.feed(items) == 0
        assert engine.findings(town.as_of) == warm
    # then the findings equal a batch check's, field by field
    batch = check(order, as_of=town.as_of, evaluator=evaluator)
    assert [f.to_dict() for f in warm] == [f.to_dict() for f in batch]


def test_an_invalid_event_names_its_position_and_keeps_the_ones_before() -> None:
    scenario = load(SCENARIOS / "DOC-004" / "fail-follow-up-overdue.yaml")
    from erantis_domain.errors import InvalidEventError

    with RuleEngine() as engine:
        with pytest.raises(InvalidEventError, match="at index 1"):
            engine.feed([scenario.events[0], {"type": "VisitDelivered"}])
        assert engine.feed(scenario.events) == len(scenario.events) - 1
        assert [f.rule_id for f in engine.findings(scenario.as_of)] == ["DOC-004"]


def test_findings_stay_in_the_stable_order_as_subjects_change() -> None:
    # given several scenarios' cases fed one event at a time, asking after each
    events: list[dict[str, Any]] = []
    for index, path in enumerate(sorted(SCENARIOS.glob("*/fail-*.yaml"))[:10]):
        for event in load(path).events:
            event = dict(event)
            event["event_id"] = f"{index:04d}" + event["event_id"][4:]
            if event.get("case_id"):
                event["case_id"] = f"case-{9 - index:03d}"
            events.append(event)
    as_of = date(2026, 11, 20)
    with RuleEngine() as engine:
        for event in events:
            engine.feed([event])
            found = engine.findings(as_of)
            # then the kept order is always the sorted order
            assert found == sorted(
                found, key=lambda f: (f.subject, f.rule_id, f.due or date.min, f.evidence)
            )
        assert found == check(events, as_of=as_of)
        assert len(found) > 5
