"""Private: what the tracking recorders of :mod:`erantis_domain.projections.checkpoints` share.

Kept apart from that module, which imports the recorders on first use: they import this, not
it, so there is no import cycle between them.
"""

from __future__ import annotations

from erantis_domain.errors import ConcurrencyConflict


def behind(name: str, position: int, recorded: int) -> ConcurrencyConflict:
    """The error of a save that would move a tracked checkpoint back."""
    return ConcurrencyConflict(
        f"checkpoint {name!r} is recorded at position {recorded}; saving position {position} "
        "would move it back (another runner is ahead: restore and catch up instead)"
    )
