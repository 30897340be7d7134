"""The ``erantis`` console script: a thin shell over the public API (typer + rich).

Needs the ``cli`` extra (``pip install 'erantis[cli]'``). Each command is one function below;
shared options (``--db``, ``--as-of``, ``--policy``, ``--json``, ``--fail-on``) are the
``Annotated`` aliases, so a new command declares them the same way. Data goes to stdout, progress
and errors to stderr; errors are one line and map to the exit codes in :data:`EXIT_CODES`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import sqlite3
import sys
import tempfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar, cast
from urllib.parse import parse_qs, unquote, urlsplit

try:
    import typer
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import Progress
    from rich.table import Table
except ModuleNotFoundError as missing:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        f"the erantis command line needs the 'cli' extra ({missing.name} is not installed): "
        "pip install 'erantis[cli]'"
    ) from missing

from erantis_domain.errors import (
    ConcurrencyConflict,
    ErantisError,
    InvalidEventError,
    RuleEngineError,
    StoreConfigurationError,
    StoreCorruptedError,
    StoreKeyError,
    StoreUnavailableError,
)
from erantis_domain.events import (
    EVENT_TYPES,
    Event,
    TeamEvent,
    _parse_stored,
    event_json_schema,
    parse_event,
)
from erantis_domain.projections.budget import BudgetLedger, TeamLedger
from erantis_domain.projections.checkpoints import (
    CheckpointStore,
    PostgresCheckpoints,
    SqliteCheckpoints,
)
from erantis_domain.store import CaseStore
from erantis_domain.values import (
    EARLIEST_DAY,
    LATEST_DAY,
    Actor,
    Role,
    looks_like_cpr,
    period_bounds,
)
from erantis_rules._stored import check_store
from erantis_rules.catalogue import catalogue, rules_markdown
from erantis_rules.engine import check as check_events
from erantis_rules.model import Finding, Severity
from erantis_rules.policy import Policy

__all__ = [
    "EXIT_CODES",
    "EXIT_FINDINGS",
    "EXIT_INTERNAL",
    "EXIT_INVALID_INPUT",
    "EXIT_OK",
    "EXIT_STORE",
    "EXIT_USAGE",
    "app",
    "main",
    "schema_documents",
]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INVALID_INPUT = 3
EXIT_STORE = 4
EXIT_INTERNAL = 5
#: The exit codes of ``erantis``, documented in ``--help`` and the README.
EXIT_CODES = {
    EXIT_OK: "done; no finding at or above --fail-on",
    EXIT_FINDINGS: "findings at or above --fail-on SEVERITY",
    EXIT_USAGE: "usage error (unknown option, bad or missing argument, missing file)",
    EXIT_INVALID_INPUT: "invalid input (an event, a policy, an unknown case, a refused command)",
    EXIT_STORE: "event store error (cannot open or write the database, a concurrent writer)",
    EXIT_INTERNAL: "internal error of erantis or the rules engine (-v shows the traceback)",
}

_HELP = (
    "erantis: dialogue-based BUM steering of Danish home care. Store citizen-case events, "
    "check them against the rule catalogue, settle team periods.\n\n"
    "Exit codes: "
    + "; ".join(f"{code} {meaning}" for code, meaning in EXIT_CODES.items())
    + ".\n\nThe event store is --db (a SQLite path, sqlite:///PATH or postgresql://...), "
    "or the ERANTIS_DB environment variable."
)

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help=_HELP,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
_out = Console(soft_wrap=True)
_err = Console(stderr=True, soft_wrap=True)
_log = logging.getLogger(__name__)

_SEVERITY_STYLE = {Severity.VIOLATION: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.VIOLATION: 2}
_DEFAULT_DB = "erantis.sqlite"


class _UsageProblem(Exception):
    """A bad argument found by erantis itself (exit 2), reported like typer's usage errors."""


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
    typer.Option("--policy", exists=True, dir_okay=False, help="Policy file (.toml or .json)."),
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
    str,
    typer.Option(
        "--workers",
        parser=_parse_workers,
        metavar="N|auto",
        help="Processes that check cases in parallel ('auto': the cores available).",
    ),
]


def _print_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"erantis {_version()}\n")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            expose_value=True,
            callback=_print_version,
            help="Print the version and exit.",
        ),
    ] = False,
    verbose: Annotated[
        int,
        typer.Option("--verbose", "-v", count=True, help="Log to stderr (-v info, -vv debug)."),
    ] = 0,
) -> None:
    if verbose:
        logging.basicConfig(
            level=logging.DEBUG if verbose > 1 else logging.INFO,
            stream=sys.stderr,
            format="%(levelname)s %(name)s: %(message)s",
        )
    _Verbosity.level = verbose


class _Verbosity:
    level = 0


def _version() -> str:
    try:
        return _dist_version("erantis")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


# --- the event store -----------------------------------------------------------------------


