"""The rules' facts are a pure function of the case state: asked after every event (so the
visit log's remembered scans are extended), they equal the facts of a fold from scratch; an
older state keeps its own facts however its successors grow."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from erantis_domain.case import CitizenCase, evolve, fold
from erantis_domain.events import Event, parse_events
from erantis_rules.engine._derive import CaseFacts, case_facts
from tests.scenarios import load, scenario_files

SCENARIOS = scenario_files()


def _facts(state: CitizenCase, until: date, previous: CaseFacts | None = None) -> CaseFacts:
    return case_facts(state, until=until, window_days=14, previous=previous)


def _fresh(events: list[Event], until: date) -> CaseFacts:
    # a new fold: no scan is remembered on its visit log yet
    return _facts(fold("case-s1", events), until)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_facts_taken_between_events_do_not_change_the_result(path: Path) -> None:
    # given a scenario's case events in time order
    scenario = load(path)
    events = sorted(
        (e for e in parse_events(scenario.events) if e.case_id), key=lambda e: e.occurred_at
    )
    until = scenario.as_of
    # when folded one by one, asking for the facts after every event
    state = CitizenCase(case_id="case-s1")
    facts = None
    for event in events:
        state = evolve(state, event)
        facts = _facts(state, until, facts)
    # then the facts equal those of a fold from scratch
    assert facts is not None
    assert (facts.facts, facts.load) == (
        (fresh := _fresh(events, until)).facts,
        fresh.load,
    )


def test_a_late_documented_visit_recounts_the_continuity_window() -> None:
    # given visits by 7 carers where the one that completes the window is documented last
    scenario = load(SCENARIOS[0].parents[1] / "FRM-006" / "fail-seven-carers.yaml")
    events = sorted(parse_events(scenario.events), key=lambda e: e.occurred_at)
    visits = [e for e in events if e.type == "VisitDelivered"]
    others = [e for e in events if e.type != "VisitDelivered"]
    late = visits[3].model_copy(update={"occurred_at": visits[-1].occurred_at})
    ordered = [*others, *visits[:3], *visits[4:], late]
    until = date(2026, 10, 15)
    # when folded incrementally, asking for the facts after every event
    state = CitizenCase(case_id="case-s1")
    facts = None
    for event in ordered:
        state = evolve(state, event)
        facts = _facts(state, until, facts)
    assert facts is not None
    continuity = [f for f in facts.facts if f.kind == "continuity"]
    # then the window holds all seven carers, as in a fold from scratch
    assert continuity[0].carers == 7
    assert facts.facts == _fresh(ordered, until).facts


def test_an_older_state_keeps_its_facts_when_later_states_add_visits() -> None:
    # given a state, and two different successors each with one more visit
    events = sorted(parse_events(load(SCENARIOS[0]).events), key=lambda e: e.occurred_at)
    visits = [e for e in events if e.type == "VisitDelivered"]
    base = fold("case-s1", [e for e in events if e is not visits[-1]])
    until = date(2026, 12, 31)
    before = _facts(base, until)
    later = evolve(base, visits[-1])
    moved = visits[-1].model_copy(update={"delivered_on": date(2026, 12, 24)})
    branch = evolve(base, moved)
    # when the facts of each are asked
    _facts(later, until)
    _facts(branch, until)
    # then the older state's facts are as before, and each successor sees only its own visit
    assert _facts(base, until) == before
    assert len(later.visit_log) == len(branch.visit_log) == len(base.visit_log) + 1
    assert list(later.visit_log)[-1].delivered_on == visits[-1].delivered_on
    assert list(branch.visit_log)[-1].delivered_on == date(2026, 12, 24)
