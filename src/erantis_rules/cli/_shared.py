"""What every command shares: the ``Annotated`` option aliases (``--db``, ``--as-of``,
``--policy``, ``--json``, ``--fail-on``, ...), opening the store a command names, and the
output helpers (tables, JSON Lines, progress bars on stderr, the exit on findings)."""

from __future__ import annotations

import json
import logging
import os
import sys
import tomllib
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, TaskID
from rich.table import Table

from erantis_domain.errors import InvalidArgumentError, InvalidPolicyError
from erantis_domain.events import Event
from erantis_domain.projections.budget import BudgetLedger, TeamLedger
from erantis_domain.projections.terms import SettlementTerms
from erantis_domain.store import CaseStore
from erantis_domain.values import (
    EARLIEST_DAY,
    LATEST_DAY,
    Actor,
    Role,
    looks_like_cpr,
    redact_cpr,
)
from erantis_rules._stores import open_cli_store, sqlite_path
from erantis_rules.catalogue import catalogue
from erantis_rules.cli._app import EXIT_FINDINGS, _UsageProblem
from erantis_rules.language.model import Finding, Severity
from erantis_rules.policy import Policy
from erantis_rules.policy_versions import PolicyHistory

__all__ = [
    "AsOfOption",
    "DbOption",
    "FailOnOption",
    "ForceOption",
    "JsonOption",
    "PeriodOption",
    "PolicyOption",
    "TeamOption",
    "WorkersOption",
]

_out = Console(soft_wrap=True)
_err = Console(stderr=True, soft_wrap=True)
_log = logging.getLogger(__name__)
_SEVERITY_STYLE = {Severity.VIOLATION: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.VIOLATION: 2}
_DEFAULT_DB = "erantis.sqlite"


def _shown(text: object) -> str:
    """An argument for a message: withheld when it looks like a CPR number, cut when long."""
    value = str(text)
    if looks_like_cpr(value):
        return "<withheld: looks like a CPR number>"
    return repr(value) if len(value) <= 60 else repr(value[:57]) + "..."


def _identifier(option: str, text: str) -> str:
    """An identifier argument (actor, team), refused without repeating a CPR-like value."""
    try:
        Actor(actor_id=text, role=Role.SYSTEM)
    except ValueError:
        raise typer.BadParameter(
            f"{option} {_shown(text)} is not an identifier (printable ASCII without spaces, "
            "at most 128 characters, not shaped like a CPR number)"
        ) from None
    return text


def _parse_day(text: str) -> date:
    try:
        day = date.fromisoformat(text) if len(text) == 10 and text.isascii() else None
    except ValueError:
        day = None
    if day is None or not EARLIEST_DAY <= day <= LATEST_DAY:
        raise typer.BadParameter(f"expected a day YYYY-MM-DD (got {_shown(text)})")
    return day


DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        envvar="ERANTIS_DB",
        help="Event store: a SQLite file path, sqlite:///PATH, or "
        "postgresql://USER:PASSWORD@HOST:PORT/DBNAME[?sslmode=MODE]. Also from ERANTIS_DB.",
    ),
]


AsOfOption = Annotated[
    date,
    typer.Option(
        "--as-of",
        parser=_parse_day,
        metavar="YYYY-MM-DD",
        help="Judge as of this day (required: findings depend on it).",
    ),
]


PolicyOption = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        help="Policy file or folder of dated versions (.toml or .json; '-' reads one from "
        "stdin, either form). Default: the versions adopted in the store, else the defaults.",
    ),
]


TeamOption = Annotated[str, typer.Option("--team", help="Team id.")]
PeriodOption = Annotated[str, typer.Option("--period", help="Settlement period YYYY-MM.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON Lines instead of tables.")]


FailOnOption = Annotated[
    Severity | None,
    typer.Option(
        "--fail-on",
        case_sensitive=False,
        help="Exit 1 when a finding has this severity or a higher one.",
    ),
]


def _parse_workers(text: str) -> str:
    if text == "auto" or (text.isdigit() and int(text) >= 1):
        return text
    raise typer.BadParameter(f"expected a positive number of processes or 'auto' (got {text!r})")


WorkersOption = Annotated[
    str | None,
    typer.Option(
        "--workers",
        parser=_parse_workers,
        metavar="N|auto",
        help="Processes that check cases in parallel ('auto': the cores available; default: "
        "one for a store, auto for a file).",
        show_default=False,
    ),
]


