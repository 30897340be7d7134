"""The bad-input corpus (``tests/data/bad/``, written by its ``generate.py``) through
``parse_event``, ``CaseStore.append`` and ``erantis ingest``: every case is refused with a coded
error (no uncoded exception, no silent coercion), no message repeats a CPR canary or grows
without bound, and the store is unchanged afterwards."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from erantis_domain.errors import ErantisError, InvalidEventError
from erantis_domain.events import parse_event
from erantis_domain.store import CaseStore
from erantis_domain.values import looks_like_cpr
from erantis_rules._stores import open_cli_store
from erantis_rules.cli import _app as cli
from erantis_rules.cli import app
from tests.factories import make

CORPUS = Path(__file__).parents[1] / "data" / "bad"
#: The longest message an error may have, whatever the input.
MAX_MESSAGE = 2_000


@dataclass(frozen=True)
class Case:
    kind: str
    id: str
    exercises: str
    canaries: tuple[str, ...]
    data: bytes


def _load() -> list[Case]:
    cases = []
    for file in sorted(CORPUS.glob("*.jsonl")):
        for line in file.read_text(encoding="utf-8").splitlines():
            raw = json.loads(line)
            data = (
                raw["text"].encode("utf-8", "surrogatepass")
                if "text" in raw
                else bytes.fromhex(raw["hex"])
            )
            if repeat := raw.get("repeat"):
                at = repeat["at"]
                data = data[:at] + repeat["text"].encode() * repeat["times"] + data[at:]
            cases.append(
                Case(raw["class"], raw["id"], raw["exercises"], tuple(raw["canaries"]), data)
            )
    return cases


CASES = _load()


def _leaks(case: Case, text: str) -> list[str]:
    """What of ``text`` breaks the rules: a canary, anything CPR-shaped, too much length."""
    found = [f"canary {c!r}" for c in case.canaries if c in text]
    if looks_like_cpr(text):
        found.append("a CPR-shaped string")
    if len(text) > MAX_MESSAGE:
        found.append(f"{len(text)} characters")
    return found


def _judge(case: Case, error: BaseException) -> list[str]:
    if not isinstance(error, ErantisError) or not error.code.startswith("E-"):
        return [f"{case.id}: uncoded {type(error).__name__}"]
    texts = [str(error)]
    if isinstance(error, InvalidEventError):
        texts += [f"{p.field} {p.problem} {p.value}" for p in error.problems]
    return [f"{case.id}: {leak}" for text in texts for leak in _leaks(case, text)]


def test_the_corpus_covers_every_class_with_enough_cases() -> None:
    # the issue asks for 200 cases or more, across the classes of hostile input
    assert len(CASES) >= 200
    assert {c.kind for c in CASES} >= {
        "coercion",
        "duplicates",
        "sizes",
        "dates",
        "identifiers",
        "cpr",
        "labels",
        "encoding",
    }
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_parse_event_refuses_each_case_with_a_code_and_no_leak(case: Case) -> None:
    # given a hostile input, as bytes and (when it is UTF-8) as text
    inputs: list[str | bytes] = [case.data]
    with contextlib.suppress(UnicodeDecodeError):
        inputs.append(case.data.decode("utf-8"))
    for data in inputs:
        # when it is parsed, then it is refused with a coded error that leaks nothing
        try:
            accepted = parse_event(data)
        except Exception as exc:
            assert _judge(case, exc) == []
        else:
            pytest.fail(f"{case.id} ({case.exercises}) was accepted: {accepted.type}")


def test_append_refuses_every_case_and_leaves_the_store_unchanged(tmp_path: Path) -> None:
    # given an SQLite store holding a case
    store = CaseStore.sqlite(tmp_path / "events.sqlite", snapshot_every=2)
    store.append([make("CaseOpened"), make("VisitDelivered"), make("VisitDelivered")])
    before = (store.last_position(), [e.event for e in store.replay()])
    problems: list[str] = []
    # when every case is appended, alone and in a batch after a valid event
    for case in CASES:
        for batch in ([case.data], [make("CaseClosed"), case.data]):
            try:
                store.append(batch)
            except Exception as exc:
                problems += _judge(case, exc)
            else:
                problems.append(f"{case.id}: stored")
    # then each was refused with a code and no leak, and nothing was stored
    assert problems == []
    assert (store.last_position(), [e.event for e in store.replay()]) == before
    assert store.verify().events == 3
    store.close()


def _run(runner: CliRunner, command: Any, args: list[str]) -> tuple[BaseException | None, str]:
    """What ``runner.invoke(app, args)`` gives (the exception, the output), on a click command
    built once: typer's runner rebuilds the command of the whole CLI on every call, which cost
    more than the ingest itself, 400 times over."""
    error: BaseException | None = None
    with runner.isolation() as (_stdout, _stderr, output):
        try:
            command.main(args=args, prog_name="erantis")
        except SystemExit as exc:
            error = exc if exc.code not in (None, 0) else None
        except Exception as exc:
            error = exc
        sys.stdout.flush()
        sys.stderr.flush()
        shown = output.getvalue().decode("utf-8", "replace")
    return error, shown


def test_ingest_refuses_every_case_and_stores_nothing(tmp_path: Path) -> None:
    # given an ingested store
    runner = CliRunner()
    db = tmp_path / "erantis.sqlite"
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(make("CaseOpened")) + "\n", encoding="utf-8")
    assert (
        runner.invoke(app, ["ingest", "--trust-recorded-by", str(good), "--db", str(db)]).exit_code
        == 0
    )
    size = db.stat().st_size
    command = typer.main.get_command(app)
    problems: list[str] = []
    # when each case is ingested as a JSON Lines file after a valid line
    for case in CASES:
        file = tmp_path / "bad.jsonl"
        file.write_bytes(json.dumps(make("CaseClosed")).encode() + b"\n" + case.data + b"\n")
        error, output = _run(
            runner, command, ["ingest", "--trust-recorded-by", str(file), "--db", str(db)]
        )
        if error is None:
            problems.append(f"{case.id}: accepted")
            continue
        problems += _judge(case, error)
        problems += [f"{case.id}: output {leak}" for leak in _leaks(case, output)]
    # then each was refused with a code and no leak, and the store holds only the first event
    assert problems == []
    with open_cli_store(str(db))[0] as store:  # as the command line opens it
        assert store.verify().events == 1
    assert db.stat().st_size == size


def test_the_console_script_prints_one_coded_line_without_the_cpr(tmp_path: Path) -> None:
    # given a JSON Lines file whose second line carries a CPR-like unknown field name
    cases = [c for c in CASES if c.kind == "cpr" and c.id.endswith("field-name")]
    for case in cases[:3]:
        file = tmp_path / "bad.jsonl"
        file.write_bytes(json.dumps(make("CaseClosed")).encode() + b"\n" + case.data + b"\n")
        # when the real console entry point ingests it
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "erantis_rules.cli",
                "ingest",
                "--trust-recorded-by",
                str(file),
                "--db",
                str(tmp_path / "e.sqlite"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        # then it exits 2 with one coded line naming the line, and no canary
        assert done.returncode == 3, done.stderr  # invalid input (README: exit codes)
        assert done.stderr.count("\n") == 1 and "[E-EVENT-INVALID] line 2" in done.stderr
        assert _leaks(case, done.stderr + done.stdout) == []


@pytest.mark.parametrize(
    "cpr",
    [
        "010170-1234",
        "01.01.70 1234",
        "\u0660\u0661\u0660\u0661\u0667\u0660\u0661\u0662\u0663\u0664",
    ],
)
def test_cli_arguments_shaped_like_a_cpr_number_are_refused_and_never_echoed(
    tmp_path: Path, cpr: str
) -> None:
    # given a store with a case
    db = tmp_path / "erantis.sqlite"
    with open_cli_store(str(db))[0] as store:  # as the command line opens it
        store.append([make("CaseOpened")])
    day = ["--as-of", "2026-11-15"]
    settle = ["settle", "--db", str(db), "--team", "team-nord", "--period", "2026-10", *day]
    calls = [
        [*settle, "--actor", cpr],
        ["settle", "--db", str(db), "--team", cpr, "--period", "2026-10", *day],
        ["settle", "--db", str(db), "--team", "team-nord", "--period", cpr, *day],
        ["check", "--db", str(db), "--as-of", cpr],
        ["case", cpr, "--db", str(db), *day],
        ["ingest", "--trust-recorded-by", str(tmp_path / f"{cpr}.jsonl"), "--db", str(db)],
        ["verify", "--db", str(tmp_path / cpr)],
    ]
    runner = CliRunner()
    for args in calls:
        # when the command runs, then it fails without repeating the argument anywhere
        result = runner.invoke(app, args)
        assert result.exit_code != 0, args
        shown = result.output + str(result.exception or "")
        assert cpr not in shown and not looks_like_cpr(shown), (args, shown)
        # (the CLI's own usage problems become one line and exit 2 in main())
        assert result.exception is None or isinstance(
            result.exception, ErantisError | SystemExit | cli._UsageProblem
        ), (args, repr(result.exception))
