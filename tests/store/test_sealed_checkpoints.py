"""The frame ledger's checkpoint beside an encrypted store, on SQLite and a real PostgreSQL:
its state (actor ids of delegations, each case's dates) is sealed with the store's cipher,
read back with it, and a checkpoint saved in clear before is rebuilt and sealed."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from erantis_domain.projections import BudgetLedger, SealedCheckpoints, SqliteCheckpoints
from erantis_domain.store import CaseStore
from erantis_domain.store.keys import FieldCipher
from erantis_rules._stores import checkpoints, persisted_ledger
from tests._postgres import PostgresCluster
from tests.factories import make

KEY = FieldCipher({"k1": bytes(range(32))}, "k1")
CANARY = "canary-delegate-41"
HISTORY = [
    make("CaseOpened"),
    make("VisitationGranted"),
    make("NursingTaskDelegated", delegate_id=CANARY),
    make("VisitDelivered"),
]


@pytest.fixture(params=["sqlite", "postgres"])
def address(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "e.sqlite")
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    dbname = request.getfixturevalue("postgres_database")
    yield f"postgresql://{cluster.user}@{cluster.host}:{cluster.port}/{dbname}"


def _opened(address: str, cipher: FieldCipher | None) -> CaseStore:
    if address.startswith("postgresql://"):
        parts = urlsplit(address)
        return CaseStore.postgres(
            dbname=parts.path.lstrip("/"),
            host=parts.hostname or "",
            port=parts.port or 5432,
            user=parts.username or "",
            cipher=cipher,
        )
    return CaseStore.sqlite(address, cipher=cipher)


def _raw_checkpoints(address: str) -> str:
    if address.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(address) as conn:
            rows = conn.execute("SELECT document FROM erantis_checkpoints").fetchall()
    else:
        with contextlib.closing(sqlite3.connect(address)) as conn:
            rows = conn.execute("SELECT document FROM erantis_checkpoints").fetchall()
    return "".join(str(row[0]) for row in rows)


def test_the_ledger_checkpoint_beside_an_encrypted_store_holds_no_actor_id(address: str) -> None:
    # given an encrypted store holding a delegation to a canary actor
    with _opened(address, KEY) as store:
        store.append(HISTORY)
        # when the command line's persisted ledger is caught up and saved beside it
        with persisted_ledger(address, store) as ledger:
            figures = ledger.team_period("team-1", "2026-01")
    # then the saved checkpoint holds the ledger's position, and not the actor id
    raw = _raw_checkpoints(address)
    assert '"position":4' in raw and CANARY not in raw
    # and it is read back with the key: nothing to catch up, the same figures
    with _opened(address, KEY) as store:
        restored = BudgetLedger()
        sealed = SealedCheckpoints(checkpoints(address), KEY)
        assert restored.sync(store, sealed) == 0
        assert restored.team_period("team-1", "2026-01") == figures


def test_a_checkpoint_saved_in_clear_is_rebuilt_and_sealed(tmp_path: Path) -> None:
    # given a ledger checkpoint saved in clear beside a store
    db = tmp_path / "e.sqlite"
    with CaseStore.sqlite(db, cipher=KEY) as store:
        store.append(HISTORY)
        BudgetLedger().sync(store, SqliteCheckpoints(db))
        assert CANARY in _raw_checkpoints(str(db))
        # when it is read through the sealed checkpoints, then it is not used (rebuilt)
        ledger = BudgetLedger()
        assert ledger.sync(store, SealedCheckpoints(SqliteCheckpoints(db), KEY)) == 4
    # and saved sealed from then on
    assert CANARY not in _raw_checkpoints(str(db))
