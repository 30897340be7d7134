"""Encryption at rest, on SQLite and a real PostgreSQL: free text and actor ids never reach
the raw file or tables in clear, a missing or wrong key is a coded error, and a key rotation
re-encrypts every row without changing event ids or digests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from erantis_domain.errors import EventIdReused, StoreConfigurationError, StoreKeyError
from erantis_domain.events import parse_event
from erantis_domain.store import CaseStore
from erantis_domain.store.keys import FieldCipher
from tests.factories import make
from tests.store.conftest import Backend

CANARIES = (
    "Canary reason Hjaelp",
    "canary-actor-77",
    "Canary goal Bageren",
    "Canary Hospital",
    "Canary agreement Aftale",
    "Canary trial note",
)
K1 = bytes(range(32))
K2 = bytes(range(32, 64))

HISTORY = [
    make("CaseOpened", recorded_by={"actor_id": "canary-actor-77", "role": "visitator"}),
    make("ReferralReceived", reason="Canary reason Hjaelp"),
    make("VisitationGranted", goals=["Canary goal Bageren"]),
    make("CitizenAdmitted", institution="Canary Hospital"),
    make("VisitDelivered", carer_id="canary-actor-77"),
]
#: A team period's meeting (a structured agreement's text) and improvement trial (its note).
TEAM_HISTORY = [
    make("DialogueMeetingHeld", agreements=[{"text": "Canary agreement Aftale"}]),
    make("ImprovementTrialRecorded", note="Canary trial note"),
]


def _raw(backend: Backend, tmp_path: Path) -> bytes:
    """Everything stored, as the bytes an attacker with the file or tables would see."""
    if backend.name == "sqlite":
        return b"".join(p.read_bytes() for p in tmp_path.glob("events.sqlite*"))
    rows = backend.sql("SELECT state FROM {events}") + backend.sql("SELECT state FROM {snapshots}")
    return b"".join(bytes(state) for (state,) in rows)


def _open(backend: Backend, cipher: FieldCipher | None) -> CaseStore:
    """A new handle on the backend's data, with ``cipher``."""
    return backend.open(snapshot_every=2, cipher=cipher)


def test_personal_data_is_never_stored_in_clear(durable_backend: Backend, tmp_path: Path) -> None:
    # given a store with a cipher, holding a case (with a snapshot) full of canaries
    store = _open(durable_backend, FieldCipher({"k1": K1}, "k1"))
    store.append([*HISTORY, *TEAM_HISTORY])
    expected = [e.event for e in store.replay()]
    store.close()
    # when the raw file or tables are read, then no canary is there
    raw = _raw(durable_backend, tmp_path)
    assert raw, "nothing was read"
    for canary in CANARIES:
        assert canary.encode() not in raw
    # and the store, given the key, reads every event back as it was, intact
    again = _open(durable_backend, FieldCipher({"k1": K1}, "k1"))
    assert [e.event for e in again.replay()] == expected
    assert again.get_case("case-1") == again.get_case("case-1", use_snapshot=False)
    assert again.verify().events == len(HISTORY) + len(TEAM_HISTORY)
    again.close()


def test_a_wrong_key_is_refused_before_anything_is_written(durable_backend: Backend) -> None:
    # given encrypted data, written with key k1
    store = _open(durable_backend, FieldCipher({"k1": K1}, "k1"))
    store.append(HISTORY)
    store.close()
    # when a process opens it with another key under the same id (to append to a new case)
    with pytest.raises(StoreKeyError) as caught:
        _open(durable_backend, FieldCipher({"k1": K2}, "k1"))
    # then it is refused at once, naming the key id and neither key
    assert caught.value.code == "E-STORE-KEY" and "k1" in str(caught.value)
    assert K1.hex() not in str(caught.value) and K2.hex() not in str(caught.value)
    # and the store is intact: with the right key it verifies and reads every event
    again = _open(durable_backend, FieldCipher({"k1": K1}, "k1"))
    assert again.verify().events == len(HISTORY)
    again.close()


def test_a_wrong_key_for_a_new_key_id_is_refused_too(durable_backend: Backend) -> None:
    # given data written with k1, then k2 added and used (rotation)
    store = _open(durable_backend, FieldCipher({"k1": K1, "k2": K2}, "k2"))
    store.append(HISTORY)
    store.close()
    # when k2 is later given with the wrong bytes, then the store refuses to open
    with pytest.raises(StoreKeyError, match="k2"):
        _open(durable_backend, FieldCipher({"k1": K1, "k2": K1}, "k2"))


@pytest.mark.parametrize(
    "cipher",
    [None, FieldCipher({"other": K1}, "other")],
    ids=["no-key", "unknown-key-id"],
)
def test_a_missing_or_wrong_key_is_a_coded_error(
    durable_backend: Backend, cipher: FieldCipher | None
) -> None:
    # given encrypted data
    store = _open(durable_backend, FieldCipher({"k1": K1}, "k1"))
    store.append(HISTORY)
    store.close()
    # when it is read without the right key, then every read is the coded key error
    reader = _open(durable_backend, cipher)
    for read in (
        lambda: reader.case_events("case-1"),
        lambda: list(reader.replay()),
        lambda: reader.get_case("case-1", use_snapshot=False),
        lambda: reader.append([make("CaseClosed")]),
    ):
        with pytest.raises(StoreKeyError) as caught:
            read()
        assert caught.value.code == "E-STORE-KEY"
        assert K1.hex() not in str(caught.value)
    reader.close()


