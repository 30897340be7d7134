"""Stream ids: where the store keeps a citizen's case and a team's settlement period.

Each case and each team period is one stream, identified by a UUID derived from its key, so
the same key always finds the same stream, in any store.
"""

from __future__ import annotations

import functools
from uuid import NAMESPACE_URL, UUID, uuid5

__all__ = ["case_stream_id", "team_stream_id"]

_NAMESPACE = uuid5(NAMESPACE_URL, "https://erantis.dk/streams")


def case_stream_id(case_id: str) -> UUID:
    """The stream id of a citizen case."""
    return _stream_uuid(f"case:{case_id}")


def team_stream_id(team_id: str, period: str) -> UUID:
    """The stream id of a team's settlement period."""
    return _stream_uuid(f"team:{team_id}:{period}")


@functools.lru_cache(maxsize=1 << 16)
def _stream_uuid(name: str) -> UUID:
    # uuid5 costs a few microseconds; an ingest asks it for every event of a case.
    return uuid5(_NAMESPACE, name)
