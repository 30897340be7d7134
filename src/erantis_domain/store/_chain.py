"""Private: the digest chain of a stream, checked on every read and extended on every append.

Each stored event carries a digest over the previous event's digest, the stream, its position
and its content (:func:`~erantis_domain.store._mapper.chain`), so an event edited, reordered
or deleted from the middle of a stream is noticed when the stream is read. Events stored before
digests existed have none; they are accepted at the start of a stream only.

A store opened with a cipher also tags each new event's digest with an HMAC under its current
key (:meth:`~erantis_domain.store.keys.FieldCipher.mac`; the tag names its key id). The digest
commits to the whole stream before it, so a forger without the key cannot rewrite a keyed
stream and tag it again; after a tagged event, every later one needs a tag.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from hashlib import sha256
from typing import Any
from uuid import UUID

from erantis_domain.errors import Damage, StoreCorruptedError, StoreKeyError
from erantis_domain.store._mapper import Recorded, chain, key_of_tag
from erantis_domain.store._naming import label, stream_of
from erantis_domain.store.keys import FieldCipher


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
    #: The store's keys (its cipher): each new event's digest is tagged under the current
    #: key; a tag read is checked under the key id it names.
    keys: FieldCipher | None = None
    #: Whether a tagged event was seen: after one, every later one needs a tag, so a forger
    #: cannot continue a keyed stream with events tagged without the key.
    keyed: bool = False

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
        untagged = self.tagged(record, digest)
        if untagged is not None:
            return untagged
        self.head, self.position = digest, expected
        return None

    def tagged(self, record: Recorded, digest: str) -> Damage | None:
        """Whether ``record``'s keyed tag (if any) holds for ``digest`` under the key id it
        names; after a tagged event, every later one needs a tag."""
        mac = record.mac
        if mac is None:
            if self.keyed and record.digest is not None:
                return Damage(
                    label(record),
                    record.originator_version,
                    "its keyed tag is missing, where the stream's chain is keyed (written "
                    "without the key?)",
                )
            return None
        if self.keys is None:
            raise StoreKeyError(
                "the store's digest chain is keyed, and no key was given (open it with its cipher)"
            )
        if not hmac.compare_digest(mac, self.keys.mac(digest, key_of_tag(mac) or "")):
            return Damage(
                label(record),
                record.originator_version,
                "its keyed tag does not match its digest (rewritten without the key)",
            )
        self.keyed = True
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
    def resumed(cls, record: Recorded, keys: FieldCipher | None) -> Chain:
        """The chain of a stream first met at ``record`` in a resumed replay: the events
        before it are not read, so it is trusted as the start."""
        if record.originator_version == 1:
            return cls(record.originator_id, keys=keys)
        return cls(record.originator_id, record.originator_version - 1, trust_next=True, keys=keys)

    def seal(self, recorded_at: str, hashed_body: str) -> str:
        """The chained digest of a new event appended to the stream, given the hash of its
        JSON text (:func:`~erantis_domain.store._mapper.body_hash`)."""
        self.position = position = self.position + 1
        name = self.name or self.named()
        # chain(self.head, name, position, content_of(recorded_at, hashed_body)), written
        # out: an append seals every event, and the text is ASCII (hex digests, a UUID, an
        # ISO moment), so its UTF-8 needs no surrogate handling.
        text = f"{self.head}\n{name}\n{position}\n{recorded_at}\n{hashed_body}"
        self.head = head = sha256(text.encode()).hexdigest()
        self.sealed = True
        return head

    def named(self) -> str:
        """The stream id as text (kept: every event of an append is chained to it)."""
        self.name = str(self.stream_id)
        return self.name

    def tag(self) -> str | None:
        """The keyed tag of the chain's head under the current key (``None`` without keys):
        what a new event carries beside its digest."""
        if self.keys is None:
            return None
        self.keyed = True
        return self.keys.mac(self.head)


def verified(chain_of: Chain, records: Iterable[Any]) -> Iterator[Recorded]:
    """``records`` of one stream, each checked against ``chain_of`` before it is yielded."""
    for record in records:
        assert isinstance(record, Recorded)
        damage = chain_of.check(record)
        if damage is not None:
            raise StoreCorruptedError.of([damage])
        yield record
