"""``CaseStore``: the event store of citizen cases and team periods.

It wraps an ``eventsourcing`` application (an implementation detail: no eventsourcing type
appears in this module's public signatures). Each citizen case and each team settlement period
is one stream; :meth:`CaseStore.append` validates a batch, drops events already stored
(idempotent on ``event_id``), and writes the rest of the batch in one transaction, or nothing.

Configuration is explicit and in code: :meth:`CaseStore.sqlite` (the embedded default),
:meth:`CaseStore.memory` and :meth:`CaseStore.postgres`. The process environment is *not*
consulted, so an embedder's ``PERSISTENCE_MODULE`` or ``SQLITE_DBNAME`` can never move the data
somewhere else behind its back.

The store's work is done by collaborators in private modules of this package: appending
(``_writing``), reading streams and the log (``_reading``), snapshots (``_snapshots``), the
digest chain (``_chain``), the index of event ids (``_index``), verification (``_verify``),
key rotation (``_rotation``), and naming database failures (``_failures``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from erantis_domain.authority import AppendPolicy
from erantis_domain.case import CitizenCase, TeamPeriod, fold_as_of
from erantis_domain.errors import (
    StoreConfigurationError,
    UnknownCaseError,
)
from erantis_domain.events import DomainEvent, Event
from erantis_domain.store._backend import (
    Backend,
    postgres_env,
    settings,
    sqlite_env,
)
from erantis_domain.store._failures import Failures, driver_errors, guarded
from erantis_domain.store._index import EventIds
from erantis_domain.store._naming import shown
from erantis_domain.store._reading import Reader
from erantis_domain.store._rotation import check_keys, rotate_key, stored_key_ids
from erantis_domain.store._snapshots import Snapshots
from erantis_domain.store._treehead import check as check_tree_head
from erantis_domain.store._treehead import take as take_tree_head
from erantis_domain.store._verify import verify
from erantis_domain.store._writing import Writer
from erantis_domain.store.ids import case_stream_id, team_stream_id
from erantis_domain.store.keys import FieldCipher
from erantis_domain.store.results import (
    AppendResult,
    StoredEntry,
    StoredStream,
    TreeHead,
    VerifyReport,
)
from erantis_domain.values import Actor

__all__ = ["CaseStore"]


class CaseStore:
    """Event store of citizen cases (``CitizenCase``) and team periods (``TeamPeriod``).

    Use a constructor: :meth:`sqlite`, :meth:`memory` or :meth:`postgres`. ``snapshot_every``
    stores a snapshot of a stream's state each time its version reaches a multiple of it, so
    long cases load fast; ``0`` disables snapshots. ``append_policy`` (see
    :mod:`erantis_domain.authority`) makes the store refuse events recorded by a role the
    policy does not allow for their type; without one, any role may record any event.
    ``cipher`` (see :mod:`erantis_domain.store.keys`) encrypts the free text and actor ids of
    every stored event, and every snapshot, at rest.
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
        self.label, self._env = label, (configured := settings(env))
        self._closed = False
        #: The cipher given (``None``: in clear), to seal what is kept beside the store.
        self.cipher = cipher
        self._failures = Failures(configured, label)
        try:
            self._app = Backend(configured, cipher)
        except driver_errors() as exc:
            raise self._failures.unavailable(exc) from None
        except Exception as exc:
            raise StoreConfigurationError(
                f"could not open the {label or 'event'} store: {type(exc).__name__}"
            ) from None
        self._ids = EventIds(self._app, label)
        self._snapshots = Snapshots(self._app, snapshot_every)
        self._reader = Reader(self._app, self._snapshots, self._failures)
        self._writer = Writer(
            self._app,
            self._reader,
            self._ids,
            self._snapshots,
            policy=append_policy,
            cipher=cipher,
            label=label,
        )
        try:
            if cipher is not None:
                check_keys(self._app, self._ids.recorder, cipher)
            self._ids.ensure()
        except driver_errors() as exc:
            self._app.close()
            raise self._failures.unavailable(exc) from None
        except BaseException:
            # (e.g. an encrypted store opened without its key: the indexing rolled back)
            self._app.close()
            raise

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
        env, label = sqlite_env(path, lock_timeout)
        return cls(
            env,
            snapshot_every=snapshot_every,
            label=label,
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
        connect_timeout: float = 5,
        append_policy: AppendPolicy | None = None,
        cipher: FieldCipher | None = None,
        timeout: float = 5,
        sslmode: str | None = None,
    ) -> CaseStore:
        """A PostgreSQL store (production). Needs the ``postgres`` extra (psycopg 3).

        Every wait is bounded (seconds): ``connect_timeout`` for a connection, ``timeout`` for
        a statement or a free pooled connection; then ``StoreTimeoutError`` or
        ``StoreUnreachableError``, nothing half-written, and the store reconnects by itself.
        ``sslmode``, one of libpq's (:data:`SSL_MODES`), is this store's connections' only."""
        env, label = postgres_env(
            dbname=dbname,
            host=host,
            port=port,
            user=user,
            password=password,
            schema=schema,
            connect_timeout=connect_timeout,
            timeout=timeout,
            sslmode=sslmode,
        )
        policy, every = append_policy, snapshot_every
        return cls(env, snapshot_every=every, label=label, append_policy=policy, cipher=cipher)

    @property
    def persistence(self) -> str:
        """Which persistence module is in use (``popo``, ``sqlite`` or ``postgres``)."""
        return self._app.persistence

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

    @guarded
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
        return self._writer.append(events, expected_version, principal)

    # --- reading ----------------------------------------------------------------------------

    @guarded
    def get_case(
        self, case_id: str, as_of: date | datetime | None = None, *, use_snapshot: bool = True
    ) -> CitizenCase:
        """The state of a case: now, or as known at ``as_of`` (events whose ``occurred_at``
        is on or before it; a date includes the whole day). Raises
        :class:`~erantis_domain.errors.UnknownCaseError` when nothing is stored for it."""
        self._live()
        stream_id = case_stream_id(case_id)
        if as_of is None:
            stream = self._reader.load(stream_id, "case", (case_id,), use_snapshot=use_snapshot)
            if stream.version == 0:
                raise UnknownCaseError(f"no events stored for case {shown(case_id)}")
            state = stream.state
            assert isinstance(state, CitizenCase)
            return state
        return fold_as_of(case_id, self.case_events(case_id), as_of)

    @guarded
    def get_team_period(self, team_id: str, period: str) -> TeamPeriod:
        """The state of a team's settlement period (empty if nothing is recorded for it)."""
        self._live()
        state = self._reader.load(team_stream_id(team_id, period), "team", (team_id, period)).state
        assert isinstance(state, TeamPeriod)
        return state

    @guarded
    def case_events(self, case_id: str) -> list[Event]:
        """All events of a case in recording order. Raises
        :class:`~erantis_domain.errors.UnknownCaseError` when there are none."""
        self._live()
        out = self._reader.events(case_stream_id(case_id))
        if not out:
            raise UnknownCaseError(f"no events stored for case {shown(case_id)}")
        return out

    @guarded
    def team_events(self, team_id: str, period: str) -> list[Event]:
        """All events of a team period in recording order (possibly none)."""
        self._live()
        return self._reader.events(team_stream_id(team_id, period))

    def replay(self, *, after: int = 0, batch_size: int = 1000) -> Iterator[StoredEntry]:
        """Every stored event in recording order, from the store-wide log, starting after
        ``position`` ``after`` (0 = from the beginning). Positions are stable: a projection
        that remembers the last position it saw can resume from there.

        Each stream's digest chain is checked on the way (from the first event of a stream
        read here); damage raises :class:`~erantis_domain.errors.StoreCorruptedError`."""
        self._live()
        yield from self._reader.replay(after, batch_size)

    def streams(self, *, digests: bool = True, batch_size: int = 5000) -> Iterator[StoredStream]:
        """Every stream (case or team period) with all its events, one stream at a time, in a
        stable order (by stream id), each in recording order, read in pages of ``batch_size``
        without strict re-validation (decrypted and upcast as on every read). Positions are
        always checked, and with ``digests`` (the default) each event's chained digest too
        (``False`` saves about a third of a store-wide check's CPU). Damage, a stream's last
        events deleted included, raises :class:`~erantis_domain.errors.StoreCorruptedError`."""
        self._live()
        yield from self._reader.all_streams(self._ids.count, digests, batch_size)

    # --- checking and maintenance -----------------------------------------------------------

    @guarded
    def verify(self, *, batch_size: int = 1000) -> VerifyReport:
        """Read the whole store and check every stream: each row readable, no event missing
        from the middle of a stream, each event's content matching its chained digest (and
        its keyed tag), each snapshot matching its content and the events, the index of event
        ids holding each event's digest and no other. Raises
        :class:`~erantis_domain.errors.StoreCorruptedError` naming every damaged stream and
        position; returns what was checked otherwise (see :meth:`tree_head` for the rest)."""
        self._live()
        return verify(self._app, self._reader, self._ids, self._snapshots, batch_size)

    @guarded
    def tree_head(self, key: bytes, *, key_id: str = "k1", batch_size: int = 1000) -> TreeHead:
        """A checkpoint of every stream's head, signed with ``key`` (16+ bytes, never stored)."""
        self._live()
        return take_tree_head(self._app, self._reader, key, key_id, batch_size)

    @guarded
    def check_tree_head(self, head: TreeHead, key: bytes, *, batch_size: int = 1000) -> int:
        """Check the store against a :meth:`tree_head` checkpoint and its key; returns how
        many streams were checked (see :class:`~erantis_domain.store.TreeHead`)."""
        self._live()
        return check_tree_head(self._app, self._reader, head, key, batch_size)

    def rotate_key(self) -> int:
        """Re-encrypt and re-tag every row (rows in clear too) with the cipher's current key,
        one transaction per table; returns how many rows changed. See docs/store.md."""
        self._live()
        return rotate_key(self._app, self._env)

    @guarded
    def key_ids(self) -> list[str]:
        """The ids of the keys the store was written with (none: in clear, or in memory)."""
        self._live()
        return stored_key_ids(self._app, self._ids.recorder)

    @guarded
    def last_position(self) -> int:
        """Position of the newest event in the store-wide log (0 when empty)."""
        self._live()
        return self._app.recorder.max_notification_id() or 0
