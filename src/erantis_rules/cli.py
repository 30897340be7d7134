"""The ``erantis`` console script: a thin shell over the public API (typer + rich)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from erantis_domain.errors import ErantisError
from erantis_domain.events import EVENT_TYPES, event_json_schema
from erantis_domain.store import CaseStore

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
_console = Console()


@app.command()
def demo(
    db: Annotated[
        Path | None,
        typer.Option(help="SQLite file to store the demo in (default: a temporary file)."),
    ] = None,
) -> None:
    """Store a small sample municipality in an embedded SQLite file and summarise it."""
    from erantis_domain.sample import sample_events

    target = db or Path(tempfile.mkdtemp(prefix="erantis-demo-")) / "erantis.sqlite"
    with CaseStore.sqlite(target) as store:
        result = store.append(sample_events())
        table = Table(title=f"erantis demo — {target}")
        table.add_column("events stored", justify="right")
        table.add_column("already stored", justify="right")
        table.add_column("streams", justify="right")
        table.add_row(str(result.stored), str(result.duplicates), str(len(result.versions)))
        _console.print(table)


@app.command()
def schema(
    out: Annotated[Path, typer.Option(help="Directory to write the JSON Schemas to.")] = Path(
        "specs/schemas"
    ),
) -> None:
    """Export the JSON Schema of the event union and of each event to a directory."""
    out.mkdir(parents=True, exist_ok=True)
    for name, document in schema_documents().items():
        (out / name).write_text(document, encoding="utf-8")
    _console.print(f"wrote {len(EVENT_TYPES) + 1} schemas to {out}")


def schema_documents() -> dict[str, str]:
    """The exported schema files by file name (``event.schema.json`` and one per event)."""
    docs = {"event.schema.json": event_json_schema()}
    docs.update({f"{name}.schema.json": event_json_schema(name) for name in EVENT_TYPES})
    return {
        name: json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        for name, doc in docs.items()
    }


def main() -> None:
    """Entry point that turns an :class:`ErantisError` into a one-line message and exit 2."""
    try:
        app()
    except ErantisError as exc:
        _console.print(f"[red]{exc}[/red]")
        raise SystemExit(2) from None
