"""Properties of the aggregate: folding is a deterministic function of the event sequence."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from erantis_domain.case import CitizenCase, evolve, fold
from erantis_domain.testing import History, case_histories


@given(case_histories())
def test_folding_is_deterministic(history: History) -> None:
    # given a history, when it is folded twice and step by step
    first = fold(history.case_id, history.events)
    second = fold(history.case_id, list(history.events))
    state = CitizenCase(case_id=history.case_id)
    for event in history.events:
        state = evolve(state, event)
    # then the states are equal, and the version counts the events
    assert first == second == state
    assert first.version == len(history.events)


@given(case_histories(), st.data())
def test_folding_a_prefix_then_the_rest_is_folding_everything(
    history: History, data: st.DataObject
) -> None:
    cut = data.draw(st.integers(0, len(history.events)))
    head = fold(history.case_id, history.events[:cut])
    state = head
    for event in history.events[cut:]:
        state = evolve(state, event)
    assert state == fold(history.case_id, history.events)


@given(case_histories())
def test_evolve_never_changes_its_input(history: History) -> None:
    state = fold(history.case_id, history.events[:-1])
    before = state.model_dump()
    evolve(state, history.events[-1])
    assert state.model_dump() == before
