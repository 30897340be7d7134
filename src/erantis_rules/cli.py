"""The ``erantis`` console script: a thin shell over the public API (typer + rich).

Commands: ``demo`` (the main job), ``ingest``, ``check``, ``case``, ``settle``, ``report``,
``verify``, ``rules``, ``schema``, ``generate``. Errors of erantis print as one line with their
code and exit 2. An argument that looks like a CPR number is never repeated in a message.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, Any, cast

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from erantis_domain.errors import ErantisError, InvalidArgumentError, InvalidEventError
from erantis_domain.events import EVENT_TYPES, Event, event_json_schema, parse_event
from erantis_domain.store import CaseStore
from erantis_domain.values import (
    EARLIEST_DAY,
    LATEST_DAY,
    Actor,
    Role,
    looks_like_cpr,
    period_bounds,
)
from erantis_rules.catalogue import catalogue, rules_markdown
from erantis_rules.engine import check as check_events
from erantis_rules.model import Finding, Severity
from erantis_rules.policy import Policy

__all__ = ["app", "main", "schema_documents"]

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help=__doc__, pretty_exceptions_enable=False
)
_out = Console()
_err = Console(stderr=True)

DbOption = Annotated[Path, typer.Option("--db", help="SQLite event store file.")]
AsOfOption = Annotated[str | None, typer.Option(help="Judge as of this day (YYYY-MM-DD).")]
PolicyOption = Annotated[
    Path | None, typer.Option("--policy", help="Policy file (.toml or .json).")
]
_SEVERITY_STYLE = {Severity.VIOLATION: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def _shown(text: object) -> str:
    """An argument for a message: withheld when it looks like a CPR number, cut when long."""
    value = str(text)
    if looks_like_cpr(value):
        return "<withheld: looks like a CPR number>"
    return repr(value) if len(value) <= 60 else repr(value[:57]) + "..."


def _is_identifier(text: str) -> bool:
    try:
        Actor(actor_id=text, role=Role.SYSTEM)
    except ValueError:
        return False
    return True


def _as_of(text: str | None, default: date) -> date:
    if text is None:
        return default
    try:
        day = date.fromisoformat(text) if len(text) == 10 and text.isascii() else None
    except ValueError:
        day = None
    if day is None or not EARLIEST_DAY <= day <= LATEST_DAY:
        raise InvalidArgumentError(f"--as-of must be a day YYYY-MM-DD (got {_shown(text)})")
    return day


def _policy(path: Path | None) -> Policy:
    return Policy.from_file(path) if path else Policy()


def _open(db: Path, *, must_exist: bool = True) -> CaseStore:
    if must_exist and not db.exists():
        raise typer.BadParameter(f"no event store at {_shown(db)} (run `erantis ingest` first)")
    return CaseStore.sqlite(db)


def _all_events(store: CaseStore) -> list[Event]:
    return [entry.event for entry in store.replay()]


def _findings_table(findings: list[Finding], title: str, limit: int = 25) -> Table:
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
    if len(findings) > limit:
        table.caption = f"{len(findings) - limit} more not shown"
    return table


def _summary(findings: list[Finding]) -> Table:
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


@app.command()
def demo(
    db: Annotated[
        Path | None,
        typer.Option("--db", help="SQLite file for the demo (default: a new temporary file)."),
    ] = None,
    citizens: Annotated[int, typer.Option(min=1, max=20_000, help="Citizens to generate.")] = 300,
    months: Annotated[int, typer.Option(min=1, max=24, help="Months of history.")] = 6,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic municipality.")] = 2026,
) -> None:
    """Generate a synthetic municipality, store it in SQLite, check it and report."""
    from erantis_domain.synthetic import generate

    start = date(2026, 1, 1)
    as_of = _month_after(start, months)
    target = db or Path(tempfile.mkdtemp(prefix="erantis-demo-")) / "erantis.sqlite"
    raw = list(generate(citizens=citizens, start=start, months=months, seed=seed))
    with CaseStore.sqlite(target) as store, Progress(console=_out, transient=True) as progress:
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
        checking = progress.add_task("checking", total=None)
        findings = check_events(_all_events(store), as_of=as_of)
        progress.update(checking, completed=1, total=1)
    _out.print(
        f"[bold]erantis demo[/bold]: {citizens} citizens, {months} months, "
        f"{stored} events stored ({duplicates} already there) in {target}"
    )
    _out.print(_summary(findings))
    _out.print(_findings_table(findings, f"Findings as of {as_of.isoformat()}", limit=15))
    _demo_pack(target, as_of)


def _demo_pack(target: Path, as_of: date) -> None:
    """Write the meeting pack of the first team's last period next to the demo store."""
    from erantis_domain.projections import ledger_of
    from erantis_rules.report import ReportDependencyMissing, meeting_pack, render_html

    with CaseStore.sqlite(target) as store:
        teams = ledger_of(_all_events(store)).teams()
        if not teams:
            return
        period = date.fromordinal(as_of.toordinal() - 1).strftime("%Y-%m")
        pack = meeting_pack(store, teams[0], period, as_of=as_of)
    out = target.parent / f"pack-{teams[0]}-{period}.html"
    try:
        out.write_text(render_html(pack, "da"), encoding="utf-8")
    except ReportDependencyMissing as exc:
        _out.print(f"no meeting pack: {escape(exc.message)}")
        return
    _out.print(f"Dialogue meeting pack of {teams[0]} {period}: {out}")


