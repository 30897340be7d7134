"""``CaseStore``: the event store of citizen cases and team periods.

It wraps an ``eventsourcing`` application (an implementation detail: no eventsourcing type
appears in this module's public signatures). Each citizen case and each team settlement period
is one stream; :meth:`CaseStore.append` validates a batch, drops events already stored
(idempotent on ``event_id``), and writes the rest of the batch in one transaction, or nothing.

Configuration is explicit and in code: :meth:`CaseStore.sqlite` (the embedded default),
:meth:`CaseStore.memory` and :meth:`CaseStore.postgres`. The process environment is *not*
consulted, so an embedder's ``PERSISTENCE_MODULE`` or ``SQLITE_DBNAME`` can never move the data
somewhere else behind its back.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal, ParamSpec, TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, Mapper, PersistenceError, StoredEvent
from eventsourcing.utils import Environment

from erantis_domain.authority import AppendPolicy, check_principal
from erantis_domain.case import CitizenCase, TeamPeriod, evolve_all, evolve_team, fold_as_of
from erantis_domain.errors import (
    ConcurrencyConflict,
    Damage,
    EventIdReused,
    SettlementError,
    StoreAuthenticationError,
    StoreBusyError,
    StoreConfigurationError,
    StoreCorruptedError,
    StoreMissingDatabaseError,
    StoreTimeoutError,
    StoreUnavailableError,
    StoreUnreachableError,
    UnknownCaseError,
)
from erantis_domain.events import DomainEvent, Event, PeriodSettled, TeamEvent, parse_events
from erantis_domain.store._mapper import (
    PydanticMapper,
    Recorded,
    Snapshot,
    body_hash,
    chain,
    content_of,
    plain_text,
    resealed,
)
from erantis_domain.store._recorders import IndexedRecorder
from erantis_domain.store._snapshot import body_of, state_of
from erantis_domain.store.keys import FieldCipher
from erantis_domain.values import Actor, looks_like_cpr

__all__ = [
    "AppendResult",
    "CaseStore",
    "StoredEntry",
    "StoredStream",
    "VerifyReport",
    "case_stream_id",
    "team_stream_id",
]

_log = logging.getLogger("erantis.store")

_NAMESPACE = uuid5(NAMESPACE_URL, "https://erantis.dk/streams")
#: Counts and the backend only: case ids are pseudonymous but event content may not be.
_log = logging.getLogger(__name__)


def case_stream_id(case_id: str) -> UUID:
    """The stream id of a citizen case."""
    return _stream_uuid(f"case:{case_id}")


def team_stream_id(team_id: str, period: str) -> UUID:
    """The stream id of a team's settlement period."""
    return _stream_uuid(f"team:{team_id}:{period}")


@functools.lru_cache(maxsize=1 << 16)
def _stream_uuid(name: str) -> UUID:
    # uuid5 costs a few microseconds; an ingest asks it for every event of a case.
    return uuid5(_NAMESPACE, name)


def _stream_of(event: DomainEvent) -> tuple[UUID, Literal["case", "team"], tuple[str, ...]]:
    if isinstance(event, TeamEvent):
        return team_stream_id(event.team_id, event.period), "team", (event.team_id, event.period)
    case_id: str = event.case_id  # type: ignore[attr-defined]
    return case_stream_id(case_id), "case", (case_id,)


def _digest(event: DomainEvent) -> str:
    """The digest of an event's content in the index of event ids: an ``event_id`` re-sent
    with the same digest is a duplicate, with another one a reuse."""
    return body_hash(event.model_dump_json())[:32]


@dataclass(frozen=True, slots=True)
class AppendResult:
    """What an :meth:`CaseStore.append` did: how many events were new and stored, and how many
    were already stored (same ``event_id``, same content) and skipped."""

    stored: int
    duplicates: int
    #: Stream versions after the append, by case id or ``"team_id/period"``.
    versions: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """An event as recorded: its position in the store-wide log and the store's time."""

    position: int
    recorded_at: datetime
    event: Event


@dataclass(frozen=True, slots=True)
class StoredStream:
    """One stream as stored (see :meth:`CaseStore.streams`): a citizen case (``key`` is
    ``(case_id,)``) or a team period (``(team_id, period)``), its events in recording order."""

    kind: Literal["case", "team"]
    key: tuple[str, ...]
    events: list[Event]


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """What :meth:`CaseStore.verify` read and found intact."""

    streams: int
    events: int
    snapshots: int


@dataclass(slots=True)
class _Chain:
    """The digest chain of one stream, as far as it was read or written."""

    stream_id: UUID
    position: int = 0
    #: The chained digest of the last event ("" before the first).
    head: str = ""
    #: Whether an event with a stored digest was seen: after one, every event needs one.
    sealed: bool = False
    #: Accept the next event's stored digest unchecked (the events before it were not read).
    trust_next: bool = False
    #: The stream id as text, once needed (an append chains every event of a batch to it).
    name: str = ""

    def check(self, record: Recorded) -> Damage | None:
        """Whether ``record`` is the next event of the stream, intact; advances the chain."""
        expected = self.position + 1
        if record.originator_version != expected:
            return self.step(record)
        if not self.name:
            self.name = str(self.stream_id)
        digest = chain(self.head, self.name, expected, record.content)
        if self.trust_next:
            self.trust_next = False
            if record.digest is None:
                # An event stored before digests, met mid-stream: the chain cannot be rebuilt
                # without its predecessors, so only the positions are checked from here.
                self.trust_next = True
            digest = record.digest or ""
            self.sealed = record.digest is not None
        elif record.digest is None:
            if self.sealed:
                return Damage(_label(record), expected, "its digest is missing")
        elif record.digest != digest:
            return Damage(
                _label(record),
                expected,
                "its content does not match its digest (edited or reordered)",
            )
        else:
            self.sealed = True
        self.head, self.position = digest, expected
        return None

    def step(self, record: Recorded) -> Damage | None:
        """Whether ``record`` is the next event of the stream by position alone (its content
        unchecked); advances the position."""
        expected = self.position + 1
        if record.originator_version != expected:
            return Damage(
                _label(record),
                record.originator_version,
                f"events are missing before it (expected position {expected})",
            )
        self.position = expected
        return None

    @classmethod
    def resumed(cls, record: Recorded) -> _Chain:
        """The chain of a stream first met at ``record`` in a resumed replay: the events
        before it are not read, so it is trusted as the start."""
        if record.originator_version == 1:
            return cls(record.originator_id)
        return cls(record.originator_id, record.originator_version - 1, trust_next=True)

    def seal(self, recorded_at: str, hashed_body: str) -> str:
        """The chained digest of a new event appended to the stream, given the hash of its
        JSON text (:func:`~erantis_domain.store._mapper.body_hash`)."""
        self.position += 1
        if not self.name:
            self.name = str(self.stream_id)
        content = content_of(recorded_at, hashed_body)
        self.head = chain(self.head, self.name, self.position, content)
        self.sealed = True
        return self.head


