"""What the store's methods return: the outcome of an append, stored events and streams, and
what a verification read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from erantis_domain.events import Event

__all__ = ["AppendResult", "StoredEntry", "StoredStream", "VerifyReport"]


@dataclass(frozen=True, slots=True)
class AppendResult:
    """What an :meth:`~erantis_domain.store.CaseStore.append` did: how many events were new
    and stored, and how many were already stored (same ``event_id``, same content) and
    skipped."""

    stored: int
    duplicates: int
    #: Stream versions after the append, by case id or ``"team_id/period"``.
    versions: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """An event as recorded: its position in the store-wide log and the store's time."""

    position: int
    recorded_at: datetime
    event: Event


@dataclass(frozen=True, slots=True)
class StoredStream:
    """One stream as stored (see :meth:`~erantis_domain.store.CaseStore.streams`): a citizen
    case (``key`` is ``(case_id,)``) or a team period (``(team_id, period)``), its events in
    recording order."""

    kind: Literal["case", "team"]
    key: tuple[str, ...]
    events: list[Event]


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """What :meth:`~erantis_domain.store.CaseStore.verify` read and found intact."""

    streams: int
    events: int
    snapshots: int
