"""The command line as a newcomer meets it: a quick ``--version``, ``-h`` and ``-V``, an example
in every command's help, arguments checked before any work, ``-`` for stdin and stdout, nothing
written over without ``--force`` (an event store never), unknown teams and periods refused,
progress on the slow commands, warnings in one line, and next commands spelt as erantis was
started."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

import erantis_rules.cli._shared as shared
from erantis_rules.cli import app
from tests.test_cli import AS_OF, Run, erantis

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Store:
    events: Path
    db: Path


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """20 synthetic citizens over three months, generated and ingested into SQLite."""
    folder = tmp_path_factory.mktemp("first-hour")
    events, db = folder / "events.jsonl", folder / "erantis.sqlite"
    assert erantis("generate", str(events), "--citizens", "20", "--months", "3").status == 0
    assert erantis("ingest", "--trust-recorded-by", str(events), "--db", str(db)).status == 0
    return Store(events, db)


def _usage(run: Run, *words: str) -> None:
    assert run.status == 2, run
    assert run.err.count("\n") == 1 and run.err.startswith("erantis: error [E-USAGE] "), run.err
    for word in words:
        assert word in run.err, (word, run.err)


# --- startup, help and version -------------------------------------------------------------------


def test_version_loads_neither_the_library_nor_the_command_line_libraries() -> None:
    # given the console script's entry point, run as the installed `erantis --version` runs it
    code = textwrap.dedent(
        """
        import sys
        sys.argv = ["erantis", "--version"]
        from erantis_rules.__main__ import main
        try:
            main()
        except SystemExit as done:
            status = done.code
        heavy = ("pydantic", "erantis_domain", "typer", "rich", "click", "eventsourcing",
                 "erantis_rules.catalogue", "erantis_rules.engine", "erantis_rules.cli")
        loaded = sorted({m for m in sys.modules if m.startswith(heavy)})
        print(status, loaded, file=sys.stderr)
        """
    )
    # when it runs in a fresh interpreter
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT
    )
    # then it prints the version and none of the heavy modules was imported (they are what
    # made it take seconds)
    assert done.stdout.startswith("erantis "), done.stderr
    assert done.stderr.strip() == "0 []"


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_v_is_version(flag: str) -> None:
    run = erantis(flag)
    assert run.status == 0 and run.out.startswith("erantis ")


@pytest.mark.parametrize("args", [["-h"], ["check", "-h"], ["report", "-h"]])
def test_h_is_help(args: list[str]) -> None:
    run = erantis(*args)
    assert run.status == 0 and "Usage: erantis" in run.out


def test_every_command_shows_an_example_in_its_help() -> None:
    # given every registered command
    names = [command.name for command in app.registered_commands]
    assert len(names) >= 12
    assert "Example: erantis demo" in erantis("--help").out
    for name in names:
        # when its help is asked for, then it shows at least one example of itself
        run = erantis(str(name), "--help")
        assert run.status == 0, run
        assert f"Example: erantis {name}" in run.out or f"| erantis {name}" in run.out, name


# --- arguments checked before work ---------------------------------------------------------------


def test_report_refuses_an_output_in_a_missing_folder_before_reading_the_store(
    store: Store, tmp_path: Path
) -> None:
    # given an --out in a folder that does not exist, and a --db that does not exist either
    missing = tmp_path / "missing-dir" / "x.html"
    args = ["--team", "team-001", "--period", "2026-02", "--out", str(missing)]
    # when the report is asked for, then the output is what is reported (a usage error, not
    # a store error after the work), and no store was created
    _usage(erantis("report", *args, "--db", str(tmp_path / "none.sqlite")), "does not exist")
    assert not (tmp_path / "none.sqlite").exists()


def test_report_and_generate_never_write_over_the_event_store(store: Store) -> None:
    # given an event store
    before = store.db.read_bytes()
    # when a pack or a generated file is aimed at it, even with --force
    report = erantis(
        "report", "--db", str(store.db), "--team", "team-001", "--period", "2026-02",
        "--out", str(store.db), "--force",
    )  # fmt: skip
    generate = erantis("generate", str(store.db), "--citizens", "1", "--force")
    # then both are refused and the store is untouched
    _usage(report, "database")
    _usage(generate, "database")
    assert store.db.read_bytes() == before


def test_an_existing_output_is_written_over_only_with_force(tmp_path: Path) -> None:
    # given a file that already exists
    target = tmp_path / "events.jsonl"
    target.write_text("keep me\n", encoding="utf-8")
    # when generate is aimed at it, then it is refused, and replaced only with --force
    _usage(erantis("generate", str(target), "--citizens", "1"), "--force")
    assert target.read_text(encoding="utf-8") == "keep me\n"
    assert erantis("generate", str(target), "--citizens", "1", "--force").status == 0
    assert json.loads(target.read_text(encoding="utf-8").splitlines()[0])["type"]
    # and the same for the schema folder
    assert erantis("schema", "--out", str(tmp_path / "schemas")).status == 0
    _usage(erantis("schema", "--out", str(tmp_path / "schemas")), "--force")
    assert erantis("schema", "--out", str(tmp_path / "schemas"), "--force").status == 0
    _usage(erantis("schema", "--out", "-"), "'-'")


def test_report_writes_the_pack_to_stdout_for_a_dash(store: Store, tmp_path: Path) -> None:
    # given the working folder is empty
    # when the pack is written to '-'
    run = erantis(
        "report", "--db", str(store.db), "--team", "team-001", "--period", "2026-02",
        "--out", "-",
    )  # fmt: skip
    # then the HTML is on stdout and no file named '-' appears
    assert run.status == 0, run.err
    assert run.out.lstrip().lower().startswith("<!doctype html>") and not Path("-").exists()


_TEAM_COMMANDS = {"ledger": [], "agenda": ["--as-of", AS_OF], "settle": ["--as-of", AS_OF]}


@pytest.mark.parametrize(
    ("command", "team", "period", "named"),
    [(command, "team-xyz", "2026-02", "--team 'team-xyz'") for command in _TEAM_COMMANDS]
    # settle judges the period itself (not over yet: its own E-SETTLEMENT)
    + [
        (command, "team-001", period, f"--period '{period}'")
        for command in ("ledger", "agenda")
        for period in ("2031-01", "2025-06")
    ],
)
def test_an_unknown_team_or_period_exits_3(
    store: Store, command: str, team: str, period: str, named: str
) -> None:
    # given a store without that team, or a period outside a known team's months
    extra = _TEAM_COMMANDS[command]
    # when a team command names it
    run = erantis(
        command, "--db", str(store.db), "--team", team, "--period", period, *extra
    )  # fmt: skip
    # then it is an error naming the argument, not zeros and "band inside"
    assert run.status == 3, run
    assert run.err.startswith("erantis: error [E-ARGUMENT-INVALID] " + named), run.err
    assert run.out == ""


def test_report_refuses_an_unknown_period(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "pack.html"
    run = erantis(
        "report", "--db", str(store.db), "--team", "team-001", "--period", "2031-01",
        "--out", str(out),
    )  # fmt: skip
    assert run.status == 3 and "--period '2031-01'" in run.err, run
    assert not out.exists()


# --- check over files and stdin ------------------------------------------------------------------


def test_check_reads_json_lines_from_a_file_and_stdin_like_the_store(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the same events in a store, a file and on stdin
    args = ["--as-of", AS_OF, "--json"]
    from_store = erantis("check", "--db", str(store.db), *args)
    from_file = erantis("check", str(store.events), *args, "--workers", "1")
    monkeypatch.setattr(
        sys, "stdin", io.TextIOWrapper(io.BytesIO(store.events.read_bytes()), encoding="utf-8")
    )
    from_stdin = erantis("check", "-", *args, "--workers", "1")
    # then the findings are the same, and the summary counts the events read
    assert from_store.status == from_file.status == from_stdin.status == 0, from_file.err
    assert from_store.out and from_store.out == from_file.out == from_stdin.out
    lines = len(store.events.read_text(encoding="utf-8").splitlines())
    assert from_file.err.startswith(f"checked {lines} events")


def test_check_refuses_a_store_given_as_the_events_file(store: Store) -> None:
    _usage(erantis("check", str(store.db), "--as-of", AS_OF), "--db")


def test_workers_split_a_store_with_the_same_findings(store: Store) -> None:
    # given a store, when it is checked in one process and split over two
    args = ["check", "--db", str(store.db), "--as-of", AS_OF, "--json"]
    one, two = erantis(*args), erantis(*args, "--workers", "2")
    # then the findings are the same
    assert one.status == two.status == 0 and one.out and one.out == two.out


# --- progress, warnings, next commands -----------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["verify"], "verifying"),
        (["ledger", "--team", "team-001", "--period", "2026-02"], "frame ledger"),
        (["report", "--team", "team-001", "--period", "2026-02", "--out", "-"], "meeting pack"),
        (["check", "--as-of", AS_OF], "checking"),
    ],
)
def test_slow_commands_show_progress_on_a_terminal(
    store: Store, monkeypatch: pytest.MonkeyPatch, args: list[str], shown: str
) -> None:
    # given stderr is a terminal
    monkeypatch.setattr(shared._err, "_force_terminal", True)
    monkeypatch.setattr(shared._err, "is_interactive", True)
    # when a command that can take a while runs
    run = erantis(*args, "--db", str(store.db))
    # then it says on stderr what it is doing
    assert run.status == 0, run.err
    assert shown in run.err


def test_a_library_warning_is_one_line(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    # given an interpreter where durable-rules does not import (as on Python 3.13)
    import erantis_rules.engine._judge as judge

    monkeypatch.setattr(judge, "durable_available", lambda: False)
    monkeypatch.setattr(judge, "_fallback_warned", False)
    # when events are checked (warnings shown as Python shows them by default)
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        run = erantis("check", str(store.events), "--as-of", AS_OF, "--workers", "1")
    # then the fallback is one line of erantis's, without Python's file, line and source
    assert run.status == 0, run.err
    [warning] = [line for line in run.err.splitlines() if "warning" in line.lower()]
    assert warning.startswith("erantis: warning: durable-rules cannot be imported")
    assert "RuntimeWarning" not in run.err and "warnings.warn" not in run.err


def test_suggested_commands_follow_how_erantis_was_started(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # given erantis started by `uv run`, which marks its children
    monkeypatch.setenv("UV_RUN_RECURSION_DEPTH", "1")
    assert shared._suggest("erantis rules") == "uv run erantis rules"
    # given erantis installed with pip and started as `erantis`
    monkeypatch.delenv("UV_RUN_RECURSION_DEPTH")
    assert shared._suggest("erantis rules") == "erantis rules"
    # when the demo names the next commands, then they are the plain ones
    run = erantis("demo", "--citizens", "5", "--months", "1", "--db", str(tmp_path / "x"))
    assert run.status == 0, run.err
    assert "\n  erantis check --db" in run.out and "uv run" not in run.out


def test_a_policy_is_read_from_stdin_for_a_dash(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a policy that tightens follow-up, as a TOML file and on stdin
    policy = "case_follow_up_max_days = 10\n"
    (tmp_path / "policy.toml").write_text(policy, encoding="utf-8")
    args = ["check", "--db", str(store.db), "--as-of", AS_OF, "--json"]
    from_file = erantis(*args, "--policy", str(tmp_path / "policy.toml"))
    monkeypatch.setattr(sys, "stdin", io.StringIO(policy))
    from_stdin = erantis(*args, "--policy", "-")
    # then both give the same findings, other than the defaults'
    assert from_file.status == from_stdin.status == 0, from_stdin.err
    assert from_file.out == from_stdin.out != erantis(*args).out
    # and a missing file is a usage error naming the option
    _usage(erantis(*args, "--policy", str(tmp_path / "none.toml")), "--policy")
