"""The municipality's policy in time: ``adopt`` (record dated versions in the store) and
``whatif`` (the settlement under other terms, nothing written)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from erantis_domain.errors import InvalidPolicyError
from erantis_domain.values import Actor, Role
from erantis_rules.cli._shared import (
    _DEFAULT_DB,
    AsOfOption,
    DbOption,
    JsonOption,
    _check_db,
    _findings_table,
    _history,
    _identifier,
    _json_line,
    _load_history,
    _open,
    _out,
    _parse_day,
    _progress,
)

__all__ = ["adopt", "whatif"]


def adopt(
    policy: Annotated[
        Path,
        typer.Option(
            "--policy", help="Policy versions to adopt: a .toml or .json file, or a folder."
        ),
    ],
    as_of: AsOfOption,
    db: DbOption = _DEFAULT_DB,
    actor: Annotated[str, typer.Option(help="Who records the adoption.")] = "erantis-cli",
    as_json: JsonOption = False,
) -> None:
    """Record the dated policy versions of a file or folder as adopted (PolicyVersionAdopted),
    on the --as-of day. settle, ledger, agenda and check then read the version in force from
    the store when no --policy is given. Adopting the same version again changes nothing.

    Example: erantis adopt --db erantis.sqlite --policy policy-2027.toml --as-of 2026-12-15
    """
    from erantis_rules.policy_versions import adopt as adopt_version

    _identifier("--actor", actor)
    history = _load_history(policy)
    assert history is not None  # --policy is required here
    undated = [v.id for v in history if v.valid_from is None]
    if undated:
        raise InvalidPolicyError(
            f"--policy: version {undated[0]!r} has no valid_from; an adopted version applies "
            "from a day (give it id and valid_from)"
        )
    _check_db(db)
    recorder = Actor(actor_id=actor, role=Role.CONTROLLER)
    with _open(db) as store:
        events = [adopt_version(store, v, on=as_of, recorded_by=recorder) for v in history]
    if as_json:
        for event in events:
            _json_line(
                {
                    "version_id": event.version_id,
                    "valid_from": event.valid_from.isoformat(),
                    "terms_digest": event.terms_digest,
                    "event_id": str(event.event_id),
                }
            )
        return
    table = Table(title=f"Policy versions adopted on {as_of.isoformat()}")
    for column in ("version", "valid from", "band %", "minute price", "terms digest"):
        table.add_column(column)
    for event in events:
        table.add_row(
            escape(event.version_id),
            event.valid_from.isoformat(),
            str(event.terms.settlement_band_pct),
            str(event.terms.minute_price),
            (event.terms_digest or "")[:16],
        )
    _out.print(table)


def whatif(
    policy: Annotated[
        Path,
        typer.Option(
            "--policy", help="The alternative: a policy file or folder of dated versions."
        ),
    ],
    db: DbOption = _DEFAULT_DB,
    team: Annotated[
        list[str] | None, typer.Option("--team", help="Only this team (repeatable).")
    ] = None,
    period: Annotated[
        list[str] | None, typer.Option("--period", help="Only this period YYYY-MM (repeatable).")
    ] = None,
    as_of: Annotated[
        date | None,
        typer.Option(
            parser=_parse_day,
            metavar="YYYY-MM-DD",
            help="Judge findings as of this day (default: the day after the last period).",
        ),
    ] = None,
    findings: Annotated[
        bool, typer.Option("--findings/--no-findings", help="Compare the rules' findings too.")
    ] = True,
    as_json: JsonOption = False,
) -> None:
    """Settle every team period again under other terms, beside the terms that apply (a
    settled period's recorded terms, else the version in force), and list the findings that
    would appear or disappear. Nothing is written to the store.

    Example: erantis whatif --db erantis.sqlite --policy band-7.toml --team team-01
    """
    from erantis_rules.whatif import what_if

    for name in team or ():
        _identifier("--team", name)
    alternative = _load_history(policy)
    assert alternative is not None  # --policy is required here
    _check_db(db)
    with _open(db) as store, _progress() as progress:
        progress.add_task("replaying the history under both terms", total=None)
        result = what_if(
            store,
            policy=alternative,
            baseline=_history(None, store),
            teams=team or None,
            periods=period or None,
            as_of=as_of,
            findings=findings,
        )
    if as_json:
        for row in result.periods:
            _json_line(
                {
                    "record": "period",
                    "team_id": row.team_id,
                    "period": row.period,
                    "recorded": None if row.recorded is None else row.recorded.to_dict(),
                    "baseline": row.baseline.to_dict(),
                    "alternative": row.alternative.to_dict(),
                    "amount_difference": str(row.amount_difference),
                }
            )
        for record, found in (
            ("appearing", result.appearing),
            ("disappearing", result.disappearing),
        ):
            for finding in found:
                _json_line({"record": record, **finding.to_dict()})
        return
    table = Table(title="What if: the settlement under the alternative terms")
    for column in ("team", "period", "settled", "band", "variance %", "incentive DKK",
                   "difference", "exposure DKK"):  # fmt: skip
        table.add_column(column, justify="right")
    for row in result.periods:
        base, alt = row.baseline, row.alternative
        table.add_row(
            escape(row.team_id),
            row.period,
            "yes" if row.recorded is not None else "",
            base.band if base.band == alt.band else f"{base.band} -> {alt.band}",
            f"{alt.variance_pct}",
            f"{base.incentive_amount} -> {alt.incentive_amount}",
            f"{row.amount_difference:+}",
            f"{base.provider_exposure} -> {alt.provider_exposure}",
        )
    _out.print(table)
    if findings:
        _out.print(_findings_table(list(result.appearing), "Findings that would appear"))
        _out.print(_findings_table(list(result.disappearing), "Findings that would disappear"))
