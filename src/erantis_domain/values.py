"""Value types shared by the events: identifiers, roles, legal bases, frames and periods."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

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


class LegalBasis(_Value):
    """The legal basis of a decision, e.g. ``{"act": "SEL", "paragraph": "83", "regime":
    "SEL-2024"}``. The regime versions the law (the Elderly Act replaced parts of SEL from
    1 July 2025), so it is data, not code."""

    act: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    paragraph: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    regime: Annotated[str, StringConstraints(min_length=1, max_length=64)]


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
