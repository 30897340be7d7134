"""Private: eventsourcing's PostgreSQL tracking recorder with our table of checkpoint documents
beside it (imported only when PostgreSQL checkpoints are used: it needs psycopg)."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder

from erantis_domain.projections._tracked import behind

__all__ = ["PostgresTracking"]

_TABLE = "erantis_checkpoints"


class PostgresTracking(PostgresTrackingRecorder):
    """Tracking in ``erantis_tracking``, documents in ``erantis_checkpoints``."""

    @classmethod
    def connect(
        cls,
        *,
        dbname: str,
        host: str,
        port: int,
        user: str,
        password: str,
        connect_timeout: float,
    ) -> PostgresTracking:
        datastore = PostgresDatastore(
            dbname, host, port, user, password, connect_timeout=connect_timeout, pool_size=1
        )
        # Bounded like the store's own connections: a frozen server is an error, not a hang.
        from erantis_domain.store._waits import bound

        bound(datastore, timeout=5.0, connect_timeout=connect_timeout)
        recorder = cls(datastore, tracking_table_name="erantis_tracking")
        recorder.create_table()
        return recorder

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        from psycopg.sql import SQL, Identifier

        super().__init__(datastore, **kwargs)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.{1} (name text PRIMARY KEY, document text NOT NULL)"
            ).format(Identifier(self.datastore.schema), Identifier(_TABLE))
        )

    def save(self, name: str, document: str, position: int) -> None:
        from psycopg.sql import SQL, Identifier

        with self.datastore.transaction(commit=True) as curs:
            # One runner at a time per checkpoint: the row lock orders concurrent savers.
            curs.execute(
                SQL(
                    "INSERT INTO {0}.{1} (name, document) VALUES (%s, %s) "
                    "ON CONFLICT (name) DO UPDATE SET document = EXCLUDED.document"
                ).format(Identifier(self.datastore.schema), Identifier(_TABLE)),
                (name, document),
            )
            recorded = self._max_tracking_id(name, curs)
            if recorded is not None and position < recorded:
                raise behind(name, position, recorded)
            if recorded is None or position > recorded:
                self._insert_tracking(curs, Tracking(name, position))

    def load(self, name: str) -> tuple[str | None, int | None]:
        from psycopg.sql import SQL, Identifier

        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                SQL("SELECT document FROM {0}.{1} WHERE name = %s").format(
                    Identifier(self.datastore.schema), Identifier(_TABLE)
                ),
                (name,),
            )
            row = curs.fetchone()
            return (None if row is None else str(row["document"])), self._max_tracking_id(
                name, curs
            )