def _month_after(start: date, months: int) -> date:
    total = start.month - 1 + months
    return date(start.year + total // 12, total % 12 + 1, 1)


def _chunks(items: list[Event], size: int) -> Iterator[list[Event]]:
    for index in range(0, len(items), size):
        yield items[index : index + size]


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(help="JSON Lines file of events ('-' for stdin).")],
    db: DbOption = Path("erantis.sqlite"),
) -> None:
    """Validate a JSON Lines file of events and store it (all or nothing; idempotent)."""
    if str(file) != "-" and not file.is_file():
        raise typer.BadParameter(f"no such file: {_shown(file)}")
    # Bytes: parse_event decodes each line itself, so a line that is not UTF-8 is a coded
    # error with its line number, not a crash of the whole file.
    handle = sys.stdin.buffer if str(file) == "-" else file.open("rb")
    events: list[Event] = []
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                events.append(parse_event(line))
            except InvalidEventError as exc:
                raise InvalidEventError(f"line {number}: {exc.message}", exc.problems) from None
    with _open(db, must_exist=False) as store:
        result = store.append(events)
    _out.print(f"{result.stored} events stored, {result.duplicates} already stored, in {db}")


@app.command("check")
def check_command(
    db: DbOption = Path("erantis.sqlite"),
    as_of: AsOfOption = None,
    policy: PolicyOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON finding per line.")] = False,
) -> None:
    """Check every stored case and team period against the rule catalogue."""
    when = _as_of(as_of, date.today())
    with _open(db) as store:
        findings = check_events(_all_events(store), as_of=when, policy=_policy(policy))
    if as_json:
        for finding in findings:
            sys.stdout.write(json.dumps(finding.to_dict(), ensure_ascii=False) + "\n")
        return
    _out.print(_summary(findings))
    _out.print(_findings_table(findings, f"Findings as of {when.isoformat()}", limit=50))


@app.command()
def case(
    case_id: Annotated[str, typer.Argument(help="The case id.")],
    db: DbOption = Path("erantis.sqlite"),
    as_of: AsOfOption = None,
    policy: PolicyOption = None,
) -> None:
    """A case's timeline (no free text) and its findings."""
    with _open(db) as store:
        events = store.case_events(case_id)
    when = _as_of(as_of, date.today())
    timeline = Table(title=f"Case {escape(case_id)}")
    for column in ("occurred", "event", "by"):
        timeline.add_column(column)
    for event in sorted(events, key=lambda e: e.occurred_at):
        timeline.add_row(
            event.occurred_at.isoformat(timespec="minutes"),
            event.type,
            event.recorded_by.role.value,
        )
    _out.print(timeline)
    findings = check_events(events, as_of=when, policy=_policy(policy))
    _out.print(_findings_table(findings, f"Findings as of {when.isoformat()}"))