def _sqlite_path(db: str) -> Path | None:
    """The SQLite file ``db`` names, or ``None`` for a PostgreSQL URL."""
    if db.startswith(("postgresql://", "postgres://")):
        return None
    if db.startswith("sqlite:///"):
        return Path(unquote(db.removeprefix("sqlite:///")))
    if "://" in db:
        raise _UsageProblem(
            f"--db: unsupported scheme {db.split('://', 1)[0]!r} "
            "(use a path, sqlite:///PATH or postgresql://...)"
        )
    return Path(db)


def _postgres(db: str) -> CaseStore:
    parts = urlsplit(db)
    query = parse_qs(parts.query)
    unknown = sorted(set(query) - {"sslmode"})
    if unknown:
        raise _UsageProblem(f"--db: unsupported parameter(s) {', '.join(unknown)} (only sslmode)")
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname:
        raise _UsageProblem("--db: a PostgreSQL URL needs a database name (postgresql://.../NAME)")
    if "sslmode" in query:
        # psycopg hands the connection to libpq, which reads the SSL mode from the environment;
        # this process is the CLI's own, so setting it here affects nothing else.
        os.environ["PGSSLMODE"] = query["sslmode"][-1]
    try:
        port = parts.port or 5432
    except ValueError:
        raise _UsageProblem("--db: the port of the PostgreSQL URL is not a number") from None
    return CaseStore.postgres(
        dbname=dbname,
        host=parts.hostname or "127.0.0.1",
        port=port,
        user=unquote(parts.username) if parts.username else "erantis",
        password=unquote(parts.password) if parts.password else "",
    )


def _checkpoints(db: str) -> CheckpointStore:
    """Where the CLI keeps its projections: beside the events, in the same database."""
    path = _sqlite_path(db)
    if path is not None:
        return SqliteCheckpoints(path)
    parts = urlsplit(db)
    return PostgresCheckpoints(
        dbname=unquote(parts.path.lstrip("/")),
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=unquote(parts.username) if parts.username else "erantis",
        password=unquote(parts.password) if parts.password else "",
    )


@contextmanager
def _ledger(db: str, store: CaseStore) -> Iterator[BudgetLedger]:
    """The frame ledger, persisted in the store's database: restored from its checkpoint and
    caught up with the events stored since (not a replay of the whole store)."""
    checkpoints = _checkpoints(db)
    try:
        ledger = BudgetLedger()
        read = ledger.sync(store, checkpoints)
        _log.info("ledger caught up with %d events stored since its checkpoint", read)
        saved = ledger.position
        yield ledger
        # A settlement the command recorded (and caught up) is saved with the ledger.
        ledger.catch_up(store)
        if ledger.position != saved:
            ledger.save(checkpoints)
    finally:
        if isinstance(checkpoints, PostgresCheckpoints):
            checkpoints.close()


def _check_db(db: str, *, must_exist: bool = True) -> None:
    """Refuse a missing SQLite store before any heavy work."""
    path = _sqlite_path(db)
    if must_exist and path is not None and not path.is_file():
        raise _UsageProblem(f"--db: no event store at {_shown(path)} (run `erantis ingest` first)")


def _open(db: str, *, must_exist: bool = True) -> CaseStore:
    _check_db(db, must_exist=must_exist)
    path = _sqlite_path(db)
    return _postgres(db) if path is None else CaseStore.sqlite(path)


def _shown_db(db: str) -> str:
    """The store for messages: a PostgreSQL URL without its credentials."""
    path = _sqlite_path(db)
    if path is not None:
        return str(path)
    parts = urlsplit(db)
    return f"postgresql://{parts.hostname or '127.0.0.1'}/{parts.path.lstrip('/')}"


# --- output --------------------------------------------------------------------------------


def _json_line(document: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, sort_keys=True) + "\n")


@contextmanager
def _progress(*, quiet: bool = False) -> Iterator[Progress]:
    """Progress bars on stderr when it is a terminal (and not ``quiet``); silent otherwise
    (commands then print a one-line summary)."""
    disable = quiet or not _err.is_terminal
    with Progress(console=_err, transient=True, disable=disable) as progress:
        yield progress


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


def _load_policy(path: Path | None) -> Policy:
    return Policy.from_file(path) if path else Policy()


def _replay(store: CaseStore, progress: Progress, what: str = "reading the store") -> list[Event]:
    task = progress.add_task(what, total=store.last_position() or None)
    events: list[Event] = []
    for entry in store.replay():
        events.append(entry.event)
        progress.advance(task)
    _log.info("read %d events from the %s store", len(events), store.label)
    return events


# --- commands ------------------------------------------------------------------------------


