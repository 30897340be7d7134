"""Benchmark: checks and the frame ledger over a SQLite ``CaseStore``, against parsing alone.

Every figure comes from the same run, on the same events (never from timed unit tests):

1. generate a synthetic municipality (:func:`erantis_domain.testing.synthetic.generate`, default
   1,500 citizens, 12 months) as JSON lines, in time order, and ingest it into a SQLite store
   with ``CaseStore.append`` in batches of 50 cases (setup: not part of any ratio; ``--db``
   reuses a store built from the same arguments);
2. run each arm in a fresh interpreter (so its peak RSS is its own), after imports and a tiny
   warm-up check; the garbage collector stays as a caller has it (on, never frozen here):

   * ``parse``: read the JSON lines and ``parse_event`` each one (the floor);
   * ``check lines``: ``check(lines, as_of=...)`` on the same file (durable);
   * ``check_store``: ``check_store(store, as_of=...)``: the store read case by case, each
     event checked against its digest chain (the default);
   * ``check_store, no digests``: the same with ``digests=False``;
   * ``replay + check``: what ``erantis check --db`` did before: ``store.replay()`` into a list,
     then ``check`` (skipped above 2,000 citizens: it holds every event, several GB);
   * ``ledger, full replay``: a ``BudgetLedger`` caught up from the beginning, then one team
     period's figures (what ``settle`` and the agenda did before);
   * ``ledger, persisted``: ``BudgetLedger.sync`` from a checkpoint saved (in setup) before the
     last ``--new-events`` events, then the same figures: restore, read only those, save;

3. print CPU seconds, CPU-time ratios to ``parse``, wall seconds and peak RSS per arm, and
   whether the findings of the store arms equal ``check lines``' (whole ``to_dict`` lists).

Usage: ``uv run python benchmarks/bench_store.py [--citizens 1500] [--months 12] [--seed 7]
[--new-events 2000] [--db PATH] [--skip-replay]
[--arms parse,lines,store,store-nodigests,replay,ledger]``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _common import START, heading, municipality_parser, synthetic_lines
from bench_check import Lines, _cpu, _peak_rss_mb, _warm

#: The team period whose ledger figures the ledger arms compute.
TEAM, PERIOD = "team-001", "2026-06"


def _arm(name: str, path: str, db: str, as_of: date) -> dict[str, Any]:
    from erantis_domain.events import parse_event
    from erantis_domain.projections import BudgetLedger, SqliteCheckpoints
    from erantis_domain.store import CaseStore
    from erantis_rules import check, check_store

    _warm()
    result: dict[str, Any] = {}
    cpu, wall = _cpu(), time.perf_counter()
    if name == "parse":
        result["events"] = sum(1 for line in Lines(path) if parse_event(line))
    elif name == "lines":
        found = check(Lines(path), as_of=as_of, evaluator="durable")
        result["findings"] = [f.to_dict() for f in found]
    else:
        with CaseStore.sqlite(db) as store:
            if name in ("store", "store-nodigests"):
                digests = name == "store"
                found = check_store(store, as_of=as_of, evaluator="durable", digests=digests)
                result["findings"] = [f.to_dict() for f in found]
            elif name == "replay":
                events = [entry.event for entry in store.replay()]
                found = check(events, as_of=as_of, evaluator="durable")
                result["findings"] = [f.to_dict() for f in found]
            elif name == "ledger-full":
                ledger = BudgetLedger()
                result["read"] = ledger.catch_up(store)
                result["figures"] = ledger.team_period(TEAM, PERIOD).frame_minutes
            elif name == "ledger-sync":
                ledger = BudgetLedger()
                result["read"] = ledger.sync(store, SqliteCheckpoints(db))
                result["figures"] = ledger.team_period(TEAM, PERIOD).frame_minutes
    result["cpu"] = _cpu() - cpu
    result["wall"] = time.perf_counter() - wall
    result["rss_mb"] = _peak_rss_mb()
    return result


def _run_arm(name: str, path: Path, db: Path, as_of: date) -> dict[str, Any]:
    out = path.with_suffix(f".{name}.json")
    subprocess.run(
        [sys.executable, __file__, "--arm", name, str(path), str(db), as_of.isoformat(), str(out)],
        check=True,
    )
    result: dict[str, Any] = json.loads(out.read_text())
    out.unlink()
    return result


# --- setup ------------------------------------------------------------------------------------


def _write(path: Path, citizens: int, months: int, seed: int) -> int:
    lines = synthetic_lines(citizens, months, seed)
    path.write_text("".join(lines))
    return len(lines)


def _ingest(path: Path, db: Path) -> float:
    """Store the lines in per-case batches of 50 cases, in arrival order; CPU seconds."""
    from erantis_domain.store import CaseStore

    groups: dict[str, list[bytes]] = {}
    for line in Lines(str(path)):
        event = json.loads(line)
        groups.setdefault(event.get("case_id") or "", []).append(line)
    teams = groups.pop("", [])
    cpu = _cpu()
    with CaseStore.sqlite(db) as store:
        keys = list(groups)
        for start in range(0, len(keys), 50):
            store.append([line for key in keys[start : start + 50] for line in groups[key]])
        if teams:
            store.append(teams)
    return _cpu() - cpu


def _checkpoint_before(db: Path, new_events: int) -> int:
    """Save the ledger as it was ``new_events`` events before the end; its position."""
    from erantis_domain.projections import BudgetLedger, SqliteCheckpoints
    from erantis_domain.store import CaseStore

    with CaseStore.sqlite(db) as store:
        until = max(0, store.last_position() - new_events)
        ledger = BudgetLedger()
        for entry in store.replay():
            if entry.position > until:
                break
            ledger.apply(entry)
        ledger.save(SqliteCheckpoints(db))
    return until


# --- the parent -------------------------------------------------------------------------------


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--arm":
        name, path, db, day, out = sys.argv[2:7]
        result = _arm(name, path, db, date.fromisoformat(day))
        Path(out).write_text(json.dumps(result))
        return
    parser = municipality_parser(__doc__.split("\n\n")[0])
    parser.add_argument("--new-events", type=int, default=2000)
    parser.add_argument("--db", type=Path, help="a store built from the same arguments")
    parser.add_argument("--skip-replay", action="store_true")
    parser.add_argument(
        "--arms",
        default="parse,lines,store,store-nodigests,replay,ledger",
        help="which arms to run (comma-separated; parse is always run)",
    )
    args = parser.parse_args()

    from erantis_domain.testing.synthetic import window

    as_of = window(START, args.months)[1]
    heading("store", args, f"as_of {as_of}")
    rows: list[tuple[str, dict[str, Any]]] = []
    with tempfile.TemporaryDirectory(prefix="erantis-bench-") as tmp:
        lines, db = Path(tmp) / "events.jsonl", Path(tmp) / "events.sqlite"
        count = _write(lines, args.citizens, args.months, args.seed)
        print(f"{count:,} events, {lines.stat().st_size / 1e6:,.0f} MB of JSON lines", flush=True)
        if args.db is not None:
            shutil.copy(args.db, db)
            print(f"store copied from {args.db}", flush=True)
        else:
            print(f"ingested in {_ingest(lines, db):.1f} s CPU (setup)", flush=True)
        chosen = set(args.arms.split(",")) | {"parse"}
        if "ledger" in chosen:
            since = _checkpoint_before(db, args.new_events)
            print(f"ledger checkpoint saved at position {since:,} (setup)", flush=True)
        arms = [
            (label, name)
            for label, name in (
                ("parse", "parse"),
                ("check lines", "lines"),
                ("check_store", "store"),
                ("check_store, no digests", "store-nodigests"),
            )
            if name in chosen
        ]
        if "replay" in chosen and not args.skip_replay and args.citizens <= 2000:
            arms.append(("replay + check (before)", "replay"))
        if "ledger" in chosen:
            arms += [("ledger, full replay", "ledger-full"), ("ledger, persisted", "ledger-sync")]
        results: dict[str, dict[str, Any]] = {}
        for label, name in arms:
            result = _run_arm(name, lines, db, as_of)
            results[label] = result
            rows.append((label, result))
            print(f"  {label:<26} cpu {result['cpu']:7.1f} s  wall {result['wall']:7.1f} s  "
                  f"peak RSS {result['rss_mb']:,.0f} MB", flush=True)  # fmt: skip
    parse_cpu = results["parse"]["cpu"]
    judged = [label for label, r in results.items() if "findings" in r]
    reference = "check lines" if "check lines" in results else (judged or [""])[0]
    expected = results[reference]["findings"] if judged else []
    same = {label: results[label]["findings"] == expected for label in judged if label != reference}
    print(f"\nfindings: {len(expected):,}; equal to `{reference}`'s (whole to_dict lists): {same}")
    ledgers = [results[k] for k in ("ledger, full replay", "ledger, persisted") if k in results]
    if len(ledgers) == 2:
        print(f"ledger {TEAM} {PERIOD} frame minutes: full replay {ledgers[0]['figures']}, "
              f"persisted {ledgers[1]['figures']}; events read: {ledgers[0]['read']:,} "
              f"against {ledgers[1]['read']:,}")  # fmt: skip
    print()
    print("| arm | CPU s | CPU / parse | wall s | peak RSS MB | note |")
    print("|---|---:|---:|---:|---:|---|")
    for label, r in rows:
        note = f"{len(r['findings']):,} findings" if "findings" in r else ""
        if "read" in r:
            note = f"{r['read']:,} events read"
        print(
            f"| {label} | {r['cpu']:.1f} | {r['cpu'] / parse_cpu:.2f} | {r['wall']:.1f} | "
            f"{r['rss_mb']:,.0f} | {note} |"
        )
    if not all(same.values()) or (
        len(ledgers) == 2 and ledgers[0]["figures"] != ledgers[1]["figures"]
    ):
        raise SystemExit("the store arms disagree with check over the lines")


if __name__ == "__main__":
    main()
