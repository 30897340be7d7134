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

from erantis_domain.cipher import FieldCipher, transform
from erantis_domain.errors import Damage, ErantisError, StoreCorruptedError, StoreKeyError
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


def chain(previous: str, stream_id: UUID | str, version: int, content: str) -> str:
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


def _context(stream_id: UUID, version: int, path: str) -> str:
    # Binds a ciphertext to its place: copied to another row or field, it does not decrypt.
    return f"{stream_id}/{version}/{path}"


class PydanticMapper(Mapper[UUID]):
    """Maps :class:`Recorded` and :class:`Snapshot` to and from stored events; with a
    ``cipher``, the personal data in them is encrypted at rest (``"sealed": true``)."""

    field_cipher: FieldCipher | None = None

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        cipher = self.field_cipher
        stream_id, version = domain_event.originator_id, domain_event.originator_version
        if isinstance(domain_event, Recorded):
            event: DomainEvent = domain_event.event
            body = event.model_dump_json()
            sealed = ""
            if cipher is not None:
                plain = json.loads(body)
                body = json.dumps(
                    transform(plain, lambda v, p: cipher.seal(v, _context(stream_id, version, p))),
                    separators=(",", ":"),
                    ensure_ascii=False,
                )
                sealed = '"sealed":true,'
            state = (
                f'{{"recorded_at":"{domain_event.timestamp.isoformat()}",{sealed}'
                f'"digest":"{domain_event.digest}","event":{body}}}'
            )
            topic = EVENT_TOPIC + type(event).__name__
        elif isinstance(domain_event, Snapshot):
            content: Any = domain_event.state
            payload: dict[str, Any] = {"recorded_at": domain_event.timestamp.isoformat()}
            if cipher is not None:
                text = json.dumps(content, separators=(",", ":"), ensure_ascii=False)
                content = cipher.seal(text, _context(stream_id, version, "snapshot"))
                payload["sealed"] = True
            payload["state"] = content
            state = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
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
        sealed = payload.get("sealed") is True
        cipher = self.field_cipher
        if sealed and cipher is None:
            raise StoreKeyError("stored data is encrypted, and no cipher key was given")
        version = stored_event.originator_version
        try:
            recorded_text = payload["recorded_at"]
            recorded_at = datetime.fromisoformat(recorded_text)
            if stored_event.topic.startswith(SNAPSHOT_TOPIC):
                kind = stored_event.topic[len(SNAPSHOT_TOPIC) :].split("/")[0]
                state = payload["state"]
                if sealed:
                    assert cipher is not None
                    if not isinstance(state, str):
                        raise TypeError("sealed snapshot state is not a token")
                    state = json.loads(
                        cipher.open(state, _context(originator_id, version, "snapshot"))
                    )
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
            if sealed:
                assert cipher is not None
                body = transform(
                    body, lambda v, p: cipher.open(v, _context(originator_id, version, p))
                )
            event = _parse_stored(body)
        except StoreKeyError:
            raise
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


def resealed(stored_event: StoredEvent, cipher: FieldCipher) -> bytes | None:
    """The row's state with every encrypted value sealed again under the cipher's current key
    (and values stored in clear sealed for the first time); ``None`` when nothing changes.
    Everything else of the row, digest included, is kept as stored."""
    payload = _payload(stored_event)
    stream_id = stored_event.originator_id
    if not isinstance(stream_id, UUID):
        stream_id = UUID(str(stream_id))
    version = stored_event.originator_version
    sealed = payload.get("sealed") is True
    changed = not sealed

    def again(value: str, path: str) -> str:
        nonlocal changed
        context = _context(stream_id, version, path)
        if sealed and cipher.key_of(value) == cipher.current:
            return value
        changed = True
        plain = cipher.open(value, context) if sealed else value
        return cipher.seal(plain, context)

    if stored_event.topic.startswith(SNAPSHOT_TOPIC):
        state = payload.get("state")
        if sealed and isinstance(state, str):
            payload["state"] = again(state, "snapshot")
        elif not sealed:
            text = json.dumps(state, separators=(",", ":"), ensure_ascii=False)
            payload["state"] = again(text, "snapshot")
    elif isinstance(payload.get("event"), dict):
        payload["event"] = transform(payload["event"], again)
    if not changed:
        return None
    payload["sealed"] = True
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
