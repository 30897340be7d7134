"""Private: key rotation: every stored row sealed again under the cipher's current key
(:meth:`~erantis_domain.store.CaseStore.rotate_key`).

Event ids, positions and digests are unchanged (digests cover the plain text). Rows are
rewritten in one transaction per table; an SQLite file is then vacuumed, so no old bytes linger.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from erantis_domain.errors import StoreConfigurationError, StoreCorruptedError, StoreKeyError
from erantis_domain.store._backend import Backend
from erantis_domain.store._index import content_hash, entry_of
from erantis_domain.store._mapper import PydanticMapper, Recorded, key_of_tag, resealed
from erantis_domain.store._recorders import INDEX_TABLE
from erantis_domain.store.keys import FieldCipher, transform


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
    _rekey_index(app, cipher, postgres=postgres)
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


def _rekey_index(app: Backend, cipher: FieldCipher, *, postgres: bool) -> None:
    """Key every entry of the index of event ids under the current key (plain entries
    written before the index was keyed too), so the old key can go, as the chain's tags."""
    recorder: Any = app.recorder
    select: Any
    update: Any
    if postgres:
        from psycopg.sql import SQL, Identifier

        schema = Identifier(recorder.datastore.schema)
        events: Any = SQL("{}.{}").format(schema, Identifier(recorder.events_table_name))
        index: Any = SQL("{}.{}").format(schema, Identifier(INDEX_TABLE))
        select = SQL("SELECT originator_id, originator_version, topic, state FROM {}").format(
            events
        )
        update = SQL("UPDATE {} SET digest = %s WHERE stream_id = %s AND event_id = %s").format(
            index
        )
    else:
        select = (
            "SELECT originator_id, originator_version, topic, state "
            f"FROM {recorder.events_table_name}"
        )
        update = f"UPDATE {INDEX_TABLE} SET digest = ? WHERE stream_id = ? AND event_id = ?"
    with recorder.datastore.transaction(commit=True) as cursor:
        cursor.execute(select)
        rows = [
            tuple(row.values()) if isinstance(row, dict) else tuple(row)
            for row in cursor.fetchall()
        ]
        for originator_id, version, topic, state in rows:
            stream_id = UUID(str(originator_id))
            stored = StoredEvent(
                originator_id=stream_id,
                originator_version=int(version),
                topic=str(topic),
                state=bytes(state),
            )
            try:
                record = app.mapper.to_domain_event(stored)
            except StoreCorruptedError:
                continue  # verify names a damaged row; its entry stays as it was
            assert isinstance(record, Recorded)
            entry = entry_of(content_hash(record.event), cipher)
            cursor.execute(update, (entry, stream_id.hex, str(record.event.event_id)))


def check_keys(app: Backend, recorder: Any, cipher: FieldCipher) -> None:
    """Refuse a key that is not the one the store was written with, before anything is read
    or written: a key id carries a check value from its first use on. A store encrypted
    before check values existed has none: the key must open its sealed rows before its check
    value is stored. ``recorder`` is the index's recorder (``None`` in memory, where the data
    lives and dies with its cipher)."""
    if recorder is None:
        return
    given = cipher.check_values()
    if not recorder.key_checks({}):
        for row in _sealed_rows(app):
            try:
                app.mapper.to_domain_event(row)
            except (StoreKeyError, StoreCorruptedError):
                raise StoreKeyError(
                    "the key given does not open this store's encrypted rows (written before "
                    "key check values): give the key it was written with; nothing was read or "
                    "written"
                ) from None
    stored = recorder.key_checks(given)
    wrong = sorted(k for k, v in given.items() if stored.get(k, v) != v)
    if wrong:
        raise StoreKeyError(
            f"key {', '.join(wrong)} is not the key this store was written with "
            "(its check value differs); nothing was read or written"
        )


def stored_key_ids(app: Backend, recorder: Any) -> list[str]:
    """The ids of the keys a store was written with (empty: in clear, or in memory, where
    ``recorder`` is ``None``); of a store encrypted before key check values existed, those its
    sealed rows name."""
    if recorder is None:
        return []
    return sorted(recorder.key_checks({})) or sealed_key_ids(app)


def sealed_key_ids(app: Backend) -> list[str]:
    """The key ids of the sealed values in the store's first and last event rows: how a store
    encrypted before key check values existed is told from one in clear (cheaply: a store
    is sealed from its first row, or from when a cipher was first given, up to its last)."""
    rows = _sealed_rows(app)
    found: set[str] = set()

    def note(value: str, _path: str) -> str:
        found.add(key_of_tag(value) or "")
        return value

    for row in rows:
        event = json.loads(bytes(row.state)).get("event")
        if isinstance(event, dict):
            transform(event, note)
    return (sorted(found - {""}) or ["(unknown)"]) if rows else []


def _sealed_rows(app: Backend) -> list[StoredEvent]:
    """The first and the last event rows of the store, those of them that are sealed."""
    recorder = app.recorder
    last = recorder.max_notification_id() or 0
    if not last:
        return []
    rows = list(recorder.select_notifications(start=1, limit=1))
    if last != (rows[0].id if rows else 0):
        rows += recorder.select_notifications(start=last, limit=1)
    out: list[StoredEvent] = []
    for row in rows:
        try:
            sealed = json.loads(bytes(row.state)).get("sealed") is True
        except (ValueError, AttributeError, UnicodeDecodeError):
            continue  # a damaged row: verify names it
        if sealed:
            out.append(row)
    return out