@dataclass(slots=True)
class _Stream:
    """A stream as far as it was read or written. Events are folded into its state only
    when the state is asked for (a snapshot, a settlement), so an append that needs neither
    folds nothing."""

    stream_id: UUID
    kind: Literal["case", "team"]
    folded: CitizenCase | TeamPeriod
    chain: _Chain
    version: int = 0
    unfolded: list[Event] = field(default_factory=list)

    @property
    def state(self) -> CitizenCase | TeamPeriod:
        if self.unfolded:
            state = self.folded
            if isinstance(state, CitizenCase):
                state = evolve_all(state, self.unfolded)
            else:
                for event in self.unfolded:
                    state = evolve_team(state, event)
            self.folded, self.unfolded = state, []
        return self.folded

    def apply(self, event: Event) -> None:
        self.unfolded.append(event)
        self.version += 1

    def snapshot_state(self) -> dict[str, Any]:
        body = body_of(self.state)
        head = self.chain.head
        return {"head": head, "seal": _seal_text(head, body), "body": body}


def _seal(head: str, body: Mapping[str, Any]) -> str:
    """A format-1 snapshot's own digest: over the chain head it was taken at and its content
    (which held the digests of its events)."""
    text = head + json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _seal_text(head: str, body: str) -> str:
    """A snapshot's own digest: over the chain head it was taken at and its body's text."""
    return hashlib.sha256(f"{head}\n{body}".encode("utf-8", "surrogatepass")).hexdigest()


def _label(record: Recorded) -> str:
    """How damage names an event: its case, or its team and period (never personal data)."""
    return "/".join(_label_of(record.event))


def _label_of(event: DomainEvent) -> tuple[str, ...]:
    """The stream of an event in words (a case id or team and period), CPR-safe."""
    return tuple(_plain(part) for part in _stream_of(event)[2])


def _plain(key: str) -> str:
    return "<withheld: looks like a CPR number>" if looks_like_cpr(key) else key


class _Application(Application[UUID]):
    """The eventsourcing application underneath; configured only from the explicit env."""

    name = "erantis"

    def construct_env(self, name: str, env: Any = None) -> Environment:
        # Deliberately ignore os.environ: configuration passed in code must win, always.
        return Environment(name, dict(env or {}))

    #: Set on the instance before eventsourcing's constructor builds the mapper.
    field_cipher: FieldCipher | None = None

    def __init__(self, env: Mapping[str, str], field_cipher: FieldCipher | None) -> None:
        self.field_cipher = field_cipher
        super().__init__(env=env)

    def construct_mapper(self) -> Mapper[UUID]:
        mapper = PydanticMapper(transcoder=self.factory.transcoder())
        mapper.field_cipher = self.field_cipher
        return mapper


#: Our recorders (eventsourcing's, writing the index of event ids too), by persistence module.
_RECORDERS = {
    "eventsourcing.sqlite": "erantis_domain.store._recorders:SQLiteIndexedRecorder",
    "eventsourcing.postgres": "erantis_domain.store._recorders:_PostgresIndexedRecorder",
}

_P = ParamSpec("_P")
_T = TypeVar("_T")

#: Failures of the database underneath (eventsourcing wraps most driver errors in these).
_DRIVER_ERRORS: tuple[type[BaseException], ...] = (PersistenceError, sqlite3.Error, OSError)
with contextlib.suppress(ImportError):  # the postgres extra
    import psycopg
    import psycopg_pool

    _DRIVER_ERRORS += (psycopg.Error, psycopg_pool.PoolTimeout)


