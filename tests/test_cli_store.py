"""The CLI over a store: ``check --db`` reads it case by case and finds what ``check`` finds
on the same JSON lines; ``ledger``, ``settle`` and ``agenda`` keep the frame ledger persisted
beside the events and read only what was stored since their last run."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from erantis_rules import check
from tests._postgres import PostgresCluster

AS_OF = "2026-04-10"


def _erantis(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "erantis_rules", "-v", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """12 synthetic citizens over three months, as JSON lines and ingested into SQLite."""
    folder = tmp_path_factory.mktemp("cli-store")
    events, db = folder / "events.jsonl", folder / "erantis.sqlite"
    _erantis("generate", str(events), "--citizens", "12", "--months", "3")
    _erantis("ingest", str(events), "--db", str(db))
    return events, db


def _read(done: subprocess.CompletedProcess[str]) -> int:
    """How many events the ledger read since its checkpoint (from the -v log)."""
    (found,) = re.findall(r"ledger caught up with (\d+) events", done.stderr)
    return int(found)


def test_check_db_finds_what_check_finds_on_the_lines(stored: tuple[Path, Path]) -> None:
    # given the store and the JSON lines it was ingested from
    events, db = stored
    lines = events.read_text(encoding="utf-8").splitlines()
    expected = [f.to_dict() for f in check(lines, as_of=date.fromisoformat(AS_OF))]
    # when the store is checked, then the findings are the same, in the same order
    done = _erantis("check", "--db", str(db), "--as-of", AS_OF, "--json")
    found = [json.loads(line) for line in done.stdout.splitlines()]
    assert expected and found == json.loads(json.dumps(expected))


def test_the_ledger_is_persisted_and_read_incrementally(stored: tuple[Path, Path]) -> None:
    # given a store whose ledger was never built
    events, db = stored
    team = next(
        json.loads(line)["team_id"]
        for line in events.read_text(encoding="utf-8").splitlines()
        if '"CaseOpened"' in line
    )
    total = len(events.read_text(encoding="utf-8").splitlines())
    where = ["--db", str(db), "--team", team]
    # when the ledger is shown, then it reads every stored event once
    first = _erantis("ledger", *where, "--period", "2026-02", "--json")
    assert _read(first) == total
    # and a second command reads none: it starts from the persisted ledger
    again = _erantis("ledger", *where, "--period", "2026-02", "--json")
    assert _read(again) == 0
    assert again.stdout == first.stdout
    # and a settlement reads none either and saves itself, so the agenda after it reads none
    settled = _erantis("settle", *where, "--period", "2026-03", "--as-of", "2026-04-02")
    assert _read(settled) == 0
    agenda = _erantis("agenda", *where, "--period", "2026-03", "--as-of", AS_OF, "--json")
    assert _read(agenda) == 0
    (ledger,) = [json.loads(x) for x in agenda.stdout.splitlines() if '"ledger"' in x]
    assert ledger["settled"] is True


def test_the_ledger_is_persisted_in_postgresql_too(
    postgres_cluster: PostgresCluster, stored: tuple[Path, Path]
) -> None:
    # given the municipality ingested into a real PostgreSQL database, named by URL
    events, db = stored
    cluster = postgres_cluster
    url = (
        f"postgresql://{cluster.user}@{cluster.host}:{cluster.port}/"
        f"{cluster.create_database()}?sslmode=disable"
    )
    _erantis("ingest", str(events), "--db", url)
    total = len(events.read_text(encoding="utf-8").splitlines())
    team = ["--team", "team-001", "--period", "2026-02", "--json"]
    # when the ledger is shown twice, then the second run reads nothing new
    first = _erantis("ledger", "--db", url, *team)
    again = _erantis("ledger", "--db", url, *team)
    assert (_read(first), _read(again)) == (total, 0)
    # and the figures are those of the SQLite store's ledger
    assert first.stdout == again.stdout == _erantis("ledger", "--db", str(db), *team).stdout
    # and the store-side check finds what check finds on the lines
    lines = events.read_text(encoding="utf-8").splitlines()
    expected = [f.to_dict() for f in check(lines, as_of=date.fromisoformat(AS_OF))]
    done = _erantis("check", "--db", url, "--as-of", AS_OF, "--json")
    found = [json.loads(line) for line in done.stdout.splitlines()]
    assert expected and found == json.loads(json.dumps(expected))