ForceOption = Annotated[
    bool,
    typer.Option("--force", help="Write over an existing output file (never over a store)."),
]

_SQLITE_HEADER = b"SQLite format 3\x00"


def _is_database(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(_SQLITE_HEADER)) == _SQLITE_HEADER
    except OSError:
        return False


def _output(option: str, path: Path, *, force: bool, db: str | None = None) -> Path | None:
    """Check an output file before any work is done: ``None`` for ``-`` (stdout), else the
    path, refused when its folder is missing, when it is a folder, when it exists (unless
    ``force``), and always when it is a database (an event store is never written over)."""
    if str(path) == "-":
        return None
    if path.is_dir():
        raise _UsageProblem(f"{option} {_shown(path)} is a folder, not a file")
    if not path.parent.is_dir():
        raise _UsageProblem(
            f"{option} {_shown(path)}: the folder {_shown(path.parent)} does not exist"
        )
    store = sqlite_path(db) if db is not None else None
    if _is_database(path) or (store is not None and _same_file(store, path)):
        raise _UsageProblem(
            f"{option} {_shown(path)} is a database (an event store?); erantis never writes "
            "over one, not even with --force"
        )
    if path.exists() and not force:
        raise _UsageProblem(f"{option} {_shown(path)} exists (--force writes over it)")
    return path


def _same_file(one: Path, other: Path) -> bool:
    try:
        return one.resolve() == other.resolve()
    except OSError:
        return False


def _write_text(path: Path | None, text: str) -> None:
    """Write an output checked by :func:`_output`: to stdout for ``None``; else whole or not at
    all (a temporary file beside it, renamed over it), so an interrupted run leaves no half."""
    if path is None:
        sys.stdout.write(text)
        return
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def _suggest(command: str) -> str:
    """A command to suggest, spelt the way erantis was started: ``uv run erantis ...`` under
    ``uv run`` (which marks its children with ``UV_RUN_RECURSION_DEPTH``), plain otherwise."""
    prefix = "uv run " if "UV_RUN_RECURSION_DEPTH" in os.environ else ""
    return prefix + command


def _known_period(
    ledger: BudgetLedger,
    team: str,
    period: str,
    terms: SettlementTerms | None = None,
    *,
    check_period: bool = True,
) -> TeamLedger:
    """A team's ledger for a period, or an error (exit 3) when the store knows nothing of the
    team, or (``check_period``) when the period lies outside the months the team was active
    in (delivered, adjusted a frame, was settled): the frame of an open-ended decision runs
    on into any month, and zeros, "underspend" or "band inside" would read as a real result.
    A month without activity between active ones is a real (empty) month, and allowed."""
    teams = ledger.teams()
    if team not in teams and not ledger.citizens_of(team):
        known = ", ".join(teams[:10]) + (", ..." if len(teams) > 10 else "")
        raise InvalidArgumentError(
            f"--team {_shown(team)}: no events of this team in the store (teams: {known or 'none'})"
        )
    periods = ledger.active_periods(team)
    outside = not periods or not periods[0] <= period <= periods[-1]
    if check_period and period not in periods and outside:
        span = f"{periods[0]} to {periods[-1]}" if periods else "none"
        raise InvalidArgumentError(
            f"--period {_shown(period)}: team {_shown(team)} has no delivery, adjustment or "
            f"settlement in it (its months of activity: {span})"
        )
    return ledger.team_period(team, period, terms)


@contextmanager
def _progress(*, quiet: bool = False) -> Iterator[Progress]:
    """Progress bars on stderr when it is a terminal (and not ``quiet``); silent otherwise
    (commands then print a one-line summary)."""
    disable = quiet or not _err.is_terminal
    with _ShownProgress(console=_err, transient=True, disable=disable) as progress:
        yield progress


class _ShownProgress(Progress):
    """A progress display that draws a task as soon as it is added: a step that takes a few
    seconds without updates would otherwise show nothing until the next refresh."""

    def add_task(self, *args: Any, **kwargs: Any) -> TaskID:
        task = super().add_task(*args, **kwargs)
        if not self.disable:
            self.refresh()
        return task


def _check_db(db: str, *, must_exist: bool = True) -> None:
    """Refuse a missing SQLite store before any heavy work."""
    path = sqlite_path(db)
    if must_exist and path is not None and not path.is_file():
        raise _UsageProblem(f"--db: no event store at {_shown(path)} (run `erantis ingest` first)")


