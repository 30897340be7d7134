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
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder

__all__ = ["INDEX_TABLE", "IndexedRecorder", "SQLiteIndexedRecorder"]

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
