"""The erantis command line, end to end: through ``main`` (exit codes, one-line errors) on
SQLite files, and once on a real PostgreSQL server."""

from __future__ import annotations

import contextlib
import gc
import io
import json
import logging
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from erantis_domain import parse_event
from erantis_rules import check
from erantis_rules.cli import main
from tests._postgres import PostgresCluster

AS_OF = "2026-04-10"


@dataclass(frozen=True)
class Run:
    status: int
    out: str
    err: str

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.splitlines()]


def erantis(*args: str) -> Run:
    """Run the console script's ``main`` in this process, as a shell would."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as exit_:
            status = exit_.code if isinstance(exit_.code, int) else 1
        else:  # pragma: no cover - main always exits
            status = 0
    return Run(status, out.getvalue(), err.getvalue())


@dataclass(frozen=True)
class Municipality:
    events: Path
    db: Path
    lines: list[dict[str, Any]]


@pytest.fixture(scope="module")
def municipality(tmp_path_factory: pytest.TempPathFactory) -> Municipality:
    """30 synthetic citizens over three months, generated and ingested into SQLite."""
    folder = tmp_path_factory.mktemp("cli")
    events, db = folder / "events.jsonl", folder / "erantis.sqlite"
    assert erantis("generate", str(events), "--citizens", "30", "--months", "3").status == 0
    assert erantis("ingest", "--trust-recorded-by", str(events), "--db", str(db)).status == 0
    lines = [json.loads(line) for line in events.read_text(encoding="utf-8").splitlines()]
    return Municipality(events, db, lines)


def _one_error_line(run: Run, code: str) -> None:
    assert run.err.count("\n") == 1, run.err
    assert run.err.startswith(f"erantis: error [{code}] "), run.err
    assert "Traceback" not in run.err + run.out


def test_version_prints_the_installed_version() -> None:
    run = erantis("--version")
    assert run.status == 0 and run.out == f"erantis {version('erantis')}\n"


def test_help_documents_the_exit_codes() -> None:
    run = erantis("--help")
    assert run.status == 0
    for status in ("0 done", "1 findings", "2 usage", "3 invalid input", "4 event store"):
        assert status in " ".join(run.out.split()), status


def test_generate_ingest_check_case_settle(municipality: Municipality, tmp_path: Path) -> None:
    # given a generated municipality ingested into a store (the fixture); ingesting it again
    again = erantis(
        "ingest", "--trust-recorded-by", str(municipality.events), "--db", str(municipality.db)
    )
    assert again.status == 0, again.err
    assert f"0 events stored, {len(municipality.lines)} already stored" in again.out
    # when it is checked as JSON
    checked = erantis("check", "--db", str(municipality.db), "--as-of", AS_OF, "--json")
    # then it exits 0 (no --fail-on), every stdout line is a finding with its contract fields,
    # and the one-line summary goes to stderr
    assert checked.status == 0, checked.err
    findings = checked.lines()
    assert findings and {"rule_id", "severity", "subject", "evidence", "due"} <= findings[0].keys()
    assert checked.err == f"checked {len(municipality.lines)} events as of {AS_OF}: " + (
        f"{len(findings)} findings\n"
    )


def test_findings_at_or_above_fail_on_exit_1(municipality: Municipality) -> None:
    # given a store with findings of known severities
    db = ["--db", str(municipality.db), "--as-of", AS_OF]
    severities = {f["severity"] for f in erantis("check", *db, "--json").lines()}
    assert "violation" in severities
    # when checked with --fail-on, then the exit code says whether one is at or above it
    assert erantis("check", *db, "--fail-on", "violation").status == 1
    assert erantis("check", *db, "--fail-on", "INFO").status == 1
    assert erantis("check", *db).status == 0


def test_check_on_one_process_finds_what_auto_workers_find(municipality: Municipality) -> None:
    # given a store (checked by default with --workers auto: the cores available)
    db = ["--db", str(municipality.db), "--as-of", AS_OF, "--json"]
    # when it is checked on one process and on two
    one = erantis("check", *db, "--workers", "1")
    two = erantis("check", *db, "--workers", "2")
    # then the findings are the same, line for line
    assert one.status == two.status == 0, one.err + two.err
    assert one.lines() and one.out == two.out == erantis("check", *db).out


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["check", "--db", "x.sqlite"], "--as-of"),
        (["check", "--db", "x.sqlite", "--as-of", "2026-13-01"], "--as-of"),
        (["check", "--bogus"], "--bogus"),
        (["nope"], "nope"),
        (["schema"], "--out"),
        (["check", "--as-of", AS_OF, "--fail-on", "fatal"], "--fail-on"),
        (["check", "--as-of", AS_OF, "--workers", "0"], "--workers"),
        (["check", "--as-of", AS_OF, "--db", "ftp://host/db"], "--db"),
        (["check", "--as-of", AS_OF, "--db", "postgresql://u:s3cret@h/db?x=1"], "--db"),
        (["ingest", "missing.jsonl"], "missing.jsonl"),
    ],
)
def test_a_usage_error_is_one_line_on_stderr_and_exits_2(args: list[str], names: str) -> None:
    run = erantis(*args)
    assert run.status == 2, run
    _one_error_line(run, "E-USAGE")
    assert names in run.err and "s3cret" not in run.err


def test_a_missing_policy_file_is_reported_before_the_store_is_opened(tmp_path: Path) -> None:
    # given neither the policy file nor the store exists
    args = ["--db", str(tmp_path / "none.sqlite"), "--policy", str(tmp_path / "p.toml")]
    # when checked, then the policy is what is reported, and no store file was created
    run = erantis("check", "--as-of", AS_OF, *args)
    assert run.status == 2 and "--policy" in run.err, run
    assert not (tmp_path / "none.sqlite").exists()


def test_an_unknown_case_and_a_refused_settlement_exit_3(municipality: Municipality) -> None:
    db = ["--db", str(municipality.db), "--as-of", AS_OF]
    unknown = erantis("case", "case-999999", *db)
    assert unknown.status == 3
    _one_error_line(unknown, "E-UNKNOWN-CASE")
    early = erantis("settle", "--team", "team-001", "--period", "2026-04", *db)
    assert early.status == 3
    _one_error_line(early, "E-SETTLEMENT")


def test_a_file_that_is_not_a_store_exits_4(tmp_path: Path) -> None:
    # given a --db file that is not an SQLite database
    db = tmp_path / "notes.txt"
    db.write_text("not a database\n" * 100, encoding="utf-8")
    # when checked, then a store error, one line
    run = erantis("check", "--db", str(db), "--as-of", AS_OF)
    assert run.status == 4, run
    _one_error_line(run, run.err.split("[")[1].split("]")[0])
    assert run.err.split("[")[1].startswith("E-STORE")


def test_db_takes_a_sqlite_url_and_the_erantis_db_variable(
    municipality: Municipality, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_path = erantis("check", "--db", str(municipality.db), "--as-of", AS_OF, "--json")
    by_url = erantis("check", "--db", f"sqlite:///{municipality.db}", "--as-of", AS_OF, "--json")
    monkeypatch.setenv("ERANTIS_DB", str(municipality.db))
    by_env = erantis("check", "--as-of", AS_OF, "--json")
    assert by_path.status == by_url.status == by_env.status == 0
    assert by_path.out == by_url.out == by_env.out != ""


def test_db_takes_a_postgresql_url(
    postgres_cluster: PostgresCluster, municipality: Municipality
) -> None:
    # given an empty database on a real PostgreSQL server, named by URL
    name = postgres_cluster.create_database()
    url = (
        f"postgresql://{postgres_cluster.user}@{postgres_cluster.host}:{postgres_cluster.port}/"
        f"{name}?sslmode=disable"
    )
    # when the municipality is ingested there and checked
    ingested = erantis("ingest", "--trust-recorded-by", str(municipality.events), "--db", url)
    checked = erantis("check", "--db", url, "--as-of", AS_OF, "--json")
    # then it holds every event and gives the same findings as the SQLite store
    assert ingested.status == 0, ingested.err
    assert f"{len(municipality.lines)} events stored" in ingested.out
    on_sqlite = erantis("check", "--db", str(municipality.db), "--as-of", AS_OF, "--json")
    assert checked.status == 0 and checked.out == on_sqlite.out


def test_json_lines_on_case_rules_and_settle(municipality: Municipality) -> None:
    db = ["--db", str(municipality.db), "--as-of", AS_OF]
    case_id = municipality.lines[0]["case_id"]
    shown = erantis("case", case_id, *db, "--json")
    assert shown.status == 0, shown.err
    records = shown.lines()
    assert {r["record"] for r in records} >= {"event", "state"}
    assert next(r["type"] for r in records if r["record"] == "event") == "CaseOpened"
    rules = erantis("rules", "--json").lines()
    assert {"DOC-001", "FRM-007"} <= {r["id"] for r in rules}
    team = municipality.lines[0]["team_id"]
    settled = erantis("settle", "--team", team, "--period", "2026-03", *db, "--json")
    assert settled.status == 0, settled.err
    [figures] = settled.lines()
    assert figures["team_id"] == team and figures["period"] == "2026-03"
    assert {"granted_minutes", "delivered_minutes", "band", "incentive_amount"} <= figures.keys()


def test_case_shows_team_findings_only_from_the_whole_teams_figures(
    municipality: Municipality,
) -> None:
    # given a case whose own minutes, judged alone, would break a team rule (FRM-007) that the
    # whole team's figures do not break
    case_id = "case-000001"
    own_events = [parse_event(e) for e in municipality.lines if e.get("case_id") == case_id]
    alone = {f.key for f in check(own_events, as_of=date.fromisoformat(AS_OF)) if "/" in f.subject}
    everything = check(
        [parse_event(e) for e in municipality.lines], as_of=date.fromisoformat(AS_OF)
    )
    assert alone - {f.key for f in everything}, "precondition: judged alone, it differs"
    # when the case is shown
    run = erantis("case", case_id, "--db", str(municipality.db), "--as-of", AS_OF, "--json")
    findings = [r for r in run.lines() if r["record"] == "finding"]

    # then its own findings are the whole check's for this case, and its team findings are the
    # whole check's for its team, labelled as such
    def keys(scope: str) -> set[tuple[str, str]]:
        return {(f["subject"], f["rule_id"]) for f in findings if f["scope"] == scope}

    team = municipality.lines[0]["team_id"]
    assert keys("case") == {(f.subject, f.rule_id) for f in everything if f.subject == case_id}
    assert keys("team") == {
        (f.subject, f.rule_id) for f in everything if f.subject.startswith(f"{team}/")
    }
    table = erantis("case", case_id, "--db", str(municipality.db), "--as-of", AS_OF)
    assert "from the whole team's figures" in table.out and "State as of" in table.out


def test_demo_removes_its_temporary_store_and_says_what_to_try_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given temporary files go to an empty folder, and the demo runs in another (where it
    # writes its meeting pack: not in the checkout)
    (tmp_path / "tmp").mkdir()
    (tmp_path / "here").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    monkeypatch.chdir(tmp_path / "here")
    # when the demo runs (stderr is not a terminal here)
    run = erantis("demo", "--citizens", "10", "--months", "2")
    # then it leaves nothing behind, reports in one summary line and names the next commands
    assert run.status == 0, run.err
    assert list((tmp_path / "tmp").iterdir()) == []
    assert "10 citizens, 2 months" in run.out and "temporary store (removed" in run.out
    assert "Next, try:" in run.out and "erantis check --db" in run.out
    assert run.err == ""


def test_demo_keeps_its_store_with_keep_or_db_and_is_idempotent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    kept = erantis("demo", "--citizens", "10", "--months", "2", "--keep")
    [store] = (tmp_path / "tmp").glob("*/erantis.sqlite")
    assert kept.status == 0 and str(store) in kept.out
    db = tmp_path / "demo.sqlite"
    first = erantis("demo", "--db", str(db), "--citizens", "10", "--months", "2")
    second = erantis("demo", "--db", str(db), "--citizens", "10", "--months", "2")
    assert first.status == second.status == 0
    assert "(0 already there)" in first.out and " 0 events stored" in second.out
    assert f"erantis case case-000001 --db {db}" in " ".join(second.out.split())


@pytest.mark.parametrize("enabled", [True, False])
def test_demo_leaves_the_collector_as_it_found_it(
    enabled: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the cyclic collector on or off (the demo pauses it while it works)
    monkeypatch.chdir(tmp_path)
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    frozen = gc.get_freeze_count()
    try:
        # when the demo runs, with a meeting pack and a check that pauses it too
        run = erantis("demo", "--citizens", "10", "--months", "2")
        # then the collector is on or off as it was, and nothing of the caller's was frozen
        assert run.status == 0, run.err
        assert gc.isenabled() is enabled
        assert gc.get_freeze_count() == frozen
    finally:
        (gc.enable if was else gc.disable)()


def test_schema_writes_the_schemas_with_their_id_where_asked(tmp_path: Path) -> None:
    run = erantis("schema", "--out", str(tmp_path / "schemas"))
    assert run.status == 0
    written = sorted((tmp_path / "schemas").glob("*.json"))
    assert len(written) > 2
    for path in written:
        document = json.loads(path.read_text(encoding="utf-8"))
        assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert document["$id"] == f"urn:erantis:schema:{path.name.removesuffix('.schema.json')}"


def test_rules_lists_the_catalogue() -> None:
    result = erantis("rules")
    assert result.status == 0 and "DOC-001" in result.out and "FRM-007" in result.out


@pytest.fixture
def invalid_events(tmp_path: Path) -> Iterator[Path]:
    good = {
        "type": "CaseOpened",
        "event_id": "00000000-0000-4000-8000-000000000001",
        "case_id": "case-1",
        "occurred_at": "2026-01-01T10:00:00+01:00",
        "recorded_by": {"actor_id": "a", "role": "visitator"},
        "team_id": "t",
        "municipality": "0756",
    }
    bad = {**good, "event_id": "00000000-0000-4000-8000-000000000002", "case_id": "010190-1234"}
    events = tmp_path / "events.jsonl"
    events.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    yield events


def test_an_invalid_line_is_refused_with_its_code_and_nothing_is_stored(
    invalid_events: Path, tmp_path: Path
) -> None:
    db = tmp_path / "erantis.sqlite"
    # when a file whose second line is invalid is ingested through the console script
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "erantis_rules",
            "ingest",
            "--trust-recorded-by",
            str(invalid_events),
            "--db",
            str(db),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    # then it exits 3 with the stable code and the line, without the CPR number, storing nothing
    assert done.returncode == 3, done.stderr
    assert done.stderr.startswith("erantis: error [E-EVENT-INVALID] line 2")
    assert done.stderr.count("\n") == 1
    assert "010190" not in done.stderr + done.stdout
    if db.exists():
        assert erantis("check", "--db", str(db), "--as-of", AS_OF, "--json").out == ""


def test_markup_in_data_is_printed_as_text(tmp_path: Path) -> None:
    db = tmp_path / "erantis.sqlite"
    event = {
        "type": "CaseOpened",
        "event_id": "00000000-0000-4000-8000-000000000009",
        "case_id": "case-[/bold]",
        "occurred_at": "2026-01-01T10:00:00+01:00",
        "recorded_by": {"actor_id": "a", "role": "visitator"},
        "team_id": "t",
        "municipality": "0756",
    }
    events = tmp_path / "events.jsonl"
    events.write_text(json.dumps(event) + "\n", encoding="utf-8")
    assert erantis("ingest", "--trust-recorded-by", str(events), "--db", str(db)).status == 0
    shown = erantis("case", "case-[/bold]", "--db", str(db), "--as-of", "2026-02-01")
    assert shown.status == 0, shown.err
    assert "case-[/bold]" in shown.out


def test_verbose_shows_the_library_log_without_personal_data(
    municipality: Municipality, tmp_path: Path
) -> None:
    # given the library installs no log handler of its own
    assert logging.getLogger("erantis_domain.store").handlers == []
    # when events are ingested with -v
    db, events = str(tmp_path / "v.sqlite"), str(municipality.events)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "erantis_rules",
            "-v",
            "ingest",
            "--trust-recorded-by",
            events,
            "--db",
            db,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    # then stderr carries the store's log lines (one per case): counts and the store, no
    # event content
    assert done.returncode == 0, done.stderr
    appended = re.findall(r"INFO erantis_domain\.store: append: (\d+) events stored", done.stderr)
    assert sum(map(int, appended)) == len(municipality.lines)
    assert "case-0000" not in done.stderr
    quiet = erantis("ingest", "--trust-recorded-by", str(municipality.events), "--db", db)
    assert "INFO" not in quiet.err


def test_an_unexpected_error_exits_5_naming_only_its_type(
    municipality: Municipality, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the rules fail with a message quoting data
    import erantis_rules.cli._check as cli

    def broken(*args: object, **kwargs: object) -> list[object]:
        raise ValueError("cannot judge 010190-1234")

    monkeypatch.setattr(cli, "check_store", broken)
    # when checking, then one line naming the error's type, never its message
    run = erantis("check", "--db", str(municipality.db), "--as-of", AS_OF)
    assert run.status == 5
    _one_error_line(run, "E-INTERNAL")
    assert "ValueError" in run.err and "010190" not in run.err


def test_ledger_prints_the_projections_figures(municipality: Municipality) -> None:
    # given the municipality's events, and its ledger computed in Python
    from erantis_domain.events import parse_events
    from erantis_domain.projections import ledger_of

    team = municipality.lines[0]["team_id"]
    expected = ledger_of(parse_events(municipality.lines)).team_period(team, "2026-02")
    # when the ledger command prints February as JSON Lines
    run = erantis("ledger", "--team", team, "--period", "2026-02", "--db", str(municipality.db))
    shown = erantis(
        "ledger", "--team", team, "--period", "2026-02", "--db", str(municipality.db), "--json"
    )
    # then the figures are the projection's, with a line per citizen
    assert run.status == 0 and shown.status == 0, run.err + shown.err
    records = shown.lines()
    [total] = [r for r in records if r["record"] == "team"]
    assert (total["frame_minutes"], total["delivered_minutes"], total["band"]) == (
        expected.frame_minutes,
        expected.delivered_minutes,
        expected.band,
    )
    citizens = [r["case_id"] for r in records if r["record"] == "citizen"]
    assert citizens == [line.case_id for line in expected.lines]
    assert f"delivered {expected.delivered_minutes}" in run.out


def test_agenda_lists_the_meetings_points(municipality: Municipality) -> None:
    team = municipality.lines[0]["team_id"]
    args = ["--team", team, "--period", "2026-02", "--db", str(municipality.db)]
    run = erantis("agenda", *args, "--as-of", AS_OF, "--json")
    assert run.status == 0, run.err
    records = run.lines()
    assert records[0]["record"] == "ledger"
    # only frame and delegation findings go on the agenda
    findings = [r for r in records if r["record"] == "finding"]
    assert all(f["rule_id"].startswith(("FRM-", "DEL-")) for f in findings)
    # and --as-of is required: findings depend on the day
    _one_error_line(erantis("agenda", *args), "E-USAGE")


@pytest.mark.parametrize("command", ["ledger", "agenda"])
def test_ledger_and_agenda_refuse_a_period_shaped_like_a_cpr_number(
    municipality: Municipality, command: str
) -> None:
    run = erantis(
        command, "--team", "team-001", "--period", "010170-1234", "--db", str(municipality.db)
    )
    assert run.status == 2
    assert "010170" not in run.err + run.out
