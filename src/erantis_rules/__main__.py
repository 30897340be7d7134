"""The ``erantis`` console script and ``python -m erantis_rules``.

A separate module so that a missing ``cli`` extra (typer, rich) is one line on stderr, not a
traceback: :mod:`erantis_rules.cli` needs those libraries at import time. ``erantis --version``
(or ``-V``) is answered here, before the command line and the library are imported: a shell
asking for the version should not wait for pydantic and the rule catalogue.
"""

from __future__ import annotations

import gc
import sys

__all__ = ["main"]


def main() -> None:
    """Run the command line, or say which extra is missing."""
    if sys.argv[1:] in (["--version"], ["-V"]):
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("erantis")
        except PackageNotFoundError:  # pragma: no cover - a source tree that is not installed
            found = "unknown"
        sys.stdout.write(f"erantis {found}\n")
        raise SystemExit(0)
    try:
        from erantis_rules.cli import main as run
    except ImportError as exc:
        if "'cli' extra" not in str(exc):
            raise
        sys.stderr.write(f"erantis: error [E-USAGE] {exc}\n")
        raise SystemExit(2) from None
    try:
        run()
    finally:
        # The process ends here: what the command built (the demo's tens of thousands of
        # events, held in cycles matplotlib's import leaves) is left out of the collection at
        # exit, which would walk all of it once more for nothing (0.15-0.45 s in the demo).
        # Only the console script does this: a caller running a command in its own process
        # keeps its collector as it was.
        gc.freeze()


if __name__ == "__main__":
    main()