def _guarded(method: Callable[_P, _T]) -> Callable[_P, _T]:
    """Turn a failure of the database underneath into a coded
    :class:`~erantis_domain.errors.StoreUnavailableError`."""

    @functools.wraps(method)
    def call(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        try:
            return method(*args, **kwargs)
        except _DRIVER_ERRORS as exc:
            store = args[0]
            assert isinstance(store, CaseStore)
            raise store._unavailable(exc) from None

    return call


def _causes(exc: BaseException) -> str:
    """The lower-cased text of an exception and its causes (to classify, never to show)."""
    texts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(texts) < 5:
        texts.append(f"{type(seen).__name__}: {seen}".lower())
        seen = seen.__cause__ or seen.__context__
    return " | ".join(texts)


_UNREACHABLE = (
    "connection refused",
    "could not translate host",
    "name or service not known",
    "no route to host",
    "network is unreachable",
    "server closed the connection",
    "terminating connection",
    "connection is closed",
    "the connection is lost",
    "consuming input failed",
)


def _classify(text: str) -> type[StoreUnavailableError] | None:
    if (
        "database is locked" in text
        or "database is busy" in text
        or "database table is locked" in text
    ):
        return StoreBusyError
    if "password authentication failed" in text or "no password supplied" in text:
        return StoreAuthenticationError
    if "role " in text and "does not exist" in text:
        return StoreAuthenticationError
    if "database " in text and "does not exist" in text:
        return StoreMissingDatabaseError
    if any(marker in text for marker in _UNREACHABLE):
        return StoreUnreachableError
    if "timeout" in text or "timed out" in text or "couldn't get a connection" in text:
        return StoreTimeoutError
    return None


_ADVICE: Mapping[type[StoreUnavailableError], str] = {
    StoreBusyError: "another process holds the database locked; retry the same call after a "
    "moment (appends are all or nothing and idempotent)",
    StoreUnreachableError: "no server answers there, or it closed the connection",
    StoreAuthenticationError: "the server refused the user (wrong password, or no such role)",
    StoreMissingDatabaseError: "the server answers, but the database does not exist",
    StoreTimeoutError: "it did not answer within the timeout",
    StoreUnavailableError: "the database failed",
}


class CaseStore:
    """Event store of citizen cases (``CitizenCase``) and team periods (``TeamPeriod``).

    Use a constructor: :meth:`sqlite`, :meth:`memory` or :meth:`postgres`. ``snapshot_every``
    stores a snapshot of a stream's state each time its version reaches a multiple of it, so
    long cases load fast; ``0`` disables snapshots. ``append_policy`` (see
    :mod:`erantis_domain.authority`) makes the store refuse events recorded by a role the
    policy does not allow for their type; without one, any role may record any event.
    ``cipher`` (see :mod:`erantis_domain.store.keys`) encrypts the free text and actor ids of every
    stored event, and every snapshot, at rest.
    """

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        snapshot_every: int = 100,
        label: str = "",
        append_policy: AppendPolicy | None = None,
        cipher: FieldCipher | None = None,
    ) -> None:
        if snapshot_every < 0:
            raise StoreConfigurationError(f"snapshot_every must be >= 0 (got {snapshot_every})")
        settings = dict(env)
        settings["IS_SNAPSHOTTING_ENABLED"] = "y"
        recorder = _RECORDERS.get(settings.get("PERSISTENCE_MODULE", ""))
        if recorder is not None:
            settings["APPLICATION_RECORDER_TOPIC"] = recorder
        self.label = label
        self._env = settings
        self._closed = False
        try:
            self._app = _Application(settings, cipher)
        except _DRIVER_ERRORS as exc:
            raise self._unavailable(exc) from None
        except Exception as exc:
            raise StoreConfigurationError(
                f"could not open the {label or 'event'} store: {type(exc).__name__}"
            ) from None
        self._snapshot_every = snapshot_every
        self._policy = append_policy
        self._cipher = cipher
        #: The index of event ids of an in-memory store (a database keeps its own table).
        self._memory_index: dict[tuple[str, str], str] = {}
        self._index = (
            self._app.recorder if isinstance(self._app.recorder, IndexedRecorder) else None
        )
        if self._index is not None:
            try:
                if not self._index.has_index():
                    self._build_index(self._index)
            except _DRIVER_ERRORS as exc:
                self._app.close()
                raise self._unavailable(exc) from None
            except BaseException:
                # E.g. an encrypted store opened without its key: nothing was indexed (the
                # transaction rolled back); opened with the key, it will be.
                self._app.close()
                raise

    def _build_index(self, index: IndexedRecorder) -> None:
        """Index the event ids of a store written before the index existed (once)."""
        unreadable = 0

        def index_of(stored: StoredEvent) -> tuple[str, str, str] | None:
            nonlocal unreadable
            try:
                record = self._app.mapper.to_domain_event(stored)
            except StoreCorruptedError:
                unreadable += 1  # verify names it
                return None
            assert isinstance(record, Recorded)
            return record.originator_id.hex, str(record.event.event_id), _digest(record.event)

        indexed = index.create_index(index_of)
        if indexed or unreadable:
            _log.warning(
                "indexed the ids of %d stored events (%d unreadable rows left out) in %s",
                indexed,
                unreadable,
                self.label,
            )

    # --- constructors ---------------------------------------------------------------------

    @classmethod
    def memory(
        cls,
        *,
        snapshot_every: int = 100,
        append_policy: AppendPolicy | None = None,
        cipher: FieldCipher | None = None,
    ) -> CaseStore:
        """An in-memory store (tests, trials). Nothing survives the process."""
        return cls(
            {"PERSISTENCE_MODULE": "eventsourcing.popo"},
            snapshot_every=snapshot_every,
            label="memory",
            append_policy=append_policy,
            cipher=cipher,
        )

    @classmethod
    def sqlite(
        cls,
        path: str | Path,
        *,
        snapshot_every: int = 100,
        append_policy: AppendPolicy | None = None,
        lock_timeout: int = 10,
        cipher: FieldCipher | None = None,
    ) -> CaseStore:
        """An embedded SQLite file store, created if missing (the default for the CLI).
        ``lock_timeout`` (seconds) is how long a write waits for another process's lock before
        :class:`~erantis_domain.errors.StoreBusyError` is raised."""
        target = Path(path)
        if str(path) == ":memory:" or not target.parent.exists():
            raise StoreConfigurationError(
                f"SQLite path {_shown(str(path))} is not a file in an existing directory"
            )
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(target),
            "SQLITE_LOCK_TIMEOUT": str(lock_timeout),
        }
        name = "<withheld>" if looks_like_cpr(target.name) else target.name
        return cls(
            env,
            snapshot_every=snapshot_every,
            label=f"SQLite {name}",
            append_policy=append_policy,
            cipher=cipher,
        )

    @classmethod
    def postgres(
        cls,
        *,
        dbname: str,
        host: str = "127.0.0.1",
        port: int = 5432,
        user: str = "erantis",
        password: str = "",
        schema: str | None = None,
        snapshot_every: int = 100,
        connect_timeout: int = 10,
        append_policy: AppendPolicy | None = None,
        cipher: FieldCipher | None = None,
    ) -> CaseStore:
        """A PostgreSQL store (production). Needs the ``postgres`` extra (psycopg 3).
        ``connect_timeout`` (seconds) bounds how long an unreachable server is waited for."""
        try:
            import psycopg  # noqa: F401
            import psycopg_pool  # noqa: F401
        except ImportError:
            # Otherwise eventsourcing's own error names its PERSISTENCE_MODULE setting, which
            # erantis users never set.
            raise StoreConfigurationError(
                "the PostgreSQL store needs the 'postgres' extra (psycopg 3): "
                "pip install 'erantis[postgres]'"
            ) from None
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": dbname,
            "POSTGRES_HOST": host,
            "POSTGRES_PORT": str(port),
            "POSTGRES_USER": user,
            "POSTGRES_PASSWORD": password,
            "POSTGRES_CONNECT_TIMEOUT": str(connect_timeout),
        }
        if schema:
            env["POSTGRES_SCHEMA"] = schema
        return cls(
            env,
            snapshot_every=snapshot_every,
            label=f"PostgreSQL {dbname}",
            append_policy=append_policy,
            cipher=cipher,
        )

    @property
    def persistence(self) -> str:
        """Which persistence module is in use (``popo``, ``sqlite`` or ``postgres``)."""
        return self._app.env.get("PERSISTENCE_MODULE", "").rsplit(".", 1)[-1]

    def close(self) -> None:
        """Release connections. Using the store afterwards raises
        :class:`~erantis_domain.errors.StoreConfigurationError`."""
        if not self._closed:
            self._closed = True
            self._app.close()

    def _live(self) -> None:
        if self._closed:
            raise StoreConfigurationError(f"the {self.label or 'event'} store is closed")

    def _unavailable(self, exc: BaseException) -> StoreUnavailableError:
        """The coded error of a database failure: the cause in words, where, never the
        driver's own message (it may quote connection settings)."""
        kind = _classify(_causes(exc))
        postgres = self._env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres"
        if kind is None or (kind is StoreTimeoutError and postgres):
            # The pool hides the cause behind a timeout: one direct attempt names it.
            kind = self._probe() or kind or StoreUnavailableError
        where = self.label or "event"
        return kind(f"the {where} store is unavailable: {_ADVICE[kind]}; nothing was written")

    def _probe(self) -> type[StoreUnavailableError] | None:
        env = self._env
        if env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
            return None
        try:
            import psycopg as driver
        except ImportError:  # pragma: no cover - the postgres extra is installed with the store
            return None
        try:
            with driver.connect(
                host=env["POSTGRES_HOST"],
                port=int(env["POSTGRES_PORT"]),
                user=env["POSTGRES_USER"],
                password=env["POSTGRES_PASSWORD"] or None,
                dbname=env["POSTGRES_DBNAME"],
                connect_timeout=max(1, int(env.get("POSTGRES_CONNECT_TIMEOUT", "10"))),
            ):
                return None
        except driver.Error as exc:
            return _classify(_causes(exc)) or StoreUnreachableError

    def __enter__(self) -> CaseStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing ----------------------------------------------------------------------------

    @_guarded
    def append(
        self,
        events: Iterable[DomainEvent | Mapping[str, Any] | str | bytes],
        *,
        expected_version: int | None = None,
        principal: Actor | None = None,
    ) -> AppendResult:
        """Validate and store a batch of events, all or nothing.

        Events already stored (same ``event_id``, same content) are skipped, so re-sending a
        batch is safe; the result says how many were new. An ``event_id`` re-sent with other
        content raises :class:`~erantis_domain.errors.EventIdReused`. ``expected_version``
        (for a batch of one stream) is the stream version the writer last saw; if another
        writer appended since, :class:`~erantis_domain.errors.ConcurrencyConflict` is raised
        (unless every event of the batch is already stored: a retry then reports duplicates).
        A writer that loses a race at commit time gets the same error. Nothing is written when
        any error is raised.

        ``principal`` is the authenticated actor of the embedder's request: every event of the
        batch must then be ``recorded_by`` it. That, and the store's append policy, are checked
        for the whole batch first; a refusal raises
        :class:`~erantis_domain.errors.ForbiddenError` (``E-FORBIDDEN``). A second
        ``PeriodSettled`` for a team period (another ``event_id``) raises
        :class:`~erantis_domain.errors.SettlementError`: a period is settled once.
        """
        self._live()
        parsed = parse_events(events)
        for event in parsed:
            if self._policy is not None:
                self._policy.check(event, principal)
            else:
                check_principal(event, principal)
        if not parsed:
            return AppendResult(stored=0, duplicates=0, versions={})
        now = datetime.now(UTC)
        recorded_at = now.isoformat()
        # Each event is serialized once: its text gives its digest, its chained digest and
        # its row.
        fresh: list[tuple[Event, str, str, str, _Target]] = []
        in_batch: dict[str, str] = {}
        targets: dict[UUID, _Target] = {}
        target: _Target | None = None
        duplicates = 0
        for event in parsed:
            key = str(event.event_id)
            body = event.model_dump_json()
            hashed = body_hash(body)
            digest = hashed[:32]
            seen = in_batch.get(key)
            if seen is not None:
                if seen != digest:
                    raise EventIdReused(
                        f"event_id {key} appears twice in the batch with different content"
                    )
                duplicates += 1
                continue
            in_batch[key] = digest
            stream_id, kind, parts = _stream_of(event)
            # Stream ids are cached objects: a batch of one case meets the same one each time.
            if target is None or target.stream_id is not stream_id:
                target = targets.get(stream_id)
                if target is None:
                    target = targets[stream_id] = _Target(stream_id, kind, parts)
            target.keys.append(key)
            fresh.append((event, key, body, hashed, target))
        for target in targets.values():
            target.last = self._last_version(target.stream_id)
            if target.last:
                target.stored = self._stored_digests(target.stream_id, target.keys)
            else:
                # A new stream (the first append of a case, as in an ingest): nothing of it
                # to look up or load.
                target.stream = self._empty(target.stream_id, target.kind, target.parts)
        pending: list[Recorded] = []
        index: list[tuple[str, str, str]] = []
        for event, key, body, hashed, target in fresh:
            digest = hashed[:32]
            stored_digest = target.stored.get(key)
            if stored_digest is not None:
                if stored_digest != digest:
                    raise EventIdReused(f"event_id {key} is already stored with different content")
                duplicates += 1
                continue
            stream = target.stream
            if stream is None:
                stream = target.stream = self._load(target.stream_id, target.kind, target.parts)
            if isinstance(event, PeriodSettled) and _settled(stream.state):
                raise SettlementError(
                    f"period {event.period} of team {_shown(event.team_id)} is already "
                    "settled; a period is settled once"
                )
            if self._cipher is not None:
                # An encrypted row's digest is checked over its decrypted text written out
                # again; written out the same way here, the two agree by construction.
                body = plain_text(json.loads(body))
                hashed = body_hash(body)
            chained = stream.chain.seal(recorded_at, hashed)
            stream.apply(event)
            pending.append(
                Recorded(target.stream_id, stream.version, now, event, chained, body=body)
            )
            index.append((target.hex, key, digest))
        streams = {t.stream_id: t.stream for t in targets.values() if t.stream is not None}
        # A batch that is stored already (a retry after a lost reply) is no conflict: the
        # writer's events are in, so the result reports them as duplicates.
        if expected_version is not None and pending:
            if len(targets) != 1:
                raise ConcurrencyConflict("expected_version needs a batch of exactly one stream")
            (stream,) = streams.values()
            before = stream.version - len(pending)
            if before != expected_version:
                raise ConcurrencyConflict(
                    f"stream is at version {before}, the writer expected {expected_version}"
                )
        if pending:
            self._put(pending, index, self._snapshots(streams.values(), pending))
        versions = {
            "/".join(t.parts): t.last if t.stream is None else t.stream.version
            for t in targets.values()
        }
        _log.info(
            "append: %d events stored, %d duplicates, %d streams (%s)",
            len(pending),
            duplicates,
            len(targets),
            self.label,
        )
        return AppendResult(stored=len(pending), duplicates=duplicates, versions=versions)

    def _stored_digests(self, stream_id: UUID, keys: list[str]) -> dict[str, str]:
        """The index's digests of those of the event ids ``keys`` already stored in the
        stream."""
        stream = stream_id.hex
        if self._index is None:
            memory = self._memory_index
            return {key: memory[stream, key] for key in keys if (stream, key) in memory}
        return self._index.digests(stream, keys)

    def _put(
        self,
        pending: list[Recorded],
        index: list[tuple[str, str, str]],
        snapshots: list[Snapshot],
    ) -> None:
        """Write the events, their index entries and the snapshots taken after them, in one
        transaction (in memory, the snapshots after it)."""
        try:
            if self._index is None:
                self._app.events.put(pending)
                self._memory_index.update(((s, k), d) for s, k, d in index)
                assert self._app.snapshots is not None or not snapshots
                for snap in snapshots:
                    # Another writer may have stored the same snapshot; equal by design.
                    with contextlib.suppress(IntegrityError):
                        self._app.snapshots.put([snap])  # type: ignore[union-attr]
            else:
                # Straight to the recorder: eventsourcing's event store would also build a
                # notification object per event, which nothing here reads.
                to_stored = self._app.mapper.to_stored_event
                self._app.recorder.insert_events(
                    [to_stored(r) for r in pending],
                    ids=index,
                    snapshots=[to_stored(s) for s in snapshots],
                )
        except IntegrityError as exc:
            raise ConcurrencyConflict(
                "another writer appended to the same case or team period (or stored one of "
                "these events); nothing was written"
            ) from exc

    def _last_version(self, stream_id: UUID) -> int:
        """The version of the stream's newest stored event (0: none)."""
        newest = self._app.recorder.select_events(stream_id, desc=True, limit=1)
        return newest[0].originator_version if newest else 0

    def _snapshots(self, streams: Iterable[_Stream], pending: list[Recorded]) -> list[Snapshot]:
        """The snapshots due after ``pending``: of each stream whose version crossed a
        multiple of ``snapshot_every`` in this append."""
        every = self._snapshot_every
        if not every or self._app.snapshots is None:
            return []
        due: list[Snapshot] = []
        touched: dict[UUID, int] = {}
        for record in pending:
            touched[record.originator_id] = touched.get(record.originator_id, 0) + 1
        for stream in streams:
            added = touched.get(stream.stream_id, 0)
            if added and stream.version // every > (stream.version - added) // every:
                due.append(
                    Snapshot(
                        stream.stream_id,
                        stream.version,
                        datetime.now(UTC),
                        stream.kind,
                        stream.snapshot_state(),
                    )
                )
        return due

    # --- reading ----------------------------------------------------------------------------

    def _load(
        self,
        stream_id: UUID,
        kind: Literal["case", "team"],
        parts: tuple[str, ...],
        *,
        use_snapshot: bool = True,
    ) -> _Stream:
        stream = self._empty(stream_id, kind, parts)
        after: int | None = None
        if use_snapshot and self._app.snapshots is not None:
            restored = self._restore(stream_id, kind, parts)
            if restored is not None:
                stream, after = restored, restored.version
        for record in _verified(stream.chain, self._app.events.get(stream_id, gt=after)):
            stream.apply(record.event)
        return stream

    @staticmethod
    def _empty(stream_id: UUID, kind: Literal["case", "team"], parts: tuple[str, ...]) -> _Stream:
        state: CitizenCase | TeamPeriod = (
            CitizenCase(case_id=parts[0])
            if kind == "case"
            else TeamPeriod(team_id=parts[0], period=parts[1])
        )
        return _Stream(stream_id, kind, state, _Chain(stream_id))

    def _restore(
        self, stream_id: UUID, kind: Literal["case", "team"], parts: tuple[str, ...]
    ) -> _Stream | None:
        """The stream from its newest snapshot, or ``None`` when there is none or it is damaged
        (a warning is logged, and the caller rebuilds the state from the events)."""
        try:
            return self._from_snapshot(stream_id, kind, parts)
        except _SnapshotDamaged as exc:
            # Never the state itself in the log: it holds personal data.
            _log.warning(
                "discarded a damaged snapshot of stream %s at version %d (%s); "
                "rebuilding the state from its events",
                stream_id,
                exc.version,
                exc.reason,
            )
        return None

    def _from_snapshot(
        self, stream_id: UUID, kind: Literal["case", "team"], parts: tuple[str, ...]
    ) -> _Stream | None:
        """The stream from its newest snapshot (``None`` if it has none); raises
        :class:`_SnapshotDamaged` when the snapshot cannot be trusted."""
        assert self._app.snapshots is not None
        version = 0
        try:
            for snap in self._app.snapshots.get(stream_id, desc=True, limit=1):
                assert isinstance(snap, Snapshot)
                version = snap.originator_version
                head = snap.state["head"]
                state = _sealed_state(snap, kind)
                stream = _Stream(stream_id, kind, state, _Chain(stream_id), state.version)
                stream.chain = _Chain(stream_id, stream.version, head, bool(head))
                if stream.version != version or not self._head_matches(stream):
                    raise ValueError("it does not match the stored events")
                return stream
        except (StoreCorruptedError, KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, StoreCorruptedError):
                reason, version = exc.code, exc.damage[0].position if exc.damage else version
            else:
                reason = type(exc).__name__
            raise _SnapshotDamaged(version, reason) from None
        return None

    def _head_matches(self, stream: _Stream) -> bool:
        """Whether the event at the snapshot's position carries the snapshot's chain head."""
        head = stream.chain.head
        if not head:
            return True  # taken over events stored before digests: nothing to compare
        version = stream.version
        found = list(self._app.events.get(stream.stream_id, gt=version - 1, lte=version))
        return len(found) == 1 and isinstance(found[0], Recorded) and found[0].digest == head

    @_guarded
    def get_case(
        self, case_id: str, as_of: date | datetime | None = None, *, use_snapshot: bool = True
    ) -> CitizenCase:
        """The state of a case: now, or as known at ``as_of`` (events whose ``occurred_at``
        is on or before it; a date includes the whole day). Raises
        :class:`~erantis_domain.errors.UnknownCaseError` when nothing is stored for it."""
        self._live()
        stream_id = case_stream_id(case_id)
        if as_of is None:
            stream = self._load(stream_id, "case", (case_id,), use_snapshot=use_snapshot)
            if stream.version == 0:
                raise UnknownCaseError(f"no events stored for case {_shown(case_id)}")
            state = stream.state
            assert isinstance(state, CitizenCase)
            return state
        return fold_as_of(case_id, self.case_events(case_id), as_of)

    @_guarded
    def get_team_period(self, team_id: str, period: str) -> TeamPeriod:
        """The state of a team's settlement period (empty if nothing is recorded for it)."""
        self._live()
        state = self._load(team_stream_id(team_id, period), "team", (team_id, period)).state
        assert isinstance(state, TeamPeriod)
        return state

    @_guarded
    def case_events(self, case_id: str) -> list[Event]:
        """All events of a case in recording order. Raises
        :class:`~erantis_domain.errors.UnknownCaseError` when there are none."""
        self._live()
        stream_id = case_stream_id(case_id)
        records = self._app.events.get(stream_id)
        out = [r.event for r in _verified(_Chain(stream_id), records)]
        if not out:
            raise UnknownCaseError(f"no events stored for case {_shown(case_id)}")
        return out

    @_guarded
    def team_events(self, team_id: str, period: str) -> list[Event]:
        """All events of a team period in recording order (possibly none)."""
        self._live()
        stream_id = team_stream_id(team_id, period)
        return [r.event for r in _verified(_Chain(stream_id), self._app.events.get(stream_id))]

    def replay(self, *, after: int = 0, batch_size: int = 1000) -> Iterator[StoredEntry]:
        """Every stored event in recording order, from the store-wide log, starting after
        ``position`` ``after`` (0 = from the beginning). Positions are stable: a projection
        that remembers the last position it saw can resume from there.

        Each stream's digest chain is checked on the way (from the first event of a stream
        read here); damage raises :class:`~erantis_domain.errors.StoreCorruptedError`."""
        self._live()
        chains: dict[UUID, _Chain] = {}
        for notification, record in self._notifications(after, batch_size):
            chain_of = chains.get(record.originator_id)
            if chain_of is None:
                chain_of = chains[record.originator_id] = _Chain.resumed(record)
            damage = chain_of.check(record)
            if damage is not None:
                raise StoreCorruptedError.of([damage])
            yield StoredEntry(notification, record.timestamp, record.event)

    def streams(self, *, digests: bool = True, batch_size: int = 5000) -> Iterator[StoredStream]:
        """Every stream (case or team period) with all its events, one stream at a time, for
        bulk reads that want whole cases without holding the store in memory.

        Streams come in an arbitrary but stable order (by stream id); each stream's events in
        recording order. Rows are read in pages of ``batch_size`` (short queries) and decoded
        from the JSON the store wrote, without :func:`~erantis_domain.events.parse_event`'s
        strict re-validation (it passed that on the way in); encrypted fields are decrypted and
        older schema versions upcast as on every read. Each stream must start at position 1
        with no position missing. With ``digests`` (the default) each event's content is also
        checked against its chained digest, as :meth:`case_events` does; ``digests=False``
        skips that (about a third of a store-wide check's CPU time): positions are still
        checked, content is not. Damage raises
        :class:`~erantis_domain.errors.StoreCorruptedError`."""
        from erantis_domain.store import _bulk

        self._live()
        mapper = self._app.mapper
        for stream_id, rows in _bulk.streams_of(_bulk.pages(self._rows, batch_size)):
            chain_of = _Chain(stream_id)
            events: list[Event] = []
            for row in rows:
                record = _bulk.decode(row, mapper, digests=digests)
                damage = chain_of.check(record) if digests else chain_of.step(record)
                if damage is not None:
                    raise StoreCorruptedError.of([damage])
                events.append(record.event)
            _, kind, parts = _stream_of(events[0])
            yield StoredStream(kind, parts, events)

    def _rows(self, after: tuple[UUID, int] | None, limit: int) -> list[_Row]:
        """The page of event rows after ``after`` in (stream id, version) order."""
        recorder: Any = self._app.recorder
        try:
            if self.persistence == "popo":
                return _memory_rows(recorder, after, limit)
            if self.persistence == "postgres":
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
                if after and self.persistence == "sqlite"
                else (after[0], after[1], limit)
                if after
                else (limit,)
            )
            with recorder.datastore.transaction(commit=False) as cursor:
                cursor.execute(query, params)
                found = cursor.fetchall()
        except _DRIVER_ERRORS as exc:
            raise self._unavailable(exc) from None
        out: list[_Row] = []
        for row in found:
            stream_id, version, topic, state = (
                tuple(row.values()) if isinstance(row, dict) else tuple(row)
            )
            out.append((UUID(str(stream_id)), int(version), str(topic), bytes(state)))
        return out

    def _fetch(self, start: int, limit: int) -> list[Any]:
        try:
            return list(self._app.recorder.select_notifications(start, limit))
        except _DRIVER_ERRORS as exc:
            raise self._unavailable(exc) from None

    def _notifications(self, after: int, batch_size: int) -> Iterator[tuple[int, Recorded]]:
        start = after + 1
        while True:
            notifications = self._fetch(start, batch_size)
            if not notifications:
                return
            for notification in notifications:
                record = self._app.mapper.to_domain_event(notification)
                assert isinstance(record, Recorded)
                yield notification.id, record
            start = notifications[-1].id + 1

    @_guarded
    def verify(self, *, batch_size: int = 1000) -> VerifyReport:
        """Read the whole store and check every stream: each row readable, no event missing
        from the middle of a stream, each event's content matching its chained digest, each
        snapshot matching its content and the events, the index of event ids holding each
        event's digest and no other. Raises
        :class:`~erantis_domain.errors.StoreCorruptedError` naming every damaged stream and
        position; returns what was checked otherwise. Deleting a stream's *last* events
        leaves no trace in the rest of the stream, only ids in the index (``<event id
        index>`` in the damage) unless those are deleted too; compare :meth:`last_position`
        with a copy kept elsewhere to be sure."""
        self._live()
        damage: list[Damage] = []
        chains: dict[UUID, _Chain] = {}
        labels: dict[UUID, tuple[Literal["case", "team"], tuple[str, ...]]] = {}
        events = 0
        start = 1
        while True:
            notifications = self._fetch(start, batch_size)
            if not notifications:
                break
            indexed: list[tuple[Recorded, str]] = []
            for notification in notifications:
                events += 1
                stream_id = UUID(str(notification.originator_id))
                try:
                    record = self._app.mapper.to_domain_event(notification)
                except StoreCorruptedError as exc:
                    damage.extend(exc.damage)
                    # Its content is unknown: trust the next event's digest, to go on.
                    position = notification.originator_version
                    chains[stream_id] = _Chain(stream_id, position, trust_next=True)
                    continue
                assert isinstance(record, Recorded)
                _, kind, parts = _stream_of(record.event)
                labels.setdefault(stream_id, (kind, parts))
                chain_of = chains.setdefault(stream_id, _Chain(stream_id))
                problem = chain_of.check(record)
                if problem is None:
                    indexed.append((record, "/".join(_plain(p) for p in parts)))
                else:
                    damage.append(problem)
                    # Resynchronise on the stored digest, to find further, separate damage.
                    chains[stream_id] = _Chain(
                        stream_id,
                        record.originator_version,
                        record.digest or "",
                        sealed=record.digest is not None,
                        trust_next=record.digest is None,
                    )
            damage.extend(self._index_damage(indexed))
            start = notifications[-1].id + 1
        extra = self._indexed() - events
        if extra > 0:
            damage.append(
                Damage("<event id index>", 0, f"it holds {extra} ids of events not in the store")
            )
        snapshots = 0
        if self._app.snapshots is not None:
            for stream_id, (kind, parts) in labels.items():
                try:
                    if self._from_snapshot(stream_id, kind, parts) is not None:
                        snapshots += 1
                except _SnapshotDamaged as exc:
                    label = "/".join(_plain(p) for p in parts)
                    damage.append(
                        Damage(label, exc.version, f"its snapshot is damaged ({exc.reason})")
                    )
        if damage:
            raise StoreCorruptedError.of(damage)
        return VerifyReport(streams=len(labels), events=events, snapshots=snapshots)

    def _index_damage(self, records: list[tuple[Recorded, str]]) -> list[Damage]:
        """Events whose entry in the index of event ids is missing or holds another digest
        (a re-sent event would then be stored twice, or refused)."""
        keys: dict[UUID, list[str]] = {}
        for record, _ in records:
            keys.setdefault(record.originator_id, []).append(str(record.event.event_id))
        found = {stream: self._stored_digests(stream, ids) for stream, ids in keys.items()}
        damage = []
        for record, label in records:
            entry = found[record.originator_id].get(str(record.event.event_id))
            if entry is None:
                problem = "its entry in the index of event ids is missing"
            elif entry != _digest(record.event):
                problem = "its entry in the index of event ids does not match it"
            else:
                continue
            damage.append(Damage(label, record.originator_version, problem))
        return damage

    def _indexed(self) -> int:
        return len(self._memory_index) if self._index is None else self._index.indexed()

    @_guarded
    def rotate_key(self) -> int:
        """Re-encrypt every stored event and snapshot with the cipher's current key (and
        encrypt rows stored in clear before a cipher was configured); returns how many rows
        were rewritten. Event ids, positions and digests are unchanged (digests cover the plain
        text). Keep the old key among the cipher's keys until this has run. In one transaction
        per table; an SQLite file is then vacuumed so no old bytes linger (on PostgreSQL, run
        ``VACUUM FULL`` for that); the in-memory store keeps nothing at rest."""
        self._live()
        cipher = (
            self._app.mapper.field_cipher if isinstance(self._app.mapper, PydanticMapper) else None
        )
        if cipher is None:
            raise StoreConfigurationError("rotate_key needs a store opened with a cipher")
        if self.persistence == "popo":
            return 0
        rewritten = self._reseal(self._app.recorder, cipher)
        if self._app.snapshots is not None:
            rewritten += self._reseal(self._app.snapshots.recorder, cipher)
        if self.persistence == "sqlite" and rewritten:
            # The old rows' bytes linger in free pages of the file until it is rebuilt.
            with contextlib.closing(sqlite3.connect(self._env["SQLITE_DBNAME"])) as conn:
                conn.isolation_level = None
                conn.execute("VACUUM")
                # ... and in the write-ahead log, until it is checkpointed and truncated.
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return rewritten

    def _reseal(self, recorder: Any, cipher: FieldCipher) -> int:
        postgres = self.persistence == "postgres"
        select: Any
        update: Any
        if postgres:
            from psycopg.sql import SQL, Identifier

            table: Any = SQL("{}.{}").format(
                Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name)
            )
            select = SQL("SELECT originator_id, originator_version, topic, state FROM {}").format(
                table
            )
            update = SQL(
                "UPDATE {} SET state = %s WHERE originator_id = %s AND originator_version = %s"
            ).format(table)
        else:
            name = recorder.events_table_name
            select = f"SELECT originator_id, originator_version, topic, state FROM {name}"
            update = (
                f"UPDATE {name} SET state = ? WHERE originator_id = ? AND originator_version = ?"
            )
        count = 0
        with recorder.datastore.transaction(commit=True) as cursor:
            cursor.execute(select)
            rows = [
                tuple(row.values()) if isinstance(row, dict) else tuple(row)
                for row in cursor.fetchall()
            ]
            for originator_id, version, topic, state in rows:
                stored = StoredEvent(
                    originator_id=UUID(str(originator_id)),
                    originator_version=int(version),
                    topic=str(topic),
                    state=bytes(state),
                )
                new_state = resealed(stored, cipher)
                if new_state is not None:
                    cursor.execute(update, (new_state, originator_id, version))
                    count += 1
        return count

    @_guarded
    def last_position(self) -> int:
        """Position of the newest event in the store-wide log (0 when empty)."""
        self._live()
        return self._app.recorder.max_notification_id() or 0