@app.command()
def demo(
    db: Annotated[
        Path | None,
        typer.Option(
            "--db", help="Keep the demo's SQLite store in this file (default: a temporary one)."
        ),
    ] = None,
    keep: Annotated[
        bool,
        typer.Option("--keep", help="Keep the temporary store and print where it is."),
    ] = False,
    citizens: Annotated[int, typer.Option(min=1, max=20_000, help="Citizens to generate.")] = 300,
    months: Annotated[int, typer.Option(min=1, max=24, help="Months of history.")] = 6,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic municipality.")] = 2026,
    fail_on: FailOnOption = None,
) -> None:
    """Generate a synthetic municipality, store it in SQLite, check it and report.

    Without --db or --keep the temporary store is removed at the end.
    """
    from erantis_domain.synthetic import generate

    start = date(2026, 1, 1)
    as_of = _month_after(start, months)
    scratch = None if db is not None else Path(tempfile.mkdtemp(prefix="erantis-demo-"))
    target = db if db is not None else Path(str(scratch)) / "erantis.sqlite"
    try:
        with CaseStore.sqlite(target) as store, _progress() as progress:
            generating = progress.add_task("generating", total=None)
            raw = list(generate(citizens=citizens, start=start, months=months, seed=seed))
            progress.update(generating, total=1, completed=1)
            parsing = progress.add_task("validating events", total=len(raw))
            events: list[Event] = []
            for item in raw:
                events.append(parse_event(item))
                progress.advance(parsing)
            storing = progress.add_task("storing", total=len(events))
            stored = duplicates = 0
            for chunk in _chunks(events, 5_000):
                result = store.append(chunk)
                stored += result.stored
                duplicates += result.duplicates
                progress.advance(storing, len(chunk))
            events = _replay(store, progress, "reading back")
            checking = progress.add_task("checking", total=None)
            findings = check_events(events, as_of=as_of)
            progress.update(checking, completed=1, total=1)
        pack = _demo_pack(target, events, as_of, Path.cwd() if db is None and not keep else None)
    finally:
        if scratch is not None and not keep:
            shutil.rmtree(scratch, ignore_errors=True)
    kept = db is not None or keep
    where = f"in {target}" if kept else "in a temporary store (removed; --keep or --db keeps it)"
    _out.print(
        f"[bold]erantis demo[/bold]: {citizens} citizens, {months} months, "
        f"{stored} events stored ({duplicates} already there) {where}; "
        f"{len(findings)} findings as of {as_of.isoformat()}"
    )
    _out.print(_summary(findings))
    shown = _findings_table(
        findings,
        f"Findings as of {as_of.isoformat()}",
        limit=15,
        more=" (erantis check --db ... shows all)",
    )
    _out.print(shown)
    if pack is not None:
        _out.print(f"Dialogue meeting pack: {escape(str(pack))}", highlight=False)
    store_arg = str(target) if kept else "erantis.sqlite"
    first_case = next((e.case_id for e in events if e.case_id), "case-000001")
    team = next((getattr(e, "team_id", None) for e in events if getattr(e, "team_id", None)), "")
    _out.print("Next, try:", highlight=False)
    if not kept:
        _out.print(f"  uv run erantis demo --db {store_arg}", highlight=False)
    for line in (
        f"uv run erantis check --db {store_arg} --as-of {as_of.isoformat()} --json",
        f"uv run erantis case {first_case} --db {store_arg} --as-of {as_of.isoformat()}",
        f"uv run erantis settle --db {store_arg} --team {team or 'TEAM'} "
        f"--period {_month_after(start, months - 1).isoformat()[:7]} --as-of {as_of.isoformat()}",
        f"uv run erantis report --db {store_arg} --team {team or 'TEAM'} "
        f"--period {_month_after(start, months - 1).isoformat()[:7]} --out pack.html",
        "uv run erantis rules",
    ):
        _out.print(f"  {escape(line)}", highlight=False)
    _finish(findings, fail_on)


def _demo_pack(target: Path, events: list[Event], as_of: date, folder: Path | None) -> Path | None:
    """Write the meeting pack of the first team's last period next to the demo store (or in
    ``folder`` when the store is temporary); ``None`` without the ``report`` extra."""
    from erantis_domain.projections import ledger_of
    from erantis_rules.report import ReportDependencyMissing, meeting_pack, render_html

    teams = ledger_of(events).teams()
    if not teams:
        return None
    period = date.fromordinal(as_of.toordinal() - 1).strftime("%Y-%m")
    out = (folder or target.parent) / f"erantis-demo-pack-{teams[0]}-{period}.html"
    try:
        with CaseStore.sqlite(target) as store:
            pack = meeting_pack(store, teams[0], period, as_of=as_of)
        out.write_text(render_html(pack, "da"), encoding="utf-8")
    except ReportDependencyMissing as exc:
        _err.print(f"no meeting pack: {escape(exc.message)}", highlight=False)
        return None
    return out


