"""Benchmark: ``CaseStore.append`` against a raw eventsourcing recorder, and a long case's load.

Every figure comes from the same run, on the same events (never from timed unit tests):

1. generate a synthetic municipality (:func:`erantis_domain.testing.synthetic.generate`, default
   1,500 citizens, 12 months) as JSON lines, parse it (not timed) and group the events by case
   (and team period) in the file's order: one batch per case, as ``erantis ingest`` appends
   them;
2. **raw recorder**: eventsourcing's own application recorder (no erantis class) on a fresh
   database inserts the same events, already serialized outside the timing (rows the size and
   shape of the store's: a recording time, a 64-digit digest, the event's JSON), in the same
   batches, one ``insert_events`` (one transaction) per batch. It does nothing else: no
   validation, no serialization, no hashing, no chain, no lookup of stored ids, no index rows,
   no fold, no snapshots; on SQLite it executes one statement per row (eventsourcing's code as
   shipped) and keeps each row's ``rowid``;
3. **CaseStore.append**: a fresh store appends the parsed events in the same batches: each
   event's type checked, serialized once, hashed (its index digest) and chained (a second
   hash), its stream's stored version and (for a stream that has events) its stored ids
   looked up, the events and their index rows written (one ``executemany`` per table on
   SQLite), the batch folded and a snapshot written when one is due (every 100 events);
   ``--encrypted`` also seals each event's personal data (AES-GCM per value) and keys its
   chain and index digests (an HMAC each);
4. the same two arms on a throwaway PostgreSQL cluster with ``--postgres`` (client CPU only:
   the server's CPU is another process; its wall time is shown too);
5. **load**: one case grown to 10,000 events (the municipality's first case, its visits
   repeated a year apart with new ids) is appended in batches of 1,000; ``get_case`` is timed
   with its snapshot (median of 50 calls) and without (median of 3).

The two arms run ``--runs`` times (3), alternating (raw, append, raw, append...), each on a
fresh database, in one process: the load of a shared box moves between runs, and each arm's
least CPU time is kept (the median is printed beside it). The garbage collector stays as a
caller has it (on, never frozen here). CPU time is the process's (``time.process_time``); the
ratios are CPU-time ratios from this one run. A spot check compares stored states with the
fold of their events.

Usage: ``uv run python benchmarks/bench_ingest.py [--citizens 1500] [--months 12] [--seed 7]
[--postgres] [--encrypted] [--runs 3]``.
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
    raw_env: Callable[[int], dict[str, str]],
    open_store: Callable[[int], CaseStore],
    batches: list[list[Event]],
    rows: list[list[StoredEvent]],
    runs: int,
) -> dict[str, float]:
    """Both arms ``runs`` times, alternating (raw, append, raw, append...), each on a fresh
    database: the box's load moves between runs, and alternating lets both arms meet it.
    The figures kept are each arm's least CPU time (and its median)."""
    times: dict[str, list[float]] = {
        "raw cpu": [],
        "raw wall": [],
        "append cpu": [],
        "append wall": [],
    }
    for run in range(runs):
        figures: dict[str, float] = {}
        recorder = _raw_recorder(raw_env(run))
        with _timed(figures, "raw"):
            for batch_rows in rows:
                recorder.insert_events(batch_rows)
        _close(recorder)
        store = open_store(run)
        with _timed(figures, "append"):
            for batch in batches:
                store.append(batch)
        if run == 0:
            # Spot check: stored states are the fold of their events.
            for batch in batches[:: max(1, len(batches) // 20)]:
                key = _key(batch[0])
                if len(key) == 1:
                    assert store.get_case(key[0]) == fold(key[0], batch), key
        store.close()
        for name, value in figures.items():
            times[name].append(value)
        print(
            f"{label}, run {run + 1}: raw recorder {figures['raw cpu']:.2f} s CPU "
            f"({figures['raw wall']:.2f} s wall), CaseStore.append {figures['append cpu']:.2f} s "
            f"CPU ({figures['append wall']:.2f} s wall): "
            f"{figures['append cpu'] / figures['raw cpu']:.2f}x CPU",
            flush=True,
        )
    out = {name: min(values) for name, values in times.items()}
    out.update({f"{name} median": statistics.median(values) for name, values in times.items()})
    out["events"] = sum(len(b) for b in batches)
    return out


def _close(recorder: ApplicationRecorder) -> None:
    datastore = getattr(recorder, "datastore", None)
    close = getattr(datastore, "close", None)
    if close is not None:
        close()


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
    parser.add_argument(
        "--runs", type=int, default=3, help="alternating runs of both arms (least kept)"
    )
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

        def sqlite_env(name: str) -> Callable[[int], dict[str, str]]:
            def env(run: int) -> dict[str, str]:
                _fresh(folder, f"{name}-{run}.sqlite")
                return {
                    "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                    "SQLITE_DBNAME": str(folder / f"{name}-{run}.sqlite"),
                }

            return env

        def sqlite_store(name: str, cipher: Any = None) -> Callable[[int], CaseStore]:
            def store(run: int) -> CaseStore:
                _fresh(folder, f"{name}-{run}.sqlite")
                return CaseStore.sqlite(folder / f"{name}-{run}.sqlite", cipher=cipher)

            return store

        results = {
            "SQLite": _arms(
                "SQLite", sqlite_env("raw"), sqlite_store("store"), batches, rows, args.runs
            )
        }
        if args.encrypted:
            from erantis_domain.store.keys import FieldCipher

            cipher = FieldCipher({"k1": bytes(range(32))}, "k1")
            results["SQLite, encrypted"] = _arms(
                "SQLite, encrypted",
                sqlite_env("raw"),
                sqlite_store("sealed", cipher),
                batches,
                rows,
                args.runs,
            )
        if args.postgres:
            results["PostgreSQL"] = _on_postgres(batches, rows, args.runs)
        load = _load(folder, _long_case(batches, args.long_case))
    print(
        f"\nleast CPU time of {args.runs} alternating runs per arm (median in brackets); "
        "µs per event from the least"
    )
    print(
        "| backend | raw recorder CPU s | CaseStore.append CPU s | ratio | µs/event raw, append |"
    )
    print("|---|---:|---:|---:|---:|")
    for name, f in results.items():
        per = 1e6 / f["events"]
        print(
            f"| {name} | {f['raw cpu']:.2f} ({f['raw cpu median']:.2f}) | "
            f"{f['append cpu']:.2f} ({f['append cpu median']:.2f}) | "
            f"**{f['append cpu'] / f['raw cpu']:.2f}x** "
            f"({f['append cpu median'] / f['raw cpu median']:.2f}x) | "
            f"{f['raw cpu'] * per:.1f}, {f['append cpu'] * per:.1f} |"
        )
    with_snapshot, without = load["with snapshot"] * 1e3, load["without"] * 1e3
    print(f"\n| {args.long_case:,}-event case, get_case | with snapshot | without |")
    print("|---|---:|---:|")
    print(f"| CPU ms (median) | **{with_snapshot:.2f}** | {without:.0f} |")


def _fresh(folder: Path, name: str) -> None:
    """No database file of that name (nor its WAL) is left from an earlier run."""
    for suffix in ("", "-wal", "-shm"):
        (folder / f"{name}{suffix}").unlink(missing_ok=True)


def _on_postgres(
    batches: list[list[Event]], rows: list[list[StoredEvent]], runs: int
) -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests._postgres import start_cluster

    cluster = start_cluster()
    try:

        def env(run: int) -> dict[str, str]:
            return {
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "POSTGRES_DBNAME": cluster.create_database(),
                "POSTGRES_HOST": cluster.host,
                "POSTGRES_PORT": str(cluster.port),
                "POSTGRES_USER": cluster.user,
                "POSTGRES_PASSWORD": "",
            }

        def store(run: int) -> CaseStore:
            return CaseStore.postgres(
                dbname=cluster.create_database(),
                host=cluster.host,
                port=cluster.port,
                user=cluster.user,
            )

        return _arms("PostgreSQL", env, store, batches, rows, runs)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
