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
import hashlib
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, Mapper
from eventsourcing.utils import Environment

from erantis_domain._mapper import PydanticMapper, Recorded, Snapshot
from erantis_domain.case import CitizenCase, TeamPeriod, evolve, evolve_team, fold_as_of
from erantis_domain.errors import (
    ConcurrencyConflict,
    EventIdReused,
    StoreConfigurationError,
    UnknownCaseError,
)
from erantis_domain.events import DomainEvent, Event, TeamEvent, parse_events
from erantis_domain.values import looks_like_cpr

__all__ = ["AppendResult", "CaseStore", "StoredEntry", "case_stream_id", "team_stream_id"]

_NAMESPACE = uuid5(NAMESPACE_URL, "https://erantis.dk/streams")
#: Counts and the backend only: case ids are pseudonymous but event content may not be.
_log = logging.getLogger(__name__)


def case_stream_id(case_id: str) -> UUID:
    """The stream id of a citizen case."""
    return uuid5(_NAMESPACE, f"case:{case_id}")


def team_stream_id(team_id: str, period: str) -> UUID:
    """The stream id of a team's settlement period."""
    return uuid5(_NAMESPACE, f"team:{team_id}:{period}")


def _stream_of(event: DomainEvent) -> tuple[UUID, Literal["case", "team"], tuple[str, ...]]:
    if isinstance(event, TeamEvent):
        return team_stream_id(event.team_id, event.period), "team", (event.team_id, event.period)
    case_id: str = event.case_id  # type: ignore[attr-defined]
    return case_stream_id(case_id), "case", (case_id,)


def _digest(event: DomainEvent) -> str:
    return hashlib.sha256(event.model_dump_json().encode()).hexdigest()[:32]


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


@dataclass(slots=True)
class _Stream:
    stream_id: UUID
    kind: Literal["case", "team"]
    state: CitizenCase | TeamPeriod
    digests: dict[str, str]

    @property
    def version(self) -> int:
        return self.state.version

    def apply(self, event: Event) -> None:
        if isinstance(self.state, CitizenCase):
            self.state = evolve(self.state, event)
        else:
            self.state = evolve_team(self.state, event)
        self.digests[str(event.event_id)] = _digest(event)

    def snapshot_state(self) -> dict[str, Any]:
        return {"state": self.state.model_dump(mode="json"), "digests": self.digests}


class _Application(Application[UUID]):
    """The eventsourcing application underneath; configured only from the explicit env."""

    name = "erantis"

    def construct_env(self, name: str, env: Any = None) -> Environment:
        # Deliberately ignore os.environ: configuration passed in code must win, always.
        return Environment(name, dict(env or {}))

    def construct_mapper(self) -> Mapper[UUID]:
        return PydanticMapper(transcoder=self.factory.transcoder())


