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
from erantis_domain.events import SettlementCorrected
from erantis_domain.projections.budget import CorrectionTotals, SettledFigures, TeamLedger
from erantis_domain.values import Actor, Role, period_bounds
from erantis_rules._stores import persisted_ledger
from erantis_rules.cli._app import _UsageProblem
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
from erantis_rules.policy_versions import PolicyHistory

__all__ = ["agenda", "ledger", "report", "settle"]

_L = TypeVar("_L")


def settle(
    as_of: AsOfOption,
    team: Annotated[
        str | None, typer.Option("--team", help="Team id (with --corrections: only this team).")
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(
            "--period", help="Settlement period YYYY-MM (with --corrections: only this one)."
        ),
    ] = None,
    db: DbOption = _DEFAULT_DB,
    policy: PolicyOption = None,
    actor: Annotated[str, typer.Option(help="Who records the settlement.")] = "erantis-cli",
    corrections: Annotated[
        bool,
        typer.Option(
            "--corrections",
            help="Record the corrections of settled periods that events recorded since changed "
            "(SettlementCorrected), instead of settling a period.",
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="With --corrections: show them, record nothing.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Settle a team's period from the frame ledger and record PeriodSettled, under the policy
    version in force on the period's first day; or, with --corrections, correct the settled
    periods that late events changed (the settlement itself stands).

    Example: erantis settle --db erantis.sqlite --team team-01 --period 2026-03 --as-of 2026-04-01

    Example: erantis settle --corrections --db erantis.sqlite --as-of 2026-05-04
    """
    from erantis_domain.projections import settle as settle_period

    _identifier("--actor", actor)
    if team is not None:
        _identifier("--team", team)
    if period is not None:
        _period(period)
    if corrections:
        _settle_corrections(db, team, period, as_of, actor, dry_run=dry_run, as_json=as_json)
        return
    if team is None or period is None:
        raise _UsageProblem("settle needs --team and --period (or --corrections)")
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


def _settle_corrections(
    db: str,
    team: str | None,
    period: str | None,
    as_of: date,
    actor: str,
    *,
    dry_run: bool,
    as_json: bool,
) -> None:
    from erantis_domain.projections import propose_corrections, record_corrections

    _check_db(db)
    with _open(db) as store, _progress() as progress:
        progress.add_task("reading the settled periods and what was recorded since", total=None)
        proposed = propose_corrections(
            store,
            as_of=as_of,
            recorded_by=Actor(actor_id=actor, role=Role.SYSTEM),
            teams=None if team is None else {team},
            periods=None if period is None else {period},
        )
        stored = 0 if dry_run else record_corrections(store, proposed)
    if as_json:
        for correction in proposed:
            _json_line({"recorded": not dry_run, **_correction_document(correction)})
        return
    verb = "proposed (not recorded)" if dry_run else "recorded"
    table = Table(title=f"Corrections of settled periods {verb}: {len(proposed)}")
    for column in ("team", "period", "frame", "delivered", "amount DKK", "band now", "causes"):
        table.add_column(column, justify="right")
    for c in proposed:
        table.add_row(
            escape(c.team_id),
            c.period,
            f"{c.granted_minutes_delta:+d}",
            f"{c.delivered_minutes_delta:+d}",
            f"{c.amount_delta:+}",
            c.band,
            str(len(c.caused_by)),
        )
    _out.print(table)
    if not dry_run:
        _out.print(f"{stored} new, {len(proposed) - stored} recorded before", highlight=False)


def _correction_document(correction: SettlementCorrected) -> dict[str, Any]:
    return {
        "team_id": correction.team_id,
        "period": correction.period,
        "settlement_id": str(correction.settlement_id),
        "granted_minutes_delta": correction.granted_minutes_delta,
        "delivered_minutes_delta": correction.delivered_minutes_delta,
        "amount_delta": str(correction.amount_delta),
        "band": correction.band,
        "variance_pct": str(correction.variance_pct),
        "caused_by": [str(c) for c in correction.caused_by],
        "policy_version": correction.policy_version,
    }


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
    what_if: Annotated[
        Path | None,
        typer.Option(
            "--what-if",
            help="Add the period under these other terms beside the real figures (a policy "
            "file or folder of dated versions); nothing is recorded.",
        ),
    ] = None,
    force: ForceOption = False,
) -> None:
    """Write the dialogue meeting pack of a team's period as one self-contained HTML file.

    Example: erantis report --db erantis.sqlite --team team-01 --period 2026-03 --out pack.html

    Example: erantis report --db erantis.sqlite --team team-01 --period 2026-03 --what-if b7.toml
    """
    from erantis_rules.report import Lang, meeting_pack, render_html

    if lang not in ("da", "en"):
        raise typer.BadParameter(f"lang must be da or en (got {lang!r})")
    # Every argument is checked before the store is read: the pack takes a while.
    target = _output("--out", out, force=force, db=db)
    _identifier("--team", team)
    _period(period)
    loaded = _load_history(policy)
    alternative = None if what_if is None else _load_what_if(what_if)
    _check_db(db)
    with _open(db) as store, _progress() as progress:
        chosen = _history(loaded, store).for_period(period).policy
        with _reading(progress, persisted_ledger(db, store)) as ledger:
            _known_period(ledger, team, period, chosen.settlement_terms())
        building = progress.add_task("building the meeting pack", total=None)
        pack = meeting_pack(
            store,
            team,
            period,
            as_of=as_of,
            policy=chosen,
            due_within_days=due_within,
            what_if=alternative,
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


def _load_what_if(path: Path) -> PolicyHistory:
    """The alternative terms of ``--what-if``: a policy file or folder (not stdin)."""
    if str(path) == "-" or not path.exists():
        raise _UsageProblem(f"--what-if: no such file or folder: {_shown(path)}")
    return PolicyHistory.from_file(path)


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
        settled = projection.settlement(team, period)
        if loaded is None and settled is not None and settled.terms is not None:
            terms = settled.terms  # as known now, under the terms it was settled under
        figures = _known_period(projection, team, period, terms)
        corrected = projection.corrections(team, period)
    then = _as_recorded(figures.settled, corrected)
    if as_json:
        _json_line({"record": "team", **_ledger_document(figures)})
        if then is not None:
            _json_line({"record": "as_recorded", **then})
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
    if then is not None:
        _out.print(
            f"as recorded then (settled {then['settled_on']} under policy "
            f"{then['policy_version']}): frame {then['granted_minutes']}, delivered "
            f"{then['delivered_minutes']}, incentive DKK {then['incentive_amount']}; "
            f"{then['corrections']} corrections recorded since, DKK {then['amount_delta']}; "
            f"as known now: incentive DKK {document['incentive_amount']}",
            highlight=False,
        )


def _as_recorded(
    settled: SettledFigures | None, corrected: CorrectionTotals | None
) -> dict[str, Any] | None:
    """A settled period as recorded then, and the corrections recorded since (the figures
    as known now are the ledger's)."""
    if settled is None:
        return None
    return {
        "settled_on": settled.settled_on.isoformat(),
        "policy_version": settled.policy_version,
        "granted_minutes": settled.granted_minutes,
        "delivered_minutes": settled.delivered_minutes,
        "band": settled.band,
        "incentive_amount": str(settled.incentive_amount),
        "corrections": 0 if corrected is None else corrected.count,
        "granted_minutes_delta": 0 if corrected is None else corrected.granted_minutes_delta,
        "delivered_minutes_delta": 0 if corrected is None else corrected.delivered_minutes_delta,
        "amount_delta": "0.00" if corrected is None else str(corrected.amount_delta),
    }


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
        found = dialogue_agenda(
            store, team, period, as_of=as_of, policy=chosen, ledger=ledger, corrections=True
        )
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
        for correction in found.corrections:
            _json_line({"record": "correction", **_correction_document(correction)})
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
    for correction in found.corrections:
        _out.print(
            f"settled {escape(correction.period)} needs a correction (settle --corrections): "
            f"delivered {correction.delivered_minutes_delta:+d} min, frame "
            f"{correction.granted_minutes_delta:+d} min, DKK {correction.amount_delta:+}, "
            f"caused by {len(correction.caused_by)} events recorded since",
            highlight=False,
        )
