"""Private: appending a batch of events, all or nothing.

A batch is validated and checked against the append policy first; events already stored (same
``event_id``, same content, per the index of event ids) are skipped; each new event is chained
to its stream's digest chain, and the events, their index entries and the snapshots due after
them are written in one transaction.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, StoredEvent

from erantis_domain.authority import AppendPolicy, check_principal
from erantis_domain.errors import ConcurrencyConflict, EventIdReused, SettlementError
from erantis_domain.events import DomainEvent, Event, PeriodSettled, parse_events
from erantis_domain.store._backend import Backend
from erantis_domain.store._chain import Chain
from erantis_domain.store._index import EventIds, entry_of, matches
from erantis_domain.store._mapper import (
    EVENT_TOPIC,
    Snapshot,
    row_template,
    sealed_body,
    written_again,
)
from erantis_domain.store._naming import Kind, shown, stream_of
from erantis_domain.store._reading import Reader
from erantis_domain.store._recorders import Entry, Row
from erantis_domain.store._snapshots import Snapshots
from erantis_domain.store._streams import Stream, empty, settled
from erantis_domain.store.keys import FieldCipher
from erantis_domain.store.results import AppendResult
from erantis_domain.values import Actor

#: One logger for the whole store, under the name embedders already configure.
_log = logging.getLogger("erantis_domain.store")


#: How every event's JSON text starts: its ``event_id`` is the first field (``DomainEvent``).
_ID_HEAD = b'{"event_id":"'
_ID_END = len(_ID_HEAD) + 36


@dataclass(slots=True)
class _Target:
    """A stream an append writes to: what it knows of it so far."""

    stream_id: UUID
    kind: Kind
    parts: tuple[str, ...]
    #: Version of its newest stored event when the append began.
    last: int = 0
    #: Digests of those of ``keys`` already stored.
    stored: dict[str, str] = field(default_factory=dict)
    #: The stream, once loaded (only if the batch holds new events of it).
    stream: Stream | None = None
    #: The stream id as the index of event ids keys it.
    hex: str = ""
    #: The new events of the batch, not yet applied to ``stream``.
    added: list[Event] = field(default_factory=list)
    #: How many new events the batch holds for it.
    count: int = 0

    def __post_init__(self) -> None:
        self.hex = self.stream_id.hex

    def flush(self) -> Stream:
        """The stream, with the batch's new events so far applied."""
        stream = self.stream
        assert stream is not None
        if self.added:
            stream.extend(self.added)
            self.count += len(self.added)
            # Emptied in place: an append holds on to the list while it seals the batch.
            self.added.clear()
        return stream


#: An event of a batch, serialized: the event, its id, its JSON text, the SHA-256 (hex) of
#: that text, and its stream.
_Fresh = tuple[Event, str, bytes, str, _Target]

#: The topic of each event type's rows.
_TOPICS: dict[type, str] = {}


def _topic(kind: type) -> str:
    topic = _TOPICS.get(kind)
    if topic is None:
        topic = _TOPICS[kind] = EVENT_TOPIC + kind.__name__
    return topic


#: Each event type's serializer to JSON bytes (pydantic-core's, looked up once per type).
_SERIALIZERS: dict[type, Callable[[Any], bytes]] = {}


def _serializer(kind: type) -> Callable[[Any], bytes]:
    to_json = _SERIALIZERS.get(kind)
    if to_json is None:
        to_json = _SERIALIZERS[kind] = kind.__pydantic_serializer__.to_json  # type: ignore[attr-defined]
    return to_json


def _json_of(event: DomainEvent) -> bytes:
    """The event's JSON text as UTF-8: exactly ``model_dump_json()``'s, without decoding it."""
    return _serializer(type(event))(event)


