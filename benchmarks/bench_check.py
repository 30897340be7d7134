"""Benchmark: ``erantis_rules.check`` against parsing alone, as a caller gets it.

Every figure comes from the same run, on the same events (never from timed unit tests):

1. generate a synthetic municipality (:func:`erantis_domain.testing.synthetic.generate`, default
   1,500 citizens, 12 months) as JSON lines in a temporary directory, sorted by ``occurred_at``
   (stably: the generator writes citizen after citizen, and not every citizen's events in time
   order), and a shuffled copy of the generator's order (not timed in any ratio);
2. run each arm in a fresh interpreter (so its peak RSS is its own), after imports and a tiny
   warm-up check; the garbage collector stays as a caller has it (on, never frozen here):

   * ``json.loads`` and ``json.loads str``: the standard library's ``json.loads`` of each line
     (as bytes, and as text read in text mode): the floor any parser is measured against;
   * ``parse``: read the time-ordered file line by line and ``parse_event`` each line (bytes);
   * ``parse str``: the same lines read as text;
   * ``check``: ``check(lines, as_of=...)`` on the time-ordered file (durable);
   * ``check shuffled``: the same on the shuffled file (the partition fallback);
   * ``check workers=N``: the time-ordered file split over ``N`` processes;
   * ``reference``: the reference evaluator; its findings must equal durable's;
   * ``RuleEngine, all at once``: ``feed`` everything, then ``findings``: what ``check`` did
     before it streamed (the engine keeps every event to refold a case); same findings
     (``--skip-engine`` leaves it out: on 9,000 citizens it needs about 8 GB);
   * ``warm engine``: a ``RuleEngine`` fed the municipality's history, then its last events
     one at a time across all teams, timing ``feed([e]); changes(as_of)`` in this thread's CPU
     time (``thread_time``: on a shared box it leaves out waiting for a core) and wall time;

   * ``check (REV)`` with ``--against REV``: the ``check`` arm on an earlier commit's source,
     checked out into a temporary git worktree with its own environment (synchronised before
     any timing), in its own interpreter: ``check(lines, as_of=...)`` with the arguments every
     version has, after a warm-up on the file's first lines. An earlier commit knows fewer
     event types, so its input is the same municipality (citizens, months, seed) written by
     its own generator, time-ordered the same way: compare CPU per event, not findings;

3. print CPU seconds (the arm's process and its worker processes), CPU-time ratios to
   ``parse``, wall seconds and peak RSS per arm (with workers, also the total: the parent's
   plus each worker's at most), then a Markdown table; and CPU microseconds per event of the
   parse arms with their ratios to ``json.loads`` of the same lines.

The input files are re-iterable objects (each ``iter`` reopens the file): ``check`` then reads
time-ordered input once, without spilling it to temporary files.

Usage: ``uv run python benchmarks/bench_check.py [--citizens 1500] [--months 12]
[--workers 2] [--seed 7] [--latency-events 2000] [--skip-latency] [--skip-engine]
[--parse-only] [--repeat 3] [--against REV]`` (``--parse-only``: the ``json.loads`` and
``parse`` arms alone; ``--repeat``: runs of each of those four arms, the least CPU kept;
``--against``: also the check arm on an earlier commit, e.g. ``66a05eb``).
"""

from __future__ import annotations

import contextlib
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from _common import START, by_time, heading, municipality_parser, synthetic_lines


class Lines:
    """The lines of a file, read afresh on every iteration (a re-iterable input)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __iter__(self) -> Iterator[bytes]:
        with open(self.path, "rb") as handle:
            yield from handle


# --- arms (each in its own interpreter) ------------------------------------------------------


def _warm() -> None:
    from erantis_domain.testing.synthetic import generate, window
    from erantis_rules import check

    sample = [json.dumps(e) for e in generate(citizens=5, start=date(2026, 1, 1), months=1)]
    as_of = window(date(2026, 1, 1), 1)[1]
    check(sample, as_of=as_of)
    check(sample, as_of=as_of, evaluator="reference")


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _peak_rss_mb() -> float:
    """This process's peak RSS since it started its program (``VmHWM``; ``ru_maxrss`` would
    include the parent's pages counted between fork and exec)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _arm(name: str, path: str, as_of: date, workers: int, further: int) -> dict[str, Any]:
    from erantis_domain.events import parse_event
    from erantis_rules import RuleEngine, check

    _warm()
    result: dict[str, Any] = {}
    cpu, wall = _cpu(), time.perf_counter()
    if name == "parse":
        result["events"] = sum(1 for line in Lines(path) if parse_event(line))
    elif name == "parse-str":
        with open(path, encoding="utf-8") as handle:
            result["events"] = sum(1 for line in handle if parse_event(line))
    elif name == "loads":
        result["events"] = sum(1 for line in Lines(path) if json.loads(line))
    elif name == "loads-str":
        with open(path, encoding="utf-8") as handle:
            result["events"] = sum(1 for line in handle if json.loads(line))
    elif name in ("check", "reference"):
        evaluator = "reference" if name == "reference" else "durable"
        findings = check(Lines(path), as_of=as_of, evaluator=evaluator, workers=workers)
        result["findings"] = [f.to_dict() for f in findings]
    elif name == "engine":
        with RuleEngine(evaluator="durable") as engine:
            engine.feed(Lines(path))
            result["findings"] = [f.to_dict() for f in engine.findings(as_of)]
    elif name == "latency":
        lines = list(Lines(path))
        history, tail = lines[:-further], lines[-further:]
        engine = RuleEngine(evaluator="durable")
        engine.feed(history)
        engine.changes(as_of)
        timings: list[float] = []
        cpu_timings: list[float] = []
        clock, thread_clock = time.perf_counter, time.thread_time
        for line in tail:
            started, started_cpu = clock(), thread_clock()
            engine.feed([line])
            engine.changes(as_of)
            timings.append((clock() - started) * 1e6)
            cpu_timings.append((thread_clock() - started_cpu) * 1e6)
        engine.close()
        for key, series in (("latency", timings), ("cpu_latency", cpu_timings)):
            cuts = statistics.quantiles(series, n=100, method="inclusive")
            result[key] = {"p50": cuts[49], "p99": cuts[98], "max": max(series)}
    result["cpu"] = _cpu() - cpu
    result["wall"] = time.perf_counter() - wall
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result["rss_mb"] = _peak_rss_mb()
    result["worker_rss_mb"] = kids if workers > 1 else 0.0
    return result


