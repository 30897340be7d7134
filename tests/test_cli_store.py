"""The CLI over a store: ``check --db`` reads it case by case and finds what ``check`` finds
on the same JSON lines; ``ledger``, ``settle`` and ``agenda`` keep the frame ledger persisted
beside the events and read only what was stored since their last run."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from erantis_rules import check
from erantis_rules.cli import main
from tests._postgres import PostgresCluster

AS_OF = "2026-04-10"


@dataclass(frozen=True)
class Run:
    stdout: str
    stderr: str
    #: The library's log messages at INFO and above (what ``-v`` prints on stderr).
    log: list[str]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _erantis(*args: str) -> Run:
    """Run the console script's ``main`` in this process (a new process per command cost more
    than the commands: each one imported the whole library again) and collect the library's
    log. Every command builds its store, checkpoints and ledger anew, so what a command finds
    of an earlier one is what that one persisted; ``-v`` itself is tested in test_cli.py."""
    logger = logging.getLogger("erantis_rules")
    collect, level = _Collect(), logger.level
    out, err = io.StringIO(), io.StringIO()
    logger.addHandler(collect)
    logger.setLevel(logging.INFO)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(list(args))
            except SystemExit as exit_:
                status = exit_.code
            else:  # main always exits
                status = 0
    finally:
        logger.removeHandler(collect)
        logger.setLevel(level)
    assert status == 0, err.getvalue()
    return Run(out.getvalue(), err.getvalue(), collect.messages)


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """12 synthetic citizens over three months, as JSON lines and ingested into SQLite."""
    folder = tmp_path_factory.mktemp("cli-store")
    events, db = folder / "events.jsonl", folder / "erantis.sqlite"
    _erantis("generate", str(events), "--citizens", "12", "--months", "3")
    _erantis("ingest", "--trust-recorded-by", str(events), "--db", str(db))
    return events, db


def _read(done: Run) -> int:
    """How many events the ledger read since its checkpoint (from the log)."""
    (found,) = re.findall(r"ledger caught up with (\d+) events", "\n".join(done.log))
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
    _erantis("ingest", "--trust-recorded-by", str(events), "--db", url)
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
