"""Private: the index of event ids, which makes an append idempotent.

Each stored ``event_id`` is indexed with the digest of its content, per stream: an event re-sent
with the same digest is a duplicate, with another one a reuse. A database keeps the index in a
table written with the events (see :mod:`erantis_domain.store._recorders`); the in-memory store
keeps it in a dict.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from erantis_domain.errors import StoreCorruptedError
from erantis_domain.events import DomainEvent
from erantis_domain.store._backend import Backend
from erantis_domain.store._mapper import Recorded, body_hash
from erantis_domain.store._recorders import Entry, IndexedRecorder

#: One logger for the whole store, under the name embedders already configure.
_log = logging.getLogger("erantis_domain.store")


def digest(event: DomainEvent) -> str:
    """The digest of an event's content in the index of event ids: an ``event_id`` re-sent
    with the same digest is a duplicate, with another one a reuse."""
    return body_hash(event.model_dump_json())[:32]


class EventIds:
    """The index of event ids of one store: in its database, or in memory."""

    def __init__(self, app: Backend, label: str) -> None:
        self._app = app
        self._label = label
        #: The recorder keeping the index in the database; ``None`` for the in-memory store.
        self.recorder = app.recorder if isinstance(app.recorder, IndexedRecorder) else None
        #: The index of an in-memory store (a database keeps its own table).
        self.memory: dict[tuple[str, str], str] = {}

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
            return record.originator_id.hex, str(record.event.event_id), digest(record.event)

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
