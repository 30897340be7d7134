"""Private: eventsourcing's SQLite tracking recorder with our table of checkpoint documents
beside it (imported on first use: eventsourcing is slow to import)."""

from __future__ import annotations

from eventsourcing.persistence import Tracking
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

from erantis_domain.projections._tracked import behind

__all__ = ["SqliteTracking"]


class SqliteTracking(SQLiteTrackingRecorder):
    """eventsourcing's SQLite tracking recorder, with our table of state documents beside it."""

    @classmethod
    def connect(cls, path: str) -> SqliteTracking:
        datastore = SQLiteDatastore(path, lock_timeout=10, pool_size=1, max_overflow=2)
        recorder = cls(datastore)
        recorder.create_table()
        return recorder

    def construct_create_table_statements(self) -> list[str]:
        statements: list[str] = super().construct_create_table_statements()
        statements.append(
            "CREATE TABLE IF NOT EXISTS erantis_checkpoints "
            "(name TEXT PRIMARY KEY, document TEXT NOT NULL)"
        )
        return statements

    def save(self, name: str, document: str, position: int) -> None:
        with self.datastore.transaction(commit=True) as c:
            recorded = self._max_tracking_id(name, c)
            if recorded is not None and position < recorded:
                raise behind(name, position, recorded)
            c.execute(
                "INSERT INTO erantis_checkpoints (name, document) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET document = excluded.document",
                (name, document),
            )
            if recorded is None or position > recorded:
                self._insert_tracking(c, Tracking(name, position))

    def load(self, name: str) -> tuple[str | None, int | None]:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT document FROM erantis_checkpoints WHERE name = ?", (name,))
            row = c.fetchone()
            return (None if row is None else str(row[0])), self._max_tracking_id(name, c)
