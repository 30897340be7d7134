"""Private: the signed checkpoint of every stream's head (a "tree head").

The digest chain inside the database is unkeyed: whoever can write the database can rewrite a
stream and recompute its chain, cut its last events, or delete it whole with its index rows,
and the store alone cannot tell. A tree head closes that gap from outside: the operator takes
one (:meth:`~erantis_domain.store.CaseStore.tree_head`), keeps it elsewhere, and later checks
the store against it (:meth:`~erantis_domain.store.CaseStore.check_tree_head`). It lists each
stream's version and chain head at the time, a root digest over that list, and an HMAC over
the root with a key the database never sees, so a checkpoint cannot be forged or edited
either. Every stream it names must still be there, at least as long, with the same head at
that version: a rewritten, truncated or deleted stream is named, whatever its chain says now.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import UUID

from erantis_domain.errors import Damage, InvalidArgumentError, StoreCorruptedError
from erantis_domain.store._backend import Backend
from erantis_domain.store._chain import Chain
from erantis_domain.store._mapper import Recorded
from erantis_domain.store._reading import Reader
from erantis_domain.store.results import TREE_HEAD_FORMAT as _FORMAT
from erantis_domain.store.results import TreeHead

__all__ = ["check", "heads", "take"]


def _root(streams: tuple[tuple[str, int, str], ...], taken_at: str) -> str:
    digest = hashlib.sha256(f"{_FORMAT}\n{taken_at}\n".encode())
    for stream_id, version, head in streams:
        digest.update(f"{stream_id} {version} {head}\n".encode())
    return digest.hexdigest()


def _signature(key: bytes, key_id: str, root: str) -> str:
    return hmac.new(key, f"{key_id}\n{root}".encode(), hashlib.sha256).hexdigest()


def _records(app: Backend, reader: Reader, batch_size: int) -> Iterator[Recorded]:
    start = 1
    while True:
        notifications = reader.fetch(start, batch_size)
        if not notifications:
            return
        for notification in notifications:
            record = app.mapper.to_domain_event(notification)
            assert isinstance(record, Recorded)
            yield record
        start = notifications[-1].id + 1


def heads(app: Backend, reader: Reader, batch_size: int) -> dict[UUID, list[str]]:
    """Every stream's chain head after each of its events (index 0 is version 1), each
    event checked against the chain (damage raises, as on every read)."""
    chains: dict[UUID, Chain] = {}
    keys = app.field_cipher
    found: dict[UUID, list[str]] = {}
    for record in _records(app, reader, batch_size):
        chain_of = chains.get(record.originator_id)
        if chain_of is None:
            chain_of = chains[record.originator_id] = Chain(record.originator_id, keys=keys)
        damage = chain_of.check(record)
        if damage is not None:
            raise StoreCorruptedError.of([damage])
        found.setdefault(record.originator_id, []).append(chain_of.head)
    return found


def take(app: Backend, reader: Reader, key: bytes, key_id: str, batch_size: int) -> TreeHead:
    """A signed checkpoint of the store as it is now."""
    if len(key) < 16:
        raise InvalidArgumentError("a tree head key must be at least 16 bytes")
    streams = tuple(
        sorted(
            (str(stream_id), len(chain), chain[-1])
            for stream_id, chain in heads(app, reader, batch_size).items()
        )
    )
    taken_at = datetime.now(UTC).isoformat()
    root = _root(streams, taken_at)
    return TreeHead(key_id, taken_at, streams, root, _signature(key, key_id, root))


def check(app: Backend, reader: Reader, head: TreeHead, key: bytes, batch_size: int) -> int:
    """Check the store against ``head``; returns how many streams it names. Raises
    :class:`~erantis_domain.errors.InvalidArgumentError` when the checkpoint itself was
    forged or edited, :class:`~erantis_domain.errors.StoreCorruptedError` naming each stream
    rewritten, truncated or deleted since."""
    root = _root(head.streams, head.taken_at)
    expected = _signature(key, head.key_id, root)
    if root != head.root or not hmac.compare_digest(expected, head.signature):
        raise InvalidArgumentError(
            f"the tree head's signature does not match (key {head.key_id}): a wrong key, "
            "or the checkpoint was edited"
        )
    now = heads(app, reader, batch_size)
    damage: list[Damage] = []
    for stream_id, version, digest in head.streams:
        chain = now.get(UUID(stream_id))
        if chain is None:
            damage.append(Damage(stream_id, version, "the stream is gone (deleted)"))
        elif len(chain) < version:
            damage.append(Damage(stream_id, version, f"the stream was cut to {len(chain)} events"))
        elif chain[version - 1] != digest:
            damage.append(Damage(stream_id, version, "its history before the checkpoint changed"))
    if damage:
        raise StoreCorruptedError.of(damage)
    return len(head.streams)
