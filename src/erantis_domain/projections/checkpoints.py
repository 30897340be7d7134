"""Where projections keep their checkpoints: a tiny key-value interface and four backends.

A checkpoint is a projection's state document and the log position it has reached, written in
one atomic step, so the two can never disagree (a restart never counts an event twice).

:class:`SqliteCheckpoints` and :class:`PostgresCheckpoints` keep the position in eventsourcing's
own *tracking* table (its ``SQLiteTrackingRecorder`` / ``PostgresTrackingRecorder``: one row per
projection name, which only moves forward) and the state document in a table beside it, both in
one transaction. A second runner that saves an older position than the recorded one is refused
(:class:`~erantis_domain.errors.ConcurrencyConflict`), and a document whose position is not the
tracked one is not read back (the projection is rebuilt instead).

Why our projections are not eventsourcing ``Projection`` objects run by its
``ProjectionRunner``: those write each event's effect into a persistent view, on a thread that
follows an application's subscription. Ours are in-memory read models that an embedder catches
up when it chooses (``catch_up``), over the memory, SQLite and PostgreSQL stores alike, in the
caller's thread; what they need from eventsourcing is its tracking, which they use.
:class:`MemoryCheckpoints` and :class:`DirectoryCheckpoints` (tests, a process that rebuilds on
start, a read-only database) keep the position inside the document.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from erantis_domain.store.keys import FieldCipher

__all__ = [
    "CheckpointStore",
    "DirectoryCheckpoints",
    "MemoryCheckpoints",
    "PostgresCheckpoints",
    "SealedCheckpoints",
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


_STATE_KEY = ',"state":'
_VERSION_KEY = ',"state_version":'


def _bounds(text: str) -> tuple[dict[str, Any], int, int] | None:
    """The header of a document as :meth:`Projection.dumps` writes it (position, projection,
    state version) and where its state's text starts and ends; ``None`` when the text is not
    in that shape. The state itself is neither decoded nor copied."""
    if not text.startswith('{"position":') or not text.endswith("}"):
        return None
    start, end = text.find(_STATE_KEY), text.rfind(_VERSION_KEY)
    if start < 0 or end <= start:
        return None
    try:
        header = json.loads(text[:start] + "}")
        version = json.loads(text[end + len(_VERSION_KEY) : -1])
    except ValueError:
        return None
    if not isinstance(header, dict) or set(header) != {"position", "projection"}:
        return None
    header["state_version"] = version
    return header, start + len(_STATE_KEY), end


def split_document(text: str) -> tuple[dict[str, Any], str] | None:
    """A document as :meth:`Projection.dumps` writes it, split into its header (position,
    projection, state version) and the state's text, without decoding the state; ``None``
    when the text is not in that shape."""
    bounds = _bounds(text)
    if bounds is None:
        return None
    header, start, end = bounds
    return header, text[start:end]


def _position(document: str) -> int:
    """The log position a projection's document (``Projection.dumps``) has reached."""
    # Read from the header alone: the state (every case's, for the ledger) is not copied.
    bounds = _bounds(document)
    position = (bounds[0] if bounds is not None else json.loads(document)).get("position")
    if not isinstance(position, int) or position < 0:
        raise ValueError("a checkpoint document holds its position as a whole number")
    return position


class _TrackedCheckpoints:
    """Checkpoints over a tracking recorder: the document, and its position tracked."""

    _recorder: Any

    def read(self, name: str) -> str | None:
        """The document saved under ``name``, or ``None`` (also when it is not at the tracked
        position, so the projection is rebuilt rather than misread)."""
        document, tracked = self._recorder.load(name)
        if document is None or tracked is None or _position(document) != tracked:
            return None
        return str(document)

    def write(self, name: str, document: str) -> None:
        """Save the document and track its position, in one transaction."""
        self._recorder.save(name, document, _position(document))

    def position(self, name: str) -> int | None:
        """The position tracked for ``name`` (eventsourcing's ``max_tracking_id``)."""
        tracked: int | None = self._recorder.max_tracking_id(name)
        return tracked


class SqliteCheckpoints(_TrackedCheckpoints):
    """Checkpoints in a SQLite file (may be the event store's own file: the tables ``tracking``
    and ``erantis_checkpoints`` do not clash with the store's)."""

    def __init__(self, path: str | Path) -> None:
        # eventsourcing loads on first use of a checkpoint store (it is slow to import).
        from erantis_domain.projections._sqlite_tracking import SqliteTracking

        self.path = str(path)
        self._recorder = SqliteTracking.connect(self.path)


class PostgresCheckpoints(_TrackedCheckpoints):
    """Checkpoints in a PostgreSQL database (needs the ``postgres`` extra): eventsourcing's
    tracking table ``erantis_tracking`` and our ``erantis_checkpoints`` beside it. Pass the
    connection settings of the event store, or of another database."""

    def __init__(
        self,
        *,
        dbname: str,
        host: str = "127.0.0.1",
        port: int = 5432,
        user: str = "postgres",
        password: str = "",
        connect_timeout: float = 3.0,
    ) -> None:
        from erantis_domain.projections._postgres_tracking import PostgresTracking

        self._recorder = PostgresTracking.connect(
            dbname=dbname,
            host=host,
            port=port,
            user=user,
            password=password,
            connect_timeout=connect_timeout,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._recorder.datastore.close()


class SealedCheckpoints:
    """Checkpoints whose state is encrypted with a store's :class:`FieldCipher`, over any
    other :class:`CheckpointStore`: beside an encrypted store, a projection's state (the frame
    ledger's holds actor ids) must not lie in clear. Only the position and the projection's
    name stay readable, which the tracking needs. A document saved in clear before (or with
    another key id's data that the cipher no longer holds) is not read back: the projection
    is rebuilt from the events, and saved sealed."""

    def __init__(self, inner: CheckpointStore, cipher: FieldCipher) -> None:
        self.inner = inner
        self._cipher = cipher

    def read(self, name: str) -> str | None:
        """The document saved under ``name``, decrypted, or ``None``."""
        from erantis_domain.errors import StoreKeyError

        text = self.inner.read(name)
        bounds = None if text is None else _bounds(text)
        if text is None or bounds is None:
            return None
        _, start, end = bounds
        try:
            token = json.loads(text[start:end])
        except ValueError:
            return None
        if not isinstance(token, str):
            return None  # saved in clear: rebuilt, then saved sealed
        try:
            state = self._cipher.open(token, f"checkpoint/{name}")
        except StoreKeyError:
            return None
        return text[:start] + state + text[end:]

    def write(self, name: str, document: str) -> None:
        """Replace the document under ``name``, its state sealed."""
        bounds = _bounds(document)
        if bounds is None:
            raise ValueError("a sealed checkpoint is a document as Projection.dumps writes it")
        _, start, end = bounds
        token = self._cipher.seal(document[start:end], f"checkpoint/{name}")
        self.inner.write(name, document[:start] + json.dumps(token) + document[end:])