@dataclass(slots=True)
class _Target:
    """A stream an append writes to: what it knows of it so far."""

    stream_id: UUID
    kind: Literal["case", "team"]
    parts: tuple[str, ...]
    #: The batch's event ids (not repeated in the batch) of this stream.
    keys: list[str] = field(default_factory=list)
    #: Version of its newest stored event when the append began.
    last: int = 0
    #: Digests of those of ``keys`` already stored.
    stored: dict[str, str] = field(default_factory=dict)
    #: The stream, once loaded (only if the batch holds new events of it).
    stream: _Stream | None = None
    #: The stream id as the index of event ids keys it.
    hex: str = ""

    def __post_init__(self) -> None:
        self.hex = self.stream_id.hex


def _sealed_state(snap: Snapshot, kind: Literal["case", "team"]) -> CitizenCase | TeamPeriod:
    """The state a snapshot holds, once its seal is checked; raises ``ValueError`` (or
    ``KeyError``, ``TypeError``) when it is damaged."""
    head = snap.state["head"]
    if not isinstance(head, str):
        raise TypeError("its chain head is not text")
    if snap.format >= 2:
        body = snap.state["body"]
        if snap.state["seal"] != _seal_text(head, body):
            raise ValueError("its seal does not match its content")
        return state_of(kind, body)
    # Format 1 (stores written before the index of event ids): the digests it also holds
    # are sealed with the state, and no longer needed.
    sealed = {"state": snap.state["state"], "digests": snap.state["digests"]}
    if snap.state["seal"] != _seal(head, sealed):
        raise ValueError("its seal does not match its content")
    model = CitizenCase if kind == "case" else TeamPeriod
    return model.model_validate(sealed["state"])


