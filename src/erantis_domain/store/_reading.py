"""Private: reading the store: one stream (from its newest snapshot on), the store-wide log in
recording order, and every stream whole, one at a time.

Every read checks each stream's digest chain on the way; damage raises
:class:`~erantis_domain.errors.StoreCorruptedError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

from erantis_domain.errors import Damage, StoreCorruptedError
from erantis_domain.events import Event
from erantis_domain.store import _bulk
from erantis_domain.store._backend import Backend
from erantis_domain.store._chain import Chain, verified
from erantis_domain.store._failures import Failures, driver_errors
from erantis_domain.store._mapper import Recorded
from erantis_domain.store._naming import Kind, stream_of
from erantis_domain.store._snapshots import Snapshots
from erantis_domain.store._streams import Stream, empty
from erantis_domain.store.results import StoredEntry, StoredStream


class Reader:
    """Reads the streams and the log of one store."""

    def __init__(self, app: Backend, snapshots: Snapshots, failures: Failures) -> None:
        self._app = app
        self._snapshots = snapshots
        self._failures = failures

    def load(
        self,
        stream_id: UUID,
        kind: Kind,
        parts: tuple[str, ...],
        *,
        use_snapshot: bool = True,
    ) -> Stream:
        """A stream as stored: from its newest intact snapshot (unless ``use_snapshot`` is
        false), then its later events, each checked against the chain."""
        stream = empty(stream_id, kind, parts, self._app.field_cipher)
        after: int | None = None
        if use_snapshot and self._snapshots.kept:
            restored = self._snapshots.restore(stream_id, kind, parts)
            if restored is not None:
                stream, after = restored, restored.version
        for record in verified(stream.chain, self._app.events.get(stream_id, gt=after)):
            stream.apply(record.event)
        return stream

    def events(self, stream_id: UUID) -> list[Event]:
        """All events of a stream in recording order, each checked against the chain."""
        records = self._app.events.get(stream_id)
        return [r.event for r in verified(Chain(stream_id, keys=self._app.field_cipher), records)]

    def replay(self, after: int, batch_size: int) -> Iterator[StoredEntry]:
        """Every stored event after log position ``after``, each stream's chain checked from
        the first of its events read here (see :meth:`~erantis_domain.store.CaseStore.replay`)."""
        chains: dict[UUID, Chain] = {}
        for notification, record in self._notifications(after, batch_size):
            chain_of = chains.get(record.originator_id)
            if chain_of is None:
                chain_of = chains[record.originator_id] = Chain.resumed(
                    record, self._app.field_cipher
                )
            damage = chain_of.check(record)
            if damage is not None:
                raise StoreCorruptedError.of([damage])
            yield StoredEntry(notification, record.timestamp, record.event)

    def all_streams(
        self, indexed: Callable[[], int], digests: bool, batch_size: int
    ) -> Iterator[StoredStream]:
        """:meth:`streams`, and then damage if the store holds fewer events than the index of
        event ids counted before reading (``indexed``): appends add events and their ids
        together, so only deleted events leave ids behind (a stream's last events leave no
        gap a chain could see)."""
        expected = indexed()
        read = 0
        for stream in self.streams(digests, batch_size):
            read += len(stream.events)
            yield stream
        if read < expected:
            missing = expected - read
            reason = f"it holds ids of {missing} events not in the store (deleted?)"
            raise StoreCorruptedError.of([Damage("<event id index>", 0, reason)])

    def streams(self, digests: bool, batch_size: int) -> Iterator[StoredStream]:
        """Every stream whole, one at a time, from pages of rows in key order (see
        :meth:`~erantis_domain.store.CaseStore.streams`)."""
        mapper, mapper_keys = self._app.mapper, self._app.field_cipher
        for stream_id, rows in _bulk.streams_of(_bulk.pages(self._rows, batch_size)):
            chain_of = Chain(stream_id, keys=mapper_keys)
            events: list[Event] = []
            for row in rows:
                record = _bulk.decode(row, mapper, digests=digests)
                damage = chain_of.check(record) if digests else chain_of.step(record)
                if damage is not None:
                    raise StoreCorruptedError.of([damage])
                events.append(record.event)
            _, kind, parts = stream_of(events[0])
            yield StoredStream(kind, parts, events)

    def _rows(self, after: tuple[UUID, int] | None, limit: int) -> list[_bulk.Row]:
        """The page of event rows after ``after`` in (stream id, version) order."""
        recorder: Any = self._app.recorder
        persistence = self._app.persistence
        try:
            if persistence == "popo":
                return _memory_rows(recorder, after, limit)
            if persistence == "postgres":
                from psycopg.sql import SQL, Identifier

                table: Any = SQL("{}.{}").format(
                    Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name)
                )
                columns = SQL("SELECT originator_id, originator_version, topic, state FROM {}")
                where = SQL(" WHERE (originator_id, originator_version) > (%s, %s)")
                order = SQL(" ORDER BY originator_id, originator_version LIMIT %s")
                query: Any = columns.format(table) + (where if after else SQL("")) + order
            else:
                name = recorder.events_table_name
                query = f"SELECT originator_id, originator_version, topic, state FROM {name}"
                if after:
                    query += " WHERE (originator_id, originator_version) > (?, ?)"
                query += " ORDER BY originator_id, originator_version LIMIT ?"
            params: tuple[Any, ...] = (
                (after[0].hex, after[1], limit)
                if after and persistence == "sqlite"
                else (after[0], after[1], limit)
                if after
                else (limit,)
            )
            with recorder.datastore.transaction(commit=False) as cursor:
                cursor.execute(query, params)
                found = cursor.fetchall()
        except driver_errors() as exc:
            raise self._failures.unavailable(exc) from None
        out: list[_bulk.Row] = []
        for row in found:
            stream_id, version, topic, state = (
                tuple(row.values()) if isinstance(row, dict) else tuple(row)
            )
            out.append((UUID(str(stream_id)), int(version), str(topic), bytes(state)))
        return out

    def fetch(self, start: int, limit: int) -> list[Any]:
        """A page of the store-wide log (notifications) from position ``start``."""
        try:
            return list(self._app.recorder.select_notifications(start, limit))
        except driver_errors() as exc:
            raise self._failures.unavailable(exc) from None

    def _notifications(self, after: int, batch_size: int) -> Iterator[tuple[int, Recorded]]:
        start = after + 1
        while True:
            notifications = self.fetch(start, batch_size)
            if not notifications:
                return
            for notification in notifications:
                record = self._app.mapper.to_domain_event(notification)
                assert isinstance(record, Recorded)
                yield notification.id, record
            start = notifications[-1].id + 1


def _memory_rows(recorder: Any, after: tuple[UUID, int] | None, limit: int) -> list[_bulk.Row]:
    """The in-memory store's rows after ``after`` in (stream id, version) order, all in one
    page (``limit`` is ignored: the rows are in memory already, and it keeps no index by key)."""
    rows = sorted(
        (UUID(str(n.originator_id)), n.originator_version, n.topic, bytes(n.state))
        for n in recorder.select_notifications(1, recorder.max_notification_id() or 1)
    )
    return rows if after is None else [r for r in rows if (r[0], r[1]) > after]
