"""The judgement: ``check`` (every stored case and team period), ``case`` (one case's
timeline, state and findings) and ``rules`` (the catalogue)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, Annotated, Literal

import typer
from rich.markup import escape
from rich.table import Table

from erantis_rules.catalogue import catalogue, rules_markdown
from erantis_rules.cli._app import _UsageProblem
from erantis_rules.cli._shared import (
    _DEFAULT_DB,
    AsOfOption,
    DbOption,
    FailOnOption,
    JsonOption,
    PolicyOption,
    WorkersOption,
    _check_db,
    _findings_table,
    _finish,
    _history,
    _is_database,
    _json_line,
    _load_history,
    _note,
    _open,
    _out,
    _progress,
    _shown,
    _summary,
)
from erantis_rules.engine import check as check_events
from erantis_rules.engine import check_store
from erantis_rules.language.model import Finding
from erantis_rules.policy_versions import PolicyHistory

__all__ = ["case", "check_command", "rules"]


def check_command(
    as_of: AsOfOption,
    events_file: Annotated[
        Path | None,
        typer.Argument(
            metavar="[EVENTS]",
            help="A JSON Lines file of events to check instead of the store ('-' for stdin).",
            show_default=False,
        ),
    ] = None,
    db: DbOption = _DEFAULT_DB,
    policy: PolicyOption = None,
    as_json: JsonOption = False,
    fail_on: FailOnOption = None,
    workers: WorkersOption = None,
) -> None:
    """Check every case and team period against the rule catalogue: those of the store
    (--db), or of a JSON Lines file of events (or stdin) given as EVENTS, stored nowhere.

    A store is read one case at a time in one process; with --workers N (or auto) its events
    are read in turn and the cases split over N processes. A file is split over the cores
    available unless --workers says otherwise.

    Example: erantis check --db erantis.sqlite --as-of 2026-07-01 --fail-on violation

    Example: erantis generate - | erantis check - --as-of 2027-01-01 --json
    """
    loaded = _load_history(policy)
    if events_file is not None:
        terms = loaded or PolicyHistory.single()
        findings, events = _check_file(events_file, as_of, terms, workers or "auto")
    else:
        _check_db(db)
        with _open(db) as store, _progress() as progress:
            terms = _history(loaded, store)
            checking = progress.add_task("checking the store case by case", total=None)
            if workers is None:
                # One stream at a time in this process: memory bounded by the largest case.
                findings = check_store(store, as_of=as_of, policy=terms)
            else:
                stored = (entry.event for entry in store.replay())
                findings = check_events(
                    stored, as_of=as_of, policy=terms, workers=_workers(workers)
                )
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


def _workers(text: str) -> int | Literal["auto"]:
    return "auto" if text == "auto" else int(text)


def _check_file(
    path: Path, as_of: date, policy: PolicyHistory, workers: str
) -> tuple[list[Finding], int]:
    """Check the events of a JSON Lines file (``-``: stdin); returns the findings and how
    many events were read."""
    if str(path) != "-" and not path.is_file():
        raise _UsageProblem(f"EVENTS: no such file: {_shown(path)}")
    if str(path) != "-" and _is_database(path):
        raise _UsageProblem(
            f"EVENTS {_shown(path)} is a database: give a store as --db, a JSON Lines file as "
            "EVENTS"
        )
    counted = [0]

    def lines(handle: IO[bytes]) -> Iterator[bytes]:
        for line in handle:
            if line.strip():
                counted[0] += 1
                yield line

    handle = sys.stdin.buffer if str(path) == "-" else path.open("rb")
    with handle, _progress() as progress:
        checking = progress.add_task("checking the events", total=None)
        findings = check_events(
            lines(handle), as_of=as_of, policy=policy, workers=_workers(workers)
        )
        progress.update(checking, completed=1, total=1)
    return findings, counted[0]


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

    Example: erantis case case-000001 --db erantis.sqlite --as-of 2026-07-01
    """
    loaded = _load_history(policy)
    _check_db(db)
    with _open(db) as store, _progress() as progress:
        terms = _history(loaded, store)
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


def rules(
    markdown: Annotated[bool, typer.Option(help="Print specs/rules.md instead.")] = False,
    as_json: JsonOption = False,
) -> None:
    """The rule catalogue.

    Example: erantis rules --json
    """
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