class _SnapshotDamaged(Exception):
    def __init__(self, version: int, reason: str) -> None:
        super().__init__(reason)
        self.version, self.reason = version, reason


def _verified(chain: _Chain, records: Iterable[Any]) -> Iterator[Recorded]:
    """``records`` of one stream, each checked against ``chain`` before it is yielded."""
    for record in records:
        assert isinstance(record, Recorded)
        damage = chain.check(record)
        if damage is not None:
            raise StoreCorruptedError.of([damage])
        yield record


_Row = tuple[UUID, int, str, bytes]


def _memory_rows(recorder: Any, after: tuple[UUID, int] | None, limit: int) -> list[_Row]:
    """The in-memory store's rows after ``after`` in (stream id, version) order, all in one
    page (``limit`` is ignored: the rows are in memory already, and it keeps no index by key)."""
    rows = sorted(
        (UUID(str(n.originator_id)), n.originator_version, n.topic, bytes(n.state))
        for n in recorder.select_notifications(1, recorder.max_notification_id() or 1)
    )
    return rows if after is None else [r for r in rows if (r[0], r[1]) > after]


def _settled(state: CitizenCase | TeamPeriod) -> bool:
    return isinstance(state, TeamPeriod) and state.settlement is not None


def _shown(key: str) -> str:
    """An identifier for a message; one that looks like a CPR number is withheld, a long one
    is cut (the caller's argument is not validated, and may be anything)."""
    if looks_like_cpr(key):
        return "<withheld: looks like a CPR number>"
    return repr(key) if len(key) <= 60 else repr(key[:57]) + "..."
