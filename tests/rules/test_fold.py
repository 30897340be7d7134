"""The fold: incremental application equals a fold from scratch."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from erantis_domain.events import parse_events
from erantis_rules._facts import CaseFold, fold_case
from tests.scenarios import load, scenario_files

SCENARIOS = scenario_files()


@pytest.mark.parametrize("path", SCENARIOS[::3], ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_facts_taken_between_events_do_not_change_the_result(path: Path) -> None:
    # given a scenario's case events in time order
    scenario = load(path)
    events = sorted(
        (e for e in parse_events(scenario.events) if e.case_id), key=lambda e: e.occurred_at
    )
    until = scenario.as_of
    # when folded one by one, asking for the facts after every event
    fold = CaseFold("case-s1", window_days=14, until=until)
    for event in events:
        fold.apply(event)
        fold.facts()
    # then the facts equal a fold from scratch
    assert fold.facts() == fold_case("case-s1", events, window_days=14, until=until)


def test_a_late_documented_visit_recounts_the_continuity_window() -> None:
    # given visits by 7 carers where the one that completes the window is documented last
    scenario = load(SCENARIOS[0].parents[1] / "FRM-006" / "fail-seven-carers.yaml")
    events = sorted(parse_events(scenario.events), key=lambda e: e.occurred_at)
    visits = [e for e in events if e.type == "VisitDelivered"]
    others = [e for e in events if e.type != "VisitDelivered"]
    late = visits[3].model_copy(update={"occurred_at": visits[-1].occurred_at})
    ordered = [*others, *visits[:3], *visits[4:], late]
    # when folded incrementally
    fold = CaseFold("case-s1", window_days=14, until=date(2026, 10, 15))
    for event in ordered:
        fold.apply(event)
        fold.facts()
    continuity = [f for f in fold.facts().facts if f.kind == "continuity"]
    # then the window holds all seven carers, as in a fold from scratch
    assert continuity[0].carers == 7
    assert fold.facts() == fold_case("case-s1", ordered, window_days=14, until=date(2026, 10, 15))


def test_an_older_event_cannot_be_applied() -> None:
    events = sorted(parse_events(load(SCENARIOS[0]).events), key=lambda e: e.occurred_at)
    fold = CaseFold("case-s1", window_days=14, until=date(2026, 10, 15))
    fold.apply(events[-1])
    with pytest.raises(ValueError):
        fold.apply(events[0])
