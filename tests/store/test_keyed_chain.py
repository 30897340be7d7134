"""The keyed chain, on SQLite and a real PostgreSQL: a store with a cipher tags each event's
chained digest with an HMAC under a key id, so a forger who can write the database but has no
key cannot rewrite an event and recompute the chain; stores without keys stay readable, and
verify says which streams are keyed."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from erantis_domain.errors import StoreCorruptedError, StoreKeyError
from erantis_domain.events import parse_event
from erantis_domain.store import case_stream_id
from erantis_domain.store._mapper import body_hash, chain, content_of
from erantis_domain.store.keys import FieldCipher
from tests.factories import make
from tests.store.conftest import Backend

K1, K2 = bytes(range(32)), bytes(range(32, 64))
HISTORY = [make("CaseOpened"), make("VisitDelivered", minutes=15)]


def _row(backend: Backend, version: int) -> tuple[Any, dict[str, Any]]:
    wanted = case_stream_id("case-1")
    for found, state in backend.sql(
        "SELECT originator_id, state FROM {events} WHERE originator_version = ?", version
    ):
        if uuid.UUID(str(found)) == wanted:
            return found, json.loads(bytes(state))
    raise AssertionError("not stored")


def _forge_last_visit(backend: Backend, *, keep_tag: bool) -> None:
    """What a forger with write access and no key can do: put a visit of 90 minutes in clear
    in the place of the stored one, its digest recomputed over the stored chain (digests are
    in clear; the visit's actor ids are guessable), the stored tag kept or dropped, the index
    of event ids updated."""
    stream, first = _row(backend, 1)
    _, second = _row(backend, 2)
    forged = {**HISTORY[1], "minutes": 90}
    text = parse_event(json.dumps(forged)).model_dump_json()
    recorded_at = second["recorded_at"]
    content = content_of(recorded_at, body_hash(text))
    digest = chain(first["digest"], str(case_stream_id("case-1")), 2, content)
    mac = f',"mac":"{second["mac"]}"' if keep_tag and "mac" in second else ""
    row = f'{{"recorded_at":"{recorded_at}","v":2,"digest":"{digest}"{mac},"event":{text}}}'
    backend.sql(
        "UPDATE {events} SET state = ? WHERE originator_id = ? AND originator_version = 2",
        row.encode(),
        stream,
    )
    # and the index of event ids made to agree (its digest is a plain hash of the event)
    backend.sql(
        "UPDATE {index} SET digest = ? WHERE event_id = ?", body_hash(text)[:32], forged["event_id"]
    )


@pytest.mark.parametrize("keep_tag", [False, True], ids=["tag-dropped", "tag-kept"])
def test_a_forger_without_the_key_cannot_rewrite_a_keyed_stream(
    durable_backend: Backend, keep_tag: bool
) -> None:
    # given an encrypted store (its chain keyed), verified
    store = durable_backend.open(snapshot_every=0, cipher=FieldCipher({"k1": K1}, "k1"))
    store.append(HISTORY)
    assert store.verify().keyed == 1
    # when a forger replaces the visit with a recomputed plain chain
    _forge_last_visit(durable_backend, keep_tag=keep_tag)
    # then every read names the event, and no read returns the forged 90 minutes
    for read in (
        store.verify,
        lambda: store.get_case("case-1"),
        lambda: list(store.replay()),
        lambda: list(store.streams()),
    ):
        with pytest.raises(StoreCorruptedError) as caught:
            read()
        assert [(d.position, "keyed tag" in d.problem) for d in caught.value.damage] == [(2, True)]


def test_without_keys_the_chain_stays_plain_and_verify_says_so(durable_backend: Backend) -> None:
    # given a store in clear, and the same forgery
    store = durable_backend.open(snapshot_every=0)
    store.append(HISTORY)
    _forge_last_visit(durable_backend, keep_tag=False)
    # then the store is readable and verifies (the documented limit of a plain chain), and
    # verify says that none of its streams is keyed
    report = store.verify()
    assert (report.streams, report.keyed) == (1, 0)
    assert getattr(store.case_events("case-1")[1], "minutes", None) == 90


def test_a_rotation_re_tags_the_chain_so_the_old_key_can_go(durable_backend: Backend) -> None:
    # given a stream written in clear (plain chain), then events tagged under k1
    plain = durable_backend.open(snapshot_every=2)
    plain.append(HISTORY[:1])
    plain.close()
    store = durable_backend.open(snapshot_every=2, cipher=FieldCipher({"k1": K1}, "k1"))
    store.append([*HISTORY[1:], make("VisitDelivered", visit_id="visit-2", minutes=30)])
    store.close()
    # when the key is rotated to k2, then with k2 alone every stream verifies and is keyed
    rotating = durable_backend.open(cipher=FieldCipher({"k1": K1, "k2": K2}, "k2"))
    rotating.rotate_key()
    rotating.close()
    after = durable_backend.open(cipher=FieldCipher({"k2": K2}, "k2"))
    assert after.verify().keyed == 1
    assert after.get_case("case-1") == after.get_case("case-1", use_snapshot=False)
    _, first = _row(durable_backend, 1)
    assert first["mac"].startswith("k2:")


def test_a_keyed_store_is_not_verified_without_its_key(durable_backend: Backend) -> None:
    # given a keyed store, when it is verified without any key, then that is the key error
    store = durable_backend.open(cipher=FieldCipher({"k1": K1}, "k1"))
    store.append(HISTORY)
    store.close()
    with pytest.raises(StoreKeyError):
        durable_backend.open().verify()
