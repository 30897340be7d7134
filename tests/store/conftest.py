"""The store tests run on every backend: in memory, an SQLite file and a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from erantis_domain.store import CaseStore


@dataclass
class Backend:
    """Opens stores of one kind on one test's data. ``open()`` gives a new handle on the same
    data (a second writer, or the file reopened), except in memory, where data lives in the
    handle: there ``open()`` after the first returns that same store."""

    name: str
    _factory: Callable[[int], CaseStore]
    _opened: list[CaseStore] = field(default_factory=list)

    @property
    def persistent(self) -> bool:
        return self.name != "memory"

    def open(self, *, snapshot_every: int = 100) -> CaseStore:
        if not self.persistent and self._opened:
            return self._opened[0]
        store = self._factory(snapshot_every)
        self._opened.append(store)
        return store

    def close_all(self) -> None:
        for store in self._opened:
            store.close()


def _backend(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    factory: Callable[[int], CaseStore]
    if kind == "memory":

        def factory(every: int) -> CaseStore:
            return CaseStore.memory(snapshot_every=every)

    elif kind == "sqlite":
        path = tmp_path / "events.sqlite"

        def factory(every: int) -> CaseStore:
            return CaseStore.sqlite(path, snapshot_every=every)

    else:
        cluster = request.getfixturevalue("postgres_cluster")
        dbname = cluster.create_database()

        def factory(every: int) -> CaseStore:
            return CaseStore.postgres(
                dbname=dbname,
                host=cluster.host,
                port=cluster.port,
                user=cluster.user,
                snapshot_every=every,
            )

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