def _month_after(start: date, months: int) -> date:
    total = start.month - 1 + months
    return date(start.year + total // 12, total % 12 + 1, 1)


_T = TypeVar("_T")


def _chunks(items: list[_T], size: int) -> Iterator[list[_T]]:
    for index in range(0, len(items), size):
        yield items[index : index + size]


#: Partition files of an ingest: the file is split by case into this many, so one of them at
#: a time is held in memory while it is stored.
_INGEST_PARTS = 128


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(help="JSON Lines file of events ('-' for stdin).")],
    db: DbOption = _DEFAULT_DB,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar, only the summary.")
    ] = False,
) -> None:
    """Validate a JSON Lines file of events and store it, case by case (idempotent).

    The whole file is validated first: a file with an invalid line stores nothing. Then the
    events of each case (and team period) are stored in one transaction each, holding one
    part of the file in memory at a time. Interrupted, run the same command again: what was
    stored is recognised and skipped, the rest is stored.
    """
    if str(file) != "-" and not file.is_file():
        raise _UsageProblem(f"no such file: {_shown(file)}")
    _check_db(db, must_exist=False)
    # Bytes: parse_event decodes each line itself, so a line that is not UTF-8 is a coded
    # error with its line number, not a crash of the whole file.
    handle = sys.stdin.buffer if str(file) == "-" else file.open("rb")
    size = None if str(file) == "-" else file.stat().st_size
    with (
        handle,
        tempfile.TemporaryDirectory(prefix="erantis-ingest-") as scratch,
        _progress(quiet=quiet) as progress,
    ):
        parts, total = _partition(handle, Path(scratch), size, progress)
        storing = progress.add_task("storing", total=total)
        stored = duplicates = 0
        with _open(db, must_exist=False) as store:
            for batch in _stream_batches(parts):
                result = store.append(batch)
                stored += result.stored
                duplicates += result.duplicates
                progress.advance(storing, len(batch))
    _out.print(
        f"{stored} events stored, {duplicates} already stored, in {_shown_db(db)}",
        highlight=False,
    )


def _partition(
    handle: Any, scratch: Path, size: int | None, progress: Progress
) -> tuple[list[Path], int]:
    """Validate every line, and write each to the part file of its case (or team period);
    returns the part files written and how many events they hold. Nothing is kept in memory
    but the open files."""
    validating = progress.add_task("validating events", total=size)
    paths = [scratch / f"part-{index:03d}.jsonl" for index in range(_INGEST_PARTS)]
    used: set[int] = set()
    total = 0
    with contextlib.ExitStack() as stack:
        files = [stack.enter_context(path.open("wb")) for path in paths]
        for number, line in enumerate(handle, start=1):
            progress.advance(validating, len(line))
            if not line.strip():
                continue
            try:
                event = parse_event(line)
            except InvalidEventError as exc:
                raise InvalidEventError(f"line {number}: {exc.message}", exc.problems) from None
            index = zlib.crc32(_stream_key(event).encode("utf-8", "surrogatepass")) % len(files)
            files[index].write(line.rstrip(b"\r\n") + b"\n")
            used.add(index)
            total += 1
    return [paths[index] for index in sorted(used)], total


def _stream_key(event: Event) -> str:
    if isinstance(event, TeamEvent):
        return f"team:{event.team_id}:{event.period}"
    return f"case:{getattr(event, 'case_id', '')}"


def _stream_batches(parts: list[Path]) -> Iterator[list[Event]]:
    """The events of each case (and team period), one list each, in the file's order, one
    part file in memory at a time. Every line passed :func:`parse_event` when it was
    partitioned, so it is read back as the store reads what it validated (not kept parsed:
    that would hold the whole file)."""
    for path in parts:
        streams: dict[str, list[Event]] = {}
        with path.open("rb") as lines:
            for line in lines:
                event = _parse_stored(json.loads(line))
                streams.setdefault(_stream_key(event), []).append(event)
        path.unlink()
        yield from streams.values()


@app.command("check")
def check_command(
    as_of: AsOfOption,
    db: DbOption = _DEFAULT_DB,
    policy: PolicyOption = None,
    as_json: JsonOption = False,
    fail_on: FailOnOption = None,
    workers: WorkersOption = "auto",
) -> None:
    """Check every stored case and team period against the rule catalogue.

    The store is read one case at a time, in one process (``--workers`` is accepted and
    validated, but does not yet split a store over processes)."""
    del workers
    terms = _load_policy(policy)
    _check_db(db)
    with _open(db) as store, _progress() as progress:
        checking = progress.add_task("checking the store case by case", total=None)
        # Read one stream at a time in this process: ``--workers`` does not split a store yet.
        findings = check_store(store, as_of=as_of, policy=terms)
        events = store.last_position()
        progress.update(checking, completed=1, total=1)
    if as_json:
        for finding in findings:
            _json_line(finding.to_dict())
    else:
        _out.print(_summary(findings))
        _out.print(
            _findings_table(
                findings, f"Findings as of {as_of.isoformat()}", limit=50, more=" (--json: all)"
            )
        )
    _note(f"checked {events} events as of {as_of.isoformat()}: {len(findings)} findings")
    _finish(findings, fail_on)


