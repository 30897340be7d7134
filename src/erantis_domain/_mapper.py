"""Private: our mapping between erantis' pydantic events and eventsourcing's stored events.

eventsourcing 9.5 ships no pydantic mapper, and its default one stores ``vars(event)`` under a
``module:qualname`` topic, which would tie stored data to our module layout. We store instead:

* topic ``erantis/<EventType>`` for events, ``erantis-snapshot/<Aggregate>/<n>`` for snapshots;
* state: UTF-8 JSON ``{"recorded_at": ..., "digest": ..., "event": <the event's JSON>}``.

The digest chains each event to the one before it in its stream (see :func:`chain`), so an
edited, reordered or deleted event is noticed when its stream is read. Events stored by an
erantis older than the digests have none; they are accepted at the start of a stream only.

Reading upcasts older schema versions on the way out of the store. A row that cannot be read
(not UTF-8, not JSON, truncated, empty, not an event) raises
:class:`~erantis_domain.errors.StoreCorruptedError`, never a bare decode error.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from erantis_domain.errors import Damage, ErantisError, StoreCorruptedError
from erantis_domain.events import DomainEvent, Event, _parse_stored

EVENT_TOPIC = "erantis/"
SNAPSHOT_TOPIC = "erantis-snapshot/"
SNAPSHOT_FORMAT = 1


def canonical(recorded_at: str, event: Any) -> str:
    """The text a digest covers: the recording time and the event's JSON, keys sorted."""
    return json.dumps(
        {"recorded_at": recorded_at, "event": event},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def chain(previous: str, stream_id: UUID, version: int, content: str) -> str:
    """The digest of an event: SHA-256 over the previous event's digest (``""`` for the first),
    the stream, the position and the canonical content. A plain hash, not a keyed one: it
    shows accidental damage and edits made without erantis, not a forger who recomputes it."""
    text = f"{previous}\n{stream_id}\n{version}\n{content}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class Recorded:
    """One of our events at its place in a stream (satisfies eventsourcing's event protocol).

    ``digest`` is the chained digest stored with it (``None`` for an event stored before
    digests existed); ``content`` the canonical text it covers."""

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    event: Event
    digest: str | None = None
    content: str = ""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A stream's folded state at ``originator_version``."""

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    kind: str
    state: dict[str, Any]


def damaged(stored: StoredEvent, problem: str) -> StoreCorruptedError:
    """The error of one unreadable row, named by its stream's UUID and its position."""
    where = Damage(str(stored.originator_id), stored.originator_version, problem)
    return StoreCorruptedError.of([where])


class PydanticMapper(Mapper[UUID]):
    """Maps :class:`Recorded` and :class:`Snapshot` to and from stored events."""

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        if isinstance(domain_event, Recorded):
            event: DomainEvent = domain_event.event
            body = event.model_dump_json()
            state = (
                f'{{"recorded_at":"{domain_event.timestamp.isoformat()}",'
                f'"digest":"{domain_event.digest}","event":{body}}}'
            )
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
        payload = _payload(stored_event)
        originator_id = stored_event.originator_id
        if not isinstance(originator_id, UUID):
            originator_id = UUID(str(originator_id))
        try:
            recorded_text = payload["recorded_at"]
            recorded_at = datetime.fromisoformat(recorded_text)
            if stored_event.topic.startswith(SNAPSHOT_TOPIC):
                kind = stored_event.topic[len(SNAPSHOT_TOPIC) :].split("/")[0]
                state = payload["state"]
                if not isinstance(state, dict):
                    raise TypeError("snapshot state is not an object")
                return Snapshot(
                    originator_id, stored_event.originator_version, recorded_at, kind, state
                )
            digest = payload.get("digest")
            if digest is not None and not isinstance(digest, str):
                raise TypeError("digest is not text")
            body = payload["event"]
            if not isinstance(body, dict):
                raise TypeError("event is not an object")
            event = _parse_stored(body)
        except ErantisError as exc:
            raise damaged(
                stored_event, f"the stored event is not a valid event ({exc.code})"
            ) from None
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise damaged(
                stored_event, f"the stored row is malformed ({type(exc).__name__})"
            ) from None
        return Recorded(
            originator_id=originator_id,
            originator_version=stored_event.originator_version,
            timestamp=recorded_at,
            event=event,
            digest=digest,
            content=canonical(recorded_text, body),
        )


def _payload(stored_event: StoredEvent) -> dict[str, Any]:
    raw = bytes(stored_event.state)
    if not raw.strip():
        raise damaged(stored_event, "the stored row is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise damaged(stored_event, "the stored row is not UTF-8") from None
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError):
        raise damaged(
            stored_event, "the stored row is not JSON (truncated or overwritten)"
        ) from None
    if not isinstance(payload, dict):
        raise damaged(stored_event, "the stored row is not a JSON object")
    return payload
