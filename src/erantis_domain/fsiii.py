"""FSIII (Fælles Sprog III) codes used by the event contract.

The codes are package data generated from the national code list published by HL7 Denmark
(see ``scripts/generate_fsiii.py``), so validation follows the standard rather than a hand list.
Families: ``J`` functional conditions (funktionsevnetilstande, graded 0-4 or 9), ``I`` nursing
conditions (helbredstilstande), ``H`` home-care interventions (SEL §83 / §83a), ``G`` nursing
interventions (SUL §138), ``E`` follow-up outcomes.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Final, Literal

__all__ = [
    "CARE_COURSE_ELEMENTS",
    "FSIII_SYSTEM",
    "FSIII_VERSION",
    "SCORE_NOT_RELEVANT",
    "VALID_SCORES",
    "HelpCategory",
    "display",
    "family",
    "help_category",
    "is_code",
]

#: Functional-ability grades: 0 no limitation ... 4 total limitation; 9 not relevant.
VALID_SCORES: Final = frozenset({0, 1, 2, 3, 4, 9})
SCORE_NOT_RELEVANT: Final = 9


@cache
def _table() -> dict[str, object]:
    text = resources.files("erantis_domain").joinpath("fsiii_codes.json").read_text("utf-8")
    table: dict[str, object] = json.loads(text)
    return table


def _codes() -> dict[str, str]:
    codes = _table()["codes"]
    assert isinstance(codes, dict)
    return codes


FSIII_SYSTEM: Final[str] = str(_table()["system"])
FSIII_VERSION: Final[str] = str(_table()["version"])
_CODES: Final[dict[str, str]] = _codes()


def is_code(code: str, families: str) -> bool:
    """Whether ``code`` is a known FSIII letter code in one of ``families`` (e.g. ``"HG"``)."""
    return code in _CODES and code[0] in families


def codes(families: str) -> frozenset[str]:
    """Every known FSIII code of ``families`` (e.g. ``"G"``: the nursing interventions)."""
    return frozenset(code for code in _CODES if code[0] in families)


def display(code: str) -> str:
    """The Danish display name of a code (``"G1.20"`` -> ``"Medicinadministration"``)."""
    return _CODES[code]


def family(code: str) -> str:
    """The family letter of a code: ``J``, ``I``, ``H``, ``G`` or ``E``."""
    return code[0]


HelpCategory = Literal["personal", "practical", "meals", "rehabilitation", "training"]
"""What kind of help an FSIII H intervention is, from the code list's parents: personal help
and care (SEL §83 stk. 1 nr. 1), practical help (nr. 2), madservice (nr. 3, now SEL §83b and
ÆL §13), rehabilitation (§83a) and genoptræning (§86 stk. 1)."""

#: The parent of each H intervention in the code list (version 20240530): H1.3 is Ernæring,
#: personal care; cleaning (Rengøring) is H1.8, practical help.
_CATEGORY: Final[dict[str, HelpCategory]] = {
    **{f"H1.{n}": "personal" for n in range(1, 7)},
    **{f"H1.{n}": "practical" for n in (7, 8, 9, 10, 12)},
    "H1.11": "meals",
    **{f"H2.{n}": "rehabilitation" for n in range(1, 12)},
    "H5.1": "training",
}

CARE_COURSE_ELEMENTS: Final[frozenset[HelpCategory]] = frozenset(
    {"personal", "practical", "rehabilitation", "training"}
)
"""The kinds of help an Elderly Act care course holds (ÆL §9 stk. 2: nr. 1 personal help and
care, nr. 2 practical tasks, nr. 3 genoptræning, with the rehabilitating aim of §5); madservice
is its own offer (ÆL §13), nursing is the Health Act's (SUL §138)."""


def help_category(code: str) -> HelpCategory | None:
    """The kind of help of an H intervention (``None`` for any other code: respite, temporary
    stay, maintenance training, 0-ydelser, nursing)."""
    return _CATEGORY.get(code)