@app.command()
def case(
    case_id: Annotated[str, typer.Argument(help="The case id.")],
    as_of: AsOfOption,
    db: DbOption = _DEFAULT_DB,
    policy: PolicyOption = None,
    as_json: JsonOption = False,
    fail_on: FailOnOption = None,
) -> None:
    """A case's timeline (no free text), its state and its findings.

    Team findings (frame budget of the case's team) come from the whole team's figures and are
    listed separately.
    """
    terms = _load_policy(policy)
    _check_db(db)
    with _open(db) as store, _progress() as progress:
        own_events = store.case_events(case_id)
        state = store.get_case(case_id, as_of=as_of)
        teams = {t for e in own_events if (t := getattr(e, "team_id", None))}
        # A team's frame findings (FRM-004, FRM-007) are sums over all its citizens: judged on
        # this case alone they would compare one citizen's minutes with the team's frame.
        checking = progress.add_task("checking", total=None)
        if teams:
            findings = check_store(store, as_of=as_of, policy=terms)
        else:
            findings = check_events(own_events, as_of=as_of, policy=terms)
        progress.update(checking, completed=1, total=1)
    own = [f for f in findings if f.subject == case_id]
    team = [f for f in findings if f.subject.partition("/")[0] in teams and "/" in f.subject]
    timeline = sorted(own_events, key=lambda e: e.occurred_at)
    figures = {
        "opened_on": state.opened_on.isoformat() if state.opened_on else None,
        "closed_on": state.closed_on.isoformat() if state.closed_on else None,
        "team_id": state.team_id,
        "decisions": len(state.decisions),
        "active_decisions": len(state.active_decisions(as_of)),
        "delegations": len(state.delegations),
        "visits": state.visits,
        "admitted": state.admitted,
    }
    if as_json:
        for event in timeline:
            _json_line(
                {
                    "record": "event",
                    "event_id": str(event.event_id),
                    "occurred_at": event.occurred_at.isoformat(),
                    "type": event.type,
                    "by": event.recorded_by.role.value,
                }
            )
        _json_line({"record": "state", "case_id": case_id, "as_of": as_of.isoformat(), **figures})
        for scope, chosen in (("case", own), ("team", team)):
            for finding in chosen:
                _json_line({"record": "finding", "scope": scope, **finding.to_dict()})
        _finish(own + team, fail_on)
        return
    table = Table(title=f"Case {escape(case_id)}")
    for column in ("occurred", "event", "by"):
        table.add_column(column)
    for event in timeline:
        table.add_row(
            event.occurred_at.isoformat(timespec="minutes"),
            event.type,
            event.recorded_by.role.value,
        )
    _out.print(table)
    facts = Table(title=f"State as of {as_of.isoformat()}")
    facts.add_column("field")
    facts.add_column("value")
    for name, value in figures.items():
        facts.add_row(name, escape("" if value is None else str(value)))
    _out.print(facts)
    _out.print(_findings_table(own, f"Findings of the case as of {as_of.isoformat()}"))
    team_names = ", ".join(sorted(teams))
    _out.print(
        _findings_table(
            team, f"Team findings ({escape(team_names)}, from the whole team's figures)"
        )
    )
    _finish(own + team, fail_on)


@app.command()
def settle(
    team: TeamOption,
    period: PeriodOption,
    as_of: AsOfOption,
    db: DbOption = _DEFAULT_DB,
    policy: PolicyOption = None,
    actor: Annotated[str, typer.Option(help="Who records the settlement.")] = "erantis-cli",
    as_json: JsonOption = False,
) -> None:
    """Settle a team's period from the frame ledger and record PeriodSettled."""
    from erantis_domain.projections import settle as settle_period

    _identifier("--actor", actor)
    _identifier("--team", team)
    terms = _load_policy(policy).settlement_terms()
    _check_db(db)
    with _open(db) as store, _ledger(db, store) as ledger:
        event = settle_period(
            store,
            team,
            period,
            as_of=as_of,
            terms=terms,
            recorded_by=Actor(actor_id=actor, role=Role.SYSTEM),
            ledger=ledger,
        )
    figures = {
        "team_id": team,
        "period": period,
        "granted_minutes": event.granted_minutes,
        "delivered_minutes": event.delivered_minutes,
        "variance_pct": str(event.variance_pct),
        "band": event.band,
        "incentive_amount": str(event.incentive_amount),
    }
    if as_json:
        _json_line(figures)
        return
    table = Table(title=f"Settled {escape(team)} {escape(period)}")
    for column in ("granted", "delivered", "variance %", "band", "incentive DKK"):
        table.add_column(column, justify="right")
    table.add_row(*(str(figures[k]) for k in list(figures)[2:]))
    _out.print(table)


