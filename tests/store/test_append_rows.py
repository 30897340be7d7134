"""The rows an append writes (issue 24, item 3): each event is serialized once, to bytes, and
its id, digest, chained digest and row come from that text. These tests pin that the short
cuts write exactly what the store's mapper and chain define, so stored rows keep their
meaning and verify."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from erantis_domain.events import EVENT_TYPES, event_json_schema, parse_event
from erantis_domain.store import CaseStore, case_stream_id
from erantis_domain.store._chain import Chain
from erantis_domain.store._mapper import (
    PydanticMapper,
    Recorded,
    body_hash,
    chain,
    content_of,
    plain_text,
    written_again,
)
from erantis_domain.store._writing import _ID_END, _ID_HEAD, _json_of
from erantis_domain.store.keys import FieldCipher
from tests.factories import CASE_ID, make

_ALL = sorted(EVENT_TYPES)


def _numbers(schema: Any) -> list[str]:
    """The JSON types ``number`` anywhere in a schema (what a float field serializes as)."""
    if isinstance(schema, dict):
        found = ["number"] if schema.get("type") == "number" else []
        return found + [n for value in schema.values() for n in _numbers(value)]
    if isinstance(schema, list):
        return [n for value in schema for n in _numbers(value)]
    return []


@pytest.mark.parametrize("kind", _ALL)
def test_the_text_an_append_writes_is_the_models_json_and_starts_with_the_event_id(
    kind: str,
) -> None:
    # given an event of each type, with free text that JSON escapes and non-ASCII
    event = parse_event(make(kind))
    # when the writer serializes it
    body = _json_of(event)
    # then it is model_dump_json's text, as UTF-8, and its id is read from its first field
    assert body == event.model_dump_json().encode("utf-8")
    assert body.startswith(_ID_HEAD)
    assert body[len(_ID_HEAD) : _ID_END].decode() == str(event.event_id)
    assert body[_ID_END : _ID_END + 2] == b'",'


def test_no_event_field_serializes_as_a_json_number_with_a_fraction() -> None:
    # written_again relies on it: an integer is written one way by pydantic and by the
    # standard library; a float need not be
    assert _numbers(event_json_schema()) == []


@pytest.mark.parametrize(
    "note",
    ["plain text", "Borger ønsker besøg før kl. 8", 'a "quoted" word\nand a new line', "tab\there"],
)
def test_an_encrypted_rows_digest_covers_the_text_written_out_again(note: str) -> None:
    # given an event whose free text is ASCII, non-ASCII, or holds escapes
    event = parse_event(make("FollowUpRecorded", note=note))
    body = _json_of(event)
    decoded = json.loads(body)
    # when it is written out again as an encrypted row's reader writes it
    again = written_again(body, decoded)
    # then that is the reader's text exactly (the digest is checked over it)
    assert again == plain_text(decoded).encode("utf-8")


def test_a_chain_sealed_by_an_append_is_the_chain_a_reader_checks() -> None:
    # given a stream's chain and the hashes of three events' texts
    stream_id = case_stream_id(CASE_ID)
    recorded_at = datetime(2026, 10, 1, 12, tzinfo=UTC).isoformat()
    hashes = [body_hash(f"event {n}") for n in range(3)]
    sealer = Chain(stream_id)
    # when each is sealed
    sealed = [sealer.seal(recorded_at, hashed) for hashed in hashes]
    # then each digest is chain() over the one before, the stream, the position and content
    head = ""
    for position, (hashed, digest) in enumerate(zip(hashes, sealed, strict=True), start=1):
        head = chain(head, str(stream_id), position, content_of(recorded_at, hashed))
        assert digest == head
    assert sealer.position == 3


@pytest.mark.parametrize("encrypted", [False, True])
def test_rows_written_by_an_append_are_the_rows_the_mapper_writes(
    tmp_path: Path, encrypted: bool
) -> None:
    # given an SQLite store (in clear or encrypted) and a batch of one case
    cipher = FieldCipher({"k1": bytes(range(32))}, "k1") if encrypted else None
    store = CaseStore.sqlite(tmp_path / "rows.sqlite", cipher=cipher)
    batch = [make("CaseOpened"), make("VisitationGranted"), make("FollowUpRecorded", note="ø")]
    # when it is appended
    store.append(batch)
    store.close()
    with sqlite3.connect(tmp_path / "rows.sqlite") as db:
        rows = db.execute(
            "SELECT originator_version, topic, state FROM stored_events ORDER BY rowid"
        ).fetchall()
    # then each row is what the mapper writes for the same event, digest and tag (the
    # encrypted values differ by their random nonces only, so there the text is compared
    # once opened)
    mapper = PydanticMapper(transcoder=None)  # type: ignore[arg-type]
    mapper.field_cipher = cipher
    stream_id = case_stream_id(CASE_ID)
    for (version, topic, state), item in zip(rows, batch, strict=True):
        header = json.loads(state)
        record = Recorded(
            stream_id,
            version,
            datetime.fromisoformat(header["recorded_at"]),
            parse_event(item),
            header["digest"],
            mac=header.get("mac"),
        )
        expected = mapper.to_stored_event(record)
        assert topic == expected.topic == f"erantis/{item['type']}"
        if cipher is None:
            assert bytes(state) == expected.state
        else:
            assert list(json.loads(state)) == list(json.loads(expected.state))
            stored = mapper.to_domain_event(expected)
            again = mapper.to_domain_event(type(expected)(stream_id, version, topic, bytes(state)))
            assert again.content == stored.content and again.event == stored.event
    # and the store reads back and verifies
    with CaseStore.sqlite(tmp_path / "rows.sqlite", cipher=cipher) as reopened:
        assert reopened.verify().events == 3


def test_a_batch_of_several_cases_is_stored_in_the_batchs_order() -> None:
    # given a batch interleaving two cases
    store = CaseStore.memory()
    other = "case-other"
    batch = [
        make("CaseOpened"),
        make("CaseOpened", case_id=other),
        make("VisitationGranted"),
        make("VisitationGranted", case_id=other),
    ]
    # when it is appended
    result = store.append(batch)
    # then each case has its versions, and the log replays the batch's order
    assert result.versions == {CASE_ID: 2, other: 2}
    replayed = [str(entry.event.event_id) for entry in store.replay()]
    assert replayed == [item["event_id"] for item in batch]


def test_an_event_repeated_in_a_batch_is_one_duplicate_and_a_changed_one_is_refused() -> None:
    # given a batch holding the same event twice
    store = CaseStore.memory()
    opened = make("CaseOpened")
    # when it is appended, then the repeat counts as a duplicate
    result = store.append([opened, opened, make("VisitationGranted")])
    assert (result.stored, result.duplicates) == (2, 1)
    # and an event id repeated with other content is refused, nothing stored
    from erantis_domain.errors import EventIdReused

    reused = make("FollowUpRecorded", event_id=str(uuid4()))
    with pytest.raises(EventIdReused):
        store.append([reused, {**reused, "note": "changed"}])
    assert len(store.case_events(CASE_ID)) == 2
