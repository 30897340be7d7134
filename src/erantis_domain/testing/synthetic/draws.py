"""The seeded random source of a run and its event ids."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

__all__ = ["Draws"]

T = TypeVar("T")


class Draws:
    """Everything random in a run comes from one :class:`random.Random`, in a fixed order, so a
    seed always gives the same events. Event ids are ``uuid4``-shaped: a prefix drawn from the
    seed and a counter (:attr:`counter` is public because the visit loop inlines it)."""

    __slots__ = ("counter", "prefix", "rand", "rng")

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.rand = self.rng.random
        bits = f"{self.rng.getrandbits(96):024x}"
        self.prefix = f"{bits[:8]}-{bits[8:12]}-4{bits[12:15]}-8{bits[15:18]}-"
        self.counter = 0

    def event_id(self) -> str:
        """The next event id of the run."""
        self.counter += 1
        return f"{self.prefix}{self.counter:012x}"

    def pick(self, seq: Sequence[T]) -> T:
        """One element, uniformly."""
        return seq[int(self.rand() * len(seq))]

    def chance(self, p: float) -> bool:
        """True with probability ``p``."""
        return self.rand() < p

    def between(self, lo: int, hi: int) -> int:
        """A whole number in ``[lo, hi]``."""
        return lo + int(self.rand() * (hi - lo + 1))