@app.command()
def report(
    team: TeamOption,
    period: PeriodOption,
    out: Annotated[Path, typer.Option(help="HTML file to write.")] = Path("pack.html"),
    db: DbOption = _DEFAULT_DB,
    as_of: Annotated[
        date | None,
        typer.Option(
            parser=_parse_day,
            metavar="YYYY-MM-DD",
            help="As of this day (default: the day after the period ends).",
        ),
    ] = None,
    policy: PolicyOption = None,
    lang: Annotated[str, typer.Option(help="Language of the pack: da or en.")] = "da",
    due_within: Annotated[
        int, typer.Option(min=1, max=366, help="Days ahead of the due list.")
    ] = 30,
) -> None:
    """Write the dialogue meeting pack of a team's period as one self-contained HTML file."""
    from erantis_rules.report import Lang, meeting_pack, render_html

    if lang not in ("da", "en"):
        raise typer.BadParameter(f"lang must be da or en (got {lang!r})")
    chosen = _load_policy(policy)
    _check_db(db)
    with _open(db) as store:
        pack = meeting_pack(
            store, team, period, as_of=as_of, policy=chosen, due_within_days=due_within
        )
    out.write_text(render_html(pack, cast(Lang, lang)), encoding="utf-8")
    _out.print(
        f"Dialogue meeting pack of {escape(team)} {escape(period)} written to {escape(str(out))}"
    )


def _period(text: str) -> str:
    """A settlement period argument, refused without repeating a CPR-like value."""
    try:
        period_bounds(text)
    except ErantisError:
        raise typer.BadParameter(f"--period {_shown(text)} is not a period YYYY-MM") from None
    return text


def _ledger_document(figures: TeamLedger) -> dict[str, Any]:
    return {
        "team_id": figures.team_id,
        "period": figures.period,
        "granted_minutes": figures.granted_minutes,
        "adjusted_minutes": figures.adjusted_minutes,
        "frame_minutes": figures.frame_minutes,
        "delivered_minutes": figures.delivered_minutes,
        "variance_minutes": figures.variance_minutes,
        "variance_pct": str(figures.variance_pct),
        "band": figures.band,
        "incentive_amount": str(figures.incentive_amount),
        "settled": figures.settled is not None,
    }


