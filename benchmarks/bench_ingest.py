"""Benchmark: ``CaseStore.append`` against a raw eventsourcing recorder, and a long case's load.

Every figure comes from the same run, on the same events (never from timed unit tests):

1. generate a synthetic municipality (:func:`erantis_domain.testing.synthetic.generate`, default
   1,500 citizens, 12 months) as JSON lines, parse it (not timed) and group the events by case
   (and team period) in the file's order: one batch per case, as ``erantis ingest`` appends
   them;
2. **raw recorder**: eventsourcing's own SQLite application recorder (no erantis class) on a
   fresh file inserts the same events, already serialized (not timed), in the same batches:
   one ``insert_events`` (one transaction) per batch;
3. **CaseStore.append**: a fresh SQLite store appends the parsed events in the same batches
   (validation pass-through, one serialization per event, digests, the index of event ids,
   the fold, snapshots every 100 events);
4. the same two arms on a throwaway PostgreSQL cluster with ``--postgres`` (client CPU only:
   the server's CPU is another process; its wall time is shown too);
5. **load**: one case grown to 10,000 events (the municipality's first case, its visits
   repeated a year apart with new ids) is appended in batches of 1,000; ``get_case`` is timed
   with its snapshot (median of 50 calls) and without (median of 3).

The garbage collector stays as a caller has it (on, never frozen here). CPU time is the
process's (``time.process_time``); the ratios are CPU-time ratios from this one run. A spot
check compares stored states with the fold of their events.

Usage: ``uv run python benchmarks/bench_ingest.py [--citizens 1500] [--months 12] [--seed 7]
[--postgres] [--encrypted]``.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import heading, municipality_parser
from eventsourcing.persistence import ApplicationRecorder, StoredEvent

from erantis_domain.case import fold
from erantis_domain.events import Event, TeamEvent, VisitDelivered, parse_event
from erantis_domain.store import CaseStore, case_stream_id, team_stream_id
from erantis_domain.testing.synthetic import generate


def _key(event: Event) -> tuple[str, ...]:
    if isinstance(event, TeamEvent):
        return (event.team_id, event.period)
    return (getattr(event, "case_id", ""),)


def _batches(citizens: int, months: int, seed: int, folder: Path) -> list[list[Event]]:
    path = folder / "events.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for document in generate(
            citizens=citizens, start=date(2026, 1, 1), months=months, seed=seed
        ):
            out.write(json.dumps(document, separators=(",", ":")) + "\n")
    groups: dict[tuple[str, ...], list[Event]] = {}
    with path.open("rb") as lines:
        for line in lines:
            event = parse_event(line)
            groups.setdefault(_key(event), []).append(event)
    return list(groups.values())


def _rows(batches: list[list[Event]]) -> list[list[StoredEvent]]:
    """The events as rows like the store writes them (a recording time, a digest, the JSON)."""
    now = datetime.now(UTC).isoformat()
    out = []
    for batch in batches:
        key = _key(batch[0])
        stream = case_stream_id(key[0]) if len(key) == 1 else team_stream_id(*key)
        out.append(
            [
                StoredEvent(
                    originator_id=stream,
                    originator_version=position,
                    topic=f"erantis/{type(event).__name__}",
                    state=(
                        f'{{"recorded_at":"{now}","v":2,"digest":"{"0" * 64}",'
                        f'"event":{event.model_dump_json()}}}'
                    ).encode(),
                )
                for position, event in enumerate(batch, start=1)
            ]
        )
    return out


@contextmanager
def _timed(figures: dict[str, float], name: str) -> Iterator[None]:
    cpu, wall = time.process_time(), time.perf_counter()
    yield
    figures[f"{name} cpu"] = time.process_time() - cpu
    figures[f"{name} wall"] = time.perf_counter() - wall


def _raw_recorder(env: dict[str, str]) -> ApplicationRecorder:
    from eventsourcing.utils import Environment, resolve_topic

    module = resolve_topic(env["PERSISTENCE_MODULE"] + ":Factory")
    factory = module(Environment("bench", env))
    recorder: ApplicationRecorder = factory.application_recorder()
    return recorder


def _arms(
    label: str,
    raw_env: dict[str, str],
    open_store: Callable[[], CaseStore],
    batches: list[list[Event]],
    rows: list[list[StoredEvent]],
) -> dict[str, float]:
    figures: dict[str, float] = {}
    recorder = _raw_recorder(raw_env)
    with _timed(figures, "raw"):
        for batch_rows in rows:
            recorder.insert_events(batch_rows)
    store = open_store()
    with _timed(figures, "append"):
        for batch in batches:
            store.append(batch)
    # Spot check: stored states are the fold of their events.
    for batch in batches[:: max(1, len(batches) // 20)]:
        key = _key(batch[0])
        if len(key) == 1:
            assert store.get_case(key[0]) == fold(key[0], batch), key
    store.close()
    figures["events"] = sum(len(b) for b in batches)
    print(
        f"{label}: raw recorder {figures['raw cpu']:.2f} s CPU ({figures['raw wall']:.2f} s wall), "
        f"CaseStore.append {figures['append cpu']:.2f} s CPU ({figures['append wall']:.2f} s "
        f"wall): {figures['append cpu'] / figures['raw cpu']:.2f}x CPU",
        flush=True,
    )
    return figures


def _long_case(batches: list[list[Event]], size: int) -> list[Event]:
    first = next(b for b in batches if len(_key(b[0])) == 1)
    visits = [e for e in first if isinstance(e, VisitDelivered)]
    out = list(first)
    namespace = uuid.UUID(int=14)
    year = 0
    while len(out) < size:
        year += 1
        for visit in visits:
            if len(out) >= size:
                break
            out.append(
                visit.model_copy(
                    update={
                        "event_id": uuid.uuid5(namespace, f"{year}/{visit.event_id}"),
                        "occurred_at": visit.occurred_at + timedelta(days=365 * year),
                        "delivered_on": visit.delivered_on + timedelta(days=365 * year),
                    }
                )
            )
    return out


def _load(folder: Path, events: list[Event]) -> dict[str, float]:
    case_id = getattr(events[0], "case_id", "")
    store = CaseStore.sqlite(folder / "long.sqlite")
    for start in range(0, len(events), 1000):
        store.append(events[start : start + 1000])
    store.close()
    store = CaseStore.sqlite(folder / "long.sqlite")
    expected = fold(case_id, events)
    assert store.get_case(case_id) == expected

    def timed(use_snapshot: bool, runs: int) -> float:
        times = []
        for _ in range(runs):
            cpu = time.process_time()
            store.get_case(case_id, use_snapshot=use_snapshot)
            times.append(time.process_time() - cpu)
        return statistics.median(times)

    figures = {"with snapshot": timed(True, 50), "without": timed(False, 3)}
    store.close()
    print(
        f"load of a {len(events):,}-event case: {figures['with snapshot'] * 1e3:.2f} ms CPU with "
        f"its snapshot, {figures['without'] * 1e3:.1f} ms without (medians)",
        flush=True,
    )
    return figures


def main() -> None:
    parser = municipality_parser(__doc__.split("\n\n")[0])
    parser.add_argument("--long-case", type=int, default=10_000)
    parser.add_argument("--postgres", action="store_true", help="also on a throwaway cluster")
    parser.add_argument(
        "--encrypted",
        action="store_true",
        help="also a SQLite store with a cipher (encrypted rows; a keyed chain where it exists)",
    )
    args = parser.parse_args()
    heading("ingest", args)
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as scratch:
        folder = Path(scratch)
        batches = _batches(args.citizens, args.months, args.seed, folder)
        rows = _rows(batches)
        print(f"{sum(len(b) for b in batches):,} events in {len(batches):,} batches", flush=True)
        results = {
            "SQLite": _arms(
                "SQLite",
                {
                    "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                    "SQLITE_DBNAME": str(folder / "raw.sqlite"),
                },
                lambda: CaseStore.sqlite(folder / "store.sqlite"),
                batches,
                rows,
            )
        }
        if args.encrypted:
            from erantis_domain.store.keys import FieldCipher

            cipher = FieldCipher({"k1": bytes(range(32))}, "k1")
            results["SQLite, encrypted"] = _arms(
                "SQLite, encrypted",
                {
                    "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                    "SQLITE_DBNAME": str(folder / "raw-2.sqlite"),
                },
                lambda: CaseStore.sqlite(folder / "store-2.sqlite", cipher=cipher),
                batches,
                rows,
            )
        if args.postgres:
            results["PostgreSQL"] = _on_postgres(batches, rows)
        load = _load(folder, _long_case(batches, args.long_case))
    print("\n| backend | raw recorder CPU s | CaseStore.append CPU s | ratio | wall s raw/append |")
    print("|---|---:|---:|---:|---:|")
    for name, f in results.items():
        print(
            f"| {name} | {f['raw cpu']:.2f} | {f['append cpu']:.2f} | "
            f"**{f['append cpu'] / f['raw cpu']:.2f}x** | {f['raw wall']:.1f} / "
            f"{f['append wall']:.1f} |"
        )
    with_snapshot, without = load["with snapshot"] * 1e3, load["without"] * 1e3
    print(f"\n| {args.long_case:,}-event case, get_case | with snapshot | without |")
    print("|---|---:|---:|")
    print(f"| CPU ms (median) | **{with_snapshot:.2f}** | {without:.0f} |")


def _on_postgres(batches: list[list[Event]], rows: list[list[StoredEvent]]) -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests._postgres import start_cluster

    cluster = start_cluster()
    try:
        raw_db, store_db = cluster.create_database(), cluster.create_database()
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": raw_db,
            "POSTGRES_HOST": cluster.host,
            "POSTGRES_PORT": str(cluster.port),
            "POSTGRES_USER": cluster.user,
            "POSTGRES_PASSWORD": "",
        }
        return _arms(
            "PostgreSQL",
            env,
            lambda: CaseStore.postgres(
                dbname=store_db, host=cluster.host, port=cluster.port, user=cluster.user
            ),
            batches,
            rows,
        )
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
