"""Properties of the aggregate: folding is a deterministic function of the event sequence."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from erantis_domain.case import CitizenCase, _evolve, evolve, evolve_all, fold
from erantis_domain.testing import History, case_histories
from tests.properties._evolve_oracle import oracle_evolve


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


def _model_copy_next(
    state: CitizenCase, changes: dict[str, object], events: int = 1
) -> CitizenCase:
    """The oracle: what pydantic's own ``model_copy`` makes of the same change."""
    return state.model_copy(update={**changes, "version": state.version + events})


@given(case_histories())
def test_each_state_is_what_model_copy_would_build(history: History) -> None:
    # given a history folded with the fast construction of the next state, and again with
    # pydantic's model_copy in its place, one event at a time and all at once
    fast = [CitizenCase(case_id=history.case_id)]
    for event in history.events:
        fast.append(evolve(fast[-1], event))
    fast.append(fold(history.case_id, history.events))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_evolve, "_next", _model_copy_next)
        slow = [CitizenCase(case_id=history.case_id)]
        for event in history.events:
            slow.append(evolve(slow[-1], event))
        slow.append(fold(history.case_id, history.events))
    # then every intermediate state is the same frozen model, field for field
    for a, b in zip(fast, slow, strict=True):
        assert type(a) is type(b) is CitizenCase
        assert a == b
        assert a.model_dump() == b.model_dump()
        assert a.model_fields_set == b.model_fields_set
        assert a.__pydantic_extra__ == b.__pydantic_extra__
        assert a.__pydantic_private__ == b.__pydantic_private__
        assert a.model_dump_json() == b.model_dump_json()
        with pytest.raises(ValidationError):
            a.version = 0  # type: ignore[misc]
    assert fast[-1].version == len(history.events)


@given(case_histories(), st.data())
def test_evolve_all_is_evolve_one_event_at_a_time(history: History, data: st.DataObject) -> None:
    # given a history folded up to a point, one event at a time
    cut = data.draw(st.integers(0, len(history.events)))
    head = fold(history.case_id, history.events[:cut])
    one_by_one = head
    for event in history.events[cut:]:
        one_by_one = evolve(one_by_one, event)
    # when the rest is applied at once (runs of visits make one state each)
    at_once = evolve_all(head, history.events[cut:])
    # then the state is the same, down to its version and the fields set
    assert at_once == one_by_one
    assert at_once.version == one_by_one.version == len(history.events)
    assert at_once.model_fields_set == one_by_one.model_fields_set
    assert at_once.model_dump_json() == one_by_one.model_dump_json()
    # and the state it started from is unchanged
    assert head == fold(history.case_id, history.events[:cut])


def _same_state(a: CitizenCase, b: CitizenCase) -> None:
    """The two states are the same frozen model, field for field, records included."""
    assert type(a) is type(b) is CitizenCase
    assert a == b
    assert a.model_fields_set == b.model_fields_set
    assert a.model_dump_json() == b.model_dump_json()
    for name in CitizenCase.model_fields:
        mine, theirs = getattr(a, name), getattr(b, name)
        if isinstance(mine, dict):
            mine, theirs = list(mine.values()), list(theirs.values())
        if not isinstance(mine, tuple | list):
            continue
        for x, y in zip(mine, theirs, strict=True):
            assert type(x) is type(y)
            if isinstance(x, BaseModel):
                assert x.model_fields_set == y.model_fields_set
                assert x.model_dump_json() == y.model_dump_json()
                assert list(x.__dict__) == list(y.__dict__)  # the same fields, in order


@given(case_histories())
def test_each_state_is_what_the_match_based_fold_built(history: History) -> None:
    # given a history, folded one event at a time and all at once, and by the oracle (the
    # fold as it was: pydantic's constructors and model_copy, dispatched by a `match`)
    state = CitizenCase(case_id=history.case_id)
    expected = CitizenCase(case_id=history.case_id)
    for event in history.events:
        state = evolve(state, event)
        expected = oracle_evolve(expected, event)
        # then after every event the state is the oracle's, down to the fields set
        _same_state(state, expected)
    _same_state(fold(history.case_id, history.events), expected)
