"""Private: reading the whole store stream by stream, for bulk work (:meth:`CaseStore.streams`).

The notification log (:meth:`CaseStore.replay`) interleaves streams in recording order, so a
reader that wants whole cases would have to hold every case until the end. Here rows are read in
primary-key order (stream id, then version) in pages (keyset pagination: each page is a short
query, none holds the database for the whole read), so each stream arrives whole and in order,
and one stream at a time is decoded.

Decoding trusts what the store validated on the way in: a row our mapper wrote in clear is
decoded by building the typed event from its stored JSON text (pydantic, lax: the stored text
is already the event's own serialization), not by :func:`~erantis_domain.events.parse_event`'s
strict contract (duplicate keys, size bounds, strict types, re-encoding). An older schema
version, an encrypted row, or a row in any other shape goes through the store's mapper, as
every other read does. A format-2 row's digest covers the event's text as stored, so it is
hashed as found; a format-1 row's covers its canonical re-encoding (see ``_mapper``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent
from pydantic import ValidationError

from erantis_domain.errors import ErantisError
from erantis_domain.events.decode import _ADAPTER, _parse_stored
from erantis_domain.store._mapper import Recorded, canonical, content_of

__all__ = ["Row", "decode", "pages", "streams_of"]

#: A stored event row: stream id, version, topic, state (the stored bytes).
Row = tuple[UUID, int, str, bytes]
#: Fetches the page of rows after a (stream id, version) key; ``None``: from the start.
Fetch = Callable[[tuple[UUID, int] | None, int], list[Row]]

_EVENT_KEY = b',"event":'
_HEAD = b'{"recorded_at":"'
_FORMAT_2 = b'"v":2,'
_TOPIC = "erantis/"


def pages(fetch: Fetch, batch_size: int) -> Iterator[Row]:
    """Every row, page by page, in (stream id, version) order."""
    after: tuple[UUID, int] | None = None
    while True:
        rows = fetch(after, batch_size)
        if not rows:
            return
        yield from rows
        last = rows[-1]
        after = (last[0], last[1])


def streams_of(rows: Iterator[Row]) -> Iterator[tuple[UUID, list[Row]]]:
    """Rows grouped by stream (each stream's rows are adjacent in key order)."""
    current: UUID | None = None
    group: list[Row] = []
    for row in rows:
        if row[0] != current:
            if group:
                assert current is not None
                yield current, group
            current, group = row[0], []
        group.append(row)
    if group:
        assert current is not None
        yield current, group


def decode(row: Row, mapper: Mapper[UUID], *, digests: bool) -> Recorded:
    """One event row as :class:`Recorded`. With ``digests`` its canonical content is computed
    too (for the digest chain); without, ``content`` is left empty and the row's JSON is not
    decoded as a whole, only the event's text is read into its typed event."""
    stream_id, version, topic, state = row
    if topic.startswith(_TOPIC) and state.startswith(_HEAD):
        head, found, text = state.partition(_EVENT_KEY)
        # The mapper writes the event last; ``"sealed"`` (and a keyed ``"mac"``, which only
        # the mapper reads) would come before it.
        clear = found and b'"sealed"' not in head and b'"mac"' not in head and text.endswith(b"}")
        if clear:
            if not digests:
                fast = _undigested(stream_id, version, head, text[:-1])
            elif _FORMAT_2 in head:
                fast = _format_2(stream_id, version, head, text[:-1])
            else:
                fast = _format_1(stream_id, version, state)
            if fast is not None:
                return fast
    stored = StoredEvent(
        originator_id=stream_id, originator_version=version, topic=topic, state=state
    )
    record = mapper.to_domain_event(stored)
    assert isinstance(record, Recorded)
    return record


def _undigested(stream_id: UUID, version: int, head: bytes, text: bytes) -> Recorded | None:
    """A row of any format read without its digest: only the event's text is decoded."""
    event, when = _typed(text), _moment(head)
    return None if event is None or when is None else Recorded(stream_id, version, when, event)


def _format_2(stream_id: UUID, version: int, head: bytes, text: bytes) -> Recorded | None:
    """A format-2 row: its digest covers the SHA-256 of the event's text exactly as stored
    (:func:`~erantis_domain.store._mapper.body_hash` of the same text), so the text is hashed as
    found, never decoded and re-encoded."""
    event = _typed(text)
    if event is None:
        return None
    header = _loads(head + b"}")
    if header is None:
        return None
    recorded, digest = header.get("recorded_at"), header.get("digest")
    if not isinstance(recorded, str) or not (digest is None or isinstance(digest, str)):
        return None
    try:
        when = datetime.fromisoformat(recorded)
    except ValueError:
        return None
    content = content_of(recorded, hashlib.sha256(text).hexdigest())
    return Recorded(stream_id, version, when, event, digest, content)


def _format_1(stream_id: UUID, version: int, state: bytes) -> Recorded | None:
    """A row written before format 2: its digest covers the event's JSON with sorted keys."""
    payload = _loads(state)
    if payload is None:
        return None
    body, recorded, digest = payload.get("event"), payload.get("recorded_at"), payload.get("digest")
    if not (
        isinstance(body, dict)
        and isinstance(recorded, str)
        and (digest is None or isinstance(digest, str))
    ):
        return None
    try:
        return Recorded(
            stream_id,
            version,
            datetime.fromisoformat(recorded),
            _typed_body(body),
            digest,
            canonical(recorded, body),
        )
    except (ErantisError, ValueError, TypeError):
        return None  # the mapper names the damage


def _moment(head: bytes) -> datetime | None:
    moment = head[len(_HEAD) :].split(b'"', 1)[0]
    try:
        return datetime.fromisoformat(moment.decode())
    except (UnicodeDecodeError, ValueError):
        return None


def _loads(state: bytes) -> dict[str, Any] | None:
    try:
        payload = json.loads(state)
    except (ValueError, RecursionError):
        return None  # the mapper names the damage
    return payload if isinstance(payload, dict) else None


def _typed_body(body: dict[str, Any]) -> Any:
    """The typed event of a stored event's decoded JSON; upcast only when it needs it."""
    try:
        return _ADAPTER.validate_python(body)
    except ValidationError:
        return _parse_stored(body)


def _typed(text: bytes) -> Any:
    """The typed event of a stored event's JSON text, or ``None`` when it needs the mapper
    (an older schema version to upcast, or anything unexpected)."""
    try:
        return _ADAPTER.validate_json(text)
    except ValidationError:
        return None
