"""The throwaway-cluster helper says how to install PostgreSQL when it is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import _postgres
from tests._postgres import PostgresCluster, PostgresUnavailable, find_bindir


def test_missing_binaries_raise_with_the_install_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # given no PostgreSQL anywhere: nothing under /usr/lib/postgresql, nothing on PATH,
    # and a configured directory without initdb
    monkeypatch.setattr(_postgres.glob, "glob", lambda pattern: [])
    monkeypatch.setattr(_postgres.shutil, "which", lambda name: None)
    monkeypatch.setenv("ERANTIS_PG_BINDIR", str(tmp_path))
    # when the binaries are looked up, then the error names the command that installs them
    with pytest.raises(PostgresUnavailable, match=r"apt-get install -y postgresql"):
        find_bindir()


def test_the_session_cluster_accepts_connections(postgres_cluster: PostgresCluster) -> None:
    import psycopg

    name = postgres_cluster.create_database()
    with psycopg.connect(
        host=postgres_cluster.host,
        port=postgres_cluster.port,
        user=postgres_cluster.user,
        dbname=name,
    ) as conn:
        row = conn.execute("select current_user, current_database()").fetchone()
    assert row == ("erantis", name)
