"""The erantis command line, end to end on a SQLite file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from erantis_rules.cli import app

runner = CliRunner()


def test_demo_stores_checks_and_reports_and_is_idempotent(tmp_path: Path) -> None:
    # given an empty SQLite file path
    db = tmp_path / "demo.sqlite"
    # when the demo runs twice on it
    first = runner.invoke(app, ["demo", "--db", str(db), "--citizens", "20", "--months", "2"])
    second = runner.invoke(app, ["demo", "--db", str(db), "--citizens", "20", "--months", "2"])
    # then the first stores events and reports findings; the second finds them all stored
    assert first.exit_code == 0, first.output
    assert "Findings per rule" in first.output and "(0 already there)" in first.output
    assert second.exit_code == 0, second.output
    assert " 0 events stored" in second.output


def test_generate_ingest_check_case_settle(tmp_path: Path) -> None:
    events, db = tmp_path / "events.jsonl", tmp_path / "erantis.sqlite"
    # given a generated municipality ingested into a store
    assert (
        runner.invoke(app, ["generate", str(events), "--citizens", "60", "--months", "3"]).exit_code
        == 0
    )
    lines = events.read_text(encoding="utf-8").splitlines()
    ingested = runner.invoke(app, ["ingest", str(events), "--db", str(db)])
    assert ingested.exit_code == 0, ingested.output
    assert f"{len(lines)} events stored" in ingested.output
    # when it is checked as JSON
    checked = runner.invoke(app, ["check", "--db", str(db), "--as-of", "2026-04-15", "--json"])
    assert checked.exit_code == 0, checked.output
    findings = [json.loads(line) for line in checked.output.splitlines() if line.startswith("{")]
    # then findings come with their contract fields
    assert findings and {"rule_id", "severity", "subject", "evidence", "due"} <= findings[0].keys()
    # and a case shows its timeline
    case_id = json.loads(lines[0])["case_id"]
    shown = runner.invoke(app, ["case", case_id, "--db", str(db), "--as-of", "2026-04-15"])
    assert shown.exit_code == 0 and "CaseOpened" in shown.output
    # and a period of a team is settled once
    team = json.loads(lines[0])["team_id"]
    settle = [
        "settle",
        "--db",
        str(db),
        "--team",
        team,
        "--period",
        "2026-03",
        "--as-of",
        "2026-04-10",
    ]
    settled = runner.invoke(app, settle)
    assert settled.exit_code == 0, settled.output
    again = runner.invoke(app, settle)
    assert again.exit_code != 0 and "already settled" in str(again.exception)


def test_rules_lists_the_catalogue() -> None:
    result = runner.invoke(app, ["rules"])
    assert result.exit_code == 0 and "DOC-001" in result.output and "FRM-007" in result.output


def test_an_invalid_line_is_refused_with_its_code_and_nothing_is_stored(tmp_path: Path) -> None:
    # given a file whose second line is invalid
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
    db = tmp_path / "erantis.sqlite"
    # when it is ingested through the console script
    done = subprocess.run(
        [sys.executable, "-m", "erantis_rules.cli", "ingest", str(events), "--db", str(db)],
        capture_output=True,
        text=True,
        check=False,
    )
    # then it exits 2 with the stable code and the line, without the CPR number, storing nothing
    assert done.returncode == 2, done.stderr
    assert "E-EVENT-INVALID" in done.stderr and "line 2" in done.stderr
    assert "010190" not in done.stderr + done.stdout
    assert not db.exists() or "0 events" in runner.invoke(app, ["check", "--db", str(db)]).output


def test_a_missing_file_and_markup_in_data_do_not_crash_the_cli(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["ingest", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    # an id holding rich markup is printed as text, not interpreted
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
    assert runner.invoke(app, ["ingest", str(events), "--db", str(db)]).exit_code == 0
    shown = runner.invoke(app, ["case", "case-[/bold]", "--db", str(db), "--as-of", "2026-02-01"])
    assert shown.exit_code == 0, shown.output
    assert "case-[/bold]" in shown.output
