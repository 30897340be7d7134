"""Start-up costs an integrator and a newcomer meet, each measured in fresh interpreters: the
figures the README quotes come from this script.

- ``import erantis_rules``: the package alone (its public names load on first use);
- ``from erantis_rules import check``: the library ready to check events (pydantic, the
  catalogue, the engine);
- ``from erantis_rules import check_store`` then ``CaseStore``: with the store's backend;
- ``erantis --version``: the console script's entry point, as the installed script runs it;
- ``erantis --help``: the command line loaded (typer, rich and every command).

Each arm reports the median and the range of ``-X importtime``'s cumulative microseconds of the
modules it imports beyond a bare interpreter's (CPU spent importing, less noisy on a shared
machine than wall time), and the median wall time of the whole interpreter, start to exit.

    uv run python benchmarks/bench_startup.py            # 8 runs per arm
    uv run python benchmarks/bench_startup.py --runs 20
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time

ARMS: dict[str, str] = {
    # The interpreter's own start-up imports (site, encodings): subtracted from the others.
    "python alone": "pass",
    "import erantis_rules": "import erantis_rules",
    "from erantis_rules import check": "from erantis_rules import check",
    "... and the store": (
        "from erantis_rules import check_store\nfrom erantis_domain import CaseStore\n"
        "import erantis_domain.store.application"
    ),
    "erantis --version": (
        "import sys\nsys.argv = ['erantis', '--version']\n"
        "from erantis_rules.__main__ import main\ntry:\n    main()\nexcept SystemExit:\n    pass"
    ),
    "erantis --help": (
        "import sys, io, contextlib\nfrom erantis_rules.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n    try:\n        main(['--help'])\n"
        "    except SystemExit:\n        pass"
    ),
}

_LINE = re.compile(r"^import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)")


def _import_micros(stderr: str) -> int:
    """The sum of the cumulative times of the top-level imports in ``-X importtime`` output."""
    total = 0
    for line in stderr.splitlines():
        found = _LINE.match(line)
        if found and len(found.group(2)) == 1:
            total += int(found.group(1))
    return total


def measure(code: str, runs: int) -> tuple[list[float], list[float]]:
    """Import microseconds and wall seconds of ``code`` in ``runs`` fresh interpreters."""
    imports: list[float] = []
    walls: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code],
            capture_output=True,
            text=True,
            check=True,
        )
        walls.append(time.perf_counter() - started)
        imports.append(_import_micros(done.stderr))
    return imports, walls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=8)
    args = parser.parse_args()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(
        f"erantis start-up, {args.runs} fresh interpreters per arm, commit {commit or '?'}\n"
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    print(f"{'arm':34} {'imports (median, min-max)':>30} {'wall (median)':>14}")
    baseline = 0.0
    for name, code in ARMS.items():
        measured, walls = measure(code, args.runs)
        if name == "python alone":
            baseline = statistics.median(measured)
        imports = [
            max(0.0, value - baseline) if name != "python alone" else value for value in measured
        ]
        spread = f"{min(imports) / 1e3:.0f}-{max(imports) / 1e3:.0f}"
        print(
            f"{name:34} {statistics.median(imports) / 1e3:>15.0f} ms ({spread:>9} ms) "
            f"{statistics.median(walls):>12.2f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
