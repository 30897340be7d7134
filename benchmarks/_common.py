"""What every benchmark script shares: the municipality's arguments, the heading that names the
commit and the machine, and the synthetic municipality as JSON lines."""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
from datetime import date, datetime

__all__ = ["by_time", "heading", "municipality_parser", "synthetic_lines"]

START = date(2026, 1, 1)
_OCCURRED_AT = re.compile(r'"occurred_at":"([^"]+)"')


def municipality_parser(description: str) -> argparse.ArgumentParser:
    """A parser with the municipality's arguments: ``--citizens``, ``--months``, ``--seed``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--citizens", type=int, default=1500)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    return parser


def heading(name: str, args: argparse.Namespace, *details: object) -> None:
    """Print what was measured, at which commit, on which machine."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    shown = "".join(f", {detail}" for detail in details)
    print(
        f"erantis {name} benchmark: {args.citizens:,} citizens, {args.months} months, seed "
        f"{args.seed}{shown}, commit {commit or '?'}\nmachine: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}",
        flush=True,
    )


def synthetic_lines(citizens: int, months: int, seed: int) -> list[str]:
    """The synthetic municipality as compact JSON lines, in the generator's order (citizen
    after citizen: not time order)."""
    try:
        from erantis_domain.testing.synthetic import generate
    except ImportError:  # an earlier commit's layout (bench_check.py --against)
        from erantis_domain.synthetic import generate  # type: ignore[no-redef]

    return [
        json.dumps(event, separators=(",", ":")) + "\n"
        for event in generate(citizens=citizens, start=START, months=months, seed=seed)
    ]


def _occurred_at(line: str) -> datetime:
    found = _OCCURRED_AT.search(line)
    assert found is not None
    return datetime.fromisoformat(found.group(1))


def by_time(lines: list[str]) -> list[str]:
    """A time-ordered export of the lines: sorted by ``occurred_at`` as an instant (offsets
    differ in summer), stably, so events of the same instant keep their order."""
    return sorted(lines, key=_occurred_at)