class CaseStore:
    """Event store of citizen cases (``CitizenCase``) and team periods (``TeamPeriod``).

    Use a constructor: :meth:`sqlite`, :meth:`memory` or :meth:`postgres`. ``snapshot_every``
    stores a snapshot of a stream's state each time its version reaches a multiple of it, so
    long cases load fast; ``0`` disables snapshots.
    """

    def __init__(
        self, env: Mapping[str, str], *, snapshot_every: int = 100, label: str = ""
    ) -> None:
        if snapshot_every < 0:
            raise StoreConfigurationError(f"snapshot_every must be >= 0 (got {snapshot_every})")
        settings = dict(env)
        settings["IS_SNAPSHOTTING_ENABLED"] = "y"
        try:
            self._app = _Application(env=settings)
        except Exception as exc:
            raise StoreConfigurationError(
                f"could not open the {label or 'event'} store: {type(exc).__name__}: {exc}"
            ) from exc
        self._snapshot_every = snapshot_every
        self.label = label
        self._closed = False

    # --- constructors ---------------------------------------------------------------------

    @classmethod
    def memory(cls, *, snapshot_every: int = 100) -> CaseStore:
        """An in-memory store (tests, trials). Nothing survives the process."""
        return cls(
            {"PERSISTENCE_MODULE": "eventsourcing.popo"},
            snapshot_every=snapshot_every,
            label="memory",
        )

    @classmethod
    def sqlite(cls, path: str | Path, *, snapshot_every: int = 100) -> CaseStore:
        """An embedded SQLite file store, created if missing (the default for the CLI)."""
        target = Path(path)
        if str(path) == ":memory:" or not target.parent.exists():
            raise StoreConfigurationError(
                f"SQLite path {str(path)!r} is not a file in an existing directory"
            )
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(target),
            "SQLITE_LOCK_TIMEOUT": "10",
        }
        return cls(env, snapshot_every=snapshot_every, label=f"SQLite {target.name}")

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
        return cls(env, snapshot_every=snapshot_every, label=f"PostgreSQL {dbname}")

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

    def __enter__(self) -> CaseStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing ----------------------------------------------------------------------------

    def append(
        self,
        events: Iterable[DomainEvent | Mapping[str, Any] | str | bytes],
        *,
        expected_version: int | None = None,
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
        """
        self._live()
        parsed = parse_events(events)
        if not parsed:
            return AppendResult(stored=0, duplicates=0, versions={})
        streams: dict[UUID, _Stream] = {}
        pending: list[Recorded] = []
        seen_in_batch: dict[str, str] = {}
        duplicates = 0
        now = datetime.now(UTC)
        for event in parsed:
            key = str(event.event_id)
            digest = _digest(event)
            if key in seen_in_batch:
                if seen_in_batch[key] != digest:
                    raise EventIdReused(
                        f"event_id {key} appears twice in the batch with different content"
                    )
                duplicates += 1
                continue
            seen_in_batch[key] = digest
            stream_id, kind, parts = _stream_of(event)
            stream = streams.get(stream_id)
            if stream is None:
                stream = streams[stream_id] = self._load(stream_id, kind, parts)
            stored_digest = stream.digests.get(key)
            if stored_digest is not None:
                if stored_digest != digest:
                    raise EventIdReused(f"event_id {key} is already stored with different content")
                duplicates += 1
                continue
            stream.apply(event)
            pending.append(Recorded(stream_id, stream.version, now, event))
        # A batch that is stored already (a retry after a lost reply) is no conflict: the
        # writer's events are in, so the result reports them as duplicates.
        if expected_version is not None and (pending or not parsed):
            if len(streams) != 1:
                raise ConcurrencyConflict("expected_version needs a batch of exactly one stream")
            (stream,) = streams.values()
            before = stream.version - sum(1 for r in pending if r.originator_id == stream.stream_id)
            if before != expected_version:
                raise ConcurrencyConflict(
                    f"stream is at version {before}, the writer expected {expected_version}"
                )
        if pending:
            try:
                self._app.events.put(pending)
            except IntegrityError as exc:
                raise ConcurrencyConflict(
                    "another writer appended to the same case or team period; nothing was written"
                ) from exc
            self._snapshot(streams.values(), pending)
        versions = {"/".join(self._label(s)): s.version for s in streams.values()}
        _log.info(
            "append: %d events stored, %d duplicates, %d streams (%s)",
            len(pending),
            duplicates,
            len(streams),
            self.label,
        )
        return AppendResult(stored=len(pending), duplicates=duplicates, versions=versions)

    @staticmethod
    def _label(stream: _Stream) -> tuple[str, ...]:
        state = stream.state
        if isinstance(state, CitizenCase):
            return (state.case_id,)
        return (state.team_id, state.period)

    def _snapshot(self, streams: Iterable[_Stream], pending: list[Recorded]) -> None:
        every = self._snapshot_every
        if not every or self._app.snapshots is None:
            return
        touched: dict[UUID, int] = {}
        for record in pending:
            touched[record.originator_id] = touched.get(record.originator_id, 0) + 1
        for stream in streams:
            added = touched.get(stream.stream_id, 0)
            # A snapshot whenever the version crossed a multiple of `every` in this append.
            if added and stream.version // every > (stream.version - added) // every:
                snap = Snapshot(
                    stream.stream_id,
                    stream.version,
                    datetime.now(UTC),
                    stream.kind,
                    stream.snapshot_state(),
                )
                # Another writer may have stored the same snapshot; they are equal by design.
                with contextlib.suppress(IntegrityError):
                    self._app.snapshots.put([snap])

    # --- reading ----------------------------------------------------------------------------

    def _load(
        self,
        stream_id: UUID,
        kind: Literal["case", "team"],
        parts: tuple[str, ...],
        *,
        use_snapshot: bool = True,
    ) -> _Stream:
        state: CitizenCase | TeamPeriod
        state = (
            CitizenCase(case_id=parts[0])
            if kind == "case"
            else TeamPeriod(team_id=parts[0], period=parts[1])
        )
        stream = _Stream(stream_id, kind, state, {})
        after: int | None = None
        if use_snapshot and self._app.snapshots is not None:
            for snap in self._app.snapshots.get(stream_id, desc=True, limit=1):
                assert isinstance(snap, Snapshot)
                model = CitizenCase if kind == "case" else TeamPeriod
                stream.state = model.model_validate(snap.state["state"])
                stream.digests = dict(snap.state["digests"])
                after = snap.originator_version
        for record in self._app.events.get(stream_id, gt=after):
            assert isinstance(record, Recorded)
            stream.apply(record.event)
        return stream

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

    def get_team_period(self, team_id: str, period: str) -> TeamPeriod:
        """The state of a team's settlement period (empty if nothing is recorded for it)."""
        self._live()
        state = self._load(team_stream_id(team_id, period), "team", (team_id, period)).state
        assert isinstance(state, TeamPeriod)
        return state

    def case_events(self, case_id: str) -> list[Event]:
        """All events of a case in recording order. Raises
        :class:`~erantis_domain.errors.UnknownCaseError` when there are none."""
        self._live()
        out = [
            r.event
            for r in self._app.events.get(case_stream_id(case_id))
            if isinstance(r, Recorded)
        ]
        if not out:
            raise UnknownCaseError(f"no events stored for case {_shown(case_id)}")
        return out

    def team_events(self, team_id: str, period: str) -> list[Event]:
        """All events of a team period in recording order (possibly none)."""
        self._live()
        stream_id = team_stream_id(team_id, period)
        return [r.event for r in self._app.events.get(stream_id) if isinstance(r, Recorded)]

    def replay(self, *, after: int = 0, batch_size: int = 1000) -> Iterator[StoredEntry]:
        """Every stored event in recording order, from the store-wide log, starting after
        ``position`` ``after`` (0 = from the beginning). Positions are stable: a projection
        that remembers the last position it saw can resume from there."""
        self._live()
        start = after + 1
        while True:
            notifications = self._app.recorder.select_notifications(start, batch_size)
            if not notifications:
                return
            for notification in notifications:
                record = self._app.mapper.to_domain_event(notification)
                assert isinstance(record, Recorded)
                yield StoredEntry(notification.id, record.timestamp, record.event)
            start = notifications[-1].id + 1

    def last_position(self) -> int:
        """Position of the newest event in the store-wide log (0 when empty)."""
        self._live()
        return self._app.recorder.max_notification_id() or 0


def _shown(key: str) -> str:
    """An identifier for a message; one that looks like a CPR number is withheld."""
    return "<withheld: looks like a CPR number>" if looks_like_cpr(key) else repr(key)