def _against_arm(path: str, as_of: date) -> dict[str, Any]:
    """The check arm for an earlier commit's interpreter: only what every version has
    (``check(events, as_of=...)``, durable-rules or its fallback by default)."""
    from erantis_rules import check

    with open(path, "rb") as handle:
        sample = [line for _, line in zip(range(500), handle, strict=False)]
    check(sample, as_of=as_of)
    cpu, wall = _cpu(), time.perf_counter()
    findings = check(Lines(path), as_of=as_of)
    result: dict[str, Any] = {"findings": [f.to_dict() for f in findings]}
    result["cpu"] = _cpu() - cpu
    result["wall"] = time.perf_counter() - wall
    result["rss_mb"] = _peak_rss_mb()
    result["worker_rss_mb"] = 0.0
    return result


def _run_arm(
    name: str,
    path: Path,
    as_of: date,
    workers: int,
    further: int,
    python: str = sys.executable,
) -> dict[str, Any]:
    out = Path(path).with_suffix(f".{name}.{workers}.json")
    subprocess.run(
        [python, __file__, "--arm", name, str(path), as_of.isoformat(), str(workers),
         str(further), str(out)],
        check=True,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(out.read_text())
    out.unlink()
    return result


# --- the parent ------------------------------------------------------------------------------


def _write(path: Path, shuffled: Path, citizens: int, months: int, seed: int) -> int:
    lines = synthetic_lines(citizens, months, seed)
    path.write_text("".join(by_time(lines)))
    random.Random(seed).shuffle(lines)
    shuffled.write_text("".join(lines))
    return len(lines)


def _earlier(stack: contextlib.ExitStack, rev: str) -> Path:
    """An earlier commit checked out into a temporary git worktree (removed on exit) with its
    environment synchronised; returns that environment's interpreter."""
    root = Path(__file__).resolve().parent.parent
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="erantis-against-")))
    tree = folder / "earlier"
    subprocess.run(
        ["git", "worktree", "add", "--quiet", "--detach", str(tree), rev], cwd=root, check=True
    )
    stack.callback(
        subprocess.run,
        ["git", "worktree", "remove", "--force", str(tree)],
        cwd=root,
        check=False,
    )
    subprocess.run(["uv", "sync", "--quiet"], cwd=tree, check=True)
    return tree / ".venv" / "bin" / "python"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--write":
        citizens, months, seed = (int(value) for value in sys.argv[3:6])
        Path(sys.argv[2]).write_text("".join(by_time(synthetic_lines(citizens, months, seed))))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--arm":
        name, path, day, workers, further, out = sys.argv[2:8]
        if name == "against":
            result = _against_arm(path, date.fromisoformat(day))
        else:
            result = _arm(name, path, date.fromisoformat(day), int(workers), int(further))
        Path(out).write_text(json.dumps(result))
        return
    parser = municipality_parser(__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--latency-events", type=int, default=2000)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-engine", action="store_true")
    parser.add_argument("--parse-only", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--against", help="also run the check arm on this earlier commit")
    args = parser.parse_args()

    from erantis_domain.testing.synthetic import window

    as_of = window(START, args.months)[1]
    heading("check", args, f"as_of {as_of}")
    rows: list[tuple[str, dict[str, Any]]] = []
    events_in: dict[str, int] = {}  # arms whose input is not the municipality's file
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="erantis-bench-"))
        earlier = _earlier(stack, args.against) if args.against else None
        ordered, shuffled = Path(tmp) / "events.jsonl", Path(tmp) / "shuffled.jsonl"
        count = _write(ordered, shuffled, args.citizens, args.months, args.seed)
        print(f"{count:,} events, {ordered.stat().st_size / 1e6:,.0f} MB of JSON lines")
        arms = [
            ("json.loads", "loads", ordered, 1),
            ("parse", "parse", ordered, 1),
            ("json.loads str", "loads-str", ordered, 1),
            ("parse str", "parse-str", ordered, 1),
        ]
        if not args.parse_only:
            arms += [
                ("check", "check", ordered, 1),
                ("check shuffled", "check", shuffled, 1),
                (f"check workers={args.workers}", "check", ordered, args.workers),
                ("check (reference)", "reference", ordered, 1),
            ]
        if not (args.skip_engine or args.parse_only):
            arms.append(("RuleEngine, all at once", "engine", ordered, 1))
        if not (args.skip_latency or args.parse_only):
            arms.append(("warm engine", "latency", ordered, 1))
        if earlier is not None:
            theirs = Path(tmp) / "earlier.jsonl"
            subprocess.run(
                [str(earlier), __file__, "--write", str(theirs), str(args.citizens),
                 str(args.months), str(args.seed)],
                check=True,
            )  # fmt: skip
            with open(theirs, "rb") as handle:
                their_count = sum(1 for _ in handle)
            print(f"{args.against}'s own generator: {their_count:,} events")
            events_in[f"check ({args.against})"] = their_count
            arms.append((f"check ({args.against})", "against", theirs, 1))
        results: dict[str, dict[str, Any]] = {}
        # The four parse arms are short: run them --repeat times, interleaved, and keep each
        # one's least CPU (on a shared box, other jobs only ever add to it).
        for _ in range(args.repeat - 1):
            for label, name, path, workers in arms[:4]:
                result = _run_arm(name, path, as_of, workers, args.latency_events)
                if label not in results or result["cpu"] < results[label]["cpu"]:
                    results[label] = result
        for label, name, path, workers in arms:
            python = str(earlier) if name == "against" and earlier else sys.executable
            result = _run_arm(name, path, as_of, workers, args.latency_events, python)
            if label in results and results[label]["cpu"] < result["cpu"]:
                result = results[label]
            results[label] = result
            rows.append((label, result))
            print(f"  {label:<22} cpu {result['cpu']:7.1f} s  wall {result['wall']:7.1f} s  "
                  f"peak RSS {result['rss_mb']:,.0f} MB", flush=True)  # fmt: skip
    parse_cpu = results["parse"]["cpu"]
    print("\nper event (CPU): " + "; ".join(
        f"{label} {results[label]['cpu'] / count * 1e6:.1f} us"
        for label in ("json.loads", "parse", "json.loads str", "parse str")
    ))  # fmt: skip
    print(
        f"parse_event / json.loads: bytes {parse_cpu / results['json.loads']['cpu']:.2f}x, "
        f"str {results['parse str']['cpu'] / results['json.loads str']['cpu']:.2f}x "
        "(target: at most 1.5x)"
    )
    if args.parse_only:
        return
    durable = results["check"]["findings"]
    same = {
        label: r["findings"] == durable
        for label, r in results.items()
        if "findings" in r and label != "check" and label != f"check ({args.against})"
    }
    print(f"\nfindings: {len(durable):,}; equal to `check`'s (whole to_dict lists): {same}")
    print("per event (CPU): " + "; ".join(
        f"{label} {r['cpu'] / events_in.get(label, count) * 1e6:.1f} us"
        for label, r in rows
        if label.startswith("check")
    ))  # fmt: skip
    if args.against:
        now = results["check"]["cpu"] / count
        label = f"check ({args.against})"
        then = results[label]["cpu"] / events_in[label]
        print(f"check / check ({args.against}), CPU per event: {now / then:.2f}x")
    print("(shuffled input folds ties in occurred_at in their new order, so evidence lists "
          "may be ordered differently there)\n")  # fmt: skip
    print("| arm | CPU s | CPU / parse | wall s | peak RSS MB | note |")
    print("|---|---:|---:|---:|---:|---|")
    for label, r in rows:
        note = ""
        if "latency" in r:
            lat, cpu_lat = r["latency"], r["cpu_latency"]
            note = (
                f"{args.latency_events:,} events one at a time, CPU (this thread): p50 "
                f"{cpu_lat['p50']:.0f} us, p99 {cpu_lat['p99']:.0f} us, max "
                f"{cpu_lat['max'] / 1000:.1f} ms; wall: p50 {lat['p50']:.0f} us, p99 "
                f"{lat['p99']:.0f} us, max {lat['max'] / 1000:.1f} ms"
            )
        elif "findings" in r:
            note = f"{len(r['findings']):,} findings"
        if r["worker_rss_mb"]:
            total = r["rss_mb"] + args.workers * r["worker_rss_mb"]
            note += (
                f"; workers' peak RSS {r['worker_rss_mb']:,.0f} MB each at most, "
                f"{total:,.0f} MB in all at most"
            )
        print(
            f"| {label} | {r['cpu']:.1f} | {r['cpu'] / parse_cpu:.2f} | {r['wall']:.1f} | "
            f"{r['rss_mb']:,.0f} | {note} |"
        )
    if not same.get("check (reference)", True):
        raise SystemExit("reference and durable evaluators disagree")


if __name__ == "__main__":
    main()
