"""Benchmark: ``erantis_rules.check`` against parsing alone, on a synthetic municipality.

Every figure is measured in the same run, on the same events (never from timed unit tests):

1. generate a window of events (:func:`erantis_domain.synthetic.generate`) to a JSONL file in a
   temporary directory (timed separately; not part of any ratio);
2. split the lines **by team** over ``--processes`` worker processes (team rules need all of a
   team's cases, so each process holds whole teams);
3. (a) parse only: each worker reads its lines and runs ``parse_event`` on each, streaming;
   (b) check: each worker reads its lines and runs ``check(lines, as_of=last day)``;
   both with the garbage collector frozen and paused during the bulk work (NOTES.md);
   the ratio of their wall times is the headline (target <= 1.2);
4. (d) the reference evaluator on the same partitions: findings equal to (b)'s (asserted);
5. (c) a warm ``RuleEngine``: feed one team's history, then 2,000 further events of that team
   one at a time, timing ``feed([e]); changes(as_of)`` and ``feed`` alone (target p99 < 200 us).

Usage: ``uv run python benchmarks/bench_check.py [--citizens 9000] [--months 12]
[--processes 2] [--seed 0] [--profile]``. ``--profile`` runs (b) under cProfile in each worker
and prints the top functions of worker 0.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import multiprocessing
import os
import platform
import pstats
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

Ranges = list[tuple[int, int]]


# --- workers ------------------------------------------------------------------------------------


def _warm() -> None:
    """Pool initializer: import everything and run durable once, outside any timing."""
    from erantis_domain.synthetic import generate, window
    from erantis_rules import check

    sample = list(generate(citizens=5, start=date(2026, 1, 1), months=1, seed=99))
    check(sample, as_of=window(date(2026, 1, 1), 1)[1])
    check(sample, as_of=window(date(2026, 1, 1), 1)[1], evaluator="reference")


def _read(path: str, ranges: Ranges) -> list[bytes]:
    lines: list[bytes] = []
    with open(path, "rb") as handle:
        for start, end in ranges:
            handle.seek(start)
            lines.extend(handle.read(end - start).splitlines())
    return lines


def _parse_only(path: str, ranges: Ranges) -> tuple[int, float]:
    from erantis_domain.events import parse_event

    started = time.perf_counter()
    gc.freeze()
    gc.disable()
    try:
        count = 0
        for line in _read(path, ranges):
            parse_event(line)
            count += 1
    finally:
        gc.enable()
        gc.unfreeze()
    return count, time.perf_counter() - started


def _check(path: str, ranges: Ranges, as_of: date, profile: bool) -> dict[str, Any]:
    from erantis_rules import check

    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    gc.freeze()
    gc.disable()
    try:
        if profiler is not None:
            profiler.enable()
        findings = check(_read(path, ranges), as_of=as_of)
        if profiler is not None:
            profiler.disable()
    finally:
        gc.enable()
        gc.unfreeze()
    elapsed = time.perf_counter() - started
    stats = ""
    if profiler is not None:
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(30)
        pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(25)
        stats = buffer.getvalue()
    gc.collect()
    return {
        "seconds": elapsed,
        "findings": findings,
        "rules": Counter(f.rule_id for f in findings),
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "profile": stats,
    }


def _reference(path: str, ranges: Ranges, as_of: date) -> dict[str, Any]:
    from erantis_rules import check

    started = time.perf_counter()
    gc.freeze()
    gc.disable()
    try:
        findings = check(_read(path, ranges), as_of=as_of, evaluator="reference")
    finally:
        gc.enable()
        gc.unfreeze()
    elapsed = time.perf_counter() - started
    gc.collect()
    return {"seconds": elapsed, "findings": findings}


def _latency(path: str, ranges: Ranges, as_of: date, further: int) -> dict[str, Any]:
    from erantis_rules import RuleEngine

    lines = _read(path, ranges)
    moments = [datetime.fromisoformat(json.loads(line)["occurred_at"]) for line in lines]
    order = sorted(range(len(lines)), key=moments.__getitem__)
    ordered = [lines[i] for i in order]
    further = min(further, len(ordered) // 2)
    history, tail = ordered[:-further], ordered[-further:]
    engine = RuleEngine()
    try:
        started = time.perf_counter()
        engine.feed(history)
        engine.changes(as_of)  # warm: every case folded and judged once
        warm_seconds = time.perf_counter() - started
        feed_us: list[float] = []
        total_us: list[float] = []
        clock = time.perf_counter
        for line in tail:
            t0 = clock()
            engine.feed([line])
            t1 = clock()
            engine.changes(as_of)
            t2 = clock()
            feed_us.append((t1 - t0) * 1e6)
            total_us.append((t2 - t0) * 1e6)
        evaluator = engine.evaluator
    finally:
        engine.close()
    return {
        "history": len(history),
        "further": len(tail),
        "warm_seconds": warm_seconds,
        "feed": _percentiles(feed_us),
        "total": _percentiles(total_us),
        "evaluator": evaluator,
    }


def _show_differences(durable: list[dict[str, Any]], reference: list[dict[str, Any]]) -> None:
    def keyed(results: list[dict[str, Any]]) -> set[tuple[str, str, tuple[str, ...]]]:
        return {(f.subject, f.rule_id, f.evidence) for r in results for f in r["findings"]}

    only_durable = sorted(keyed(durable) - keyed(reference))
    only_reference = sorted(keyed(reference) - keyed(durable))
    print(
        f"    DISAGREEMENT: {len(only_durable)} findings only from durable, "
        f"{len(only_reference)} only from the reference evaluator"
    )
    for label, items in (("durable only", only_durable), ("reference only", only_reference)):
        for subject, rule, evidence in items[:10]:
            print(f"      {label}: {rule} {subject} evidence {list(evidence)}")


def _percentiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "max": max(values)}


# --- the parent -----------------------------------------------------------------------------


def _generate(
    path: Path, citizens: int, months: int, seed: int, start: date
) -> tuple[int, float, float, dict[str, tuple[int, int]]]:
    """Time generation alone, then write the JSONL file recording each team's byte range."""
    from erantis_domain.synthetic import generate

    started = time.perf_counter()
    count = sum(1 for _ in generate(citizens=citizens, start=start, months=months, seed=seed))
    generate_seconds = time.perf_counter() - started

    dumps = json.JSONEncoder(separators=(",", ":")).encode  # ASCII: bytes == characters
    teams: dict[str, tuple[int, int]] = {}
    case_team: dict[str, str] = {}
    offset = 0
    current = ""
    started = time.perf_counter()
    with open(path, "w", encoding="ascii") as handle:
        buffer: list[str] = []
        for event in generate(citizens=citizens, start=start, months=months, seed=seed):
            team = event.get("team_id")
            if event["type"] == "CaseOpened":
                case_team[event["case_id"]] = team
            elif team is None:
                team = case_team[event["case_id"]]
            if team != current:
                if team in teams:
                    raise SystemExit(f"team {team} is not contiguous in the stream")
                teams[team] = (offset, offset)
                current = team
            line = dumps(event) + "\n"
            offset += len(line)
            teams[team] = (teams[team][0], offset)
            buffer.append(line)
            if len(buffer) >= 8192:
                handle.write("".join(buffer))
                buffer.clear()
        handle.write("".join(buffer))
    return count, generate_seconds, time.perf_counter() - started, teams


