"""Failures of the database underneath are coded, with the cause in words and no secret:
SQLite locked by another process; PostgreSQL with a missing database, an unknown role, or no
server at the port (a real server from the session's cluster)."""

from __future__ import annotations

import os
import socket
import sqlite3
from pathlib import Path

import pytest

from erantis_domain.errors import (
    StoreAuthenticationError,
    StoreBusyError,
    StoreConfigurationError,
    StoreMissingDatabaseError,
    StoreUnavailableError,
    StoreUnreachableError,
)
from erantis_domain.store import CaseStore
from tests._postgres import PostgresCluster
from tests.factories import make

SECRET = "s3cret-canary-pw"


def test_a_locked_sqlite_file_is_a_busy_error_and_a_retry_succeeds(tmp_path: Path) -> None:
    # given a store, and another process holding its file locked for writing
    path = tmp_path / "events.sqlite"
    store = CaseStore.sqlite(path, lock_timeout=1)
    store.append([make("CaseOpened")])
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        # when the store appends, then it gets the coded busy error with retry advice
        with pytest.raises(StoreBusyError) as caught:
            store.append([make("ReferralReceived")])
        assert caught.value.code == "E-STORE-BUSY"
        assert isinstance(caught.value, StoreUnavailableError)
        assert "retry" in str(caught.value)
    finally:
        other.execute("ROLLBACK")
        other.close()
    # and once the lock is gone, the same call succeeds and nothing was lost or doubled
    assert store.append([make("ReferralReceived")]).stored == 1
    assert store.last_position() == 2
    store.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"dbname": "no_such_database"}, StoreMissingDatabaseError),
        ({"user": "no_such_role"}, StoreAuthenticationError),
        ({"port": -1}, StoreUnreachableError),
    ],
    ids=["missing-database", "missing-role", "closed-port"],
)
def test_a_postgres_failure_is_coded_by_its_cause_without_secrets(
    postgres_cluster: PostgresCluster,
    postgres_database: str,
    settings: dict[str, object],
    expected: type[StoreUnavailableError],
) -> None:
    # given connection settings with one thing wrong (and a password that must not leak)
    config: dict[str, object] = {
        "dbname": postgres_database,
        "host": postgres_cluster.host,
        "port": postgres_cluster.port,
        "user": postgres_cluster.user,
        "password": SECRET,
        "connect_timeout": 2,
        **settings,
    }
    if config["port"] == -1:
        config["port"] = _free_port()
    # when the store is opened and used, then the error names the cause, with its own code
    with pytest.raises(StoreUnavailableError) as caught:
        store = CaseStore.postgres(**config)  # type: ignore[arg-type]
        store.append([make("CaseOpened")])
    assert type(caught.value) is expected
    assert SECRET not in str(caught.value)


def test_sslmode_is_given_to_the_stores_connections_and_not_to_the_process(
    postgres_cluster: PostgresCluster, postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a server without SSL (the test cluster's), and no PGSSLMODE in the process
    monkeypatch.delenv("PGSSLMODE", raising=False)
    config = {
        "dbname": postgres_database,
        "host": postgres_cluster.host,
        "port": postgres_cluster.port,
        "user": postgres_cluster.user,
        # a fraction of a second, as the signature allows (rounded up to libpq's whole seconds)
        "connect_timeout": 1.5,
    }
    # when a store requires SSL, then its connection is refused with a coded error
    refused: CaseStore | None = None
    with pytest.raises(StoreUnavailableError) as caught:
        refused = CaseStore.postgres(**config, sslmode="require")  # type: ignore[arg-type]
        refused.append([make("CaseOpened")])
    if refused is not None:
        refused.close()
    assert caught.value.code.startswith("E-STORE-")
    # (named by a direct attempt in the store's mode, not by the pool's timeout)
    assert type(caught.value) is StoreUnreachableError
    # and a store that disables SSL, opened next in the same process, works: the mode was the
    # first store's own, never set in the process environment
    store = CaseStore.postgres(**config, sslmode="disable")  # type: ignore[arg-type]
    assert store.append([make("CaseOpened")]).stored == 1
    store.close()
    assert "PGSSLMODE" not in os.environ


def test_an_unknown_sslmode_is_refused_before_any_connection() -> None:
    # when a store is configured with an SSL mode libpq does not have
    with pytest.raises(StoreConfigurationError) as caught:
        CaseStore.postgres(dbname="db", port=1, sslmode="sometimes")
    # then it is a configuration error naming the value and the modes there are
    assert "'sometimes'" in str(caught.value) and "verify-full" in str(caught.value)
