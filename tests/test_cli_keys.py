"""Stores the command line creates are encrypted by default, on SQLite and a real PostgreSQL:
the key from ``ERANTIS_KEY`` or a key file made on first use (owner-only, and the command says
where), clear text only with ``--no-encryption``, an existing store opened as it is."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import stat
from pathlib import Path

import pytest

from erantis_domain.store import CaseStore
from tests._postgres import PostgresCluster
from tests.factories import make
from tests.test_cli import erantis

CANARY = "canary-visitator-93"


def _events(tmp_path: Path) -> Path:
    path = tmp_path / "events.jsonl"
    recorded_by = {"actor_id": CANARY, "role": "visitator"}
    path.write_text(
        "".join(
            json.dumps(make(kind, recorded_by=recorded_by)) + "\n"
            for kind in ("CaseOpened", "ReferralReceived")
        )
    )
    return path


def _raw_sqlite(db: Path) -> bytes:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT state FROM stored_events").fetchall()
    return b"".join(bytes(row[0]) for row in rows)


def test_a_new_store_is_encrypted_with_a_key_file_made_on_first_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given no key anywhere yet
    key_file = tmp_path / "config" / "erantis" / "store.key"
    monkeypatch.setenv("ERANTIS_KEY_FILE", str(key_file))
    db = tmp_path / "e.sqlite"
    # when a file is ingested into a new store
    ingested = erantis("ingest", str(_events(tmp_path)), "--db", str(db), "--trust-recorded-by")
    # then a key file readable by its owner alone was made, and the command said where
    assert ingested.status == 0, ingested.err
    assert str(key_file) in ingested.err and "keep a copy" in ingested.err
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    # and the rows hold no actor id in clear, and verify finds every stream keyed
    assert CANARY.encode() not in _raw_sqlite(db)
    verified = erantis("verify", "--db", str(db))
    assert verified.status == 0 and "(all keyed)" in verified.out, verified.err
    # and a second ingest uses that key (no new file, nothing said)
    again = erantis("ingest", str(_events(tmp_path)), "--db", str(db), "--trust-recorded-by")
    assert again.status == 0 and "key" not in again.err
    # and without the key file the store is refused with the key error (exit 4), naming it
    key_file.rename(tmp_path / "elsewhere.key")
    refused = erantis("verify", "--db", str(db))
    assert refused.status == 4 and "[E-STORE-KEY]" in refused.err and "store.key" in refused.err


def test_a_key_file_others_may_read_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "store.key"
    key_file.write_text("k1:" + "ab" * 32 + "\n")
    key_file.chmod(0o644)
    monkeypatch.setenv("ERANTIS_KEY_FILE", str(key_file))
    args = ["ingest", str(_events(tmp_path)), "--db", str(tmp_path / "e.db")]
    refused = erantis(*args, "--trust-recorded-by")
    assert refused.status == 4 and "chmod 600" in refused.err
    assert "ab" * 32 not in refused.err


def test_clear_text_only_on_request_and_an_existing_store_stays_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "store.key"
    monkeypatch.setenv("ERANTIS_KEY_FILE", str(key_file))
    # given a store in clear written by the library (as the README's example does)
    plain = tmp_path / "plain.sqlite"
    with CaseStore.sqlite(plain) as store:
        store.append([make("CaseOpened", recorded_by={"actor_id": CANARY, "role": "visitator"})])
    # when the command line reads it, then it is read in clear, and no key is made
    verified = erantis("verify", "--db", str(plain))
    assert verified.status == 0 and "plain chain only" in verified.out and not key_file.exists()
    # and --no-encryption creates a new store in clear
    db = tmp_path / "clear.sqlite"
    args = ["ingest", str(_events(tmp_path)), "--db", str(db), "--trust-recorded-by"]
    assert erantis(*args, "--no-encryption").status == 0
    assert CANARY.encode() in _raw_sqlite(db) and not key_file.exists()


def test_the_key_from_the_environment_encrypts_a_postgresql_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_cluster: PostgresCluster
) -> None:
    # given a key in ERANTIS_KEY (no key file) and an empty PostgreSQL database
    monkeypatch.setenv("ERANTIS_KEY", "k7:" + "5a" * 32)
    monkeypatch.setenv("ERANTIS_KEY_FILE", str(tmp_path / "none.key"))
    name = postgres_cluster.create_database()
    cluster = postgres_cluster
    url = f"postgresql://{cluster.user}@{cluster.host}:{cluster.port}/{name}?sslmode=disable"
    # when a file is ingested there
    ingested = erantis("ingest", str(_events(tmp_path)), "--db", url, "--trust-recorded-by")
    assert ingested.status == 0, ingested.err
    # then its rows hold no actor id in clear, are encrypted with k7, and no key file was made
    import psycopg

    with psycopg.connect(url.split("?")[0]) as conn:
        rows = conn.execute("SELECT state FROM erantis_events").fetchall()
    raw = b"".join(bytes(row[0]) for row in rows)
    assert CANARY.encode() not in raw and b'"k7:' in raw
    assert not (tmp_path / "none.key").exists()
    verified = erantis("verify", "--db", url)
    assert verified.status == 0 and "(all keyed)" in verified.out, verified.err


def test_a_kept_demo_store_is_encrypted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERANTIS_KEY_FILE", str(tmp_path / "store.key"))
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "demo.sqlite"
    run = erantis("demo", "--db", str(db), "--citizens", "3", "--months", "2")
    assert run.status == 0, run.err
    assert (tmp_path / "store.key").exists()
    assert b'"sealed":true' in _raw_sqlite(db)


def test_a_store_encrypted_before_key_check_values_needs_its_key_and_refuses_a_wrong_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from erantis_domain.store.keys import FieldCipher

    # given a store encrypted with a key, written before key check values existed (its table
    # of check values empty), and no key given to the command line
    key = "k1:" + "cd" * 32
    db = tmp_path / "old.sqlite"
    with CaseStore.sqlite(db, cipher=FieldCipher({"k1": bytes.fromhex("cd" * 32)}, "k1")) as s:
        s.append([make("CaseOpened", recorded_by={"actor_id": CANARY, "role": "visitator"})])
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("DELETE FROM erantis_key_checks")
    monkeypatch.setenv("ERANTIS_KEY_FILE", str(tmp_path / "none.key"))
    # when it is read without a key, then it is refused up front with the key error, naming
    # the key id its rows were sealed with (not opened in clear to fail later)
    refused = erantis("verify", "--db", str(db))
    assert refused.status == 4 and "[E-STORE-KEY]" in refused.err
    assert "encrypted (key k1)" in refused.err
    # and a wrong key is refused before its check value is stored, nothing written
    monkeypatch.setenv("ERANTIS_KEY", "k1:" + "ef" * 32)
    wrong = erantis("verify", "--db", str(db))
    assert wrong.status == 4 and "does not open this store's encrypted rows" in wrong.err
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM erantis_key_checks").fetchone() == (0,)
    # and with its own key the store reads and verifies, and now keeps the key's check value
    monkeypatch.setenv("ERANTIS_KEY", key)
    verified = erantis("verify", "--db", str(db))
    assert verified.status == 0, verified.err
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT key_id FROM erantis_key_checks").fetchall() == [("k1",)]
