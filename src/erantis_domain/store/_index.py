"""Private: the index of event ids, which makes an append idempotent.

Each stored ``event_id`` is indexed with the digest of its content, per stream: an event re-sent
with the same digest is a duplicate, with another one a reuse. In a store with a cipher the
digest is keyed (an HMAC under the cipher's key id, ``<key id>:<hex>``): a plain hash of an
event's content beside its encrypted row would let anyone holding the database confirm a
guessed event (its free text, its actor). Entries written plain before stay valid. A database
keeps the index in a table written with the events (see
:mod:`erantis_domain.store._recorders`); the in-memory store keeps it in a dict.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterable
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from erantis_domain.errors import StoreCorruptedError, StoreKeyError
from erantis_domain.events import DomainEvent
from erantis_domain.store._backend import Backend
from erantis_domain.store._mapper import PydanticMapper, Recorded, body_hash, key_of_tag
from erantis_domain.store._recorders import Entry, IndexedRecorder
from erantis_domain.store.keys import FieldCipher

#: One logger for the whole store, under the name embedders already configure.
_log = logging.getLogger("erantis_domain.store")


#: What a keyed entry's HMAC covers besides the content's hash: apart from the chain's tags.
_KEYED = "erantis event-id index 1:"


def content_hash(event: DomainEvent) -> str:
    """The SHA-256 (hex) of an event's content, as the index of event ids digests it."""
    return body_hash(event.model_dump_json())


def entry_of(hashed: str, cipher: FieldCipher | None) -> str:
    """The index's entry for content of hash ``hashed``: keyed under the cipher's current
    key in a store with one, else the hash's first 32 hex digits."""
    return hashed[:32] if cipher is None else cipher.mac(_KEYED + hashed)


def matches(entry: str, hashed: str, cipher: FieldCipher | None) -> bool:
    """Whether an index entry is that of content of hash ``hashed`` (plain or keyed)."""
    key_id = key_of_tag(entry)
    if key_id is None:
        return hmac.compare_digest(entry, hashed[:32])
    if cipher is None:
        raise StoreKeyError("the index of event ids is keyed, and no cipher key was given")
    return hmac.compare_digest(entry, cipher.mac(_KEYED + hashed, key_id))


class EventIds:
    """The index of event ids of one store: in its database, or in memory."""

    def __init__(self, app: Backend, label: str) -> None:
        self._app = app
        self._label = label
        #: The recorder keeping the index in the database; ``None`` for the in-memory store.
        self.recorder = app.recorder if isinstance(app.recorder, IndexedRecorder) else None
        #: The index of an in-memory store (a database keeps its own table).
        self.memory: dict[tuple[str, str], str] = {}
        mapper = app.mapper
        #: The cipher the entries are keyed with (``None``: a store in clear).
        self.cipher = mapper.field_cipher if isinstance(mapper, PydanticMapper) else None

    def ensure(self) -> None:
        """Index a store written before the index existed (once)."""
        if self.recorder is not None and not self.recorder.has_index():
            self.build()

    def build(self) -> None:
        """Index the event ids of the stored events (a store written before the index)."""
        assert self.recorder is not None
        unreadable = 0

        def index_of(stored: StoredEvent) -> Entry | None:
            nonlocal unreadable
            try:
                record = self._app.mapper.to_domain_event(stored)
            except StoreCorruptedError:
                unreadable += 1  # verify names it
                return None
            assert isinstance(record, Recorded)
            entry = entry_of(content_hash(record.event), self.cipher)
            return record.originator_id.hex, str(record.event.event_id), entry

        indexed = self.recorder.create_index(index_of)
        if indexed or unreadable:
            _log.warning(
                "indexed the ids of %d stored events (%d unreadable rows left out) in %s",
                indexed,
                unreadable,
                self._label,
            )

    def digests(self, stream_id: UUID, keys: list[str]) -> dict[str, str]:
        """The index's digests of those of the event ids ``keys`` already stored in the
        stream."""
        stream = stream_id.hex
        if self.recorder is None:
            memory = self.memory
            return {key: memory[stream, key] for key in keys if (stream, key) in memory}
        return self.recorder.digests(stream, keys)

    def remember(self, entries: Iterable[Entry]) -> None:
        """Add entries to the in-memory index (a database writes its own with the events)."""
        self.memory.update(((s, k), d) for s, k, d in entries)

    def count(self) -> int:
        """How many event ids the index holds."""
        return len(self.memory) if self.recorder is None else self.recorder.indexed()
