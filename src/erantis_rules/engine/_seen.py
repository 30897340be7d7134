"""Private: the event ids a streaming check has seen, in about 18 bytes per id.

A ``set`` of 128-bit ints costs about 80 bytes per id (the int object and its slot): for a
municipality's year, 3.4 million events, a quarter of a gigabyte just to drop duplicates.
:class:`SeenIds` keeps the ids as 16 bytes each in one ``bytearray`` and a bitmap of their low
bits (16 bits per id) in front of it: an id whose bit is clear is new (almost always, one
lookup); only when the bit is set are the stored ids searched, so the answer is exact.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Literal

__all__ = ["SeenIds"]

#: Bitmap bits per stored id: the chance that a new id meets a set bit is about 1/16.
_BITS_PER_ID = 16
#: Ids are stored in the machine's byte order, so the bitmap is rebuilt from a ``Q`` view of
#: them: on a little-endian machine the low 64 bits of id ``i`` are item ``2 i``.
_ORDER: Literal["little", "big"] = sys.byteorder
_LOW = 0 if sys.byteorder == "little" else 1


class SeenIds:
    """A set of 128-bit ids (``UUID.int``), exact and compact."""

    __slots__ = ("_bits", "_count", "_ids", "_mask")

    def __init__(self) -> None:
        self._ids = bytearray()
        self._bits = bytearray(64)
        self._mask = 511
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __contains__(self, number: object) -> bool:
        if not isinstance(number, int) or not 0 <= number < 1 << 128:
            return False
        slot = number & self._mask
        if not self._bits[slot >> 3] & (1 << (slot & 7)):
            return False
        return self._stored(number.to_bytes(16, _ORDER))

    def add(self, number: int) -> bool:
        """Add an id; ``False`` (and nothing changed) when it was there already."""
        slot = number & self._mask
        flag = 1 << (slot & 7)
        key = number.to_bytes(16, _ORDER)
        bits = self._bits
        if bits[slot >> 3] & flag:
            if self._stored(key):
                return False
        else:
            bits[slot >> 3] |= flag
        self._ids += key
        self._count += 1
        if self._count * _BITS_PER_ID > self._mask + 1:
            self._grow()
        return True

    def add_all(self, numbers: Iterable[int]) -> list[int]:
        """Add ids in order, as :meth:`add` one at a time would; returns the positions of
        those that were there already (or earlier in ``numbers``), usually none. One call
        for a run of ids: a streaming check adds a case's visits a run at a time."""
        bits, mask, ids, order, stored = self._bits, self._mask, self._ids, _ORDER, self._stored
        repeats: list[int] = []
        count = self._count
        room = (mask + 1) // _BITS_PER_ID  # ids the bitmap holds before it grows
        for position, number in enumerate(numbers):
            slot = number & mask
            flag = 1 << (slot & 7)
            key = number.to_bytes(16, order)
            if bits[slot >> 3] & flag:
                if stored(key):
                    repeats.append(position)
                    continue
            else:
                bits[slot >> 3] |= flag
            ids += key
            count += 1
            if count > room:
                self._count = count
                self._grow()
                bits, mask = self._bits, self._mask
                room = (mask + 1) // _BITS_PER_ID
        self._count = count
        return repeats

    def forget_last(self) -> None:
        """Remove the id added last (its bit may stay set: a set bit only costs a search)."""
        if self._count:
            del self._ids[-16:]
            self._count -= 1

    def _stored(self, key: bytes) -> bool:
        ids = self._ids
        at = ids.find(key)
        while at >= 0:
            if not at % 16:  # a match across two ids is not an id
                return True
            at = ids.find(key, at + 1)
        return False

    def _grow(self) -> None:
        size = (self._mask + 1) * 4
        mask = size - 1
        bits = bytearray(size // 8)
        with memoryview(self._ids) as view, view.cast("Q") as words:
            for low in words[_LOW::2]:
                slot = low & mask
                bits[slot >> 3] |= 1 << (slot & 7)
        self._bits, self._mask = bits, mask