def _open(db: str, *, must_exist: bool = True, clear: bool = False) -> CaseStore:
    """The store ``db`` names (see :func:`~erantis_rules._stores.open_cli_store`): a store the
    command creates (``must_exist`` false) is encrypted unless ``clear``; a key made for it
    on first use is announced on stderr with where it is."""
    _check_db(db, must_exist=must_exist)
    store, created = open_cli_store(db, create=not must_exist, clear=clear)
    if created is not None:
        where = redact_cpr(str(created))
        _note(
            f"erantis: the store is encrypted with a new key, written to {where} (readable by "
            "you alone); keep a copy of it: without it the store cannot be read"
        )
    return store


def _json_line(document: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, sort_keys=True) + "\n")


def _note(message: str) -> None:
    """A one-line status message on stderr (never data)."""
    sys.stderr.write(message + "\n")


def _fails(findings: Sequence[Finding], fail_on: Severity | None) -> bool:
    if fail_on is None:
        return False
    return any(_SEVERITY_RANK[f.severity] >= _SEVERITY_RANK[fail_on] for f in findings)


def _finish(findings: Sequence[Finding], fail_on: Severity | None) -> None:
    if _fails(findings, fail_on):
        raise typer.Exit(EXIT_FINDINGS)


def _findings_table(
    findings: Sequence[Finding], title: str, limit: int = 25, more: str = ""
) -> Table:
    table = Table(title=title)
    for column in ("subject", "rule", "severity", "due", "message"):
        table.add_column(column, overflow="fold")
    for finding in findings[:limit]:
        style = _SEVERITY_STYLE[finding.severity]
        table.add_row(
            escape(finding.subject),
            finding.rule_id,
            f"[{style}]{finding.severity.value}[/{style}]",
            finding.due.isoformat() if finding.due else "",
            escape(finding.message),
        )
    if not findings:
        table.caption = "none"
    elif len(findings) > limit:
        table.caption = f"{len(findings) - limit} more not shown{more}"
    return table


def _summary(findings: Sequence[Finding]) -> Table:
    table = Table(title="Findings per rule")
    table.add_column("rule")
    table.add_column("title")
    table.add_column("severity")
    table.add_column("findings", justify="right")
    counts = Counter(f.rule_id for f in findings)
    for rule in catalogue():
        if counts[rule.id]:
            table.add_row(rule.id, rule.title, rule.severity.value, str(counts[rule.id]))
    return table


def _load_history(path: Path | None) -> PolicyHistory | None:
    """The policy versions ``--policy`` names, or ``None`` when it names none (the store's
    adopted versions apply then: :func:`_history`)."""
    if path is None:
        return None
    if str(path) != "-":
        if not path.exists():
            raise _UsageProblem(f"--policy: no such file or folder: {_shown(path)}")
        return PolicyHistory.from_file(path)
    return PolicyHistory.from_mapping(_stdin_policy(), source="--policy -")


def _history(loaded: PolicyHistory | None, store: CaseStore) -> PolicyHistory:
    """The versions given on the command line, else those adopted in the store, else the
    defaults."""
    if loaded is not None:
        return loaded
    return PolicyHistory.from_store(store) or PolicyHistory.single()


def _load_policy(path: Path | None) -> Policy:
    if path is None:
        return Policy()
    if str(path) != "-":
        if not path.is_file():
            raise _UsageProblem(f"--policy: no such file: {_shown(path)}")
        return Policy.from_file(path)
    return Policy.from_mapping(_stdin_policy())


def _stdin_policy() -> dict[str, Any]:
    text = sys.stdin.read()
    # JSON is an object from its first character; anything else is read as TOML.
    try:
        data = json.loads(text) if text.lstrip().startswith("{") else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise InvalidPolicyError(f"--policy -: the policy on stdin is not valid: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidPolicyError("--policy -: the policy on stdin is not an object")
    return data


def _replay(store: CaseStore, progress: Progress, what: str = "reading the store") -> list[Event]:
    task = progress.add_task(what, total=store.last_position() or None)
    events: list[Event] = []
    for entry in store.replay():
        events.append(entry.event)
        progress.advance(task)
    _log.info("read %d events from the %s store", len(events), store.label)
    return events