def _partition(teams: dict[str, tuple[int, int]], processes: int) -> list[Ranges]:
    """Whole teams per process, contiguous in the file, balanced by bytes."""
    total = sum(end - start for start, end in teams.values())
    parts: list[Ranges] = [[] for _ in range(processes)]
    done = 0
    for start, end in teams.values():
        index = min(processes - 1, done * processes // max(1, total))
        parts[index].append((start, end))
        done += end - start
    return [_merge(p) for p in parts if p]


def _merge(ranges: Ranges) -> Ranges:
    merged: Ranges = []
    for start, end in sorted(ranges):
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>12,.0f} ev/s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citizens", type=int, default=9000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 1, 1))
    parser.add_argument("--latency-events", type=int, default=2000)
    parser.add_argument("--profile", action="store_true", help="cProfile the check step")
    args = parser.parse_args()

    from erantis_domain.synthetic import window

    as_of = window(args.start, args.months)[1]
    print(
        f"erantis check benchmark: {args.citizens:,} citizens, {args.months} months from "
        f"{args.start} (as_of {as_of}), seed {args.seed}, {args.processes} processes\n"
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.platform()}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="erantis-bench-") as tmp:
        path = Path(tmp) / "events.jsonl"
        count, gen_s, write_s, teams = _generate(
            path, args.citizens, args.months, args.seed, args.start
        )
        size_mb = path.stat().st_size / 1e6
        print(
            f"generate      {count:>10,} events {gen_s:8.1f} s {_rate(count, gen_s)}   "
            f"({count / args.citizens / args.months * 12:.0f} per citizen-year; "
            f"not part of the ratios)\n"
            f"write JSONL   {size_mb:>10,.0f} MB     {write_s:8.1f} s {_rate(count, write_s)}"
            f"   (generate + json.dumps + write; {len(teams)} teams)",
            flush=True,
        )
        parts = _partition(teams, args.processes)
        context = multiprocessing.get_context("spawn")
        with context.Pool(len(parts), initializer=_warm) as pool:
            pool.map(time.sleep, [0.1] * len(parts))  # every worker started and warmed

            started = time.perf_counter()
            parsed = pool.starmap(_parse_only, [(str(path), p) for p in parts])
            parse_s = time.perf_counter() - started
            assert sum(n for n, _ in parsed) == count
            print(
                f"(a) parse     {count:>10,} events {parse_s:8.1f} s {_rate(count, parse_s)}"
                f"   (workers {', '.join(f'{s:.1f}' for _, s in parsed)} s)",
                flush=True,
            )

            started = time.perf_counter()
            checked = pool.starmap(
                _check, [(str(path), p, as_of, args.profile) for p in parts], chunksize=1
            )
            check_s = time.perf_counter() - started
            findings = sum(len(r["findings"]) for r in checked)
            worker_s = ", ".join(f"{r['seconds']:.1f}" for r in checked)
            rules: Counter[str] = Counter()
            for r in checked:
                rules.update(r["rules"])
            print(
                f"(b) check     {count:>10,} events {check_s:8.1f} s {_rate(count, check_s)}"
                f"   (workers {worker_s} s, "
                f"peak RSS {max(r['maxrss_mb'] for r in checked):,.0f} MB each at most)\n"
                f"    findings  {findings:>10,}   "
                + " ".join(f"{rule}:{n}" for rule, n in sorted(rules.items())),
                flush=True,
            )
            if args.profile:
                print(checked[0]["profile"])
            ratio = check_s / parse_s
            print(
                f"    ratio check/parse = {ratio:.2f}  (target <= 1.2: "
                f"{'met' if ratio <= 1.2 else 'NOT met'})",
                flush=True,
            )

            started = time.perf_counter()
            compared = pool.starmap(_reference, [(str(path), p, as_of) for p in parts], chunksize=1)
            reference_s = time.perf_counter() - started
            equal = all(
                r["findings"] == c["findings"] for r, c in zip(compared, checked, strict=True)
            )
            print(
                f"(d) reference {count:>10,} events {reference_s:8.1f} s "
                f"{_rate(count, reference_s)}   (durable {check_s:.1f} s; findings "
                f"{sum(len(r['findings']) for r in compared):,}, equal to durable's: {equal})",
                flush=True,
            )
            if not equal:
                _show_differences(checked, compared)

            first_team = next(iter(teams.values()))
            latency = pool.apply(_latency, (str(path), [first_team], as_of, args.latency_events))
        feed, total = latency["feed"], latency["total"]
        print(
            f"(c) warm RuleEngine ({latency['evaluator']}): history {latency['history']:,} "
            f"events of one team, warmed in {latency['warm_seconds']:.2f} s; then "
            f"{latency['further']:,} events one at a time\n"
            f"    feed([e]) + changes(as_of): p50 {total['p50']:7.0f} us  p95 "
            f"{total['p95']:7.0f} us  p99 {total['p99']:7.0f} us  max {total['max']:7.0f} us"
            f"  (target p99 < 200 us: {'met' if total['p99'] < 200 else 'NOT met'})\n"
            f"    feed([e]) alone:            p50 {feed['p50']:7.0f} us  p95 "
            f"{feed['p95']:7.0f} us  p99 {feed['p99']:7.0f} us  max {feed['max']:7.0f} us",
            flush=True,
        )
    print()
    print("| step | events | seconds | events/s | note |")
    print("|---|---:|---:|---:|---|")
    print(f"| generate | {count:,} | {gen_s:.1f} | {count / gen_s:,.0f} | not in ratios |")
    print(
        f"| parse only | {count:,} | {parse_s:.1f} | {count / parse_s:,.0f} | wall, "
        f"{len(parts)} processes |"
    )
    print(
        f"| check (durable) | {count:,} | {check_s:.1f} | {count / check_s:,.0f} | "
        f"{findings:,} findings; ratio {ratio:.2f} |"
    )
    print(
        f"| check (reference) | {count:,} | {reference_s:.1f} | {count / reference_s:,.0f} |"
        f" findings equal: {equal} |"
    )
    print(
        f"| warm engine, per event | 1 | p50 {total['p50']:.0f} us | p95 {total['p95']:.0f} us"
        f" | p99 {total['p99']:.0f} us (feed alone p99 {feed['p99']:.0f} us) |"
    )
    sys.stdout.flush()
    # The evaluators must agree: report every figure first, then fail loudly.
    assert equal, "reference and durable evaluators disagree (differences printed above)"


if __name__ == "__main__":
    main()
