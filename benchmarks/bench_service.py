"""The HTTP service under load: a load generator (asyncio, httpx) against `erantis serve`
started as a real process, on SQLite and on PostgreSQL, in one run.

Per backend: a synthetic municipality is uploaded (JSON Lines, /v1/ingest), then

1. appends: ``--clients`` concurrent carers each record single-event batches
   (``POST /v1/cases/{id}/events``) for ``--duration`` seconds: throughput, p50/p99 latency,
   the server's RSS sampled every second (first, last, peak: flat or growing);
2. reads: a case's findings (``GET /v1/cases/{id}/findings``) and the change feed
   (``GET /v1/findings/changes?cursor=``), each for ``--read-duration`` seconds;
3. overload: a second server with ``ERANTIS_MAX_IN_FLIGHT=4`` and 64 clients: how many were
   shed (503 with Retry-After), and that every acknowledged event is stored.

Latencies are measured by the client, on the same 2-core box as the server (the generator
competes for the cores: the figures are an upper bound of the server's own).

    uv run python benchmarks/bench_service.py                       # 60 s per phase
    uv run python benchmarks/bench_service.py --duration 600         # the 10-minute memory run
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import heading, synthetic_lines  # noqa: E402

from tests._postgres import start_cluster  # noqa: E402
from tests.server._harness import Keys, Server, server_env  # noqa: E402

RELAY = "erantis:read erantis:write erantis:relay"
_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _visit(case_id: str, team_id: str, actor: str) -> dict[str, Any]:
    return {
        "type": "VisitDelivered",
        "event_id": str(uuid.uuid4()),
        "case_id": case_id,
        "occurred_at": "2026-03-31T22:00:00+02:00",
        "recorded_by": {"actor_id": actor, "role": "ssh"},
        # A run of ten digits would read as a CPR number (and be refused): letters only.
        "visit_id": "bench-" + uuid.uuid4().hex[:12].translate(_LETTERS),
        "team_id": team_id,
        "carer_id": actor,
        "carer_role": "ssh",
        "intervention": "H1.1",
        "minutes": 20,
        "delivered_on": "2026-03-31",
    }


def _cases(lines: list[str]) -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for line in lines:
        event = json.loads(line)
        if event["type"] == "CaseOpened":
            found[event["case_id"]] = event["team_id"]
    return sorted(found.items())


def _upload(server: Server, keys: Keys, lines: list[str]) -> float:
    def body() -> Iterator[bytes]:
        for line in lines:
            yield line.encode()

    started = time.perf_counter()
    with server.client(timeout=600) as client:
        response = client.post(
            "/v1/ingest",
            content=body(),
            headers={
                **keys.headers("system", "bench", scopes=RELAY),
                "Content-Type": "application/x-ndjson",
            },
        )
    response.raise_for_status()
    return time.perf_counter() - started


async def _appends(
    server: Server,
    keys: Keys,
    cases: list[tuple[str, str]],
    clients: int,
    duration: float,
) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    acknowledged: list[str] = []
    rss: list[int] = []
    assert server.process is not None
    pid = server.process.pid
    stop = time.perf_counter() + duration

    async def carer(number: int) -> None:
        actor = f"ssh-bench-{number}"
        headers = keys.headers("ssh", actor)
        rng = random.Random(number)
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            while time.perf_counter() < stop:
                case_id, team_id = rng.choice(cases)
                event = _visit(case_id, team_id, actor)
                started = time.perf_counter()
                response = await client.post(
                    f"/v1/cases/{case_id}/events", json={"events": [event]}, headers=headers
                )
                latencies.append(time.perf_counter() - started)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if response.status_code == 200:
                    acknowledged.append(event["event_id"])
                elif response.status_code in (429, 503):
                    await asyncio.sleep(float(response.headers.get("retry-after", "1")))

    async def sampler() -> None:
        while time.perf_counter() < stop:
            rss.append(_rss_kb(pid))
            await asyncio.sleep(1)

    started = time.perf_counter()
    await asyncio.gather(sampler(), *(carer(n) for n in range(clients)))
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "per_second": statuses.get(200, 0) / elapsed,
        "p50_ms": _quantile(latencies, 0.5) * 1000,
        "p99_ms": _quantile(latencies, 0.99) * 1000,
        "statuses": dict(sorted(statuses.items())),
        "acknowledged": acknowledged,
        "rss_first_mb": rss[0] / 1024 if rss else 0,
        "rss_last_mb": rss[-1] / 1024 if rss else 0,
        "rss_peak_mb": max(rss) / 1024 if rss else 0,
        "rss_after_warmup_mb": rss[min(len(rss) - 1, 10)] / 1024 if rss else 0,
    }


async def _reads(
    server: Server, keys: Keys, paths: list[str], clients: int, duration: float, feed: bool
) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    headers = keys.headers()
    stop = time.perf_counter() + duration

    async def reader(number: int) -> None:
        rng = random.Random(number)
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            cursor = None
            while time.perf_counter() < stop:
                if feed:
                    params = {"cursor": cursor} if cursor else {}
                    started = time.perf_counter()
                    response = await client.get(
                        "/v1/findings/changes", params=params, headers=headers
                    )
                    if response.status_code == 200:
                        cursor = response.json()["cursor"]
                else:
                    started = time.perf_counter()
                    response = await client.get(rng.choice(paths), headers=headers)
                latencies.append(time.perf_counter() - started)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(reader(n) for n in range(clients)))
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50_ms": _quantile(latencies, 0.5) * 1000,
        "p99_ms": _quantile(latencies, 0.99) * 1000,
        "statuses": dict(sorted(statuses.items())),
    }


def _stored(server: Server, keys: Keys, event_ids: list[str], cases: list[str]) -> int:
    found: set[str] = set()
    with server.client(timeout=120) as client:
        for case_id in cases:
            timeline = client.get(f"/v1/cases/{case_id}/timeline", headers=keys.headers())
            found.update(e["event_id"] for e in timeline.json()["events"])
    return len(found & set(event_ids))


def _run_backend(
    name: str, db: str, args: argparse.Namespace, lines: list[str], folder: Path
) -> None:
    keys = Keys(folder)
    cases = _cases(lines)
    env = server_env(keys, db, ERANTIS_AS_OF="2026-03-31")
    server = Server(env, folder / f"{name}.log").start(timeout=600)
    try:
        upload = _upload(server, keys, lines)
        print(
            f"\n[{name}] uploaded {len(lines):,} events in {upload:.1f} s "
            f"({len(lines) / upload:,.0f}/s, JSON Lines)",
            flush=True,
        )
        # the warm engine catches up with the upload before the timed phases
        with server.client(timeout=600) as client:
            client.get("/v1/findings", params={"limit": 1}, headers=keys.headers())
        appends = asyncio.run(_appends(server, keys, cases, args.clients, args.duration))
        acked = appends.pop("acknowledged")
        print(
            f"[{name}] appends ({args.clients} clients, {args.duration:.0f} s): "
            f"{appends['per_second']:.0f}/s, p50 {appends['p50_ms']:.1f} ms, "
            f"p99 {appends['p99_ms']:.1f} ms, statuses {appends['statuses']}",
            flush=True,
        )
        print(
            f"[{name}] server RSS: first {appends['rss_first_mb']:.0f} MB, after 10 s "
            f"{appends['rss_after_warmup_mb']:.0f} MB, last {appends['rss_last_mb']:.0f} MB, "
            f"peak {appends['rss_peak_mb']:.0f} MB",
            flush=True,
        )
        paths = [f"/v1/cases/{case_id}/findings" for case_id, _ in cases]
        reads = asyncio.run(
            _reads(server, keys, paths, args.read_clients, args.read_duration, False)
        )
        print(
            f"[{name}] case findings ({args.read_clients} clients): {reads['per_second']:.0f}/s, "
            f"p50 {reads['p50_ms']:.1f} ms, p99 {reads['p99_ms']:.1f} ms, "
            f"statuses {reads['statuses']}",
            flush=True,
        )
        feed = asyncio.run(_reads(server, keys, [], args.read_clients, args.read_duration, True))
        print(
            f"[{name}] change feed ({args.read_clients} clients): {feed['per_second']:.0f}/s, "
            f"p50 {feed['p50_ms']:.1f} ms, p99 {feed['p99_ms']:.1f} ms, "
            f"statuses {feed['statuses']}",
            flush=True,
        )
        sample = random.Random(1).sample(acked, min(2000, len(acked)))
        print(
            f"[{name}] a sample of {len(sample):,} acknowledged appends: "
            f"{_stored(server, keys, sample, [c for c, _ in cases]):,} stored",
            flush=True,
        )
    finally:
        server.stop()
    env = {**env, "ERANTIS_MAX_IN_FLIGHT": "4"}
    narrow = Server(env, folder / f"{name}-narrow.log").start(timeout=600)
    try:
        with narrow.client(timeout=600) as client:
            client.get("/v1/findings", params={"limit": 1}, headers=keys.headers())
        overload = asyncio.run(_appends(narrow, keys, cases, 64, args.overload_duration))
        acked = overload.pop("acknowledged")
        with narrow.client() as client:
            after = client.get("/v1/rules", headers=keys.headers()).status_code
        stored = _stored(narrow, keys, acked, [c for c, _ in cases])
        print(
            f"[{name}] overload (in-flight limit 4, 64 clients, {args.overload_duration:.0f} s): "
            f"statuses {overload['statuses']}, {overload['per_second']:.0f} stored/s; "
            f"{stored:,} of {len(acked):,} acknowledged events stored; "
            f"after the load: {after}",
            flush=True,
        )
    finally:
        narrow.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--months", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--read-clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--read-duration", type=float, default=20)
    parser.add_argument("--overload-duration", type=float, default=15)
    parser.add_argument("--backend", choices=["both", "sqlite", "postgres"], default="both")
    args = parser.parse_args()
    heading("service", args, f"{args.clients} clients")
    lines = synthetic_lines(args.citizens, args.months, args.seed)
    with tempfile.TemporaryDirectory(prefix="erantis-bench-") as tmp:
        folder = Path(tmp)
        if args.backend in ("both", "sqlite"):
            _run_backend("SQLite", str(folder / "store.sqlite"), args, lines, folder)
        if args.backend in ("both", "postgres"):
            cluster = start_cluster()
            try:
                database = cluster.create_database("bench")
                url = f"postgresql://{cluster.user}@{cluster.host}:{cluster.port}/{database}"
                _run_backend("PostgreSQL", url, args, lines, folder)
            finally:
                cluster.stop()


if __name__ == "__main__":
    main()