@app.command()
def ledger(
    team: TeamOption,
    period: PeriodOption,
    db: DbOption = _DEFAULT_DB,
    policy: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """A team's frame ledger for a period: frame, delivered, band and incentive, per citizen."""
    _identifier("--team", team)
    _period(period)
    terms = _load_policy(policy).settlement_terms()
    _check_db(db)
    with _open(db) as store, _ledger(db, store) as projection:
        figures = projection.team_period(team, period, terms)
    if as_json:
        _json_line({"record": "team", **_ledger_document(figures)})
        for line in figures.lines:
            _json_line(
                {
                    "record": "citizen",
                    "case_id": line.case_id,
                    "granted_minutes": line.granted_minutes,
                    "adjusted_minutes": line.adjusted_minutes,
                    "delivered_minutes": line.delivered_minutes,
                    "variance_minutes": line.variance_minutes,
                }
            )
        return
    table = Table(title=f"Frame ledger {escape(team)} {escape(period)}")
    for column in ("case", "granted", "adjusted", "delivered", "variance"):
        table.add_column(column, justify="right")
    for line in figures.lines:
        table.add_row(
            escape(line.case_id),
            str(line.granted_minutes),
            str(line.adjusted_minutes),
            str(line.delivered_minutes),
            f"{line.variance_minutes:+d}",
        )
    _out.print(table)
    document = _ledger_document(figures)
    _out.print(
        f"frame {document['frame_minutes']}, delivered {document['delivered_minutes']}, "
        f"variance {document['variance_pct']} %, band {document['band']}, incentive DKK "
        f"{document['incentive_amount']}",
        highlight=False,
    )


@app.command()
def agenda(
    team: TeamOption,
    period: PeriodOption,
    as_of: AsOfOption,
    db: DbOption = _DEFAULT_DB,
    policy: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """The dialogue meeting's agenda for a team's period: the ledger, open frame and
    delegation findings, citizens needing reassessment, adjustments made without the citizen."""
    from erantis_rules.agenda import dialogue_agenda

    _identifier("--team", team)
    _period(period)
    chosen = _load_policy(policy)
    _check_db(db)
    with _open(db) as store, _ledger(db, store) as ledger:
        found = dialogue_agenda(store, team, period, as_of=as_of, policy=chosen, ledger=ledger)
    if as_json:
        _json_line({"record": "ledger", **_ledger_document(found.ledger)})
        for finding in found.findings:
            _json_line({"record": "finding", **finding.to_dict()})
        for need in found.reassessments:
            _json_line(
                {
                    "record": "reassessment",
                    "case_id": need.case_id,
                    "subject_id": need.subject_id,
                    "recorded_on": need.recorded_on.isoformat(),
                }
            )
        for adjustment in found.adjustments_without_citizen:
            _json_line(
                {
                    "record": "adjustment_without_citizen",
                    "case_id": adjustment.case_id,
                    "decision_id": adjustment.decision_id,
                    "intervention": adjustment.intervention,
                    "delta_minutes": adjustment.delta_minutes,
                    "adjusted_on": adjustment.adjusted_on.isoformat(),
                }
            )
        return
    document = _ledger_document(found.ledger)
    _out.print(
        f"[bold]Dialogue agenda {escape(team)} {escape(period)}[/bold] as of {as_of.isoformat()}: "
        f"frame {document['frame_minutes']}, delivered {document['delivered_minutes']}, band "
        f"{document['band']}; {len(found.citizens)} citizens"
    )
    _out.print(_findings_table(list(found.findings), "Open frame and delegation findings"))
    for need in found.reassessments:
        _out.print(
            f"reassess {escape(need.case_id)}: follow-up of {escape(need.subject_id)} on "
            f"{need.recorded_on.isoformat()} ended E4",
            highlight=False,
        )
    for adjustment in found.adjustments_without_citizen:
        _out.print(
            f"adjusted without the citizen: {escape(adjustment.case_id)} "
            f"{escape(adjustment.intervention)} {adjustment.delta_minutes:+d} min on "
            f"{adjustment.adjusted_on.isoformat()}",
            highlight=False,
        )


@app.command()
def verify(db: DbOption = _DEFAULT_DB) -> None:
    """Check a whole store for damage: unreadable rows, missing or edited events, damaged
    snapshots. Exits 4 with E-STORE-CORRUPTED naming each damaged stream and position."""
    _check_db(db)
    with _open(db) as store:
        report = store.verify()
    _out.print(
        f"{report.events} events in {report.streams} streams and {report.snapshots} snapshots "
        "verified: no damage found"
    )


@app.command()
def rules(
    markdown: Annotated[bool, typer.Option(help="Print specs/rules.md instead.")] = False,
    as_json: JsonOption = False,
) -> None:
    """The rule catalogue."""
    if markdown:
        sys.stdout.write(rules_markdown())
        return
    if as_json:
        for rule in catalogue():
            _json_line(
                {
                    "id": rule.id,
                    "title": rule.title,
                    "severity": rule.severity.value,
                    "legal_reference": rule.legal_reference,
                }
            )
        return
    table = Table(title="erantis rules")
    for column in ("id", "title", "severity", "reference"):
        table.add_column(column, overflow="fold")
    for rule in catalogue():
        table.add_row(rule.id, rule.title, rule.severity.value, rule.legal_reference)
    _out.print(table)


@app.command()
def schema(
    out: Annotated[
        Path,
        typer.Option(
            "--out", file_okay=False, help="Directory to write the JSON Schemas to (created)."
        ),
    ],
) -> None:
    """Export the JSON Schemas of the events (union and each) and of the policy."""
    out.mkdir(parents=True, exist_ok=True)
    documents = schema_documents()
    for name, document in documents.items():
        (out / name).write_text(document, encoding="utf-8")
    _note(f"wrote {len(documents)} schemas to {out}")


@app.command()
def generate(
    out: Annotated[Path, typer.Argument(help="JSON Lines file to write ('-' for stdout).")],
    citizens: Annotated[int, typer.Option(min=1, help="Citizens to generate.")] = 100,
    months: Annotated[int, typer.Option(min=1, max=36, help="Months of history.")] = 12,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic municipality.")] = 0,
) -> None:
    """Write a synthetic municipality's events as JSON Lines (from 2026-01-01)."""
    from erantis_domain.synthetic import generate as generate_events

    items = generate_events(citizens=citizens, start=date(2026, 1, 1), months=months, seed=seed)
    if str(out) == "-":
        for item in items:
            sys.stdout.write(json.dumps(item, separators=(",", ":")) + "\n")
        return
    count = 0
    with out.open("w", encoding="utf-8") as handle:
        for item in items:
            handle.write(json.dumps(item, separators=(",", ":")) + "\n")
            count += 1
    _note(f"wrote {count} events to {out}")


@app.command()
def serve(
    db: Annotated[
        str | None,
        typer.Option(help="Event store (as --db elsewhere, without a password). ERANTIS_DB."),
    ] = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on. ERANTIS_HOST.")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="ERANTIS_PORT.")] = None,
    as_of: Annotated[
        str | None, typer.Option(metavar="YYYY-MM-DD", help="Judge as of a fixed day.")
    ] = None,
    issuer: Annotated[str | None, typer.Option(help="Token issuer. ERANTIS_JWT_ISSUER.")] = None,
    audience: Annotated[str | None, typer.Option(help="ERANTIS_JWT_AUDIENCE.")] = None,
    jwks_file: Annotated[str | None, typer.Option(help="ERANTIS_JWKS_FILE.")] = None,
    jwks_url: Annotated[str | None, typer.Option(help="ERANTIS_JWKS_URL.")] = None,
    no_auth: Annotated[
        bool, typer.Option("--no-auth", help="No bearer tokens (a local trial only).")
    ] = False,
    openapi: Annotated[
        str | None, typer.Option(help="Write the OpenAPI document to this file and exit.")
    ] = None,
) -> None:
    """Run the HTTP service (the server extra); see docs/service.md. Secrets only from the
    environment (ERANTIS_DB_PASSWORD), never from a flag."""
    from erantis_rules.server import serve_from_flags

    serve_from_flags(
        db=db,
        host=host,
        port=port,
        as_of=as_of,
        issuer=issuer,
        audience=audience,
        jwks_file=jwks_file,
        jwks_url=jwks_url,
        no_auth=no_auth,
        openapi=openapi,
    )


_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_documents() -> dict[str, str]:
    """The exported schema files by name: ``event.schema.json``, one per event type and
    ``policy.schema.json``; each names its dialect (``$schema``) and a stable ``$id``."""
    docs: dict[str, Any] = {"event.schema.json": event_json_schema()}
    docs.update({f"{name}.schema.json": event_json_schema(name) for name in EVENT_TYPES})
    docs["policy.schema.json"] = Policy.model_json_schema(mode="validation")
    for name, doc in docs.items():
        # A URN, not a URL: the schemas are shipped in the wheel, not served from a host.
        doc["$schema"] = _SCHEMA_DIALECT
        doc["$id"] = f"urn:erantis:schema:{name.removesuffix('.schema.json')}"
    return {
        name: json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        for name, doc in docs.items()
    }


# --- errors and the entry point --------------------------------------------------------------


def _exit_code(exc: ErantisError) -> int:
    if isinstance(
        exc,
        StoreConfigurationError
        | ConcurrencyConflict
        | StoreUnavailableError
        | StoreCorruptedError
        | StoreKeyError,
    ):
        return EXIT_STORE
    if isinstance(exc, RuleEngineError):
        return EXIT_INTERNAL
    return EXIT_INVALID_INPUT


def _fail(code: str, message: str, status: int) -> NoReturn:
    # One line, whatever the message holds: scripts read stderr line by line.
    text = " ".join(message.split())
    sys.stderr.write(f"erantis: error [{code}] {text}\n")
    raise SystemExit(status)


def _is_click_exception(exc: BaseException) -> bool:
    # typer vendors click in recent releases; its exceptions share this base with typer's own.
    return any(cls.__name__ == "ClickException" for cls in type(exc).__mro__)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run a command, map every error to one line on stderr and an exit code."""
    _run(
        lambda: typer.main.get_command(app).main(
            args=list(sys.argv[1:] if argv is None else argv),
            prog_name="erantis",
            standalone_mode=False,
        )
    )


def _run(command: Callable[[], Any]) -> None:
    try:
        status = command()
    except ErantisError as exc:
        _fail(exc.code, exc.message, _exit_code(exc))
    except _UsageProblem as exc:
        _fail("E-USAGE", str(exc), EXIT_USAGE)
    except (sqlite3.Error, OSError) as exc:
        _log.debug("store or file error", exc_info=True)
        _fail("E-STORE", f"{type(exc).__name__}: {exc}", EXIT_STORE)
    except KeyboardInterrupt:
        _fail("E-INTERRUPTED", "interrupted", 130)
    except Exception as exc:
        if type(exc).__name__ == "Abort":  # click's form of Ctrl-C
            _fail("E-INTERRUPTED", "interrupted", 130)
        if _is_click_exception(exc):
            status = _click_problem(exc)
        elif _is_persistence_error(exc):
            _log.debug("store error", exc_info=True)
            _fail("E-STORE", type(exc).__name__, EXIT_STORE)
        else:
            if _Verbosity.level:
                _log.exception("internal error")
            # The message of an unexpected error may quote data: name only its type.
            _fail(
                "E-INTERNAL", f"{type(exc).__name__} (run with -v for the traceback)", EXIT_INTERNAL
            )
    raise SystemExit(status if isinstance(status, int) else EXIT_OK)


def _click_problem(exc: Exception) -> int:
    name = type(exc).__name__
    if name == "NoArgsIsHelpError":
        sys.stdout.write(typer.main.get_command(app).get_help(_context()) + "\n")
        return EXIT_USAGE
    message = getattr(exc, "format_message", lambda: str(exc))()
    hint = ""
    context = getattr(exc, "ctx", None)
    if context is not None:
        hint = f" (see `{context.command_path} --help`)"
    # Every problem click reports is one of usage (a file option it could not open included):
    # its own exit code 1 would read as "findings" here.
    _fail("E-USAGE", f"{message}{hint}", EXIT_USAGE)


def _context() -> Any:
    command = typer.main.get_command(app)
    return command.make_context("erantis", [], resilient_parsing=True)


def _is_persistence_error(exc: Exception) -> bool:
    # eventsourcing (and psycopg beneath it) raise their own hierarchy; it stays out of the
    # public API, so it is recognised by module rather than imported.
    module = type(exc).__module__
    return module.startswith(("eventsourcing.", "psycopg"))


if __name__ == "__main__":
    main()
