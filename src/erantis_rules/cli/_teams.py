"""A team's settlement period: ``settle``, ``ledger``, ``agenda`` and ``report`` (the
dialogue meeting pack)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar, cast

import typer
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from erantis_domain.errors import ErantisError
from erantis_domain.projections.budget import TeamLedger
from erantis_domain.values import Actor, Role, period_bounds
from erantis_rules._stores import persisted_ledger
from erantis_rules.cli._shared import (
    _DEFAULT_DB,
    AsOfOption,
    DbOption,
    ForceOption,
    JsonOption,
    PeriodOption,
    PolicyOption,
    TeamOption,
    _check_db,
    _findings_table,
    _history,
    _identifier,
    _json_line,
    _known_period,
    _load_history,
    _open,
    _out,
    _output,
    _parse_day,
    _progress,
    _shown,
    _write_text,
)

__all__ = ["agenda", "ledger", "report", "settle"]

_L = TypeVar("_L")


def settle(
    team: TeamOption,
    period: PeriodOption,
    as_of: AsOfOption,
    db: DbOption = _DEFAULT_DB,
    policy: PolicyOption = None,
    actor: Annotated[str, typer.Option(help="Who records the settlement.")] = "erantis-cli",
    as_json: JsonOption = False,
) -> None:
    """Settle a team's period from the frame ledger and record PeriodSettled.

    Example: erantis settle --db erantis.sqlite --team team-01 --period 2026-03 --as-of 2026-04-01
    """
    from erantis_domain.projections import settle as settle_period

    _identifier("--actor", actor)
    _identifier("--team", team)
    _period(period)
    loaded = _load_history(policy)
    _check_db(db)
    with (
        _open(db) as store,
        _progress() as progress,
        _reading(progress, persisted_ledger(db, store)) as ledger,
    ):
        version = _history(loaded, store).for_period(period)
        # The period itself is settle's to judge (not over yet, already settled).
        _known_period(ledger, team, period, version.terms, check_period=False)
        event = settle_period(
            store,
            team,
            period,
            as_of=as_of,
            terms=version.terms,
            recorded_by=Actor(actor_id=actor, role=Role.SYSTEM),
            ledger=ledger,
            policy_version=version.id,
        )
    figures = {
        "team_id": team,
        "period": period,
        "granted_minutes": event.granted_minutes,
        "delivered_minutes": event.delivered_minutes,
        "variance_pct": str(event.variance_pct),
        "band": event.band,
        "incentive_amount": str(event.incentive_amount),
        "policy_version": event.policy_version,
    }
    if as_json:
        _json_line(figures)
        return
    table = Table(
        title=f"Settled {escape(team)} {escape(period)} under policy {escape(version.id)}"
    )
    for column in ("granted", "delivered", "variance %", "band", "incentive DKK", "policy"):
        table.add_column(column, justify="right")
    table.add_row(*(str(figures[k]) for k in list(figures)[2:]))
    _out.print(table)


def report(
    team: TeamOption,
    period: PeriodOption,
    out: Annotated[Path, typer.Option(help="HTML file to write ('-' for stdout).")] = Path(
        "pack.html"
    ),
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
    force: ForceOption = False,
) -> None:
    """Write the dialogue meeting pack of a team's period as one self-contained HTML file.

    Example: erantis report --db erantis.sqlite --team team-01 --period 2026-03 --out pack.html
    """
    from erantis_rules.report import Lang, meeting_pack, render_html

    if lang not in ("da", "en"):
        raise typer.BadParameter(f"lang must be da or en (got {lang!r})")
    # Every argument is checked before the store is read: the pack takes a while.
    target = _output("--out", out, force=force, db=db)
    _identifier("--team", team)
    _period(period)
    loaded = _load_history(policy)
    _check_db(db)
    with _open(db) as store, _progress() as progress:
        chosen = _history(loaded, store).for_period(period).policy
        with _reading(progress, persisted_ledger(db, store)) as ledger:
            _known_period(ledger, team, period, chosen.settlement_terms())
        building = progress.add_task("building the meeting pack", total=None)
        pack = meeting_pack(
            store, team, period, as_of=as_of, policy=chosen, due_within_days=due_within
        )
        html = render_html(pack, cast(Lang, lang))
        progress.update(building, total=1, completed=1)
    _write_text(target, html)
    if target is not None:
        _out.print(
            f"Dialogue meeting pack of {escape(team)} {escape(period)} written to "
            f"{escape(str(target))}",
            highlight=False,
        )


@contextmanager
def _reading(progress: Progress, ledger: AbstractContextManager[_L]) -> Iterator[_L]:
    """A progress line while the frame ledger catches up with the store (the whole store on
    the first run)."""
    task = progress.add_task("reading the frame ledger", total=None)
    with ledger as caught_up:
        progress.update(task, total=1, completed=1)
        yield caught_up


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


def ledger(
    team: TeamOption,
    period: PeriodOption,
    db: DbOption = _DEFAULT_DB,
    policy: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """A team's frame ledger for a period: frame, delivered, band and incentive, per citizen.

    Example: erantis ledger --db erantis.sqlite --team team-01 --period 2026-03 --json
    """
    _identifier("--team", team)
    _period(period)
    loaded = _load_history(policy)
    _check_db(db)
    with (
        _open(db) as store,
        _progress() as progress,
        _reading(progress, persisted_ledger(db, store)) as projection,
    ):
        terms = _history(loaded, store).for_period(period).terms
        figures = _known_period(projection, team, period, terms)
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


def agenda(
    team: TeamOption,
    period: PeriodOption,
    as_of: AsOfOption,
    db: DbOption = _DEFAULT_DB,
    policy: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """The dialogue meeting's agenda for a team's period: the ledger, open frame and
    delegation findings, citizens needing reassessment, adjustments made without the citizen.

    Example: erantis agenda --db erantis.sqlite --team team-01 --period 2026-03 --as-of 2026-04-01
    """
    from erantis_rules.agenda import dialogue_agenda

    _identifier("--team", team)
    _period(period)
    loaded = _load_history(policy)
    _check_db(db)
    with (
        _open(db) as store,
        _progress() as progress,
        _reading(progress, persisted_ledger(db, store)) as ledger,
    ):
        chosen = _history(loaded, store).for_period(period).policy
        _known_period(ledger, team, period, chosen.settlement_terms())
        progress.add_task("judging the team's cases", total=None)
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