class Writer:
    """Appends batches of events to one store."""

    def __init__(
        self,
        app: Backend,
        reader: Reader,
        ids: EventIds,
        snapshots: Snapshots,
        *,
        policy: AppendPolicy | None,
        cipher: FieldCipher | None,
        label: str,
    ) -> None:
        self._app = app
        self._reader = reader
        self._ids = ids
        self._snapshots = snapshots
        self._policy = policy
        self._cipher = cipher
        self._label = label

    def append(
        self,
        events: Iterable[DomainEvent | Mapping[str, Any] | str | bytes],
        expected_version: int | None,
        principal: Actor | None,
    ) -> AppendResult:
        """Validate and store a batch (see :meth:`~erantis_domain.store.CaseStore.append`)."""
        if type(events) is list and all(isinstance(e, DomainEvent) for e in events):
            # Already parsed (as an ingest gives them): parse_events would pass each
            # through, one call per event.
            parsed: list[Event] = events
        else:
            parsed = parse_events(events)
        if self._policy is not None:
            for event in parsed:
                self._policy.check(event, principal)
        elif principal is not None:
            for event in parsed:
                check_principal(event, principal)
        if not parsed:
            return AppendResult(stored=0, duplicates=0, versions={})
        now = datetime.now(UTC)
        recorded_at = now.isoformat()
        fresh, targets, duplicates = self._serialized(parsed)
        for target in targets.values():
            target.last = self._last_version(target.stream_id)
            if target.last:
                keys = [key for _, key, _, _, t in fresh if t is target]
                target.stored = self._ids.digests(target.stream_id, keys)
            else:
                # A new stream (the first append of a case, as in an ingest): nothing of it
                # to look up or load.
                target.stream = empty(target.stream_id, target.kind, target.parts, self._cipher)
        recorder = self._ids.recorder
        hex_streams = recorder is not None and recorder.hex_streams
        if self._cipher is None:
            rows, index, skipped = self._clear_rows(fresh, recorded_at, hex_streams)
        else:
            rows, index, skipped = self._sealed_rows(fresh, recorded_at, hex_streams)
        duplicates += skipped
        appended = [(t.flush(), t.count) for t in targets.values() if t.stream is not None]
        # A batch that is stored already (a retry after a lost reply) is no conflict: the
        # writer's events are in, so the result reports them as duplicates.
        if expected_version is not None and rows:
            if len(targets) != 1:
                raise ConcurrencyConflict("expected_version needs a batch of exactly one stream")
            ((stream, added),) = appended
            before = stream.version - added
            if before != expected_version:
                raise ConcurrencyConflict(
                    f"stream is at version {before}, the writer expected {expected_version}"
                )
        if rows:
            self._put(rows, index, self._snapshots.due(appended))
        versions = {
            "/".join(t.parts): t.last if t.stream is None else t.stream.version
            for t in targets.values()
        }
        _log.info(
            "append: %d events stored, %d duplicates, %d streams (%s)",
            len(rows),
            duplicates,
            len(targets),
            self._label,
        )
        return AppendResult(stored=len(rows), duplicates=duplicates, versions=versions)

    def _serialized(self, parsed: list[Event]) -> tuple[list[_Fresh], dict[UUID, _Target], int]:
        """Each event of the batch serialized once, with its id, its hash and its stream;
        events repeated in the batch are dropped (counted) or refused."""
        # Its text gives its digest, its chained digest and its row (and, from its first
        # field, its id as text).
        fresh: list[_Fresh] = []
        in_batch: dict[str, str] = {}
        targets: dict[UUID, _Target] = {}
        target: _Target | None = None
        case_of_target: str | None = None
        duplicates = 0
        sha256 = hashlib.sha256
        serializers = _SERIALIZERS
        start, end = len(_ID_HEAD), _ID_END
        for event in parsed:
            kind = type(event)
            to_json = serializers.get(kind) or _serializer(kind)
            body = to_json(event)
            hashed = sha256(body).hexdigest()
            if body.startswith(_ID_HEAD):
                key = body[start:end].decode("ascii")
            else:  # pragma: no cover - every event's first field is its id
                key = str(event.event_id)
            seen = in_batch.get(key)
            if seen is not None:
                if seen != hashed:
                    raise EventIdReused(
                        f"event_id {key} appears twice in the batch with different content"
                    )
                duplicates += 1
                continue
            in_batch[key] = hashed
            # A batch is mostly one case: its events meet the same target as the one before.
            case_id = getattr(event, "case_id", None)
            if case_id is None or case_id != case_of_target or target is None:
                stream_id, stream_kind, parts = stream_of(event)
                target = targets.get(stream_id)
                if target is None:
                    target = targets[stream_id] = _Target(stream_id, stream_kind, parts)
                case_of_target = case_id
            fresh.append((event, key, body, hashed, target))
        return fresh, targets, duplicates

    def _stream(self, target: _Target) -> Stream:
        """The target's stream: loaded on first need (a stream that has events)."""
        stream = target.stream
        if stream is None:
            stream = target.stream = self._reader.load(target.stream_id, target.kind, target.parts)
        return stream

    def _duplicate(self, target: _Target, key: str, hashed: str) -> bool:
        """Whether the event ``key`` (of content hash ``hashed``) is stored in the target's
        stream already; raises :class:`EventIdReused` when it is stored with other content."""
        stored_digest = target.stored.get(key)
        if stored_digest is None:
            return False
        if not matches(stored_digest, hashed, self._cipher):
            raise EventIdReused(f"event_id {key} is already stored with different content")
        return True

    def _settling(self, target: _Target, event: Event) -> None:
        """Refuse a second settlement of a team period."""
        if isinstance(event, PeriodSettled) and settled(target.flush().state):
            raise SettlementError(
                f"period {event.period} of team {shown(event.team_id)} is already "
                "settled; a period is settled once"
            )

    def _clear_rows(
        self, fresh: list[_Fresh], recorded_at: str, hex_streams: bool
    ) -> tuple[list[Row], list[Entry], int]:
        """The rows and index entries of a store in clear; how many events were stored
        already. The chain is sealed here as :meth:`Chain.seal` does, written out: an ingest
        seals every event, and the text is ASCII (hex digests, a UUID, an ISO moment)."""
        template = row_template(recorded_at)
        rows: list[Row] = []
        index: list[Entry] = []
        topics = _TOPICS
        sha256 = hashlib.sha256
        duplicates = 0
        current: _Target | None = None
        chain = Chain(UUID(int=0))
        head, name, position, stream_hex = "", "", 0, ""
        stream_ref: str | UUID = ""
        added: list[Event] = []
        for event, key, body, hashed, target in fresh:
            if target.stored and self._duplicate(target, key, hashed):
                duplicates += 1
                continue
            if target is not current:
                if current is not None:
                    chain.head, chain.position, chain.sealed = head, position, True
                current = target
                chain = self._stream(target).chain
                head, position = chain.head, chain.position
                name = chain.name or chain.named()
                stream_hex, added = target.hex, target.added
                stream_ref = stream_hex if hex_streams else target.stream_id
            if target.kind == "team":
                self._settling(target, event)
            position += 1
            head = sha256(
                f"{head}\n{name}\n{position}\n{recorded_at}\n{hashed}".encode()
            ).hexdigest()
            added.append(event)
            kind = type(event)
            rows.append(
                (
                    stream_ref,
                    position,
                    topics.get(kind) or _topic(kind),
                    template % (head.encode(), b"", body),
                )
            )
            index.append((stream_hex, key, hashed[:32]))
        if current is not None:
            chain.head, chain.position, chain.sealed = head, position, True
        return rows, index, duplicates

    def _sealed_rows(
        self, fresh: list[_Fresh], recorded_at: str, hex_streams: bool
    ) -> tuple[list[Row], list[Entry], int]:
        """The rows and index entries of a store with a cipher: personal data sealed, the
        chain tagged and the index keyed; how many events were stored already."""
        cipher = self._cipher
        assert cipher is not None
        template = row_template(recorded_at, sealed=True)
        rows: list[Row] = []
        index: list[Entry] = []
        sha256 = hashlib.sha256
        duplicates = 0
        for event, key, body, hashed, target in fresh:
            if target.stored and self._duplicate(target, key, hashed):
                duplicates += 1
                continue
            stream = self._stream(target)
            self._settling(target, event)
            chain = stream.chain
            entry = entry_of(hashed, cipher)
            # An encrypted row's digest is checked over its decrypted text written out
            # again; written out the same way here, the two agree by construction.
            decoded = json.loads(body.decode("utf-8"))
            plain = written_again(body, decoded)
            digest = chain.seal(recorded_at, hashed if plain is body else sha256(plain).hexdigest())
            sealed = sealed_body(decoded, target.stream_id, chain.position, cipher)
            mac = b'"mac":"%s",' % str(chain.tag()).encode()
            target.added.append(event)
            kind = type(event)
            rows.append(
                (
                    target.hex if hex_streams else target.stream_id,
                    chain.position,
                    _TOPICS.get(kind) or _topic(kind),
                    template % (digest.encode(), mac, sealed),
                )
            )
            index.append((target.hex, key, entry))
        return rows, index, duplicates

    def _put(
        self, rows: list[Row], index: list[tuple[str, str, str]], snapshots: list[Snapshot]
    ) -> None:
        """Write the event rows, their index entries and the snapshots taken after them, in
        one transaction (in memory, the snapshots after it)."""
        to_stored = self._app.mapper.to_stored_event
        try:
            recorder = self._ids.recorder
            if recorder is None:
                self._app.recorder.insert_events([StoredEvent(*row) for row in rows])
                self._ids.remember(index)
                assert self._app.snapshots is not None or not snapshots
                for snap in snapshots:
                    # Another writer may have stored the same snapshot; equal by design.
                    with contextlib.suppress(IntegrityError):
                        self._app.snapshots.put([snap])  # type: ignore[union-attr]
            else:
                # Straight to the recorder: eventsourcing's event store would also build a
                # notification object per event, which nothing here reads.
                recorder.write(rows, index, [to_stored(s) for s in snapshots])
        except IntegrityError as exc:
            raise ConcurrencyConflict(
                "another writer appended to the same case or team period (or stored one of "
                "these events); nothing was written"
            ) from exc

    def _last_version(self, stream_id: UUID) -> int:
        """The version of the stream's newest stored event (0: none)."""
        newest = self._app.recorder.select_events(stream_id, desc=True, limit=1)
        return newest[0].originator_version if newest else 0
