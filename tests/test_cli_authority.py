"""``erantis ingest --as ACTOR:ROLE``: the append policy applied to a whole file, with the
principal who runs it; a refused line stores nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from erantis_rules._stores import open_cli_store
from erantis_rules.cli import main
from tests.factories import make


def _file(tmp_path: Path, *events: dict[str, object]) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    code = exited.value.code
    return int(code) if isinstance(code, int) else 0, capsys.readouterr().err


def test_an_import_by_a_system_applies_the_policy_to_recorded_by(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a file in which an SSH claims to have granted a visitation (only a visitator may)
    db = tmp_path / "e.sqlite"
    forged = make("VisitationGranted", recorded_by={"actor_id": "ssh-1", "role": "ssh"})
    events = _file(tmp_path, make("CaseOpened"), forged)
    # when a system imports it, then the line is refused with E-FORBIDDEN and nothing stored
    code, err = _run(["ingest", str(events), "--db", str(db), "--as", "import:system"], capsys)
    assert code == 3 and "[E-FORBIDDEN] line 2:" in err, err
    assert not db.exists()
    # and a file the policy allows is stored
    fine = _file(tmp_path, make("CaseOpened"), make("VisitDelivered"))
    code, err = _run(["ingest", str(fine), "--db", str(db), "--as", "import:system"], capsys)
    assert code == 0, err
    with open_cli_store(str(db))[0] as store:  # as the command line opens it
        assert len(store.case_events("case-1")) == 2


def test_a_person_may_ingest_only_what_they_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a file recorded by visitator-1
    db = tmp_path / "e.sqlite"
    events = _file(tmp_path, make("CaseOpened"))
    # when another person ingests it, then it is refused; when visitator-1 does, it is stored
    code, err = _run(["ingest", str(events), "--db", str(db), "--as", "ssh-1:ssh"], capsys)
    assert code == 3 and "E-FORBIDDEN" in err
    code, err = _run(
        ["ingest", str(events), "--db", str(db), "--as", "visitator-1:visitator"], capsys
    )
    assert code == 0, err


@pytest.mark.parametrize("principal", ["nobody", "x:king", ":ssh", "010170-1234:ssh"])
def test_a_malformed_principal_is_a_usage_error(
    tmp_path: Path, principal: str, capsys: pytest.CaptureFixture[str]
) -> None:
    events = _file(tmp_path, make("CaseOpened"))
    args = ["ingest", str(events), "--db", str(tmp_path / "e.db"), "--as", principal]
    code, err = _run(args, capsys)
    assert code == 2 and "[E-USAGE] --as" in err
    assert "1234" not in err


def test_without_a_principal_ingest_refuses_unless_told_to_trust_recorded_by(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a file in which an SSH claims to have granted a visitation (only a visitator may)
    db = tmp_path / "e.sqlite"
    forged = make("VisitationGranted", recorded_by={"actor_id": "ssh-1", "role": "ssh"})
    events = _file(tmp_path, make("CaseOpened"), forged)
    # when it is ingested with neither --as nor --trust-recorded-by, then it is a usage error
    # naming both, before anything is stored
    code, err = _run(["ingest", str(events), "--db", str(db)], capsys)
    assert code == 2 and "--as ACTOR:ROLE" in err and "--trust-recorded-by" in err, err
    assert not db.exists()
    # and trusting recorded_by still applies the policy to the roles it claims
    code, err = _run(["ingest", str(events), "--db", str(db), "--trust-recorded-by"], capsys)
    assert code == 3 and "[E-FORBIDDEN] line 2:" in err, err
    assert not db.exists()
    # and both at once are refused as contradictory
    args = ["ingest", str(events), "--db", str(db), "--trust-recorded-by", "--as", "ssh-1:ssh"]
    code, err = _run(args, capsys)
    assert code == 2 and "exclude each other" in err
