"""Private: the event store as the command line uses it, apart from any terminal.

Opening a store from the one address a user gives (a SQLite path, ``sqlite:///PATH``, or
``postgresql://...``), the projections' checkpoints beside its events, the persisted frame
ledger, and ingesting a JSON Lines file: validated whole first, then partitioned by case on
disk and stored one case (or team period) per transaction. The CLI is a shell over these
(parsing, printing, exit codes); a service over the same stores can call them too.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import logging
import os
import shutil
import stat
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, unquote, urlsplit

from erantis_domain.authority import AppendPolicy
from erantis_domain.errors import ForbiddenError, InvalidEventError, StoreKeyError
from erantis_domain.events import DomainEvent, Event, TeamEvent, parse_event
from erantis_domain.events.decode import _parse_stored
from erantis_domain.projections.budget import BudgetLedger
from erantis_domain.projections.checkpoints import (
    CheckpointStore,
    PostgresCheckpoints,
    SealedCheckpoints,
    SqliteCheckpoints,
)
from erantis_domain.store import SSL_MODES, CaseStore
from erantis_domain.store.keys import FieldCipher
from erantis_domain.values import Actor, Role, redact_cpr

__all__ = [
    "INGEST_PARTS",
    "AddressError",
    "checkpoints",
    "importer_policy",
    "key_file",
    "keyed_store",
    "open_cli_store",
    "open_store",
    "partition",
    "persisted_ledger",
    "scratch_directory",
    "shown_address",
    "sqlite_path",
    "store_parts",
]

_log = logging.getLogger(__name__)

#: Partition files of an ingest: the file is split by case into this many, so one of them at
#: a time is held in memory while it is stored.
INGEST_PARTS = 128


class AddressError(ValueError):
    """A store address erantis cannot use: a usage error of whoever gave it."""


def sqlite_path(address: str) -> Path | None:
    """The SQLite file ``address`` names, or ``None`` for a PostgreSQL URL."""
    if address.startswith(("postgresql://", "postgres://")):
        return None
    if address.startswith("sqlite:///"):
        return Path(unquote(address.removeprefix("sqlite:///")))
    if "://" in address:
        raise AddressError(
            f"unsupported scheme {address.split('://', 1)[0]!r} "
            "(use a path, sqlite:///PATH or postgresql://...)"
        )
    return Path(address)


#: Bounds of a PostgreSQL URL: its length, and PostgreSQL's own limit on a name (63 bytes).
_MAX_ADDRESS = 2048
_MAX_NAME = 63


def _postgres(address: str, cipher: FieldCipher | None = None) -> CaseStore:
    if len(address) > _MAX_ADDRESS:
        raise AddressError(f"the PostgreSQL URL is longer than {_MAX_ADDRESS} characters")
    if not address.isascii() or not address.isprintable():
        raise AddressError("the PostgreSQL URL holds a character outside printable ASCII")
    try:
        parts = urlsplit(address)
        hostname = parts.hostname
    except ValueError:
        raise AddressError("the PostgreSQL URL is malformed (a bracket of its host?)") from None
    query = parse_qs(parts.query)
    unknown = sorted(set(query) - {"sslmode"})
    if unknown:
        raise AddressError(f"unsupported parameter(s) {', '.join(unknown)} (only sslmode)")
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname:
        raise AddressError("a PostgreSQL URL needs a database name (postgresql://.../NAME)")
    names = [dbname, unquote(parts.username or "")]
    if any(len(name.encode()) > _MAX_NAME or not name.isprintable() for name in names):
        raise AddressError(
            f"the database or user name of the PostgreSQL URL is longer than {_MAX_NAME} bytes "
            "or holds a control character"
        )
    sslmode: str | None = None
    if "sslmode" in query:
        sslmode = query["sslmode"][-1]
        if len(query["sslmode"]) > 1 or sslmode not in SSL_MODES:
            raise AddressError(f"sslmode must be one of {', '.join(sorted(SSL_MODES))}")
    try:
        port = parts.port or 5432
    except ValueError:
        raise AddressError(
            "the port of the PostgreSQL URL is not a number from 1 to 65535"
        ) from None
    return CaseStore.postgres(
        dbname=dbname,
        host=hostname or "127.0.0.1",
        port=port,
        user=unquote(parts.username) if parts.username else "erantis",
        password=unquote(parts.password) if parts.password else "",
        cipher=cipher,
        sslmode=sslmode,
    )


def open_store(address: str, cipher: FieldCipher | None = None) -> CaseStore:
    """The store at ``address``: a SQLite file (created if missing) or a PostgreSQL database,
    encrypted with ``cipher`` if one is given."""
    path = sqlite_path(address)
    return _postgres(address, cipher) if path is None else CaseStore.sqlite(path, cipher=cipher)


def key_file() -> Path:
    """Where the command line keeps the keys of the stores it encrypts: ``ERANTIS_KEY_FILE``,
    else ``$XDG_CONFIG_HOME/erantis/store.key`` (``~/.config/erantis/store.key``)."""
    configured = os.environ.get("ERANTIS_KEY_FILE")
    if configured:
        return Path(configured)
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "erantis" / "store.key"


def _parsed_keys(text: str, source: str) -> FieldCipher:
    """Keys as ``ID:HEX`` (or a bare ``HEX``, id ``k1``), one per line or comma-separated, the
    last one current: a rotation appends the new key and keeps the old ones."""
    keys: dict[str, bytes] = {}
    current = ""
    for line in text.replace(",", "\n").splitlines():
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        key_id, colon, hexed = entry.rpartition(":")
        key_id = key_id if colon else "k1"
        try:
            keys[key_id] = bytes.fromhex(hexed)
        except ValueError:
            raise StoreKeyError(f"{source} holds a key that is not hexadecimal") from None
        current = key_id
    if not keys:
        raise StoreKeyError(f"{source} holds no key")
    return FieldCipher(keys, current)


def _given_cipher(*, create: bool) -> tuple[FieldCipher | None, Path | None]:
    """The keys from ``ERANTIS_KEY`` or the key file; with ``create``, a new key file (mode
    0600, its folder 0700) when there is none, whose path is then returned too."""
    text = os.environ.get("ERANTIS_KEY")
    if text:
        return _parsed_keys(text, "ERANTIS_KEY"), None
    path = key_file()
    shown = redact_cpr(str(path))
    if path.exists():
        if path.stat().st_mode & 0o077:
            raise StoreKeyError(
                f"the key file {shown} may be read by other users: make it the owner's alone "
                f"(chmod 600 {shown})"
            )
        return _parsed_keys(path.read_text(encoding="utf-8"), f"the key file {shown}"), None
    if not create:
        return None, None
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = FieldCipher.generate_key()
    # Created with owner-only permissions from the start: never readable by others, even
    # for a moment.
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(
            "# The key of the erantis stores created here (AES-256). Keep a copy somewhere "
            "safe:\n# without it the stores cannot be read. Rotate by adding a line ID:HEX.\n"
            f"k1:{key.hex()}\n"
        )
    return FieldCipher({"k1": key}, "k1"), path


def keyed_store(
    open_with: Callable[[FieldCipher | None], CaseStore], *, create: bool, clear: bool
) -> tuple[CaseStore, Path | None]:
    """The store ``open_with`` opens, with the key it needs: an encrypted store with its key
    (``ERANTIS_KEY`` or the key file), a store in clear as it is, and a new (empty) store,
    when ``create``, encrypted unless ``clear``: with the key given, else with a key made
    on first use in the key file, whose path is returned then (the caller says where).
    The command line and the service open their stores through this one rule."""
    store = open_with(None)
    try:
        stored_ids = store.key_ids()
        new = create and not stored_ids and not clear and store.last_position() == 0
    finally:
        store.close()
    if not stored_ids and not new:
        return open_with(None), None
    cipher, created = _given_cipher(create=new)
    if cipher is None:
        raise StoreKeyError(
            f"the store is encrypted (key {', '.join(stored_ids)}): give its key in "
            f"ERANTIS_KEY or in the key file {redact_cpr(str(key_file()))}"
        )
    return open_with(cipher), created


def open_cli_store(
    address: str, *, create: bool = False, clear: bool = False
) -> tuple[CaseStore, Path | None]:
    """The store at ``address`` as the command line opens it (see :func:`keyed_store`)."""
    return keyed_store(lambda cipher: open_store(address, cipher), create=create, clear=clear)


def shown_address(address: str) -> str:
    """The store for messages: a PostgreSQL URL without its credentials, a path without a
    CPR-shaped part."""
    path = sqlite_path(address)
    if path is not None:
        return redact_cpr(str(path))
    parts = urlsplit(address)
    return f"postgresql://{parts.hostname or '127.0.0.1'}/{parts.path.lstrip('/')}"


def checkpoints(address: str) -> CheckpointStore:
    """Where the projections are kept: beside the events, in the same database."""
    path = sqlite_path(address)
    if path is not None:
        return SqliteCheckpoints(path)
    parts = urlsplit(address)
    return PostgresCheckpoints(
        dbname=unquote(parts.path.lstrip("/")),
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=unquote(parts.username) if parts.username else "erantis",
        password=unquote(parts.password) if parts.password else "",
    )


@contextmanager
def persisted_ledger(address: str, store: CaseStore) -> Iterator[BudgetLedger]:
    """The frame ledger, persisted in the store's database: restored from its checkpoint and
    caught up with the events stored since (not a replay of the whole store)."""
    saved_in = checkpoints(address)
    # Beside an encrypted store the ledger's state (actor ids, dates of each case) is sealed
    # with the store's own cipher.
    kept: CheckpointStore = (
        saved_in if store.cipher is None else SealedCheckpoints(saved_in, store.cipher)
    )
    try:
        ledger = BudgetLedger()
        read = ledger.sync(store, kept)
        _log.info("ledger caught up with %d events stored since its checkpoint", read)
        saved = ledger.position
        yield ledger
        # A settlement the command recorded (and caught up) is saved with the ledger.
        ledger.catch_up(store)
        if ledger.position != saved:
            ledger.save(kept)
    finally:
        if isinstance(saved_in, PostgresCheckpoints):
            saved_in.close()


#: Where every ingest keeps its part files: one private directory per user (mode 0700), one
#: run directory in it per ingest, held locked while the ingest runs.
_SCRATCH_PREFIX = "erantis-ingest-"


def _scratch_root() -> Path:
    uid = os.getuid() if hasattr(os, "getuid") else 0
    root = Path(tempfile.gettempdir()) / f"{_SCRATCH_PREFIX}{uid}"
    root.mkdir(mode=0o700, exist_ok=True)
    info = root.lstat()
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise OSError(f"{root} is not a directory")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        # Another user made it first, to read what we write there: never use it.
        raise OSError(f"{root} belongs to another user")
    if info.st_mode & 0o077:
        root.chmod(0o700)
    return root


def _sweep(root: Path) -> None:
    """Remove the run directories of ingests that ended without cleaning up (killed, a
    power cut): those whose lock no process holds."""
    for run in root.glob("run-*"):
        lock = run / ".lock"
        try:
            with lock.open("a") as held:
                fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # a running ingest holds it
        except OSError:
            pass  # no lock file: the run died before it made one
        shutil.rmtree(run, ignore_errors=True)
        _log.info("removed the part files an interrupted ingest left behind")


@contextmanager
def scratch_directory() -> Iterator[Path]:
    """A private directory for an ingest's part files, removed when the ingest ends, and on
    the next ingest's start if this one was killed before it could remove it."""
    root = _scratch_root()
    _sweep(root)
    run = Path(tempfile.mkdtemp(prefix="run-", dir=root))
    with (run / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield run
        finally:
            _SEALERS.pop(run, None)
            shutil.rmtree(run, ignore_errors=True)


class _Sealer:
    """Encrypts the lines of the part files with a key that lives only in this process
    (AES-256-GCM), so that parts a killed ingest leaves behind hold no readable personal
    data. Without the ``encryption`` extra the lines are kept as they are (in the private
    directory, removed on the next run)."""

    def __init__(self) -> None:
        try:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        except ImportError:  # pragma: no cover - the encryption extra is not installed
            self._aead: Any = None
        else:
            self._aead = AESGCM(AESGCM.generate_key(bit_length=256))

    def seal(self, line: bytes) -> bytes:
        if self._aead is None:  # pragma: no cover
            return line
        nonce = os.urandom(12)
        return base64.b64encode(nonce + self._aead.encrypt(nonce, line, None))

    def open(self, sealed: bytes) -> bytes:
        if self._aead is None:  # pragma: no cover
            return sealed
        raw = base64.b64decode(sealed)
        opened: bytes = self._aead.decrypt(raw[:12], raw[12:], None)
        return opened


def importer_policy(principal: Actor) -> Callable[[DomainEvent], None]:
    """The check of each event an ingest run by ``principal`` stores, under the default
    append policy: a system (an importer of another system's records) vouches for the
    events' ``recorded_by``, whose roles the policy then judges; a person may store only
    events recorded by that person, in a role the policy allows."""
    policy = AppendPolicy.default()
    if principal.role is Role.SYSTEM:
        trusted = policy.trusting_recorded_by()
        return lambda event: trusted.check(event)
    return lambda event: policy.check(event, principal)


def partition(
    lines: Iterable[bytes],
    scratch: Path,
    advance: Callable[[int], None],
    check: Callable[[DomainEvent], None] | None = None,
) -> tuple[list[Path], int]:
    """Validate every line (and ``check`` each event, see :func:`importer_policy`), and
    write each to the part file of its case (or team period); returns the part files written
    and how many events they hold. Nothing is kept in memory but the open files. ``advance``
    is told the length of each line read."""
    paths = [scratch / f"part-{index:03d}.jsonl" for index in range(INGEST_PARTS)]
    # A part file is created when its first line arrives: a small or refused file costs no
    # 128 file creations (slow on some temporary file systems).
    files: dict[int, IO[bytes]] = {}
    total = 0
    with contextlib.ExitStack() as stack:
        for number, line in enumerate(lines, start=1):
            advance(len(line))
            if not line.strip():
                continue
            try:
                event = parse_event(line)
            except InvalidEventError as exc:
                raise InvalidEventError(f"line {number}: {exc.message}", exc.problems) from None
            if check is not None:
                try:
                    check(event)
                except ForbiddenError as exc:
                    raise ForbiddenError(f"line {number}: {exc.message}") from None
            index = zlib.crc32(_stream_key(event).encode("utf-8", "surrogatepass")) % len(paths)
            part = files.get(index)
            if part is None:
                part = files[index] = stack.enter_context(paths[index].open("wb"))
            part.write(_sealer(scratch).seal(line.rstrip(b"\r\n")) + b"\n")
            total += 1
    return [paths[index] for index in sorted(files)], total


#: One sealer per scratch directory (the key lives as long as the ingest).
_SEALERS: dict[Path, _Sealer] = {}


def _sealer(scratch: Path) -> _Sealer:
    sealer = _SEALERS.get(scratch)
    if sealer is None:
        sealer = _SEALERS[scratch] = _Sealer()
    return sealer


def _stream_key(event: Event) -> str:
    if isinstance(event, TeamEvent):
        return f"team:{event.team_id}:{event.period}"
    return f"case:{getattr(event, 'case_id', '')}"


def _stream_batches(parts: list[Path]) -> Iterator[list[Event]]:
    """The events of each case (and team period), one list each, in the file's order, one
    part file in memory at a time. Every line passed :func:`parse_event` when it was
    partitioned, so it is read back as the store reads what it validated (not kept parsed:
    that would hold the whole file)."""
    for path in parts:
        streams: dict[str, list[Event]] = {}
        with path.open("rb") as lines:
            for line in lines:
                event = _parse_stored(json.loads(_sealer(path.parent).open(line.rstrip(b"\n"))))
                streams.setdefault(_stream_key(event), []).append(event)
        path.unlink()
        yield from streams.values()


def store_parts(
    store: CaseStore, parts: list[Path], advance: Callable[[int], None]
) -> tuple[int, int]:
    """Store the part files :func:`partition` wrote, one case (or team period) per append;
    returns how many events were stored and how many were already there. ``advance`` is told
    the size of each batch stored."""
    stored = duplicates = 0
    for batch in _stream_batches(parts):
        result = store.append(batch)
        stored += result.stored
        duplicates += result.duplicates
        advance(len(batch))
    return stored, duplicates
