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
