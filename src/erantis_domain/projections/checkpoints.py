"""Where projections keep their checkpoints: a tiny key-value interface and three backends.

Why a key-value of JSON documents and not a table per projection in the event store's
database: the projections must work the same over the memory, SQLite and PostgreSQL stores, and
the eventsourcing application does not expose its connection for our own tables. A checkpoint is
one document holding state *and* position, written in one atomic step, so the two can never
disagree (the guarantee that a restart never counts an event twice). An embedder with
PostgreSQL implements :class:`CheckpointStore` over one ``(name, document)`` table with an
upsert, in a few lines.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Protocol

__all__ = [
    "CheckpointStore",
    "DirectoryCheckpoints",
    "MemoryCheckpoints",
    "SqliteCheckpoints",
]


class CheckpointStore(Protocol):
    """Saved projection documents by name."""

    def read(self, name: str) -> str | None:
        """The document saved under ``name``, or ``None``."""
        ...

    def write(self, name: str, document: str) -> None:
        """Replace the document under ``name`` atomically."""
        ...


class MemoryCheckpoints:
    """Checkpoints in a dict (tests; a process that rebuilds on start)."""

    def __init__(self) -> None:
        self._documents: dict[str, str] = {}

    def read(self, name: str) -> str | None:
        """The document saved under ``name``, or ``None``."""
        return self._documents.get(name)

    def write(self, name: str, document: str) -> None:
        """Replace the document under ``name``."""
        self._documents[name] = document


class DirectoryCheckpoints:
    """One JSON file per projection in a directory; written to a temporary file and renamed
    over the old one (atomic on POSIX and Windows), so a crash leaves the old or the new
    checkpoint, never half of one."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def _path(self, name: str) -> Path:
        if not name or not all(c.isalnum() or c in "-_." for c in name) or name[0] == ".":
            raise ValueError(f"checkpoint name {name!r} is not a plain file name")
        return self.directory / f"{name}.json"

    def read(self, name: str) -> str | None:
        """The document saved under ``name``, or ``None``."""
        path = self._path(name)
        return path.read_text(encoding="utf-8") if path.exists() else None

    def write(self, name: str, document: str) -> None:
        """Replace the document under ``name`` atomically."""
        path = self._path(name)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(document)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class SqliteCheckpoints:
    """Checkpoints in a table ``erantis_checkpoints(name, document)`` of a SQLite file: may be
    the event store's own file (the table is ours and does not clash) or a separate one."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        connection = self._connect()
        try:
            with connection:
                connection.execute(
                    "CREATE TABLE IF NOT EXISTS erantis_checkpoints "
                    "(name TEXT PRIMARY KEY, document TEXT NOT NULL)"
                )
        finally:
            connection.close()

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def read(self, name: str) -> str | None:
        """The document saved under ``name``, or ``None``."""
        connection = self._connect()
        try:
            row = connection.execute(
                "SELECT document FROM erantis_checkpoints WHERE name = ?", (name,)
            ).fetchone()
        finally:
            connection.close()
        return None if row is None else str(row[0])

    def write(self, name: str, document: str) -> None:
        """Replace the document under ``name`` in one transaction."""
        connection = self._connect()
        try:
            with connection:
                connection.execute(
                    "INSERT INTO erantis_checkpoints (name, document) VALUES (?, ?) "
                    "ON CONFLICT(name) DO UPDATE SET document = excluded.document",
                    (name, document),
                )
        finally:
            connection.close()