def test_rotation_re_encrypts_every_row_keeping_ids_and_digests(
    durable_backend: Backend, tmp_path: Path
) -> None:
    # given a store written in clear first, then with key k1
    plain = _open(durable_backend, None)
    plain.append(HISTORY[:2])
    plain.close()
    store = _open(durable_backend, FieldCipher({"k1": K1}, "k1"))
    store.append(HISTORY[2:])
    before = [(e.position, e.event) for e in store.replay()]
    digests = sorted(
        json.loads(bytes(state))["digest"]
        for (state,) in durable_backend.sql("SELECT state FROM {events}")
    )
    store.close()
    # when the key is rotated to k2 (both keys given)
    rotating = _open(durable_backend, FieldCipher({"k1": K1, "k2": K2}, "k2"))
    rewritten = rotating.rotate_key()
    rotating.close()
    # then every event row (and the snapshots) was rewritten, nothing is in clear, and the
    # store reads with k2 alone: same positions, events and digests
    assert rewritten >= len(HISTORY)
    raw = _raw(durable_backend, tmp_path)
    for canary in CANARIES:
        assert canary.encode() not in raw
    after = _open(durable_backend, FieldCipher({"k2": K2}, "k2"))
    assert [(e.position, e.event) for e in after.replay()] == before
    assert after.verify().events == len(HISTORY)
    assert (
        sorted(
            json.loads(bytes(state))["digest"]
            for (state,) in durable_backend.sql("SELECT state FROM {events}")
        )
        == digests
    )
    after.close()


def test_a_ciphertext_moved_to_another_row_does_not_decrypt(durable_backend: Backend) -> None:
    # given encrypted data, and the second visit's row overwritten with the first's
    store = _open(durable_backend, FieldCipher({"k1": K1}, "k1"))
    store.append(HISTORY)
    ((state,),) = durable_backend.sql("SELECT state FROM {events} WHERE originator_version = 2")
    durable_backend.sql("UPDATE {events} SET state = ? WHERE originator_version = 3", bytes(state))
    # when read, then the moved row is refused (it is bound to its own position)
    with pytest.raises((StoreKeyError,)):
        store.case_events("case-1")


def test_a_malformed_cipher_is_refused() -> None:
    for keys, current in (({"k1": b"short"}, "k1"), ({"k 1": K1}, "k 1"), ({"k1": K1}, "k2")):
        with pytest.raises(StoreConfigurationError):
            FieldCipher(keys, current)
    # and rotation needs a cipher
    with pytest.raises(StoreConfigurationError):
        CaseStore.memory().rotate_key()


@pytest.mark.parametrize("setting", ["CIPHER_TOPIC", "CIPHER_KEY", "COMPRESSOR_TOPIC"])
def test_an_encryption_setting_erantis_does_not_use_is_refused(
    tmp_path: Path, setting: str
) -> None:
    # given store settings naming eventsourcing's own cipher (which our mapper bypasses)
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(tmp_path / "e.sqlite"),
        setting: "eventsourcing.cipher:AESCipher",
    }
    # when a store is opened with them, then it is refused rather than left in clear
    with pytest.raises(StoreConfigurationError, match=setting):
        CaseStore(env)
    assert not (tmp_path / "e.sqlite").exists()


def test_the_index_of_an_encrypted_store_holds_no_plain_hash_of_an_event(
    durable_backend: Backend,
) -> None:
    import hashlib

    # given an encrypted store holding a case
    store = _open(durable_backend, FieldCipher({"k1": K1}, "k1"))
    store.append(HISTORY)
    # when its index of event ids is read as it lies in the database
    rows = {str(k): str(d) for k, d in durable_backend.sql("SELECT event_id, digest FROM {index}")}
    # then no entry is the plain SHA-256 of an event's content (whole or cut short): each is
    # keyed, under the key id
    events = [parse_event(json.dumps(e)) for e in HISTORY]
    plain = {
        str(e.event_id): hashlib.sha256(e.model_dump_json().encode()).hexdigest() for e in events
    }
    assert set(rows) == set(plain)
    for entry in rows.values():
        assert entry.startswith("k1:")
        assert all(p not in entry and p[:32] not in entry for p in plain.values())
    # and a re-sent event is still a duplicate, a changed one under the same id still a reuse
    assert store.append(HISTORY).duplicates == len(HISTORY)
    changed = {**HISTORY[1], "reason": "another reason"}
    with pytest.raises(EventIdReused):
        store.append([changed])
    # and an entry written plain (before the index was keyed) still matches its event
    first = str(events[0].event_id)
    durable_backend.sql(
        "UPDATE {index} SET digest = ? WHERE event_id = ?", plain[first][:32], first
    )
    assert store.append(HISTORY[:1]).duplicates == 1
    assert store.verify().events == len(HISTORY)
    store.close()
