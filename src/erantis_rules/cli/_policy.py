"""The municipality's policy in time: ``adopt`` (record dated versions in the store)."""

from __future__ import annotations

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
    _identifier,
    _json_line,
    _load_history,
    _open,
    _out,
)

__all__ = ["adopt"]


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
