"""No CPR number in any message: the one detector, and the whole command line and library
surface run with CPR-shaped values in every argument and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from erantis_domain.errors import ErantisError, StoreCorruptedError
from erantis_domain.events import parse_event
from erantis_domain.store import CaseStore
from erantis_domain.values import looks_like_cpr, redact_cpr
from erantis_rules.cli import main
from tests.factories import make

#: One CPR number written the ways people and other systems write it.
FORMS = [
    "0101701234",
    "010170-1234",
    "010170\u00a01234",  # no-break space
    "010170\u20091234",  # thin space
    "010170\u30001234",  # ideographic space
    "010170\t1234",
    "010170_1234",
    "010170+1234",
    "010170:1234",
    "010170,1234",
    "010170 - 1234",
    "01.01.70/1234",
    "010170\u22121234",  # minus sign
    "010170\uff0f1234",  # fullwidth solidus
    "010170\u00ad1234",  # soft hyphen
]


def _leaks(text: str) -> bool:
    return "1234" in text or looks_like_cpr(text)


@pytest.mark.parametrize("value", FORMS)
def test_the_detector_knows_every_separator_people_type(value: str) -> None:
    # given a CPR number in one of its written forms, then it is detected
    assert looks_like_cpr(value)
    assert looks_like_cpr(f"file-{value}.toml")
    # and redacting a message around it keeps the rest and withholds the number
    assert redact_cpr(f"no case {value} here") == "no case <withheld> here"


@pytest.mark.parametrize(
    "value",
    ["case-0001", "visit-2026-01-01-0001", "2026-10-01T10:00:00+02:00", "31.12.2026 12:34"],
)
def test_ordinary_values_are_not_redacted(value: str) -> None:
    assert not looks_like_cpr(value)
    assert redact_cpr(value) == value


def test_every_coded_error_withholds_a_cpr_shaped_part_of_its_message() -> None:
    # given an error some caller built with a CPR number in it, then the message withholds it
    error = StoreCorruptedError("row of case 010170_1234 is damaged")
    assert "1234" not in str(error) and "<withheld>" in error.message


@pytest.mark.parametrize("kind", ["CaseOpened", "VisitDelivered", "CaseClosed"])
@pytest.mark.parametrize("value", FORMS)
def test_a_cpr_number_in_any_field_of_an_event_is_refused_and_never_echoed(
    kind: str, value: str
) -> None:
    # given an event, and each of its text fields in turn replaced by a CPR number (free text
    # is kept encrypted, never shown, and not refused: a reason may name a number)
    base = make(kind)
    fields = [k for k, v in base.items() if isinstance(v, str) and k not in ("type", "reason")]
    fields += [f"recorded_by.{k}" for k in base["recorded_by"]]
    for field in fields:
        data = json.loads(json.dumps(base))
        if field.startswith("recorded_by."):
            data["recorded_by"][field.split(".", 1)[1]] = value
        else:
            data[field] = value
        # when it is parsed, then it is refused with a code and the number is not repeated
        with pytest.raises(ErantisError) as caught:
            parse_event(json.dumps(data, ensure_ascii=False))
        assert not _leaks(str(caught.value)), (field, str(caught.value))
        for problem in getattr(caught.value, "problems", ()):
            assert not _leaks(problem.value), (field, problem)


@pytest.mark.parametrize("value", FORMS)
def test_the_library_never_repeats_a_cpr_shaped_case_id(tmp_path: Path, value: str) -> None:
    # given a store with one case
    with CaseStore.sqlite(tmp_path / "e.sqlite") as store:
        store.append([make("CaseOpened")])
        # when a CPR-shaped case is asked for, then the error is coded and withholds it
        with pytest.raises(ErantisError) as caught:
            store.get_case(value)
        assert not _leaks(str(caught.value))


def _commands(db: str, value: str, tmp_path: Path) -> list[list[str]]:
    day = ["--as-of", "2026-11-15"]
    team = ["--team", "team-nord", "--period", "2026-10"]
    cpr_file = str(tmp_path / f"{value}.toml")
    return [
        ["ingest", "--trust-recorded-by", str(tmp_path / f"{value}.jsonl"), "--db", db],
        [
            "ingest",
            "--trust-recorded-by",
            str(tmp_path / "events.jsonl"),
            "--db",
            str(tmp_path / value / "e.db"),
        ],
        ["check", "--db", db, "--as-of", value],
        ["check", "--db", db, *day, "--policy", cpr_file],
        ["check", "--db", str(tmp_path / value), *day],
        ["case", value, "--db", db, *day],
        ["case", "case-1", "--db", db, "--as-of", value],
        ["settle", "--db", db, *team, *day, "--actor", value],
        ["settle", "--db", db, "--team", value, "--period", "2026-10", *day],
        ["settle", "--db", db, "--team", "team-nord", "--period", value, *day],
        ["report", "--db", db, "--team", value, "--period", "2026-10"],
        ["report", "--db", db, *team, "--policy", cpr_file],
        ["ledger", "--db", db, "--team", value, "--period", "2026-10"],
        ["ledger", "--db", db, "--team", "team-nord", "--period", value],
        ["agenda", "--db", db, "--team", value, "--period", "2026-10", *day],
        ["verify", "--db", str(tmp_path / value)],
        ["verify", "--db", f"sqlite:///{tmp_path / value}"],
    ]


@pytest.mark.parametrize("value", FORMS)
def test_the_command_line_never_repeats_a_cpr_shaped_argument(
    tmp_path: Path, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a store with a case and an events file
    db = str(tmp_path / "e.sqlite")
    with CaseStore.sqlite(db) as store:
        store.append([make("CaseOpened")])
    (tmp_path / "events.jsonl").write_text(json.dumps(make("CaseOpened")) + "\n")
    for args in _commands(db, value, tmp_path):
        # when the command runs with a CPR number in one argument
        with pytest.raises(SystemExit) as exited:
            main(args)
        out, err = capsys.readouterr()
        # then it fails with a coded line and the number appears nowhere
        assert exited.value.code not in (0, 5, None), (args, err)
        assert err.startswith("erantis: error [E-"), (args, err)
        assert not _leaks(out + err), (args, out + err)
