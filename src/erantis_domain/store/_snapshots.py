"""Private: snapshots of long streams, so a long case loads fast.

A snapshot holds a stream's folded state at a version, sealed with the chain head it was taken
at: restoring it is trusted only when its seal matches its content and the stored event at its
version carries that head. One is taken each time a stream's version crosses a multiple of the
store's ``snapshot_every``; a damaged one is discarded (with a warning) and the state rebuilt
from the events.

The state is stored as JSON text. A long case is mostly visits. Stored as one JSON object per
visit, restoring a 10,000-visit case costs a Python call per visit; stored as columns it costs
a few calls per column. A column with few distinct values (interventions, teams, carers,
minutes) is kept as its distinct values plus one character per row, naming the value; event ids
are one hex string, 16 bytes an id. Everything else of the state is its ordinary JSON.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from erantis_domain.case import CitizenCase, TeamPeriod, VisitLog
from erantis_domain.errors import StoreCorruptedError, StoreKeyError
from erantis_domain.store._backend import Backend
from erantis_domain.store._chain import Chain
from erantis_domain.store._mapper import Recorded, Snapshot, key_of_tag
from erantis_domain.store._naming import Kind
from erantis_domain.store._streams import Stream
from erantis_domain.store.keys import FieldCipher

#: One logger for the whole store, under the name embedders already configure.
_log = logging.getLogger("erantis_domain.store")

#: One character per row names a value, while a column has at most this many distinct values
#: (ASCII, none that JSON escapes).
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/"
_VISIT_COLUMNS = ("days", "codes", "minutes", "teams", "carers")


def _packed(values: list[Any]) -> dict[str, Any]:
    # Distinct values in the order first met, and a character per row: both loops in C.
    distinct = list(dict.fromkeys(values))
    if len(distinct) > len(_ALPHABET):
        return {"values": values}
    names = dict(zip(distinct, _ALPHABET, strict=False))
    return {"distinct": distinct, "rows": "".join(map(names.__getitem__, values))}


def _unpacked(column: Any) -> list[Any]:
    if "values" in column:
        values = column["values"]
        if not isinstance(values, list):
            raise TypeError("a snapshot column is not a list")
        return values
    table = dict(zip(_ALPHABET, column["distinct"], strict=False))
    return list(map(table.__getitem__, column["rows"]))


def body_of(state: CitizenCase | TeamPeriod) -> str:
    """The snapshot body of a state: JSON text, ASCII where the state is."""
    if isinstance(state, TeamPeriod):
        return f'{{"state":{state.model_dump_json()}}}'
    days, codes, minutes, teams, carers, ids = state.visit_log.columns()
    columns: tuple[list[Any], ...] = (days, codes, minutes, teams, carers)
    visits: dict[str, Any] = {
        name: _packed(column) for name, column in zip(_VISIT_COLUMNS, columns, strict=True)
    }
    visits["ids"] = ids.hex()
    packed = json.dumps(visits, separators=(",", ":"), ensure_ascii=False)
    return f'{{"state":{state.model_dump_json(exclude={"visit_log"})},"visits":{packed}}}'


def state_of(kind: str, body: str) -> CitizenCase | TeamPeriod:
    """The state a snapshot body holds. Raises ``KeyError``, ``TypeError`` or ``ValueError``
    (pydantic's ``ValidationError`` is one) when it is not a state of ``kind``."""
    decoded = json.loads(body)
    if not isinstance(decoded, dict) or not isinstance(decoded.get("state"), dict):
        raise TypeError("a snapshot body is not an object holding a state")
    if kind == "team":
        return TeamPeriod.model_validate(decoded["state"])
    if kind != "case":
        raise ValueError(f"no stream kind {kind!r}")
    visits = decoded["visits"]
    days, codes, minutes, teams, carers = (_unpacked(visits[name]) for name in _VISIT_COLUMNS)
    ids = bytes.fromhex(visits["ids"])
    log = VisitLog.of_columns(days, codes, minutes, teams, carers, ids)
    return CitizenCase.model_validate({**decoded["state"], "visit_log": log})


def _seal(head: str, body: Mapping[str, Any]) -> str:
    """A format-1 snapshot's own digest: over the chain head it was taken at and its content
    (which held the digests of its events)."""
    text = head + json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _seal_text(head: str, body: str, keys: FieldCipher | None, key_id: str | None = None) -> str:
    """A snapshot's own digest: over the chain head it was taken at and its body's text; with
    the store's ``keys`` an HMAC (``<key id>:<hex>``), as its events are chained."""
    text = f"{head}\n{body}"
    if keys is not None:
        return keys.mac(text, key_id)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _snapshot_state(stream: Stream, keys: FieldCipher | None) -> dict[str, Any]:
    body = body_of(stream.state)
    head = stream.chain.head
    return {"head": head, "seal": _seal_text(head, body, keys), "body": body}


def _sealed_state(snap: Snapshot, kind: Kind, keys: FieldCipher | None) -> CitizenCase | TeamPeriod:
    """The state a snapshot holds, once its seal is checked; raises ``ValueError`` (or
    ``KeyError``, ``TypeError``) when it is damaged."""
    head = snap.state["head"]
    if not isinstance(head, str):
        raise TypeError("its chain head is not text")
    if snap.format >= 2:
        body = snap.state["body"]
        seal = snap.state["seal"]
        key_id = key_of_tag(seal) if isinstance(seal, str) else None
        if keys is not None and key_id is None:
            # Written before the store had keys (trusted only where its head event is not
            # tagged either, see Snapshots.read), or by someone without them.
            keys = None
        if keys is None and key_id is not None:
            raise ValueError("its seal is keyed, and no key was given")
        try:
            expected = _seal_text(head, body, keys, key_id)
        except StoreKeyError:
            raise ValueError("its seal is keyed with a key that is not given") from None
        if not hmac.compare_digest(seal, expected):
            raise ValueError("its seal does not match its content")
        return state_of(kind, body)
    # Format 1 (stores written before the index of event ids): the digests it also holds
    # are sealed with the state, and no longer needed.
    sealed = {"state": snap.state["state"], "digests": snap.state["digests"]}
    if snap.state["seal"] != _seal(head, sealed):
        raise ValueError("its seal does not match its content")
    model = CitizenCase if kind == "case" else TeamPeriod
    return model.model_validate(sealed["state"])


def _key_of(state: CitizenCase | TeamPeriod) -> tuple[str, ...]:
    if isinstance(state, TeamPeriod):
        return (state.team_id, state.period)
    return (state.case_id,)


class SnapshotDamaged(Exception):
    """A snapshot that cannot be trusted: at which version, and why (never its content)."""

    def __init__(self, version: int, reason: str) -> None:
        super().__init__(reason)
        self.version, self.reason = version, reason


class Snapshots:
    """The store's snapshots: those due after an append, and streams restored from them."""

    def __init__(self, app: Backend, every: int) -> None:
        self._app = app
        self._every = every

    @property
    def kept(self) -> bool:
        """Whether the backend keeps snapshots at all."""
        return self._app.snapshots is not None

    def due(self, appended: Iterable[tuple[Stream, int]]) -> list[Snapshot]:
        """The snapshots due after an append of ``(stream, how many events)``: of each
        stream whose version crossed a multiple of ``snapshot_every`` in it."""
        every = self._every
        if not every or self._app.snapshots is None:
            return []
        due: list[Snapshot] = []
        for stream, added in appended:
            if added and stream.version // every > (stream.version - added) // every:
                due.append(
                    Snapshot(
                        stream.stream_id,
                        stream.version,
                        datetime.now(UTC),
                        stream.kind,
                        _snapshot_state(stream, self._app.field_cipher),
                    )
                )
        return due

    def restore(self, stream_id: UUID, kind: Kind, parts: tuple[str, ...]) -> Stream | None:
        """The stream from its newest snapshot, or ``None`` when there is none or it is damaged
        (a warning is logged, and the caller rebuilds the state from the events)."""
        try:
            return self.read(stream_id, kind, parts)
        except SnapshotDamaged as exc:
            # Never the state itself in the log: it holds personal data.
            _log.warning(
                "discarded a damaged snapshot of stream %s at version %d (%s); "
                "rebuilding the state from its events",
                stream_id,
                exc.version,
                exc.reason,
            )
        return None

    def read(self, stream_id: UUID, kind: Kind, parts: tuple[str, ...]) -> Stream | None:
        """The stream from its newest snapshot (``None`` if it has none); raises
        :class:`SnapshotDamaged` when the snapshot cannot be trusted."""
        assert self._app.snapshots is not None
        version = 0
        try:
            for snap in self._app.snapshots.get(stream_id, desc=True, limit=1):
                assert isinstance(snap, Snapshot)
                version = snap.originator_version
                head = snap.state["head"]
                keys = self._app.field_cipher
                state = _sealed_state(snap, kind, keys)
                stream = Stream(stream_id, kind, state, Chain(stream_id), state.version)
                stream.chain = Chain(stream_id, stream.version, head, bool(head), keys=keys)
                if stream.version != version or not self._head_matches(stream):
                    raise ValueError("it does not match the stored events")
                if stream.chain.keyed and key_of_tag(snap.state.get("seal") or "") is None:
                    # Its events are tagged, its seal is plain: written without the key.
                    raise ValueError("its seal is not keyed, where its stream is")
                if _key_of(state) != parts:
                    # A snapshot row moved from another stream: its seal and head are that
                    # stream's own, and match if the events were moved with it.
                    raise ValueError("it holds the state of another stream")
                return stream
        except (StoreCorruptedError, KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, StoreCorruptedError):
                reason, version = exc.code, exc.damage[0].position if exc.damage else version
            else:
                reason = type(exc).__name__
            raise SnapshotDamaged(version, reason) from None
        return None

    def _head_matches(self, stream: Stream) -> bool:
        """Whether the event at the snapshot's position carries the snapshot's chain head."""
        head = stream.chain.head
        if not head:
            return True  # taken over events stored before digests: nothing to compare
        version = stream.version
        found = list(self._app.events.get(stream.stream_id, gt=version - 1, lte=version))
        if len(found) != 1 or not isinstance(found[0], Recorded) or found[0].digest != head:
            return False
        # The event's keyed tag, if any, must hold too; the chain then stays keyed from it.
        return stream.chain.tagged(found[0], head) is None
