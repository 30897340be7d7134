"""The projections are storage-agnostic: the same ledger, checkpoint and settlement on the
PostgreSQL store (a throwaway cluster from ``tests/conftest.py``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from erantis_domain.errors import ConcurrencyConflict
from erantis_domain.projections import (
    BudgetLedger,
    PostgresCheckpoints,
    SettlementTerms,
    settle,
)
from erantis_domain.store import CaseStore
from erantis_domain.values import Actor, Role
from tests._postgres import PostgresCluster
from tests.projections.histories import PERIOD, TEAM, worked_example


def test_ledger_checkpoint_and_settlement_on_postgres(
    postgres_cluster: PostgresCluster, postgres_database: str, tmp_path: Path
) -> None:
    def open_store() -> CaseStore:
        return CaseStore.postgres(
            dbname=postgres_database,
            host=postgres_cluster.host,
            port=postgres_cluster.port,
            user=postgres_cluster.user,
        )

    history = worked_example()
    # the checkpoint beside the events, in eventsourcing's tracking table
    checkpoints = PostgresCheckpoints(
        dbname=postgres_database,
        host=postgres_cluster.host,
        port=postgres_cluster.port,
        user=postgres_cluster.user,
    )
    with open_store() as store:
        store.append(history[:15])
        first = BudgetLedger()
        first.catch_up(store)
        first.save(checkpoints)
        store.append(history[15:])

    with open_store() as store:
        resumed = BudgetLedger()
        assert resumed.restore(checkpoints)
        assert resumed.catch_up(store) == len(history) - 15
        assert resumed.team_period(TEAM, PERIOD).frame_minutes == 1567
        settled = settle(
            store,
            TEAM,
            PERIOD,
            as_of=date(2026, 11, 2),
            terms=SettlementTerms(),
            recorded_by=Actor(actor_id="visitator-1", role=Role.VISITATOR),
            ledger=resumed,
        )
        assert (settled.granted_minutes, settled.delivered_minutes) == (1567, 1530)
        assert resumed.team_period(TEAM, PERIOD).settled is not None
    assert checkpoints.position(BudgetLedger.name) == first.position
    # a runner that is behind cannot move the tracked position back
    resumed.save(checkpoints)
    assert checkpoints.position(BudgetLedger.name) == resumed.position
    with pytest.raises(ConcurrencyConflict):
        first.save(checkpoints)
    checkpoints.close()
