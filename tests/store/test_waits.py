"""Bounded waits on a real PostgreSQL: a server frozen (SIGSTOP) or stopped in the middle of
the work gives a coded error within a bounded time, loses nothing, and the store recovers by
itself when the server is back. Bounds are generous (never a tight wall time): what matters
is that the call returns with a code instead of blocking for as long as the fault lasts."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from erantis_domain.errors import StoreTimeoutError, StoreUnavailableError
from erantis_domain.store import CaseStore
from tests._postgres import PostgresCluster, running_cluster
from tests.factories import make

#: Far above the configured waits (2 s each), far below "as long as the fault lasts" (the
#: fault lasts until the test ends it).
_GENEROUS = 60.0


@pytest.fixture
def own_cluster() -> Iterator[PostgresCluster]:
    """A cluster of this test's own: freezing or stopping the shared one would hurt others."""
    with running_cluster() as cluster:
        yield cluster


def _store(cluster: PostgresCluster, dbname: str) -> CaseStore:
    return CaseStore.postgres(
        dbname=dbname,
        host=cluster.host,
        port=cluster.port,
        user=cluster.user,
        timeout=2,
        connect_timeout=2,
    )


def test_a_frozen_server_gives_a_coded_timeout_and_the_store_recovers(
    own_cluster: PostgresCluster,
) -> None:
    # given a store with a case, whose server is then frozen (every process SIGSTOPped)
    store = _store(own_cluster, own_cluster.create_database())
    store.append([make("CaseOpened")])
    visit = make("VisitDelivered")
    frozen = own_cluster.freeze()
    try:
        # when an append is made, then it ends with a coded error, long before the fault ends
        started = time.monotonic()
        with pytest.raises(StoreUnavailableError) as caught:
            store.append([visit])
        waited = time.monotonic() - started
    finally:
        own_cluster.thaw(frozen)
    assert caught.value.code in ("E-STORE-TIMEOUT", "E-STORE-UNREACHABLE")
    assert isinstance(caught.value, StoreTimeoutError) or "unavailable" in str(caught.value)
    assert waited < _GENEROUS
    # and once the server runs again, the same append succeeds without a new store: nothing
    # was half-written, nothing is stored twice
    store.append([visit])
    assert [e.type for e in store.case_events("case-1")] == ["CaseOpened", "VisitDelivered"]
    store.close()


def test_a_server_stopped_mid_work_gives_a_coded_error_and_the_store_recovers(
    own_cluster: PostgresCluster,
) -> None:
    # given a store with a case, whose server then stops at once (as in a crash)
    store = _store(own_cluster, own_cluster.create_database())
    store.append([make("CaseOpened")])
    visit = make("VisitDelivered")
    own_cluster.halt()
    try:
        # when an append is made, then it ends with a coded error in bounded time
        started = time.monotonic()
        with pytest.raises(StoreUnavailableError) as caught:
            store.append([visit])
        waited = time.monotonic() - started
        assert caught.value.code in ("E-STORE-UNREACHABLE", "E-STORE-TIMEOUT")
        assert waited < _GENEROUS
        # and a read too
        with pytest.raises(StoreUnavailableError):
            store.get_case("case-1")
    finally:
        own_cluster.start_again()
    # and once the server is back, the same store appends and reads again
    deadline = time.monotonic() + _GENEROUS
    while True:
        try:
            store.append([visit])
            break
        except StoreUnavailableError:
            # the pool reconnects in the background; a bounded number of retries
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    assert [e.type for e in store.case_events("case-1")] == ["CaseOpened", "VisitDelivered"]
    store.close()
