"""``erantis demo``: a synthetic municipality generated, stored, checked and reported."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.markup import escape

from erantis_domain.events import Event, parse_event
from erantis_domain.store import CaseStore
from erantis_rules.cli._app import _UsageProblem
from erantis_rules.cli._shared import (
    FailOnOption,
    _err,
    _findings_table,
    _finish,
    _open,
    _out,
    _progress,
    _replay,
    _shown,
    _suggest,
    _summary,
)
from erantis_rules.engine import check as check_events
from erantis_rules.engine._stream import paused_gc
from erantis_rules.language.model import Severity

__all__ = ["demo"]


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
    force: Annotated[
        bool,
        typer.Option("--force", help="Write over an existing meeting pack of the same name."),
    ] = False,
    no_encryption: Annotated[
        bool,
        typer.Option(
            "--no-encryption",
            help="Keep a new --db or --keep store in clear text (it is encrypted by default, "
            "like every store erantis creates; a temporary one, removed at the end, is not).",
        ),
    ] = False,
) -> None:
    """Generate a synthetic municipality, store it in SQLite, check it and report.

    Without --db or --keep the temporary store is removed at the end.

    Example: erantis demo --db demo.sqlite --citizens 100 --months 3
    """
    with _collector_paused():
        _demo(db, keep, citizens, months, seed, fail_on, force, no_encryption)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The demo builds and keeps tens of thousands of events and their case states: the
    cyclic collector would walk all of them again and again while it works. It is paused
    meanwhile and restored as the caller had it. (The console script leaves what is in memory
    out of the collection at exit: see ``erantis_rules.__main__``.)"""
    with paused_gc():
        yield


def _demo(
    db: Path | None,
    keep: bool,
    citizens: int,
    months: int,
    seed: int,
    fail_on: Severity | None,
    force: bool,
    no_encryption: bool,
) -> None:
    from erantis_domain.testing.synthetic import generate

    # An existing --db is added to, not written over: the demo's events are stored
    # idempotently, so running the same demo twice changes nothing.
    if db is not None and not db.parent.is_dir():
        raise _UsageProblem(f"--db {_shown(db)}: the folder {_shown(db.parent)} does not exist")

    start = date(2026, 1, 1)
    as_of = _month_after(start, months)
    scratch = None if db is not None else Path(tempfile.mkdtemp(prefix="erantis-demo-"))
    target = db if db is not None else Path(str(scratch)) / "erantis.sqlite"
    kept = db is not None or keep
    try:
        # A kept store is encrypted like any store erantis creates; the temporary one holds
        # synthetic data only and is removed at the end, so it is spared the cost.
        opened = (
            _open(str(target), must_exist=False, clear=no_encryption)
            if kept
            else CaseStore.sqlite(target)
        )
        with opened as store, _progress() as progress:
            generating = progress.add_task("generating", total=None)
            raw = list(generate(citizens=citizens, start=start, months=months, seed=seed))
            progress.update(generating, total=1, completed=1)
            parsing = progress.add_task("validating events", total=len(raw))
            events: list[Event] = []
            for batch in _chunks(raw, _STEP):
                events.extend(parse_event(item) for item in batch)
                progress.advance(parsing, len(batch))
            del raw
            storing = progress.add_task("storing", total=len(events))
            fresh = store.last_position() == 0
            stored = duplicates = 0
            for chunk in _chunks(events, 5_000):
                result = store.append(chunk)
                stored += result.stored
                duplicates += result.duplicates
                progress.advance(storing, len(chunk))
            if not (fresh and duplicates == 0):
                # The store held events before: check them all, as stored.
                events = _replay(store, progress, "reading back")
            checking = progress.add_task("checking", total=None)
            findings = check_events(events, as_of=as_of)
            progress.update(checking, completed=1, total=1)
            packing = progress.add_task("meeting pack", total=None)
            folder = Path.cwd() if db is None and not keep else None
            pack = _demo_pack(store, target, events, as_of, folder, force=force)
            progress.update(packing, completed=1, total=1)
    finally:
        if scratch is not None and not keep:
            shutil.rmtree(scratch, ignore_errors=True)
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
        _out.print(f"  {escape(_suggest(f'erantis demo --db {store_arg}'))}", highlight=False)
    for line in (
        f"erantis check --db {store_arg} --as-of {as_of.isoformat()} --json",
        f"erantis case {first_case} --db {store_arg} --as-of {as_of.isoformat()}",
        f"erantis settle --db {store_arg} --team {team or 'TEAM'} "
        f"--period {_month_after(start, months - 1).isoformat()[:7]} --as-of {as_of.isoformat()}",
        f"erantis report --db {store_arg} --team {team or 'TEAM'} "
        f"--period {_month_after(start, months - 1).isoformat()[:7]} --out pack.html",
        "erantis rules",
    ):
        _out.print(f"  {escape(_suggest(line))}", highlight=False)
    _finish(findings, fail_on)


def _demo_pack(
    store: CaseStore,
    target: Path,
    events: list[Event],
    as_of: date,
    folder: Path | None,
    *,
    force: bool,
) -> Path | None:
    """Write the meeting pack of the first team's last period next to the demo store
    (``target``; or in ``folder`` when the store is temporary); ``None`` without the
    ``report`` extra, or when a file of that name exists (and not ``force``). ``events`` is
    the store's whole log, in its order."""
    from erantis_rules.report import ReportDependencyMissing, render_html
    from erantis_rules.report._pack import HeldLog, pack_over

    # The demo holds the store's whole log already (``events``, in its order): folded once
    # here for the pack's projections, and its streams read from it, not from the store.
    log = HeldLog(events)
    teams = log.ledger.teams()
    if not teams:
        return None
    period = date.fromordinal(as_of.toordinal() - 1).strftime("%Y-%m")
    out = (folder or target.parent) / f"erantis-demo-pack-{teams[0]}-{period}.html"
    if out.exists() and not force:
        _err.print(
            f"no meeting pack: {escape(str(out))} exists (--force writes over it)",
            highlight=False,
        )
        return None
    try:
        pack = pack_over(store, log, teams[0], period, as_of=as_of)
        out.write_text(render_html(pack, "da"), encoding="utf-8")
    except ReportDependencyMissing as exc:
        _err.print(f"no meeting pack: {escape(exc.message)}", highlight=False)
        return None
    return out


def _month_after(start: date, months: int) -> date:
    total = start.month - 1 + months
    return date(start.year + total // 12, total % 12 + 1, 1)


_T = TypeVar("_T")

#: Events validated between two updates of the progress bar.
_STEP = 1_000


def _chunks(items: list[_T], size: int) -> Iterator[list[_T]]:
    for index in range(0, len(items), size):
        yield items[index : index + size]
