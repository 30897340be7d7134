"""Value types shared by the events: identifiers, roles, legal bases, frames and periods."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from erantis_domain.errors import InvalidArgumentError
from erantis_domain.fsiii import VALID_SCORES, is_code

__all__ = [
    "Actor",
    "CaseId",
    "FollowUpOutcome",
    "Frame",
    "FunctionalConditionCode",
    "FunctionalScore",
    "FunctionalScoreEntry",
    "HealthFinding",
    "Identifier",
    "InterventionCode",
    "LegalBasis",
    "NursingConditionCode",
    "NursingInterventionCode",
    "Period",
    "Role",
    "looks_like_cpr",
    "period_bounds",
]

_CPR = re.compile(r"(?<!\d)(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{2}-?\d{4}(?!\d)")


def looks_like_cpr(text: str) -> bool:
    """Whether ``text`` contains something shaped like a Danish CPR number.

    A CPR number is ``DDMMYY-XXXX`` or ``DDMMYYXXXX`` with a plausible day and month. Identifiers
    in erantis are pseudonymous keys, so such a value is refused rather than stored.
    """
    return _CPR.search(text) is not None


def _not_cpr(value: str) -> str:
    if looks_like_cpr(value):
        # The message must not repeat the value: it is personal data.
        raise ValueError("looks like a CPR number; use a pseudonymous key (value withheld)")
    return value


Identifier = Annotated[
    str,
    StringConstraints(min_length=1, max_length=128, strip_whitespace=False),
    AfterValidator(_not_cpr),
]
"""A pseudonymous key (case, team, actor, decision ...): 1-128 characters, never a CPR number."""

CaseId = Identifier


class Role(StrEnum):
    """Professional role of an actor (who recorded an event, who delivered or delegated)."""

    VISITATOR = "visitator"
    NURSE = "nurse"
    SSA = "ssa"
    SSH = "ssh"
    THERAPIST = "therapist"
    TEAM_LEAD = "team_lead"
    SYSTEM = "system"


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Actor(_Value):
    """Who recorded an event."""

    actor_id: Identifier
    role: Role


#: Names of the acts erantis knows, by how they are written, to their abbreviation.
ACT_NAMES: dict[str, str] = {
    "SEL": "SEL",
    "SERVICELOVEN": "SEL",
    "AEL": "AEL",
    "ÆL": "AEL",
    "ÆLDRELOVEN": "AEL",
    "AELDRELOVEN": "AEL",
    "SUL": "SUL",
    "SUNDHEDSLOVEN": "SUL",
    "FVL": "FVL",
    "FORVALTNINGSLOVEN": "FVL",
    "RSL": "RSL",
    "RETSSIKKERHEDSLOVEN": "RSL",
}

# "83", "§ 83", "83a", "83 a", "83, stk. 1", "§ 83, stk. 1, nr. 1", "83 stk 1 nr 1"
_PARAGRAPH = re.compile(
    r"^§?\s*(?P<paragraph>\d{1,4}\s?[a-z]?)"
    r"(?:\s*,?\s*stk\.?\s*(?P<stk>\d{1,2}))?"
    r"(?:\s*,?\s*nr\.?\s*(?P<nr>\d{1,2}))?\s*$"
)
#: The paragraph of a version 1 event, whose text named no paragraph.
UNSPECIFIED = "unspecified"


class LegalBasis(_Value):
    """The legal basis of a decision, normalised: the act's abbreviation (``SEL``, ``AEL``,
    ``SUL``, ``FVL``, ``RSL``, or another act's name in capitals), the paragraph (``83``,
    ``83a``) and, where given, ``stk`` and ``nr``. ``{"act": "Serviceloven", "paragraph": "§ 83,
    stk. 1, nr. 1"}`` is ``SEL §83 stk. 1 nr. 1``.

    ``regime`` is the label the recording system gave (``"SEL-2024"``); it is kept as
    recorded, and no rule reads it: which law applies to a decision is decided from its date
    and the citizen's target-group assessment (``erantis_rules.regimes``).
    """

    act: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    paragraph: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    stk: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,2}$")] | None = None
    nr: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,2}$")] | None = None
    regime: Annotated[str, StringConstraints(max_length=64)] = ""

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        act = data.get("act")
        if isinstance(act, str):
            written = " ".join(act.split()).upper()
            data["act"] = ACT_NAMES.get(written, written)
        paragraph = data.get("paragraph")
        if isinstance(paragraph, str) and paragraph != UNSPECIFIED:
            found = _PARAGRAPH.match(paragraph.strip().lower())
            if found is None:
                raise ValueError("paragraph must read like '83', '83a' or '83, stk. 1, nr. 1'")
            data["paragraph"] = found["paragraph"].replace(" ", "")
            for part in ("stk", "nr"):
                if found[part] is not None:
                    if data.get(part) not in (None, found[part]):
                        raise ValueError(f"{part} is given twice, differently")
                    data[part] = found[part]
        return data

    def cites(self, act: str, *paragraphs: str) -> bool:
        """Whether this is the act's paragraph (any of ``paragraphs``; any stk. and nr.)."""
        return self.act == act and self.paragraph in paragraphs

    def __str__(self) -> str:
        parts = [f"{self.act} §{self.paragraph}"]
        if self.stk is not None:
            parts.append(f"stk. {self.stk}")
        if self.nr is not None:
            parts.append(f"nr. {self.nr}")
        return " ".join(parts)


def _code_check(families: str, what: str) -> AfterValidator:
    def check(value: str) -> str:
        if not is_code(value, families):
            raise ValueError(f"is not a known FSIII {what} code")
        return value

    return AfterValidator(check)


def _score_check(value: int) -> int:
    if value not in VALID_SCORES:
        raise ValueError("must be 0-4, or 9 for not relevant")
    return value


FunctionalConditionCode = Annotated[str, _code_check("J", "functional condition (J)")]
NursingConditionCode = Annotated[str, _code_check("I", "nursing condition (I)")]
InterventionCode = Annotated[str, _code_check("HG", "intervention (H or G)")]
NursingInterventionCode = Annotated[str, _code_check("G", "nursing intervention (G)")]
FunctionalScore = Annotated[int, AfterValidator(_score_check)]
FollowUpOutcome = Literal["E1", "E2", "E3", "E4"]

Period = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
"""A settlement period: a calendar month ``YYYY-MM``."""


class Frame(_Value):
    """A granted frame: ``minutes`` of an intervention per ``week`` or ``month``."""

    intervention: InterventionCode
    minutes: Annotated[int, Field(ge=0)]
    per: Literal["week", "month"]


class FunctionalScoreEntry(_Value):
    """One functional condition and its grade."""

    condition: FunctionalConditionCode
    score: FunctionalScore


class HealthFinding(_Value):
    """One nursing (health) condition and whether the citizen has a problem in it."""

    condition: NursingConditionCode
    has_problem: bool


_PERIOD_TEXT = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a ``YYYY-MM`` period."""
    if not _PERIOD_TEXT.match(period):
        raise InvalidArgumentError(f"period must be YYYY-MM (got {period!r})")
    year, month = int(period[:4]), int(period[5:7])
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return first, date.fromordinal(nxt.toordinal() - 1)
