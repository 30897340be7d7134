"""Private: appending a batch of events, all or nothing.

A batch is validated and checked against the append policy first; events already stored (same
``event_id``, same content, per the index of event ids) are skipped; each new event is chained
to its stream's digest chain, and the events, their index entries and the snapshots due after
them are written in one transaction.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from erantis_domain.authority import AppendPolicy, check_principal
from erantis_domain.errors import ConcurrencyConflict, EventIdReused, SettlementError
from erantis_domain.events import DomainEvent, Event, PeriodSettled, parse_events
from erantis_domain.store._backend import Backend
from erantis_domain.store._index import EventIds, entry_of, matches
from erantis_domain.store._mapper import Recorded, Snapshot, body_hash, plain_text
from erantis_domain.store._naming import Kind, shown, stream_of
from erantis_domain.store._reading import Reader
from erantis_domain.store._snapshots import Snapshots
from erantis_domain.store._streams import Stream, empty, settled
from erantis_domain.store.keys import FieldCipher
from erantis_domain.store.results import AppendResult
from erantis_domain.values import Actor

#: One logger for the whole store, under the name embedders already configure.
_log = logging.getLogger("erantis_domain.store")


@dataclass(slots=True)
class _Target:
    """A stream an append writes to: what it knows of it so far."""

    stream_id: UUID
    kind: Kind
    parts: tuple[str, ...]
    #: The batch's event ids (not repeated in the batch) of this stream.
    keys: list[str] = field(default_factory=list)
    #: Version of its newest stored event when the append began.
    last: int = 0
    #: Digests of those of ``keys`` already stored.
    stored: dict[str, str] = field(default_factory=dict)
    #: The stream, once loaded (only if the batch holds new events of it).
    stream: Stream | None = None
    #: The stream id as the index of event ids keys it.
    hex: str = ""

    def __post_init__(self) -> None:
        self.hex = self.stream_id.hex


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
        parsed = parse_events(events)
        for event in parsed:
            if self._policy is not None:
                self._policy.check(event, principal)
            else:
                check_principal(event, principal)
        if not parsed:
            return AppendResult(stored=0, duplicates=0, versions={})
        now = datetime.now(UTC)
        recorded_at = now.isoformat()
        # Each event is serialized once: its text gives its digest, its chained digest and
        # its row.
        fresh: list[tuple[Event, str, str, str, _Target]] = []
        in_batch: dict[str, str] = {}
        targets: dict[UUID, _Target] = {}
        target: _Target | None = None
        duplicates = 0
        for event in parsed:
            key = str(event.event_id)
            body = event.model_dump_json()
            hashed = body_hash(body)
            digest = hashed[:32]
            seen = in_batch.get(key)
            if seen is not None:
                if seen != digest:
                    raise EventIdReused(
                        f"event_id {key} appears twice in the batch with different content"
                    )
                duplicates += 1
                continue
            in_batch[key] = digest
            stream_id, kind, parts = stream_of(event)
            # Stream ids are cached objects: a batch of one case meets the same one each time.
            if target is None or target.stream_id is not stream_id:
                target = targets.get(stream_id)
                if target is None:
                    target = targets[stream_id] = _Target(stream_id, kind, parts)
            target.keys.append(key)
            fresh.append((event, key, body, hashed, target))
        for target in targets.values():
            target.last = self._last_version(target.stream_id)
            if target.last:
                target.stored = self._ids.digests(target.stream_id, target.keys)
            else:
                # A new stream (the first append of a case, as in an ingest): nothing of it
                # to look up or load.
                target.stream = empty(target.stream_id, target.kind, target.parts, self._cipher)
        pending: list[Recorded] = []
        index: list[tuple[str, str, str]] = []
        for event, key, body, hashed, target in fresh:
            stored_digest = target.stored.get(key)
            if stored_digest is not None:
                if not matches(stored_digest, hashed, self._cipher):
                    raise EventIdReused(f"event_id {key} is already stored with different content")
                duplicates += 1
                continue
            stream = target.stream
            if stream is None:
                stream = target.stream = self._reader.load(
                    target.stream_id, target.kind, target.parts
                )
            if isinstance(event, PeriodSettled) and settled(stream.state):
                raise SettlementError(
                    f"period {event.period} of team {shown(event.team_id)} is already "
                    "settled; a period is settled once"
                )
            entry = entry_of(hashed, self._cipher)
            if self._cipher is not None:
                # An encrypted row's digest is checked over its decrypted text written out
                # again; written out the same way here, the two agree by construction.
                body = plain_text(json.loads(body))
                hashed = body_hash(body)
            chained = stream.chain.seal(recorded_at, hashed)
            stream.apply(event)
            pending.append(
                Recorded(
                    target.stream_id,
                    stream.version,
                    now,
                    event,
                    chained,
                    body=body,
                    mac=stream.chain.tag(),
                )
            )
            index.append((target.hex, key, entry))
        streams = {t.stream_id: t.stream for t in targets.values() if t.stream is not None}
        # A batch that is stored already (a retry after a lost reply) is no conflict: the
        # writer's events are in, so the result reports them as duplicates.
        if expected_version is not None and pending:
            if len(targets) != 1:
                raise ConcurrencyConflict("expected_version needs a batch of exactly one stream")
            (stream,) = streams.values()
            before = stream.version - len(pending)
            if before != expected_version:
                raise ConcurrencyConflict(
                    f"stream is at version {before}, the writer expected {expected_version}"
                )
        if pending:
            self._put(pending, index, self._snapshots.due(streams.values(), pending))
        versions = {
            "/".join(t.parts): t.last if t.stream is None else t.stream.version
            for t in targets.values()
        }
        _log.info(
            "append: %d events stored, %d duplicates, %d streams (%s)",
            len(pending),
            duplicates,
            len(targets),
            self._label,
        )
        return AppendResult(stored=len(pending), duplicates=duplicates, versions=versions)

    def _put(
        self,
        pending: list[Recorded],
        index: list[tuple[str, str, str]],
        snapshots: list[Snapshot],
    ) -> None:
        """Write the events, their index entries and the snapshots taken after them, in one
        transaction (in memory, the snapshots after it)."""
        try:
            if self._ids.recorder is None:
                self._app.events.put(pending)
                self._ids.remember(index)
                assert self._app.snapshots is not None or not snapshots
                for snap in snapshots:
                    # Another writer may have stored the same snapshot; equal by design.
                    with contextlib.suppress(IntegrityError):
                        self._app.snapshots.put([snap])  # type: ignore[union-attr]
            else:
                # Straight to the recorder: eventsourcing's event store would also build a
                # notification object per event, which nothing here reads.
                to_stored = self._app.mapper.to_stored_event
                self._app.recorder.insert_events(
                    [to_stored(r) for r in pending],
                    ids=index,
                    snapshots=[to_stored(s) for s in snapshots],
                )
        except IntegrityError as exc:
            raise ConcurrencyConflict(
                "another writer appended to the same case or team period (or stored one of "
                "these events); nothing was written"
            ) from exc

    def _last_version(self, stream_id: UUID) -> int:
        """The version of the stream's newest stored event (0: none)."""
        newest = self._app.recorder.select_events(stream_id, desc=True, limit=1)
        return newest[0].originator_version if newest else 0
