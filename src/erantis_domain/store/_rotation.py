"""Private: key rotation: every stored row sealed again under the cipher's current key
(:meth:`~erantis_domain.store.CaseStore.rotate_key`).

Event ids, positions and digests are unchanged (digests cover the plain text). Rows are
rewritten in one transaction per table; an SQLite file is then vacuumed, so no old bytes linger.
"""

from __future__ import annotations

import contextlib
import sqlite3
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from erantis_domain.errors import StoreConfigurationError, StoreKeyError
from erantis_domain.store._backend import Backend
from erantis_domain.store._mapper import PydanticMapper, resealed
from erantis_domain.store.keys import FieldCipher


def rotate_key(app: Backend, env: dict[str, str]) -> int:
    """Re-encrypt every stored event and snapshot with the cipher's current key; returns how
    many rows were rewritten."""
    cipher = app.mapper.field_cipher if isinstance(app.mapper, PydanticMapper) else None
    if cipher is None:
        raise StoreConfigurationError("rotate_key needs a store opened with a cipher")
    persistence = app.persistence
    if persistence == "popo":
        return 0
    postgres = persistence == "postgres"
    rewritten = _reseal(app.recorder, cipher, postgres=postgres)
    if app.snapshots is not None:
        rewritten += _reseal(app.snapshots.recorder, cipher, postgres=postgres)
    if persistence == "sqlite" and rewritten:
        # The old rows' bytes linger in free pages of the file until it is rebuilt.
        with contextlib.closing(sqlite3.connect(env["SQLITE_DBNAME"])) as conn:
            conn.isolation_level = None
            conn.execute("VACUUM")
            # ... and in the write-ahead log, until it is checkpointed and truncated.
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return rewritten


def _reseal(recorder: Any, cipher: FieldCipher, *, postgres: bool) -> int:
    select: Any
    update: Any
    if postgres:
        from psycopg.sql import SQL, Identifier

        table: Any = SQL("{}.{}").format(
            Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name)
        )
        select = SQL("SELECT originator_id, originator_version, topic, state FROM {}").format(table)
        update = SQL(
            "UPDATE {} SET state = %s WHERE originator_id = %s AND originator_version = %s"
        ).format(table)
    else:
        name = recorder.events_table_name
        select = f"SELECT originator_id, originator_version, topic, state FROM {name}"
        update = f"UPDATE {name} SET state = ? WHERE originator_id = ? AND originator_version = ?"
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


def check_keys(recorder: Any, cipher: FieldCipher) -> None:
    """Refuse a key that is not the one the store was written with, before anything is read
    or written: a key id carries a check value from its first use on. ``recorder`` is the
    index's recorder (``None`` in memory, where the data lives and dies with its cipher)."""
    if recorder is None:
        return
    given = cipher.check_values()
    stored = recorder.key_checks(given)
    wrong = sorted(k for k, v in given.items() if stored.get(k, v) != v)
    if wrong:
        raise StoreKeyError(
            f"key {', '.join(wrong)} is not the key this store was written with "
            "(its check value differs); nothing was read or written"
        )
