"""Private: the PostgreSQL recorder with the index of event ids (see ``_recorders``).

A module of its own, named by the backend's topic and imported only when a PostgreSQL store is
opened: importing eventsourcing's PostgreSQL module imports psycopg, which a process on SQLite
alone (the command line's default) should not pay for at start.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from erantis_domain.store._recorders import (
    _CHUNK,
    INDEX_TABLE,
    KEYS_TABLE,
    Entry,
    IndexedRecorder,
    Indexer,
    Row,
    _chunks,
    _stored,
)

__all__ = ["PostgresIndexedRecorder"]

_Call = TypeVar("_Call")


def _once_more(call: Callable[[], _Call]) -> _Call:
    """``call``, tried a second time at once when its connection broke (a server restart
    closes the pooled ones), never after a timeout: eventsourcing retries ten times, which
    made a vanished server's first error take ten pool timeouts."""
    try:
        return call()
    except (InterfaceError, OperationalError) as exc:
        text = str(exc)
        if "couldn't get a connection" in text or "did not answer within" in text:
            raise
        return call()


class _PostgresIndexedRecorder(PostgresApplicationRecorder, IndexedRecorder):
    """The PostgreSQL application recorder, writing the index with the events. Its
    reads and writes are tried at most twice (see ``_once_more``)."""

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        raw = PostgresApplicationRecorder.insert_events.__wrapped__
        return _once_more(lambda: raw(self, stored_events, **kwargs))

    def select_events(self, *args: Any, **kwargs: Any) -> Any:
        raw = PostgresApplicationRecorder.select_events.__wrapped__
        return _once_more(lambda: raw(self, *args, **kwargs))

    def select_notifications(self, *args: Any, **kwargs: Any) -> Any:
        raw = PostgresApplicationRecorder.select_notifications.__wrapped__
        return _once_more(lambda: raw(self, *args, **kwargs))

    def max_notification_id(self) -> Any:
        raw = PostgresApplicationRecorder.max_notification_id.__wrapped__
        return _once_more(lambda: raw(self))

    def _table(self) -> Any:
        return SQL("{}.{}").format(Identifier(self.datastore.schema), Identifier(INDEX_TABLE))

    def write(
        self, rows: Sequence[Row], ids: Sequence[Entry], snapshots: Sequence[StoredEvent]
    ) -> None:
        self.insert_events(
            [StoredEvent(stream, version, topic, state) for stream, version, topic, state in rows],
            ids=ids,
            snapshots=snapshots,
        )

    def _insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        ids: Sequence[Entry] = kwargs.get("ids") or ()
        if ids:
            # One statement of three arrays: an executemany binds and sends each row.
            streams, event_ids, digests = zip(*ids, strict=True)
            curs.execute(
                SQL(
                    "INSERT INTO {} (stream_id, event_id, digest) "
                    "SELECT * FROM unnest(%s::text[], %s::text[], %s::text[])"
                ).format(self._table()),
                (list(streams), list(event_ids), list(digests)),
            )
        snapshots: Sequence[StoredEvent] = kwargs.get("snapshots") or ()
        if snapshots:
            # eventsourcing names the tables after the application: "<name>_snapshots".
            table = self.events_table_name.removesuffix("_events") + "_snapshots"
            curs.executemany(
                SQL(
                    "INSERT INTO {}.{} (originator_id, originator_version, topic, state) "
                    "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING"
                ).format(Identifier(self.datastore.schema), Identifier(table)),
                [(s.originator_id, s.originator_version, s.topic, s.state) for s in snapshots],
            )

    def has_index(self) -> bool:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                "SELECT to_regclass(%s) AS found", (f'"{self.datastore.schema}".{INDEX_TABLE}',)
            )
            row = curs.fetchone()
            return row is not None and row["found"] is not None

    def create_index(self, index_of: Indexer) -> int:
        count = 0
        events = SQL("{}.{}").format(
            Identifier(self.datastore.schema), Identifier(self.events_table_name)
        )
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL(
                    "CREATE TABLE IF NOT EXISTS {} (stream_id text, event_id text, "
                    "digest text NOT NULL, PRIMARY KEY (stream_id, event_id))"
                ).format(self._table())
            )
            # Concurrent builders wait here for the first, then find its rows.
            curs.execute(SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(self._table()))
            curs.execute(SQL("SELECT count(*) AS n FROM {}").format(self._table()))
            row = curs.fetchone()
            if row is not None and row["n"]:
                return 0
            after = 0
            while True:
                curs.execute(
                    SQL(
                        "SELECT * FROM {} WHERE notification_id > %s "
                        "ORDER BY notification_id LIMIT %s"
                    ).format(events),
                    (after, _CHUNK),
                )
                rows = curs.fetchall()
                if not rows:
                    return count
                after = rows[-1]["notification_id"]
                entries = [
                    entry
                    for row in rows
                    if (entry := index_of(_stored(row, lambda v: v))) is not None
                ]
                if entries:
                    curs.executemany(
                        SQL(
                            "INSERT INTO {} (stream_id, event_id, digest) "
                            "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING"
                        ).format(self._table()),
                        entries,
                    )
                count += len(entries)

    def digests(self, stream: str, event_ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        with self.datastore.transaction(commit=False) as curs:
            for chunk in _chunks(event_ids):
                curs.execute(
                    SQL(
                        "SELECT event_id, digest FROM {} "
                        "WHERE stream_id = %s AND event_id = ANY(%s)"
                    ).format(self._table()),
                    (stream, list(chunk)),
                )
                found.update((row["event_id"], row["digest"]) for row in curs.fetchall())
        return found

    def indexed(self) -> int:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT count(*) AS n FROM {}").format(self._table()))
            row = curs.fetchone()
            return int(row["n"]) if row is not None else 0

    def key_checks(self, given: dict[str, str]) -> dict[str, str]:
        table = SQL("{}.{}").format(Identifier(self.datastore.schema), Identifier(KEYS_TABLE))
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL(
                    "CREATE TABLE IF NOT EXISTS {} "
                    "(key_id text PRIMARY KEY, check_value text NOT NULL)"
                ).format(table)
            )
            for key_id, value in given.items():
                curs.execute(
                    SQL(
                        "INSERT INTO {} (key_id, check_value) VALUES (%s, %s) "
                        "ON CONFLICT DO NOTHING"
                    ).format(table),
                    (key_id, value),
                )
            curs.execute(SQL("SELECT key_id, check_value FROM {}").format(table))
            return {str(row["key_id"]): str(row["check_value"]) for row in curs.fetchall()}


PostgresIndexedRecorder = _PostgresIndexedRecorder
