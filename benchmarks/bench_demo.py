"""``erantis demo`` as a newcomer runs it, against an earlier commit in the same sitting.

Each arm runs the console script in a fresh empty folder (the default: 300 citizens, 6 months,
a temporary SQLite store and the meeting pack), alternating the arms run by run so that a busy
machine weighs on both alike. It prints the wall time and the CPU seconds of the whole process
(its own and its children's), median and range, and the ratio of the medians.

Warm, as a newcomer's second run is: each arm runs once untimed first, and the runs write and
then read Python's bytecode caches (``PYTHONDONTWRITEBYTECODE`` is taken out of their
environment). With it set, a run compiles every module that has no cache yet, about 3 s of
CPU here, and the two arms unequally: the earlier commit's fresh worktree and environment
never have one, the current checkout may.

The earlier commit (``--against``, default ``a7a30ed``: before the one-pass parse and the pack
over one read of the log) is checked out into a temporary git worktree with its own
environment, synchronised once before timing.

    uv run python benchmarks/bench_demo.py                 # 3 runs per arm
    uv run python benchmarks/bench_demo.py --runs 5 --against HEAD~3
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import heading

ROOT = Path(__file__).resolve().parent.parent


def _run(project: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one ``erantis demo`` in a fresh folder."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="erantis-bench-demo-") as folder:
        subprocess.run(
            ["uv", "run", "--quiet", "--project", str(project), "erantis", "demo"],
            cwd=folder,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _line(name: str, runs: list[tuple[float, float]]) -> tuple[float, float]:
    walls = [w for w, _ in runs]
    cpus = [c for _, c in runs]
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(
        f"{name:<24} wall {wall:6.1f} s ({min(walls):.1f}-{max(walls):.1f})"
        f"   CPU {cpu:6.1f} s ({min(cpus):.1f}-{max(cpus):.1f})"
    )
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--against", default="a7a30ed", help="the earlier commit")
    args = parser.parse_args()
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    # The demo's own defaults: 300 citizens, 6 months, seed 2026.
    shown = argparse.Namespace(citizens=300, months=6, seed=2026)
    heading("demo", shown, f"against {args.against}", f"{args.runs} runs per arm, warm")
    with tempfile.TemporaryDirectory(prefix="erantis-bench-against-") as tmp:
        earlier = Path(tmp) / "earlier"
        subprocess.run(
            ["git", "worktree", "add", "--quiet", "--detach", str(earlier), args.against],
            cwd=ROOT,
            check=True,
        )
        try:
            for project in (ROOT, earlier):  # environments ready before any timing
                subprocess.run(["uv", "sync", "--quiet"], cwd=project, check=True)
            for project in (ROOT, earlier):  # untimed: writes the bytecode caches
                _run(project, env)
            now: list[tuple[float, float]] = []
            then: list[tuple[float, float]] = []
            for _ in range(args.runs):
                now.append(_run(ROOT, env))
                then.append(_run(earlier, env))
            wall_now, cpu_now = _line("now (HEAD)", now)
            wall_then, cpu_then = _line(f"earlier ({args.against})", then)
            print(
                f"ratio now/earlier: wall {wall_now / wall_then:.2f}, CPU {cpu_now / cpu_then:.2f}"
            )
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(earlier)], cwd=ROOT, check=False
            )
    sys.exit(0)


if __name__ == "__main__":
    main()
