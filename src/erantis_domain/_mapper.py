"""Private: our mapping between erantis' pydantic events and eventsourcing's stored events.

eventsourcing 9.5 ships no pydantic mapper, and its default one stores ``vars(event)`` under a
``module:qualname`` topic, which would tie stored data to our module layout. We store instead:

* topic ``erantis/<EventType>`` for events, ``erantis-snapshot/<Aggregate>/<n>`` for snapshots;
* state: UTF-8 JSON ``{"recorded_at": ..., "event": <the event's JSON>}``.

Reading goes through :func:`erantis_domain.events.parse_event`, so older schema versions are
upcast on the way out of the store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from erantis_domain.events import DomainEvent, Event, parse_event

EVENT_TOPIC = "erantis/"
SNAPSHOT_TOPIC = "erantis-snapshot/"
SNAPSHOT_FORMAT = 1


@dataclass(frozen=True, slots=True)
class Recorded:
    """One of our events at its place in a stream (satisfies eventsourcing's event protocol)."""

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    event: Event


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A stream's folded state at ``originator_version``."""

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    kind: str
    state: dict[str, Any]


class PydanticMapper(Mapper[UUID]):
    """Maps :class:`Recorded` and :class:`Snapshot` to and from stored events."""

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        if isinstance(domain_event, Recorded):
            event: DomainEvent = domain_event.event
            body = event.model_dump_json()
            state = f'{{"recorded_at":"{domain_event.timestamp.isoformat()}","event":{body}}}'
            topic = EVENT_TOPIC + type(event).__name__
        elif isinstance(domain_event, Snapshot):
            state = json.dumps(
                {"recorded_at": domain_event.timestamp.isoformat(), "state": domain_event.state},
                separators=(",", ":"),
            )
            topic = f"{SNAPSHOT_TOPIC}{domain_event.kind}/{SNAPSHOT_FORMAT}"
        else:  # pragma: no cover - only our own objects reach the mapper
            raise TypeError(f"cannot map {type(domain_event).__name__}")
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=topic,
            state=state.encode("utf-8"),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        payload = json.loads(stored_event.state)
        originator_id = stored_event.originator_id
        if not isinstance(originator_id, UUID):
            originator_id = UUID(str(originator_id))
        recorded_at = datetime.fromisoformat(payload["recorded_at"])
        if stored_event.topic.startswith(SNAPSHOT_TOPIC):
            kind = stored_event.topic[len(SNAPSHOT_TOPIC) :].split("/")[0]
            return Snapshot(
                originator_id, stored_event.originator_version, recorded_at, kind, payload["state"]
            )
        return Recorded(
            originator_id=originator_id,
            originator_version=stored_event.originator_version,
            timestamp=recorded_at,
            event=parse_event(payload["event"]),
        )
