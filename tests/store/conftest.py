"""The store tests run on every backend: in memory, an SQLite file and a real PostgreSQL."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from erantis_domain.store import CaseStore
from erantis_domain.store.keys import FieldCipher


@dataclass
class Backend:
    """Opens stores of one kind on one test's data. ``open()`` gives a new handle on the same
    data (a second writer, or the file reopened), except in memory, where data lives in the
    handle: there ``open()`` after the first returns that same store."""

    name: str
    _factory: Callable[[int, FieldCipher | None], CaseStore]
    _opened: list[CaseStore] = field(default_factory=list)
    #: Runs raw SQL on the backend's data (``None`` in memory), to damage it as an outside
    #: program or a failing disk would. Tables: ``{events}``, ``{snapshots}`` and ``{index}``
    #: (the index of event ids).
    _sql: Callable[[str, tuple[Any, ...]], list[tuple[Any, ...]]] | None = None

    @property
    def persistent(self) -> bool:
        return self.name != "memory"

    def open(self, *, snapshot_every: int = 100, cipher: FieldCipher | None = None) -> CaseStore:
        if not self.persistent and self._opened:
            return self._opened[0]
        store = self._factory(snapshot_every, cipher)
        self._opened.append(store)
        return store

    def sql(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        """Run ``statement`` (``?`` placeholders; ``{events}``/``{snapshots}``/``{index}`` for
        the table names) straight on the database, committed; the rows it returns."""
        assert self._sql is not None, "raw SQL needs a persistent backend"
        return self._sql(statement, params)

    def close_all(self) -> None:
        for store in self._opened:
            store.close()


def _backend(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    factory: Callable[[int, FieldCipher | None], CaseStore]
    if kind == "memory":

        def factory(every: int, cipher: FieldCipher | None) -> CaseStore:
            return CaseStore.memory(snapshot_every=every, cipher=cipher)

    elif kind == "sqlite":
        path = tmp_path / "events.sqlite"

        def factory(every: int, cipher: FieldCipher | None) -> CaseStore:
            return CaseStore.sqlite(path, snapshot_every=every, cipher=cipher)

        def raw(statement: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
            text = statement.format(
                events="stored_events", snapshots="stored_snapshots", index="erantis_event_ids"
            )
            with contextlib.closing(sqlite3.connect(path)) as conn, conn:
                return conn.execute(text, params).fetchall()

        return Backend(kind, factory, _sql=raw)

    else:
        cluster = request.getfixturevalue("postgres_cluster")
        dbname = request.getfixturevalue("postgres_database")

        def factory(every: int, cipher: FieldCipher | None) -> CaseStore:
            return CaseStore.postgres(
                dbname=dbname,
                host=cluster.host,
                port=cluster.port,
                user=cluster.user,
                snapshot_every=every,
                cipher=cipher,
            )

        def raw(statement: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
            import psycopg

            text = statement.format(
                events="erantis_events", snapshots="erantis_snapshots", index="erantis_event_ids"
            )
            with psycopg.connect(
                host=cluster.host, port=cluster.port, user=cluster.user, dbname=dbname
            ) as conn:
                cursor = conn.execute(text.replace("?", "%s"), params)  # type: ignore[arg-type]
                return cursor.fetchall() if cursor.description else []

        return Backend(kind, factory, _sql=raw)

    return Backend(kind, factory)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Each backend in turn, with its own empty data (PostgreSQL: its own database)."""
    opened = _backend(request.param, request, tmp_path)
    try:
        yield opened
    finally:
        opened.close_all()


@pytest.fixture(params=["sqlite", "postgres"])
def durable_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """The backends whose data outlives a store handle (reopen, two writers)."""
    opened = _backend(request.param, request, tmp_path)
    try:
        yield opened
    finally:
        opened.close_all()


@pytest.fixture
def store(backend: Backend) -> CaseStore:
    """An empty store of the backend (snapshots every 100 events)."""
    return backend.open()
