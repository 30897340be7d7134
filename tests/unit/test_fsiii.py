"""The shipped FSIII code table is generated from the national code list and used as such."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from erantis_domain import fsiii

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "src" / "erantis_domain" / "fsiii_codes.json"


def _generator() -> ModuleType:
    """``scripts/generate_fsiii.py``, imported by path (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "generate_fsiii", ROOT / "scripts" / "generate_fsiii.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_table_is_what_the_generator_builds() -> None:
    # given the national code list in the repository, when the generator builds the table
    built = _generator().build()
    # then it equals the shipped package data byte for byte
    assert SHIPPED.read_text(encoding="utf-8") == built, (
        "src/erantis_domain/fsiii_codes.json is stale: run "
        "`uv run python scripts/generate_fsiii.py` and commit it"
    )


def test_the_version_and_system_are_recorded() -> None:
    table = json.loads(SHIPPED.read_text(encoding="utf-8"))
    generator = _generator()
    assert fsiii.FSIII_VERSION == table["version"] == generator.VERSION == "20240530"
    assert fsiii.FSIII_SYSTEM == table["system"] == "urn:oid:1.2.208.176.2.21"


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("G1.20", "Medicinadministration"),
        ("G1.19", "Kompressionsbehandling"),
        ("G1.39", "Sårbehandling"),
        ("H1.1", "Personlig hygiejne"),
        ("J1", "Egenomsorg"),
        ("J1.1", "Vaske sig"),
        ("I4.4", "Problemer med tryksår"),
        ("E3", "Afsluttes"),
    ],
)
def test_known_codes_have_their_danish_display_names(code: str, name: str) -> None:
    assert fsiii.display(code) == name


def test_the_families_used_by_the_contract_are_all_there() -> None:
    table = json.loads(SHIPPED.read_text(encoding="utf-8"))["codes"]
    families = {code[0] for code in table}
    assert families == set("JIHGE")
    # the five functional areas, the twelve nursing areas and the four follow-up outcomes
    assert {f"J{n}" for n in range(1, 6)} <= table.keys()
    assert {f"I{n}" for n in range(1, 13)} <= table.keys()
    assert {code for code in table if code[0] == "E"} == {"E1", "E2", "E3", "E4"}


@pytest.mark.parametrize(
    ("code", "families", "known"),
    [
        ("G1.20", "G", True),
        ("G1.20", "HG", True),
        ("G1.20", "H", False),
        ("J1.1", "HG", False),
        ("J1.1", "J", True),
        ("H9.99", "H", False),
        ("", "HG", False),
        ("g1.20", "G", False),
    ],
)
def test_is_code_checks_the_list_and_the_family(code: str, families: str, known: bool) -> None:
    assert fsiii.is_code(code, families) is known


def test_family_and_scores() -> None:
    assert fsiii.family("G1.20") == "G"
    assert sorted(fsiii.VALID_SCORES) == [0, 1, 2, 3, 4, 9]
    assert fsiii.SCORE_NOT_RELEVANT == 9


def test_an_unknown_code_has_no_display_name() -> None:
    with pytest.raises(KeyError):
        fsiii.display("G9.99")
