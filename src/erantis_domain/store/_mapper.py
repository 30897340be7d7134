"""Private: our mapping between erantis' pydantic events and eventsourcing's stored events.

eventsourcing 9.5 ships no pydantic mapper, and its default one stores ``vars(event)`` under a
``module:qualname`` topic, which would tie stored data to our module layout. We store instead:

* topic ``erantis/<EventType>`` for events, ``erantis-snapshot/<Aggregate>/<n>`` for snapshots
  (``n`` is the snapshot format);
* state: UTF-8 JSON ``{"recorded_at": ..., "v": 2, "digest": ..., "event": <the event's JSON>}``.

The digest chains each event to the one before it in its stream (see :func:`chain`), so an
edited, reordered or deleted event is noticed when its stream is read. Events stored by an
erantis older than the digests have none; they are accepted at the start of a stream only.

What a digest covers (:attr:`Recorded.content`) depends on the row's format. Format 2 (``"v":
2``) covers the SHA-256 of the event's JSON text exactly as stored, so writing an event
serializes it once and reading one hashes the stored text; rows without ``v`` (format 1,
written before) cover the event's JSON with sorted keys (:func:`canonical`). Snapshots of
format 2 hold their state as JSON text (see :mod:`erantis_domain.store._snapshots`), sealed
over that text; format 1 held it as an object, with the digest of every event of the stream.

Reading upcasts older schema versions on the way out of the store. A row that cannot be read
(not UTF-8, not JSON, truncated, empty, not an event) raises
:class:`~erantis_domain.errors.StoreCorruptedError`, never a bare decode error.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from erantis_domain.errors import Damage, ErantisError, StoreCorruptedError, StoreKeyError
from erantis_domain.events import DomainEvent, Event
from erantis_domain.events.decode import _parse_stored
from erantis_domain.store.keys import FieldCipher, transform

EVENT_TOPIC = "erantis/"
SNAPSHOT_TOPIC = "erantis-snapshot/"
SNAPSHOT_FORMAT = 2
_COMPACT = (",", ":")


#: Built once: ``json.dumps`` with options builds an encoder per call.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=_COMPACT, ensure_ascii=False).encode


def canonical(recorded_at: str, event: Any) -> str:
    """The text a format-1 digest covers: the recording time and the event's JSON, keys
    sorted."""
    return _CANONICAL({"recorded_at": recorded_at, "event": event})


def body_hash(body: str) -> str:
    """The SHA-256 of an event's JSON text (hex): what a format-2 digest covers, with the
    recording time."""
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


def content_of(recorded_at: str, hashed_body: str) -> str:
    """The text a format-2 digest covers."""
    return f"{recorded_at}\n{hashed_body}"


#: Built once, as :data:`_CANONICAL`.
_PLAIN = json.JSONEncoder(separators=_COMPACT, ensure_ascii=False).encode


def plain_text(body: Any) -> str:
    """An event's JSON text as a format-2 row holds it once decrypted: compact, in the order
    given, non-ASCII as is (the same text :meth:`pydantic.BaseModel.model_dump_json` writes for
    our events, which carry no floats)."""
    return _PLAIN(body)


def written_again(body: bytes, decoded: Any) -> bytes:
    """``body`` (an event's JSON text, ``decoded``) as :func:`plain_text` writes it out again:
    what an encrypted row's digest covers. Text in ASCII with no escape in it is the same
    text (only escapes and non-ASCII can be written two ways, and events hold no floats), so
    only other text is written out again."""
    if body.isascii() and b"\\" not in body:
        return body
    return _PLAIN(decoded).encode("utf-8")


def row_template(recorded_at: str, *, sealed: bool = False) -> bytes:
    """A format-2 event row with its digest, its tag (``"mac":"<tag>",`` or nothing) and the
    event's JSON text left as ``%s`` (bytes): the header, then the event's text last and
    verbatim, so a reader hashes it as it finds it. ``sealed``: the text holds encrypted
    values (see :func:`sealed_body`). The events of an append share one."""
    return b'{"recorded_at":"%s",%s"v":2,"digest":"%%s",%%s"event":%%s}' % (
        recorded_at.encode(),
        b'"sealed":true,' if sealed else b"",
    )


def event_row(
    recorded_at: str, digest: str | None, mac: str | None, body: bytes, *, sealed: bool = False
) -> bytes:
    """A format-2 event row (the stored state); see :func:`row_template`."""
    return row_template(recorded_at, sealed=sealed) % (
        str(digest).encode(),
        b"" if mac is None else b'"mac":"%s",' % mac.encode(),
        body,
    )


def sealed_body(event: Any, stream_id: UUID, version: int, cipher: FieldCipher) -> bytes:
    """An event's decoded JSON as an encrypted row holds it: its personal data sealed, each
    value bound to the row's place."""
    where = f"{stream_id}/{version}/"  # _context's, made once for every value
    return _PLAIN(transform(event, lambda v, p: cipher.seal(v, where + p))).encode("utf-8")


def chain(previous: str, stream_id: UUID | str, version: int, content: str) -> str:
    """The digest of an event: SHA-256 over the previous event's digest (``""`` for the first),
    the stream, the position and the content (:attr:`Recorded.content`). A plain hash, not a
    keyed one: it shows accidental damage and edits made without erantis, not a forger who
    recomputes it; a store with a cipher adds a keyed tag over it (:attr:`Recorded.mac`)."""
    text = f"{previous}\n{stream_id}\n{version}\n{content}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class Recorded:
    """One of our events at its place in a stream (satisfies eventsourcing's event protocol).

    ``digest`` is the chained digest stored with it (``None`` for an event stored before
    digests existed); ``content`` the text it covers; ``mac`` its keyed tag, if any.
    ``body`` is the event's JSON text when it is written (serialized once, for its digest and
    its row)."""

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    event: Event
    digest: str | None = None
    content: str = ""
    body: str = ""
    #: The keyed tag of the digest (``<key id>:<hex>``, see
    #: :meth:`~erantis_domain.store.keys.FieldCipher.mac`), written by a store with a cipher.
    mac: str | None = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A stream's folded state at ``originator_version``. Format 2: ``state`` holds ``head``,
    ``seal`` and ``body`` (the state as JSON text); format 1: ``state``, ``digests``,
    ``head`` and ``seal``."""

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    kind: str
    state: dict[str, Any]
    format: int = SNAPSHOT_FORMAT


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
    #: The last recording time written, and its text (the events of a batch share one).
    _written_at: tuple[datetime | None, str] = (None, "")

    def _iso(self, when: datetime) -> str:
        last, text = self._written_at
        if when is not last:
            text = when.isoformat()
            self._written_at = (when, text)
        return text

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        cipher = self.field_cipher
        stream_id, version = domain_event.originator_id, domain_event.originator_version
        if isinstance(domain_event, Recorded):
            event: DomainEvent = domain_event.event
            body = domain_event.body or event.model_dump_json()
            if cipher is None:
                text = body.encode("utf-8")
            else:
                text = sealed_body(json.loads(body), stream_id, version, cipher)
            return StoredEvent(
                originator_id=stream_id,
                originator_version=version,
                topic=EVENT_TOPIC + type(event).__name__,
                state=event_row(
                    self._iso(domain_event.timestamp),
                    domain_event.digest,
                    domain_event.mac,
                    text,
                    sealed=cipher is not None,
                ),
            )
        if isinstance(domain_event, Snapshot):
            content: Any = domain_event.state
            recorded = domain_event.timestamp.isoformat()
            if domain_event.format >= 2:
                state = _snapshot_row(
                    recorded,
                    content["head"],
                    content["seal"],
                    content["body"],
                    cipher,
                    _context(stream_id, version, "snapshot"),
                )
            else:  # pragma: no cover - only tests write the old format
                payload: dict[str, Any] = {"recorded_at": recorded, "state": content}
                state = json.dumps(payload, separators=_COMPACT, ensure_ascii=False)
            topic = f"{SNAPSHOT_TOPIC}{domain_event.kind}/{domain_event.format}"
        else:  # pragma: no cover - only our own objects reach the mapper
            raise TypeError(f"cannot map {type(domain_event).__name__}")
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=topic,
            state=state.encode("utf-8"),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        text = _text(stored_event)
        originator_id = stored_event.originator_id
        if not isinstance(originator_id, UUID):
            originator_id = UUID(str(originator_id))
        version = stored_event.originator_version
        if stored_event.topic.startswith(SNAPSHOT_TOPIC):
            return _read_snapshot(stored_event, originator_id, text, self.field_cipher)
        payload = _decoded(stored_event, text)
        cipher = self.field_cipher
        sealed = _is_sealed(payload, cipher)
        try:
            recorded_text = payload["recorded_at"]
            recorded_at = datetime.fromisoformat(recorded_text)
            digest, mac = payload.get("digest"), payload.get("mac")
            if digest is not None and not isinstance(digest, str):
                raise TypeError("digest is not text")
            if mac is not None and not isinstance(mac, str):
                raise TypeError("mac is not text")
            body = payload["event"]
            if not isinstance(body, dict):
                raise TypeError("event is not an object")
            if sealed:
                assert cipher is not None
                body = transform(
                    body, lambda v, p: cipher.open(v, _context(originator_id, version, p))
                )
            if payload.get("v") == 2:
                # The text as stored (the last member), or as written before it was sealed.
                plain = plain_text(body) if sealed else text[text.index(',"event":') + 9 : -1]
                content = content_of(recorded_text, body_hash(plain))
            else:
                content = canonical(recorded_text, body)
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
            originator_version=version,
            timestamp=recorded_at,
            event=event,
            digest=digest,
            content=content,
            mac=mac,
        )


def _is_sealed(header: dict[str, Any], cipher: FieldCipher | None) -> bool:
    sealed = header.get("sealed") is True
    if sealed and cipher is None:
        raise StoreKeyError("stored data is encrypted, and no cipher key was given")
    return sealed


def _read_snapshot(
    stored_event: StoredEvent, originator_id: UUID, text: str, cipher: FieldCipher | None
) -> Snapshot:
    version = stored_event.originator_version
    kind, _, form = stored_event.topic[len(SNAPSHOT_TOPIC) :].partition("/")
    try:
        if form == "1":
            payload = _decoded(stored_event, text)
            sealed = _is_sealed(payload, cipher)
            state = payload["state"]
            if sealed:
                assert cipher is not None
                if not isinstance(state, str):
                    raise TypeError("sealed snapshot state is not a token")
                context = _context(originator_id, version, "snapshot")
                state = json.loads(cipher.open(state, context))
            if not isinstance(state, dict):
                raise TypeError("snapshot state is not an object")
            recorded_at = datetime.fromisoformat(payload["recorded_at"])
            return Snapshot(originator_id, version, recorded_at, kind, state, format=1)
        # Only the header is decoded here: the body (the bulk) is checked against its
        # seal first, and decoded once, by the store.
        cut = text.find(',"body":')
        if cut < 0 or not text.endswith("}"):
            raise ValueError("no snapshot body")
        header = _decoded(stored_event, text[:cut] + "}")
        body = text[cut + 8 : -1]
        if _is_sealed(header, cipher):
            assert cipher is not None
            token = json.loads(body)
            if not isinstance(token, str):
                raise TypeError("sealed snapshot body is not a token")
            body = cipher.open(token, _context(originator_id, version, "snapshot"))
        head, seal = header["head"], header["seal"]
        if not isinstance(head, str) or not isinstance(seal, str):
            raise TypeError("snapshot head or seal is not text")
        recorded_at = datetime.fromisoformat(header["recorded_at"])
        number = int(form)
    except StoreKeyError:
        raise
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise damaged(stored_event, f"the stored row is malformed ({type(exc).__name__})") from None
    state = {"head": head, "seal": seal, "body": body}
    return Snapshot(originator_id, version, recorded_at, kind, state, format=number)


def _snapshot_row(
    recorded_at: str,
    head: str,
    seal: str,
    body: str,
    cipher: FieldCipher | None,
    context: str,
) -> str:
    """A format-2 snapshot row: a small header, then the body (the state's JSON text, or a
    token of it), last, so a reader can take it without decoding it."""
    sealed = ""
    if cipher is not None:
        body = json.dumps(cipher.seal(body, context))
        sealed = '"sealed":true,'
    return (
        f'{{"recorded_at":"{recorded_at}",{sealed}"head":"{head}","seal":"{seal}","body":{body}}}'
    )


def _text(stored_event: StoredEvent) -> str:
    raw = bytes(stored_event.state)
    if not raw.strip():
        raise damaged(stored_event, "the stored row is empty")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise damaged(stored_event, "the stored row is not UTF-8") from None


def _decoded(stored_event: StoredEvent, text: str) -> dict[str, Any]:
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
    stream_id = stored_event.originator_id
    if not isinstance(stream_id, UUID):
        stream_id = UUID(str(stream_id))
    version = stored_event.originator_version
    if stored_event.topic.startswith(SNAPSHOT_TOPIC) and not stored_event.topic.endswith("/1"):
        return _resealed_snapshot(stored_event, stream_id, cipher)
    text = _text(stored_event)
    payload = _decoded(stored_event, text)
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
            payload["state"] = again(plain_text(state), "snapshot")
    elif isinstance(payload.get("event"), dict):
        # Once sealed, a format-2 digest is checked over the decrypted event written out
        # again: that must give back the very text the digest covers.
        if (
            payload.get("v") == 2
            and not sealed
            and plain_text(payload["event"]) != text[text.find(',"event":') + 9 : -1]
        ):
            raise damaged(stored_event, "the event's text cannot be encrypted unchanged")
        payload["event"] = transform(payload["event"], again)
        changed = _retagged(stored_event, payload, cipher) or changed
    if not changed:
        return None
    payload["sealed"] = True
    return json.dumps(payload, separators=_COMPACT, ensure_ascii=False).encode("utf-8")


def key_of_tag(tag: str) -> str | None:
    """The key id a keyed tag or seal names (``None``: a plain digest)."""
    key_id, colon, _ = tag.partition(":")
    return key_id if colon else None


def _retagged(stored_event: StoredEvent, payload: dict[str, Any], cipher: FieldCipher) -> bool:
    """Tag the row's digest under the cipher's current key (in place, before the event, which
    stays last); whether that changed the row. A tag that does not match under its own key is
    damage: a rotation must not launder a forged row."""
    digest, mac = payload.get("digest"), payload.get("mac")
    if not isinstance(digest, str):
        return False
    if isinstance(mac, str):
        key_id = mac.partition(":")[0]
        if key_id == cipher.current and hmac.compare_digest(mac, cipher.mac(digest)):
            return False
        if key_id in cipher.check_values() and not hmac.compare_digest(
            mac, cipher.mac(digest, key_id)
        ):
            raise damaged(stored_event, "its keyed tag does not match (written without the key)")
    event = payload.pop("event")
    payload.pop("mac", None)
    payload["mac"] = cipher.mac(digest)
    payload["event"] = event
    return True


def _resealed_snapshot(
    stored_event: StoredEvent, stream_id: UUID, cipher: FieldCipher
) -> bytes | None:
    text = _text(stored_event)
    cut = text.find(',"body":')
    if cut >= 0 and _decoded(stored_event, text[:cut] + "}").get("sealed") is True:
        token = json.loads(text[cut + 8 : -1])
        if isinstance(token, str) and cipher.key_of(token) == cipher.current:
            return None
    snap = _read_snapshot(stored_event, stream_id, text, cipher)
    context = _context(stream_id, stored_event.originator_version, "snapshot")
    state = snap.state
    seal, sealed_over = state["seal"], f"{state['head']}\n{state['body']}"
    key_id = key_of_tag(seal)
    # A keyed seal that holds under its own key is sealed again under the current one, so the
    # old key can go; any other is kept, and the snapshot is discarded when read (rebuilt).
    if key_id is not None and key_id in cipher.check_values():
        if hmac.compare_digest(seal, cipher.mac(sealed_over, key_id)):
            seal = cipher.mac(sealed_over)
    elif key_id is None:
        plain = hashlib.sha256(sealed_over.encode("utf-8", "surrogatepass")).hexdigest()
        if hmac.compare_digest(seal, plain):
            seal = cipher.mac(sealed_over)
    row = _snapshot_row(
        snap.timestamp.isoformat(), state["head"], seal, state["body"], cipher, context
    )
    return row.encode("utf-8")
