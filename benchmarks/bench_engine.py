"""Benchmark: a warm ``RuleEngine`` holding a municipality, fed one event at a time.

Every figure comes from the same run, on the same events (never from timed unit tests):

1. generate a synthetic municipality (:func:`erantis_domain.testing.synthetic.generate`, default
   1,500 citizens, 12 months, all teams), sort its events by ``occurred_at`` (``generate``
   yields them team by team and citizen by citizen; an export is in time order) and write them
   as JSON lines in a temporary directory: the last ``--events`` lines are then the last days of
   the year, across all teams;
2. in a fresh interpreter, after imports and a tiny warm-up, with the garbage collector as a
   caller has it (on, never frozen or disabled here):

   * feed the history (every line but the last ``--events``) in one ``feed`` call, then
     ``changes(as_of)``; RSS is read before and after;
   * feed the remaining events one at a time, timing ``feed([e]); changes(as_of)`` for each
     in wall time (``perf_counter``) and in this thread's CPU time (``thread_time``: on a
     shared box it leaves out time spent waiting for a core), p50, p99 and max; RSS is read
     every 1,000 events, and a ``gc.callbacks`` hook counts the collections that ran (it
     only observes); after the tail, one full ``gc.collect()`` is timed (as before the
     engine was built): what a full collection landing in a warm call costs;
   * keep the engine's final findings;

3. in another fresh interpreter, ``check`` the whole file as of the same day;
4. print the latency figures, the RSS before and after, the CPU seconds of each arm and the
   ratio, and whether the engine's findings equal ``check``'s as whole ``to_dict()`` lists.

Usage: ``uv run python benchmarks/bench_engine.py [--citizens 1500] [--months 12]
[--events 20000] [--seed 7] [--evaluator durable]``.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from _common import START, by_time, heading, municipality_parser, synthetic_lines


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def _rss_mb() -> float:
    """This process's current resident set (``VmRSS``)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _full_collection_ms() -> float:
    """CPU milliseconds of one full collection of this process (the best of three), taken
    outside the timed calls: what a full collection that lands in a warm call costs."""
    best = float("inf")
    for _ in range(3):
        started = time.thread_time()
        gc.collect()
        best = min(best, time.thread_time() - started)
    return best * 1e3


def _warm(evaluator: str) -> None:
    from erantis_domain.testing.synthetic import generate, window
    from erantis_rules import RuleEngine

    sample = [json.dumps(e) for e in generate(citizens=5, start=date(2026, 1, 1), months=1)]
    with RuleEngine(evaluator=evaluator) as engine:  # type: ignore[arg-type]
        engine.feed(sample)
        engine.changes(window(date(2026, 1, 1), 1)[1])


def _engine_arm(path: str, as_of: date, further: int, evaluator: str) -> dict[str, Any]:
    from erantis_rules import RuleEngine

    _warm(evaluator)
    with open(path, "rb") as handle:
        lines = handle.readlines()
    history, tail = lines[:-further], lines[-further:]
    del lines
    result: dict[str, Any] = {
        "gc_enabled": gc.isenabled(),
        "rss_start_mb": _rss_mb(),
        "full_gc_before_ms": _full_collection_ms(),
    }
    cpu = _cpu()
    engine = RuleEngine(evaluator=evaluator)  # type: ignore[arg-type]
    engine.feed(history)
    engine.changes(as_of)
    del history
    result["history_cpu"] = _cpu() - cpu
    result["rss_before_mb"] = _rss_mb()
    timings: list[float] = []
    cpu_timings: list[float] = []
    rss: list[float] = []
    collections: list[tuple[int, float]] = []
    started_gc = [0.0]

    def watch(phase: str, info: dict[str, Any]) -> None:
        # Only observes: how often the caller's collector ran, and how long each run took.
        if phase == "start":
            started_gc[0] = time.perf_counter()
        else:
            collections.append((info["generation"], time.perf_counter() - started_gc[0]))

    clock, thread_clock = time.perf_counter, time.thread_time
    gc.callbacks.append(watch)
    cpu = _cpu()
    for number, line in enumerate(tail, 1):
        started, started_cpu = clock(), thread_clock()
        engine.feed([line])
        engine.changes(as_of)
        timings.append((clock() - started) * 1e6)
        cpu_timings.append((thread_clock() - started_cpu) * 1e6)
        if number % 1000 == 0 or number == len(tail):
            rss.append(_rss_mb())
    result["tail_cpu"] = _cpu() - cpu
    gc.callbacks.remove(watch)
    result["gc"] = {
        str(generation): [
            sum(1 for g, _ in collections if g == generation),
            max((d * 1e3 for g, d in collections if g == generation), default=0.0),
        ]
        for generation in (0, 1, 2)
    }
    result["rss_after_mb"] = _rss_mb()
    result["rss_samples_mb"] = rss
    result["findings"] = [f.to_dict() for f in engine.findings(as_of)]
    result["full_gc_after_ms"] = _full_collection_ms()
    engine.close()
    for name, series in (("latency", timings), ("cpu_latency", cpu_timings)):
        cuts = statistics.quantiles(series, n=100, method="inclusive")
        result[name] = {
            "p50": cuts[49],
            "p90": cuts[89],
            "p99": cuts[98],
            "max": max(series),
            "over_1ms": sum(1 for t in series if t > 1000),
        }
    return result