@app.command()
def settle(
    team: Annotated[str, typer.Option(help="Team id.")],
    period: Annotated[str, typer.Option(help="Settlement period YYYY-MM.")],
    db: DbOption = Path("erantis.sqlite"),
    as_of: AsOfOption = None,
    policy: PolicyOption = None,
    actor: Annotated[str, typer.Option(help="Who records the settlement.")] = "erantis-cli",
) -> None:
    """Settle a team's period from the frame ledger and record PeriodSettled."""
    from erantis_domain.projections import settle as settle_period

    when = _as_of(as_of, date.today())
    try:
        recorded_by = Actor(actor_id=actor, role=Role.SYSTEM)
    except ValueError:
        # The value is not repeated: it may be a CPR number.
        raise InvalidArgumentError(
            f"--actor {_shown(actor)} is not an identifier (printable ASCII without spaces, "
            "not shaped like a CPR number)"
        ) from None
    period_bounds(period)  # refuses a malformed period without repeating a CPR-like one
    if not _is_identifier(team):
        raise InvalidArgumentError(
            f"--team {_shown(team)} is not an identifier (printable ASCII without spaces, "
            "at most 128 characters, not shaped like a CPR number)"
        )
    with _open(db) as store:
        event = settle_period(
            store,
            team,
            period,
            as_of=when,
            terms=_policy(policy).settlement_terms(),
            recorded_by=recorded_by,
        )
    table = Table(title=f"Settled {escape(team)} {period}")
    for column in ("granted", "delivered", "variance %", "band", "incentive DKK"):
        table.add_column(column, justify="right")
    table.add_row(
        str(event.granted_minutes),
        str(event.delivered_minutes),
        str(event.variance_pct),
        event.band,
        str(event.incentive_amount),
    )
    _out.print(table)


@app.command()
def verify(db: DbOption = Path("erantis.sqlite")) -> None:
    """Check a whole store for damage: unreadable rows, missing or edited events, damaged
    snapshots. Exits 2 with ``E-STORE-CORRUPTED`` naming each damaged stream and position."""
    with _open(db) as store:
        report = store.verify()
    _out.print(
        f"{report.events} events in {report.streams} streams and {report.snapshots} snapshots "
        "verified: no damage found"
    )


@app.command()
def report(
    team: Annotated[str, typer.Option(help="Team id.")],
    period: Annotated[str, typer.Option(help="Settlement period YYYY-MM.")],
    out: Annotated[Path, typer.Option(help="HTML file to write.")] = Path("pack.html"),
    db: DbOption = Path("erantis.sqlite"),
    as_of: Annotated[
        str | None, typer.Option(help="As of this day (YYYY-MM-DD; default: after the period).")
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
    when = None if as_of is None else _as_of(as_of, date.today())
    with _open(db) as store:
        pack = meeting_pack(
            store, team, period, as_of=when, policy=_policy(policy), due_within_days=due_within
        )
    out.write_text(render_html(pack, cast(Lang, lang)), encoding="utf-8")
    _out.print(f"Dialogue meeting pack of {escape(team)} {period} written to {out}")


@app.command()
def rules(
    markdown: Annotated[bool, typer.Option(help="Print specs/rules.md instead.")] = False,
) -> None:
    """The rule catalogue."""
    if markdown:
        sys.stdout.write(rules_markdown())
        return
    table = Table(title="erantis rules")
    for column in ("id", "title", "severity", "reference"):
        table.add_column(column, overflow="fold")
    for rule in catalogue():
        table.add_row(rule.id, rule.title, rule.severity.value, rule.legal_reference)
    _out.print(table)


@app.command()
def schema(
    out: Annotated[Path, typer.Option(help="Directory to write the JSON Schemas to.")] = Path(
        "specs/schemas"
    ),
) -> None:
    """Export the JSON Schemas of the events (union and each) and of the policy."""
    out.mkdir(parents=True, exist_ok=True)
    documents = schema_documents()
    for name, document in documents.items():
        (out / name).write_text(document, encoding="utf-8")
    _out.print(f"wrote {len(documents)} schemas to {out}")


@app.command()
def generate(
    out: Annotated[Path, typer.Argument(help="JSON Lines file to write ('-' for stdout).")],
    citizens: Annotated[int, typer.Option(min=1)] = 100,
    months: Annotated[int, typer.Option(min=1, max=36)] = 12,
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """Write a synthetic municipality's events as JSON Lines."""
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
    _err.print(f"wrote {count} events to {out}")


def schema_documents() -> dict[str, str]:
    """The exported schema files by name: ``event.schema.json``, one per event type and
    ``policy.schema.json``."""
    docs: dict[str, Any] = {"event.schema.json": event_json_schema()}
    docs.update({f"{name}.schema.json": event_json_schema(name) for name in EVENT_TYPES})
    docs["policy.schema.json"] = Policy.model_json_schema(mode="validation")
    return {
        name: json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        for name, doc in docs.items()
    }


def main() -> None:
    """Entry point: an :class:`ErantisError` becomes one line with its code and exit 2."""
    try:
        app()
    except ErantisError as exc:
        _err.print(f"[red]error[/red] {escape(str(exc))}", soft_wrap=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
