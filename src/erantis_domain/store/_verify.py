"""Private: reading the whole store to check it (:meth:`~erantis_domain.store.CaseStore.verify`).

Every row must be readable, no event missing from the middle of a stream, each event's content
must match its chained digest, each snapshot its content and the events, and the index of event
ids must hold each event's digest and no other. Damage is collected, not raised at the first
find: after a damaged event, the chain resynchronises on the stored digest, to find further,
separate damage.
"""

from __future__ import annotations

from uuid import UUID

from erantis_domain.errors import Damage, StoreCorruptedError
from erantis_domain.store._backend import Backend
from erantis_domain.store._chain import Chain
from erantis_domain.store._index import EventIds, content_hash, matches
from erantis_domain.store._mapper import Recorded
from erantis_domain.store._naming import Kind, plain, stream_of
from erantis_domain.store._reading import Reader
from erantis_domain.store._snapshots import SnapshotDamaged, Snapshots
from erantis_domain.store.results import VerifyReport


def verify(
    app: Backend, reader: Reader, ids: EventIds, snapshots: Snapshots, batch_size: int
) -> VerifyReport:
    """Check every stream of the store; raises
    :class:`~erantis_domain.errors.StoreCorruptedError` naming every damaged stream and
    position, returns what was checked otherwise."""
    damage: list[Damage] = []
    keys = app.field_cipher
    chains: dict[UUID, Chain] = {}
    labels: dict[UUID, tuple[Kind, tuple[str, ...]]] = {}
    events = 0
    start = 1
    while True:
        notifications = reader.fetch(start, batch_size)
        if not notifications:
            break
        indexed: list[tuple[Recorded, str]] = []
        for notification in notifications:
            events += 1
            stream_id = UUID(str(notification.originator_id))
            try:
                record = app.mapper.to_domain_event(notification)
            except StoreCorruptedError as exc:
                damage.extend(exc.damage)
                # Its content is unknown: trust the next event's digest, to go on.
                position = notification.originator_version
                chains[stream_id] = Chain(stream_id, position, trust_next=True, keys=keys)
                continue
            assert isinstance(record, Recorded)
            _, kind, parts = stream_of(record.event)
            labels.setdefault(stream_id, (kind, parts))
            chain_of = chains.setdefault(stream_id, Chain(stream_id, keys=keys))
            problem = chain_of.check(record)
            if problem is None:
                indexed.append((record, "/".join(plain(p) for p in parts)))
            else:
                damage.append(problem)
                # Resynchronise on the stored digest, to find further, separate damage.
                chains[stream_id] = Chain(
                    stream_id,
                    record.originator_version,
                    record.digest or "",
                    sealed=record.digest is not None,
                    trust_next=record.digest is None,
                    keys=keys,
                    keyed=record.mac is not None,
                )
        damage.extend(_index_damage(ids, indexed))
        start = notifications[-1].id + 1
    extra = ids.count() - events
    if extra > 0:
        damage.append(
            Damage("<event id index>", 0, f"it holds {extra} ids of events not in the store")
        )
    kept = 0
    if snapshots.kept:
        for stream_id, (kind, parts) in labels.items():
            try:
                if snapshots.read(stream_id, kind, parts) is not None:
                    kept += 1
            except SnapshotDamaged as exc:
                label = "/".join(plain(p) for p in parts)
                damage.append(Damage(label, exc.version, f"its snapshot is damaged ({exc.reason})"))
    if damage:
        raise StoreCorruptedError.of(damage)
    keyed = sum(1 for stream_id in labels if chains[stream_id].keyed)
    return VerifyReport(streams=len(labels), events=events, snapshots=kept, keyed=keyed)


def _index_damage(ids: EventIds, records: list[tuple[Recorded, str]]) -> list[Damage]:
    """Events whose entry in the index of event ids is missing or holds another digest
    (a re-sent event would then be stored twice, or refused)."""
    keys: dict[UUID, list[str]] = {}
    for record, _ in records:
        keys.setdefault(record.originator_id, []).append(str(record.event.event_id))
    found = {stream: ids.digests(stream, found_ids) for stream, found_ids in keys.items()}
    damage = []
    for record, label in records:
        entry = found[record.originator_id].get(str(record.event.event_id))
        if entry is None:
            problem = "its entry in the index of event ids is missing"
        elif not matches(entry, content_hash(record.event), ids.cipher):
            problem = "its entry in the index of event ids does not match it"
        else:
            continue
        damage.append(Damage(label, record.originator_version, problem))
    return damage
