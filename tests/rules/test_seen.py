"""The compact set of event ids that a streaming check drops duplicates with."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from erantis_rules.engine._seen import SeenIds

# Ids that share their low bits (bitmap collisions), or a byte pattern that straddles two
# stored ids, as well as arbitrary ones.
_IDS = st.one_of(
    st.integers(0, 2**128 - 1),
    st.integers(0, 2**16).map(lambda high: (high << 64) | 5),
    st.integers(0, 255).map(lambda b: int.from_bytes(bytes([b]) * 16, "big")),
)


@given(st.lists(st.tuples(_IDS, st.booleans()), max_size=400))
def test_it_answers_as_a_set_does(steps: list[tuple[int, bool]]) -> None:
    # given ids added one by one, some of them taken back right after (forget_last)
    seen, oracle = SeenIds(), set[int]()
    for number, forget in steps:
        # when an id is added
        added = seen.add(number)
        # then it is new exactly when a set did not hold it
        assert added is (number not in oracle)
        oracle.add(number)
        if forget and added:
            seen.forget_last()
            oracle.discard(number)
        assert len(seen) == len(oracle)
    # and membership agrees for every id asked and some never added
    for number, _ in steps:
        assert (number in seen) is (number in oracle)
    assert (2**128 + 7 in seen) is False
    assert ("not an id" in seen) is False


@given(st.lists(st.lists(_IDS, max_size=40), max_size=30))
def test_runs_of_ids_are_added_as_one_at_a_time(runs: list[list[int]]) -> None:
    # given runs of ids (repeats inside a run and across runs), added a run at a time
    seen, oracle = SeenIds(), set[int]()
    for run in runs:
        # when a run is added
        repeats = seen.add_all(run)
        # then the positions of ids already held (or earlier in the run) come back, as
        # adding them one by one to a set would tell
        expected = []
        for position, number in enumerate(run):
            if number in oracle:
                expected.append(position)
            oracle.add(number)
        assert repeats == expected
        assert len(seen) == len(oracle)
    # and membership agrees afterwards (the bitmap grew on the way)
    for run in runs:
        for number in run:
            assert number in seen
    assert all((number in seen) is (number in oracle) for number in range(50))


def test_ids_straddling_two_stored_ids_are_not_found() -> None:
    # given two stored ids whose bytes, side by side, contain a third id
    first, second = int.from_bytes(b"\0" * 8 + b"\1" * 8, "big"), int.from_bytes(b"\2" * 16, "big")
    seen = SeenIds()
    seen.add(first)
    seen.add(second)
    straddling = int.from_bytes(b"\1" * 8 + b"\2" * 8, "big")
    # then that third id is not taken for a stored one
    assert straddling not in seen
    assert seen.add(straddling) is True
