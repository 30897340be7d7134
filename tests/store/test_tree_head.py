"""The signed checkpoint of every stream's head (a tree head), on SQLite and a real
PostgreSQL: what the unkeyed chain cannot show (a stream rewritten with a recomputed chain,
its last events cut, a whole stream deleted with its index rows) is named against a
checkpoint the operator kept outside the database; a forged or edited checkpoint is refused."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from erantis_domain.errors import InvalidArgumentError, StoreCorruptedError
from erantis_domain.store import CaseStore, TreeHead, case_stream_id
from tests.factories import make
from tests.store.conftest import Backend

KEY = b"operator's checkpoint key, 32 b."


def _store(backend: Backend) -> CaseStore:
    store = backend.open(snapshot_every=0)
    for case_id in ("case-1", "case-2"):
        store.append(
            [
                make("CaseOpened", case_id=case_id),
                make("VisitDelivered", case_id=case_id, minutes=15),
                make("VisitDelivered", case_id=case_id, minutes=30, visit_id="visit-2"),
            ]
        )
    return store


def _stored_id(backend: Backend, case_id: str) -> Any:
    wanted = case_stream_id(case_id)
    for (found,) in backend.sql("SELECT DISTINCT originator_id FROM {events}"):
        if uuid.UUID(str(found)) == wanted:
            return found
    raise AssertionError("not stored")


def test_an_intact_store_matches_its_checkpoint_and_grows_past_it(backend: Backend) -> None:
    # given a checkpoint exported as JSON and read back
    store = _store(backend)
    head = TreeHead.from_json(store.tree_head(KEY).to_json())
    assert len(head.streams) == 2
    # when the store grows afterwards, then it still matches the checkpoint
    store.append([make("CaseClosed", case_id="case-1")])
    assert store.check_tree_head(head, KEY) == 2


def test_a_stream_cut_short_or_deleted_whole_is_named(durable_backend: Backend) -> None:
    # given a checkpoint, then case-1's last event deleted and case-2 deleted with its index
    store = _store(durable_backend)
    head = store.tree_head(KEY)
    one, two = _stored_id(durable_backend, "case-1"), _stored_id(durable_backend, "case-2")
    durable_backend.sql(
        "DELETE FROM {events} WHERE originator_id = ? AND originator_version = 3", one
    )
    durable_backend.sql("DELETE FROM {events} WHERE originator_id = ?", two)
    durable_backend.sql("DELETE FROM {index} WHERE stream_id = ?", case_stream_id("case-2").hex)
    # when the store is checked against it, then both streams are named
    with pytest.raises(StoreCorruptedError) as caught:
        store.check_tree_head(head, KEY)
    problems = sorted((d.stream, d.problem) for d in caught.value.damage)
    assert problems == sorted(
        [
            (str(case_stream_id("case-1")), "the stream was cut to 2 events"),
            (str(case_stream_id("case-2")), "the stream is gone (deleted)"),
        ]
    )


def test_a_checkpoint_edited_or_checked_with_another_key_is_refused(backend: Backend) -> None:
    # given a checkpoint whose listed version of a stream is lowered (to hide a cut)
    store = _store(backend)
    document = json.loads(store.tree_head(KEY).to_json())
    document["streams"][0][1] = 1
    edited = TreeHead.from_json(json.dumps(document))
    # when it is checked, then its signature does not match
    with pytest.raises(InvalidArgumentError, match="signature"):
        store.check_tree_head(edited, KEY)
    # and neither does an intact checkpoint under another key
    with pytest.raises(InvalidArgumentError, match="signature"):
        store.check_tree_head(store.tree_head(KEY), b"another key of 32 bytes, not it.")


@pytest.mark.parametrize("text", ["", "{}", '{"format": "x"}', "[1]", "not json"])
def test_a_file_that_is_not_a_checkpoint_is_a_coded_error(text: str) -> None:
    with pytest.raises(InvalidArgumentError):
        TreeHead.from_json(text)


def test_erantis_verify_writes_a_checkpoint_and_checks_against_it(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from erantis_rules.cli import main

    # given a SQLite store, and the operator's checkpoint key in the environment
    db = tmp_path / "e.sqlite"
    visit = make("VisitDelivered")
    with CaseStore.sqlite(db) as store:
        store.append([make("CaseOpened"), visit])
    monkeypatch.setenv("ERANTIS_CHECKPOINT_KEY", KEY.hex())
    checkpoint = tmp_path / "head.json"
    # when verify writes a checkpoint, then checking against it passes
    with pytest.raises(SystemExit) as exited:
        main(["verify", "--db", str(db), "--checkpoint-out", str(checkpoint)])
    assert exited.value.code == 0
    with pytest.raises(SystemExit) as exited:
        main(["verify", "--db", str(db), "--against", str(checkpoint)])
    assert exited.value.code == 0 and "the checkpoint matches" in capsys.readouterr().out
    # and once the last event is deleted with its index row (which verify alone cannot see)
    import sqlite3

    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM stored_events WHERE originator_version = 2")
        conn.execute(
            "DELETE FROM erantis_event_ids WHERE event_id = ?",
            (visit["event_id"],),
        )
    conn.close()
    with pytest.raises(SystemExit) as exited:
        main(["verify", "--db", str(db), "--against", str(checkpoint)])
    err = capsys.readouterr().err
    assert exited.value.code == 4 and "[E-STORE-CORRUPTED]" in err and "cut to 1" in err
    # and without the key it is a usage error
    monkeypatch.delenv("ERANTIS_CHECKPOINT_KEY")
    with pytest.raises(SystemExit) as exited:
        main(["verify", "--db", str(db), "--against", str(checkpoint)])
    assert exited.value.code == 2


def test_verify_never_writes_its_checkpoint_over_a_file_or_the_store(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from erantis_rules.cli import main

    # given a store and a checkpoint kept earlier
    db = tmp_path / "e.sqlite"
    with CaseStore.sqlite(db) as store:
        store.append([make("CaseOpened")])
    monkeypatch.setenv("ERANTIS_CHECKPOINT_KEY", KEY.hex())
    kept = tmp_path / "head.json"
    kept.write_text("the checkpoint of last month\n", encoding="utf-8")
    # when verify is told to write its checkpoint over it, or over the store
    for target in (kept, db):
        with pytest.raises(SystemExit) as exited:
            main(["verify", "--db", str(db), "--checkpoint-out", str(target)])
        # then it refuses as a usage error, and neither file changed
        assert exited.value.code == 2 and "[E-USAGE]" in capsys.readouterr().err
    assert kept.read_text(encoding="utf-8") == "the checkpoint of last month\n"
    with CaseStore.sqlite(db) as store:
        assert store.verify().events == 1
    # and with --force the kept file is replaced by a checkpoint that matches the store
    with pytest.raises(SystemExit) as exited:
        main(["verify", "--db", str(db), "--checkpoint-out", str(kept), "--force"])
    assert exited.value.code == 0
    with CaseStore.sqlite(db) as store:
        assert store.check_tree_head(TreeHead.from_json(kept.read_text("utf-8")), KEY) == 1
    # and '-' writes it to stdout, the summary to stderr
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(["verify", "--db", str(db), "--checkpoint-out", "-"])
    out, err = capsys.readouterr()
    assert exited.value.code == 0 and "no damage found" in err
    assert TreeHead.from_json(out).streams == TreeHead.from_json(kept.read_text("utf-8")).streams
