"""Private: which stream an event belongs to, and how messages and damage reports name it.

A stream is named by its key (a case id, or a team and period), never by personal data: a key
that looks like a CPR number is withheld.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from erantis_domain.events import DomainEvent, TeamEvent
from erantis_domain.store._mapper import Recorded
from erantis_domain.store.ids import case_stream_id, team_stream_id
from erantis_domain.values import looks_like_cpr

#: The two kinds of stream: a citizen's case, a team's settlement period.
Kind = Literal["case", "team"]


def stream_of(event: DomainEvent) -> tuple[UUID, Kind, tuple[str, ...]]:
    """The stream of an event: its id, its kind and its key (``(case_id,)`` or
    ``(team_id, period)``)."""
    if isinstance(event, TeamEvent):
        return team_stream_id(event.team_id, event.period), "team", (event.team_id, event.period)
    case_id: str = event.case_id  # type: ignore[attr-defined]
    return case_stream_id(case_id), "case", (case_id,)


def label(record: Recorded) -> str:
    """How damage names an event: its case, or its team and period (never personal data)."""
    return "/".join(plain(part) for part in stream_of(record.event)[2])


def plain(key: str) -> str:
    """A part of a stream's key as damage shows it: withheld when it looks like a CPR number."""
    return "<withheld: looks like a CPR number>" if looks_like_cpr(key) else key


def shown(key: str) -> str:
    """An identifier for a message; one that looks like a CPR number is withheld, a long one
    is cut (the caller's argument is not validated, and may be anything)."""
    if looks_like_cpr(key):
        return "<withheld: looks like a CPR number>"
    return repr(key) if len(key) <= 60 else repr(key[:57]) + "..."
