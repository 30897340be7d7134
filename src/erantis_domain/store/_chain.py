"""Private: the digest chain of a stream, checked on every read and extended on every append.

Each stored event carries a digest over the previous event's digest, the stream, its position
and its content (:func:`~erantis_domain.store._mapper.chain`), so an event edited, reordered
or deleted from the middle of a stream is noticed when the stream is read. Events stored before
digests existed have none; they are accepted at the start of a stream only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from erantis_domain.errors import Damage, StoreCorruptedError
from erantis_domain.store._mapper import Recorded, chain, content_of
from erantis_domain.store._naming import label, stream_of


@dataclass(slots=True)
class Chain:
    """The digest chain of one stream, as far as it was read or written."""

    stream_id: UUID
    position: int = 0
    #: The chained digest of the last event ("" before the first).
    head: str = ""
    #: Whether an event with a stored digest was seen: after one, every event needs one.
    sealed: bool = False
    #: Accept the next event's stored digest unchecked (the events before it were not read).
    trust_next: bool = False
    #: The stream id as text, once needed (an append chains every event of a batch to it).
    name: str = ""

    def check(self, record: Recorded) -> Damage | None:
        """Whether ``record`` is the next event of the stream, intact; advances the chain."""
        expected = self.position + 1
        if record.originator_version != expected:
            return self.step(record)
        foreign = self.foreign(record)
        if foreign is not None:
            return foreign
        if not self.name:
            self.name = str(self.stream_id)
        digest = chain(self.head, self.name, expected, record.content)
        if self.trust_next:
            self.trust_next = False
            if record.digest is None:
                # An event stored before digests, met mid-stream: the chain cannot be rebuilt
                # without its predecessors, so only the positions are checked from here.
                self.trust_next = True
            digest = record.digest or ""
            self.sealed = record.digest is not None
        elif record.digest is None:
            if self.sealed:
                return Damage(label(record), expected, "its digest is missing")
        elif record.digest != digest:
            return Damage(
                label(record),
                expected,
                "its content does not match its digest (edited or reordered)",
            )
        else:
            self.sealed = True
        self.head, self.position = digest, expected
        return None

    def step(self, record: Recorded) -> Damage | None:
        """Whether ``record`` is the next event of the stream by position alone (its content
        unchecked); advances the position."""
        expected = self.position + 1
        if record.originator_version != expected:
            return Damage(
                label(record),
                record.originator_version,
                f"events are missing before it (expected position {expected})",
            )
        foreign = self.foreign(record)
        if foreign is not None:
            return foreign
        self.position = expected
        return None

    def foreign(self, record: Recorded) -> Damage | None:
        """Damage when ``record`` holds an event of another stream: rows moved or swapped
        between streams in the database. Without this a read of one case could return
        another citizen's events, whatever the chain (its head may be trusted unchecked)."""
        if stream_of(record.event)[0] == self.stream_id:
            return None
        return Damage(
            str(self.stream_id),
            record.originator_version,
            "it holds an event of another stream (rows moved or swapped between streams)",
        )

    @classmethod
    def resumed(cls, record: Recorded) -> Chain:
        """The chain of a stream first met at ``record`` in a resumed replay: the events
        before it are not read, so it is trusted as the start."""
        if record.originator_version == 1:
            return cls(record.originator_id)
        return cls(record.originator_id, record.originator_version - 1, trust_next=True)

    def seal(self, recorded_at: str, hashed_body: str) -> str:
        """The chained digest of a new event appended to the stream, given the hash of its
        JSON text (:func:`~erantis_domain.store._mapper.body_hash`)."""
        self.position += 1
        if not self.name:
            self.name = str(self.stream_id)
        content = content_of(recorded_at, hashed_body)
        self.head = chain(self.head, self.name, self.position, content)
        self.sealed = True
        return self.head


def verified(chain_of: Chain, records: Iterable[Any]) -> Iterator[Recorded]:
    """``records`` of one stream, each checked against ``chain_of`` before it is yielded."""
    for record in records:
        assert isinstance(record, Recorded)
        damage = chain_of.check(record)
        if damage is not None:
            raise StoreCorruptedError.of([damage])
        yield record
