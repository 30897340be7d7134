"""Events in and out: ``ingest`` (JSON Lines into the store), ``verify`` (the store checked
for damage), ``generate`` (a synthetic municipality as JSON Lines) and ``schema`` (the JSON
Schemas of the events and the policy)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from erantis_domain.events import (
    EVENT_TYPES,
    DomainEvent,
    event_json_schema,
)
from erantis_domain.store import TreeHead
from erantis_domain.values import Actor, Role
from erantis_rules._stores import (
    importer_policy,
    partition,
    scratch_directory,
    shown_address,
    store_parts,
)
from erantis_rules.cli._app import (
    _UsageProblem,
)
from erantis_rules.cli._shared import (
    _DEFAULT_DB,
    DbOption,
    ForceOption,
    _check_db,
    _note,
    _open,
    _out,
    _output,
    _progress,
    _shown,
    _write_text,
)
from erantis_rules.policy import Policy

__all__ = ["generate", "ingest", "schema", "schema_documents", "verify"]


def ingest(
    file: Annotated[Path, typer.Argument(help="JSON Lines file of events ('-' for stdin).")],
    db: DbOption = _DEFAULT_DB,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar, only the summary.")
    ] = False,
    principal: Annotated[
        str | None,
        typer.Option(
            "--as",
            metavar="ACTOR:ROLE",
            help="Who runs the ingest: the append policy is applied. A system role vouches "
            "for the events' recorded_by (an import); another role may store only events "
            "it recorded itself.",
        ),
    ] = None,
    trust_recorded_by: Annotated[
        bool,
        typer.Option(
            "--trust-recorded-by",
            help="Run without a principal: the events' recorded_by is taken as true (the file "
            "comes from a system you trust) and the append policy judges its roles.",
        ),
    ] = False,
    no_encryption: Annotated[
        bool,
        typer.Option(
            "--no-encryption",
            help="Create a new store in clear text (by default a new store is encrypted, with "
            "the key from ERANTIS_KEY or the key file, made on first use). An existing store "
            "stays as it is.",
        ),
    ] = False,
) -> None:
    """Validate a JSON Lines file of events and store it, case by case (idempotent).

    The whole file is validated first: a file with an invalid line stores nothing. Then the
    events of each case (and team period) are stored in one transaction each, holding one
    part of the file in memory at a time. Interrupted, run the same command again: what was
    stored is recognised and skipped, the rest is stored.

    The append policy is always applied: say who runs the ingest (--as), or that the file's
    recorded_by is to be trusted (--trust-recorded-by).

    Example: erantis ingest events.jsonl --db erantis.sqlite --as import:system

    Example: erantis generate - --citizens 50 | erantis ingest - --trust-recorded-by
    """
    if str(file) != "-" and not file.is_file():
        raise _UsageProblem(f"no such file: {_shown(file)}")
    _check_db(db, must_exist=False)
    check = _ingest_policy(principal, trust_recorded_by)
    # Bytes: parse_event decodes each line itself, so a line that is not UTF-8 is a coded
    # error with its line number, not a crash of the whole file.
    handle = sys.stdin.buffer if str(file) == "-" else file.open("rb")
    size = None if str(file) == "-" else file.stat().st_size
    with (
        handle,
        scratch_directory() as scratch,
        _progress(quiet=quiet) as progress,
    ):
        validating = progress.add_task("validating events", total=size)
        parts, total = partition(
            handle, Path(scratch), lambda read: progress.advance(validating, read), check
        )
        storing = progress.add_task("storing", total=total)
        with _open(db, must_exist=False, clear=no_encryption) as store:
            stored, duplicates = store_parts(
                store, parts, lambda count: progress.advance(storing, count)
            )
    _out.print(
        f"{stored} events stored, {duplicates} already stored, in {shown_address(db)}",
        highlight=False,
    )


def _ingest_policy(principal: str | None, trust: bool) -> Callable[[DomainEvent], None]:
    """The append policy's check of each event, with the principal or the explicit trust in
    ``recorded_by``: never no policy at all, which would let a file claim any role."""
    if principal is not None and trust:
        raise _UsageProblem(
            "--as and --trust-recorded-by exclude each other (a system principal given with "
            "--as already vouches for recorded_by)"
        )
    if principal is not None:
        return importer_policy(_principal(principal))
    if trust:
        return importer_policy(_IMPORTER)
    raise _UsageProblem(
        "ingest applies the append policy and needs to know who runs it: --as ACTOR:ROLE "
        "(e.g. --as import:system), or --trust-recorded-by to take the events' recorded_by "
        "as true"
    )


#: The principal of ``--trust-recorded-by``: a system, which vouches for ``recorded_by``.
_IMPORTER = Actor(actor_id="erantis-ingest", role=Role.SYSTEM)


def _principal(text: str) -> Actor:
    actor_id, _, role = text.rpartition(":")
    try:
        return Actor(actor_id=actor_id, role=Role(role))
    except ValueError:
        raise _UsageProblem(
            f"--as {_shown(text)} is not ACTOR:ROLE (an identifier, then one of "
            f"{', '.join(r.value for r in Role)})"
        ) from None


def verify(
    db: DbOption = _DEFAULT_DB,
    checkpoint_out: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint-out",
            help="Also write a signed checkpoint of every stream's head (a tree head) to this "
            "file ('-' for stdout; an existing file only with --force), to keep outside the "
            "database. Signed with ERANTIS_CHECKPOINT_KEY (hex).",
        ),
    ] = None,
    against: Annotated[
        Path | None,
        typer.Option(
            "--against",
            help="Also check the store against a checkpoint written by --checkpoint-out: a "
            "stream cut short, deleted or rewritten since is E-STORE-CORRUPTED.",
        ),
    ] = None,
    force: ForceOption = False,
) -> None:
    """Check a whole store for damage: unreadable rows, missing or edited events, damaged
    snapshots. Exits 4 with E-STORE-CORRUPTED naming each damaged stream and position.

    Example: erantis verify --db erantis.sqlite
    """
    _check_db(db)
    # Checked before the store is read: a typo must not cost a whole verification, nor
    # replace a checkpoint kept earlier (or the store itself).
    target = (
        None
        if checkpoint_out is None
        else _output("--checkpoint-out", checkpoint_out, force=force, db=db)
    )
    key = _checkpoint_key() if checkpoint_out or against else b""
    head = None
    if against is not None:
        try:
            head = TreeHead.from_json(against.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            raise _UsageProblem(f"--against: cannot read {_shown(against)}") from None
    with _open(db) as store, _progress() as progress:
        verifying = progress.add_task("verifying every stream and snapshot", total=None)
        report = store.verify()
        if head is not None:
            store.check_tree_head(head, key)
        if checkpoint_out is not None:
            _write_text(target, store.tree_head(key).to_json() + "\n")
        progress.update(verifying, total=1, completed=1)
    keyed = (
        "all keyed"
        if report.keyed == report.streams
        else f"{report.keyed} keyed, {report.streams - report.keyed} with a plain chain only"
    )
    summary = (
        f"{report.events} events in {report.streams} streams ({keyed}) and "
        f"{report.snapshots} snapshots verified: no damage found"
        + ("; the checkpoint matches" if head is not None else "")
    )
    if checkpoint_out is not None and target is None:
        _note(summary)  # stdout holds the checkpoint
    else:
        _out.print(summary, highlight=False)


def _checkpoint_key() -> bytes:
    text = os.environ.get("ERANTIS_CHECKPOINT_KEY", "")
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 16:
        raise _UsageProblem(
            "a checkpoint needs ERANTIS_CHECKPOINT_KEY: at least 16 bytes as hex "
            "(e.g. from `python -c 'import secrets; print(secrets.token_hex(32))'`)"
        )
    return key


def schema(
    out: Annotated[
        Path,
        typer.Option(
            "--out", file_okay=False, help="Directory to write the JSON Schemas to (created)."
        ),
    ],
    force: ForceOption = False,
) -> None:
    """Export the JSON Schemas of the events (union and each) and of the policy.

    Example: erantis schema --out schemas/
    """
    if str(out) == "-":
        raise _UsageProblem("--out names a folder for several files; '-' (stdout) is not one")
    documents = schema_documents()
    existing = sorted(name for name in documents if (out / name).exists())
    if existing and not force:
        raise _UsageProblem(
            f"--out {_shown(out)} already holds {len(existing)} of the schema files "
            "(--force writes over them)"
        )
    out.mkdir(parents=True, exist_ok=True)
    for name, document in documents.items():
        (out / name).write_text(document, encoding="utf-8")
    _note(f"wrote {len(documents)} schemas to {out}")


def generate(
    out: Annotated[Path, typer.Argument(help="JSON Lines file to write ('-' for stdout).")],
    citizens: Annotated[int, typer.Option(min=1, help="Citizens to generate.")] = 100,
    months: Annotated[int, typer.Option(min=1, max=36, help="Months of history.")] = 12,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic municipality.")] = 0,
    force: ForceOption = False,
) -> None:
    """Write a synthetic municipality's events as JSON Lines (from 2026-01-01).

    Example: erantis generate events.jsonl --citizens 300 --months 6
    """
    target = _output("OUT", out, force=force)
    from erantis_domain.testing.synthetic import generate as generate_events

    items = generate_events(citizens=citizens, start=date(2026, 1, 1), months=months, seed=seed)
    if target is None:
        for item in items:
            sys.stdout.write(json.dumps(item, separators=(",", ":")) + "\n")
        return
    count = 0
    # Written beside the target and renamed over it: an interrupted run leaves no half file.
    partial = target.with_name(f".{target.name}.partial")
    try:
        with partial.open("w", encoding="utf-8") as handle, _progress() as progress:
            writing = progress.add_task("generating events", total=None)
            for item in items:
                handle.write(json.dumps(item, separators=(",", ":")) + "\n")
                count += 1
                if count % 10_000 == 0:
                    progress.update(writing, completed=count)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    _note(f"wrote {count} events to {target}")


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