def _check_arm(path: str, as_of: date, evaluator: str) -> dict[str, Any]:
    from erantis_rules import check

    cpu = _cpu()
    with open(path, "rb") as handle:
        found = check(handle, as_of=as_of, evaluator=evaluator)  # type: ignore[arg-type]
    return {"cpu": _cpu() - cpu, "findings": [f.to_dict() for f in found]}


def _run(args: list[str]) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        target = out.name
    try:
        subprocess.run([sys.executable, __file__, "--arm", *args, target], check=True)
        result: dict[str, Any] = json.loads(Path(target).read_text())
    finally:
        os.unlink(target)
    return result


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--arm":
        name, path, day, further, evaluator, out = sys.argv[2:8]
        as_of = date.fromisoformat(day)
        if name == "engine":
            result = _engine_arm(path, as_of, int(further), evaluator)
        else:
            result = _check_arm(path, as_of, evaluator)
        Path(out).write_text(json.dumps(result))
        return
    parser = municipality_parser(__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--evaluator", default="durable", choices=["durable", "reference"])
    args = parser.parse_args()

    from erantis_domain.testing.synthetic import window

    as_of = window(START, args.months)[1]
    heading("warm-engine", args, f"as_of {as_of}", args.evaluator)
    with tempfile.TemporaryDirectory(prefix="erantis-bench-") as tmp:
        path = Path(tmp) / "events.jsonl"
        lines = by_time(synthetic_lines(args.citizens, args.months, args.seed))
        path.write_text("".join(lines))
        count = len(lines)
        del lines
        print(f"{count:,} events; the last {args.events:,} are fed one at a time", flush=True)
        common = [str(path), as_of.isoformat(), str(args.events), args.evaluator]
        engine = _run(["engine", *common])
        checked = _run(["check", *common])
    lat, cpu_lat = engine["latency"], engine["cpu_latency"]
    collected = engine["gc"]
    same = engine["findings"] == checked["findings"]
    samples = engine["rss_samples_mb"]
    print(
        f"\ngc enabled in the engine arm: {engine['gc_enabled']}\n"
        f"history: {engine['history_cpu']:.1f} s CPU; RSS {engine['rss_start_mb']:,.0f} MB "
        f"before the engine, {engine['rss_before_mb']:,.0f} MB warm, "
        f"{engine['rss_after_mb']:,.0f} MB after the tail "
        f"(samples every 1,000 events and at the end: min {min(samples):,.0f}, "
        f"max {max(samples):,.0f})\n"
        f"one at a time: {args.events:,} events, {engine['tail_cpu']:.1f} s CPU "
        f"({engine['tail_cpu'] / args.events * 1e6:.0f} us CPU per event)\n"
        f"  wall: p50 {lat['p50']:.0f} us, p90 {lat['p90']:.0f} us, p99 {lat['p99']:.0f} us, "
        f"max {lat['max'] / 1000:.2f} ms, {lat['over_1ms']} calls over 1 ms\n"
        f"  CPU (this thread): p50 {cpu_lat['p50']:.0f} us, p90 {cpu_lat['p90']:.0f} us, "
        f"p99 {cpu_lat['p99']:.0f} us, max {cpu_lat['max'] / 1000:.2f} ms, "
        f"{cpu_lat['over_1ms']} calls over 1 ms\n"
        f"  the caller's gc ran during the tail: "
        + ", ".join(
            f"generation {g}: {n} times (longest {ms:.1f} ms)" for g, (n, ms) in collected.items()
        )
        + "\n"
        f"  one full collection of this process (CPU, outside the timed calls): "
        f"{engine['full_gc_before_ms']:.0f} ms before the engine (lines and imports only), "
        f"{engine['full_gc_after_ms']:.0f} ms with the engine warm\n"
        f"check of the whole file: {checked['cpu']:.1f} s CPU; the engine's history feed is "
        f"{engine['history_cpu'] / checked['cpu']:.2f}x that\n"
        f"findings: {len(checked['findings']):,}; the engine's equal check's "
        f"(whole to_dict lists): {same}"
    )
    if not same:
        raise SystemExit("the engine and check disagree")


if __name__ == "__main__":
    main()
