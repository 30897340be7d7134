"""What the store's methods return: the outcome of an append, stored events and streams, and
what a verification read."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from erantis_domain.errors import InvalidArgumentError
from erantis_domain.events import Event

__all__ = [
    "TREE_HEAD_FORMAT",
    "AppendResult",
    "StoredEntry",
    "StoredStream",
    "TreeHead",
    "VerifyReport",
]

#: The format tag of an exported :class:`TreeHead`.
TREE_HEAD_FORMAT = "erantis-tree-head-1"


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
    """What :meth:`~erantis_domain.store.CaseStore.verify` read and found intact. ``keyed``
    counts the streams whose chain is keyed (their events tagged with a key of the store's
    cipher): a forger without the key cannot rewrite those; the others only show damage made
    without recomputing their plain chain."""

    streams: int
    events: int
    snapshots: int
    keyed: int = 0


@dataclass(frozen=True, slots=True)
class TreeHead:
    """A signed checkpoint of every stream's head: export it with :meth:`to_json`, keep it
    outside the database, and check the store against it later. It holds stream ids (UUIDs
    derived from case keys), versions and digests: no personal data.

    ``CaseStore.tree_head(key)`` takes one, reading the whole store and checking every event's
    chain. ``CaseStore.check_tree_head(head, key)`` requires every stream it names to be still
    there, at least as long, with the same chain head at that version: it catches what
    ``verify`` cannot (a stream rewritten with a recomputed chain, its last events cut, or
    deleted whole with its index rows), raising ``StoreCorruptedError`` naming each damaged
    stream, or ``InvalidArgumentError`` when the signature does not match (a wrong key, or an
    edited checkpoint)."""

    key_id: str
    taken_at: str
    #: Each stream's id, version and chain head, in stream id order.
    streams: tuple[tuple[str, int, str], ...]
    root: str
    signature: str

    def to_json(self) -> str:
        """The checkpoint as JSON text (stable, one line)."""
        document = {
            "format": TREE_HEAD_FORMAT,
            "key_id": self.key_id,
            "taken_at": self.taken_at,
            "root": self.root,
            "signature": self.signature,
            "streams": [list(item) for item in self.streams],
        }
        text: str = json.dumps(document, separators=(",", ":"), sort_keys=True)
        return text

    @classmethod
    def from_json(cls, text: str) -> TreeHead:
        """A checkpoint read back from :meth:`to_json`'s text; raises
        :class:`~erantis_domain.errors.InvalidArgumentError` when it is not one (its
        signature is checked against the store, by ``check_tree_head``)."""
        try:
            document = json.loads(text)
            if document.get("format") != TREE_HEAD_FORMAT:
                raise ValueError("format")
            streams = tuple((str(UUID(str(s))), int(v), str(h)) for s, v, h in document["streams"])
            return cls(
                str(document["key_id"]),
                str(document["taken_at"]),
                streams,
                str(document["root"]),
                str(document["signature"]),
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            raise InvalidArgumentError("not a tree head of erantis (format 1)") from None
