"""Private: eventsourcing's SQLite and PostgreSQL recorders, with the index of event ids.

The index maps each stored ``event_id`` to the digest of its content, per stream (the key is
the stream's id, then the event's: the rows of one append sit together, where a key of random
event ids alone would scatter them over the whole table and cost an ingest far more), so an
append finds the events it already holds with one indexed query per stream, instead of every
stream's snapshot carrying the digests of all its events. Its rows are written in the same
transaction as the events (``ids=`` passed to ``insert_events``): both are stored, or
neither. So are the snapshots taken after them (``snapshots=``: one commit per append, not
two; a snapshot already stored by another writer at the same version is equal by design, and
kept).

A store written before the index existed has none: :meth:`create_index` builds it from the
stored events, in one transaction with the table's creation (a second process doing the same
at the same time finds the table made, and uses it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder

__all__ = ["INDEX_TABLE", "IndexedRecorder", "PostgresIndexedRecorder", "SQLiteIndexedRecorder"]

INDEX_TABLE = "erantis_event_ids"
#: The check value of each key id the store's data was encrypted with (see keys.py).
KEYS_TABLE = "erantis_key_checks"
#: eventsourcing's table of snapshots on SQLite (on PostgreSQL the application's name
#: prefixes it, as it does the events table).
_SQLITE_SNAPSHOTS = "stored_snapshots"
#: Rows read per query while an index is built, and event ids per lookup.
_CHUNK = 500

#: An entry of the index: the stream's id (hex), the event's id, the digest of its content.
Entry = tuple[str, str, str]
#: An event row as :meth:`IndexedRecorder.write` takes it: the stream's id (a ``UUID``, or
#: its hex where the recorder's ``hex_streams`` says so), the version, the topic, the state.
Row = tuple[Any, int, str, bytes]
#: What a stored row is indexed under, or ``None`` if it is unreadable.
Indexer = Callable[[StoredEvent], "Entry | None"]


class IndexedRecorder:
    """What the store asks of a recorder with an index (implemented for each backend)."""

    #: Whether :meth:`write` takes each row's stream id as its hex (else as a ``UUID``).
    hex_streams = False

    def write(
        self, rows: Sequence[Row], ids: Sequence[Entry], snapshots: Sequence[StoredEvent]
    ) -> None:
        """Insert event rows, their index entries and snapshots in one transaction; a row
        already stored (same stream and version) raises eventsourcing's ``IntegrityError``
        and nothing is written."""
        raise NotImplementedError

    def has_index(self) -> bool:
        raise NotImplementedError

    def create_index(self, index_of: Indexer) -> int:
        """Create the index from the stored events; returns how many were indexed."""
        raise NotImplementedError

    def digests(self, stream: str, event_ids: Sequence[str]) -> dict[str, str]:
        """The indexed digests of those of ``event_ids`` stored in ``stream`` (its hex id)."""
        raise NotImplementedError

    def indexed(self) -> int:
        """How many event ids the index holds."""
        raise NotImplementedError

    def key_checks(self, given: dict[str, str]) -> dict[str, str]:
        """The stored check value of each key id, after storing those of ``given`` that
        have none yet (a key's first use)."""
        raise NotImplementedError


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class SQLiteIndexedRecorder(SQLiteApplicationRecorder, IndexedRecorder):
    """The SQLite application recorder, writing the index with the events."""

    hex_streams = True

    def write(
        self, rows: Sequence[Row], ids: Sequence[Entry], snapshots: Sequence[StoredEvent]
    ) -> None:
        # One executemany per table: eventsourcing's recorder executes one statement per
        # event (and reads back its rowid, which nothing here needs).
        with self.datastore.transaction(commit=True) as c:
            c.executemany(self.insert_events_statement, rows)
            self._insert_more(c, ids, snapshots)

    def _insert_more(
        self, c: Any, ids: Sequence[Entry] | None, snapshots: Sequence[StoredEvent] | None
    ) -> None:
        if ids:
            c.executemany(
                f"INSERT INTO {INDEX_TABLE} (stream_id, event_id, digest) VALUES (?, ?, ?)", ids
            )
        if snapshots:
            c.executemany(
                f"INSERT OR IGNORE INTO {_SQLITE_SNAPSHOTS} VALUES (?, ?, ?, ?)",
                [
                    (_hex(s.originator_id), s.originator_version, s.topic, s.state)
                    for s in snapshots
                ],
            )

    def _insert_events(
        self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        returning = super()._insert_events(c, stored_events, **kwargs)
        self._insert_more(c, kwargs.get("ids"), kwargs.get("snapshots"))
        return returning

    def has_index(self) -> bool:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name=?", (INDEX_TABLE,)
            )
            return c.fetchone() is not None

    def create_index(self, index_of: Indexer) -> int:
        count = 0
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                f"CREATE TABLE IF NOT EXISTS {INDEX_TABLE} (stream_id TEXT, event_id TEXT, "
                "digest TEXT NOT NULL, PRIMARY KEY (stream_id, event_id)) WITHOUT ROWID"
            )
            c.execute(f"SELECT count(*) FROM {INDEX_TABLE}")
            if c.fetchone()[0]:
                return 0  # another process built it meanwhile
            after = 0
            while True:
                c.execute(
                    f"SELECT rowid, * FROM {self.events_table_name} WHERE rowid > ? "
                    "ORDER BY rowid LIMIT ?",
                    (after, _CHUNK),
                )
                rows = c.fetchall()
                if not rows:
                    return count
                after = rows[-1]["rowid"]
                entries = [
                    entry
                    for row in rows
                    if (entry := index_of(_stored(row, self.convert_originator_id))) is not None
                ]
                c.executemany(
                    f"INSERT OR IGNORE INTO {INDEX_TABLE} (stream_id, event_id, digest) "
                    "VALUES (?, ?, ?)",
                    entries,
                )
                count += len(entries)

    def digests(self, stream: str, event_ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        with self.datastore.transaction(commit=False) as c:
            for chunk in _chunks(event_ids):
                marks = ",".join("?" * len(chunk))
                c.execute(
                    f"SELECT event_id, digest FROM {INDEX_TABLE} "
                    f"WHERE stream_id = ? AND event_id IN ({marks})",
                    (stream, *chunk),
                )
                found.update((row[0], row[1]) for row in c.fetchall())
        return found

    def indexed(self) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT count(*) FROM {INDEX_TABLE}")
            return int(c.fetchone()[0])

    def key_checks(self, given: dict[str, str]) -> dict[str, str]:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                f"CREATE TABLE IF NOT EXISTS {KEYS_TABLE} "
                "(key_id TEXT PRIMARY KEY, check_value TEXT NOT NULL)"
            )
            c.executemany(
                f"INSERT OR IGNORE INTO {KEYS_TABLE} (key_id, check_value) VALUES (?, ?)",
                list(given.items()),
            )
            c.execute(f"SELECT key_id, check_value FROM {KEYS_TABLE}")
            return {str(row[0]): str(row[1]) for row in c.fetchall()}


def _hex(originator_id: UUID | str) -> str:
    return originator_id.hex if isinstance(originator_id, UUID) else originator_id


def _stored(row: Any, convert: Callable[[str], Any]) -> StoredEvent:
    return StoredEvent(
        originator_id=convert(str(row["originator_id"])),
        originator_version=row["originator_version"],
        topic=row["topic"],
        state=bytes(row["state"]),
    )


try:  # the postgres extra
    from eventsourcing.postgres import PostgresApplicationRecorder
    from psycopg.sql import SQL, Identifier
except ImportError:  # pragma: no cover - without psycopg only SQLite and memory are offered
    PostgresIndexedRecorder: type[IndexedRecorder] | None = None
else:
    from eventsourcing.persistence import InterfaceError, OperationalError

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
                [
                    StoredEvent(stream, version, topic, state)
                    for stream, version, topic, state in rows
                ],
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
