"""Value types shared by the events: identifiers, roles, legal bases, frames and periods."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from erantis_domain._cpr import looks_like_cpr, redact_cpr
from erantis_domain.errors import InvalidArgumentError
from erantis_domain.fsiii import VALID_SCORES, is_code

__all__ = [
    "EARLIEST_DAY",
    "IDENTIFIER_PATTERN",
    "LATEST_DAY",
    "Actor",
    "CaseId",
    "CourseFrame",
    "Day",
    "FollowUpOutcome",
    "Frame",
    "FunctionalConditionCode",
    "FunctionalScore",
    "FunctionalScoreEntry",
    "HealthFinding",
    "Identifier",
    "InterventionCode",
    "Label",
    "LegalBasis",
    "Moment",
    "Municipality",
    "NursingConditionCode",
    "NursingInterventionCode",
    "Period",
    "Role",
    "looks_like_cpr",
    "period_bounds",
    "redact_cpr",
]


def _not_cpr(value: str) -> str:
    if looks_like_cpr(value):
        # The message must not repeat the value: it is personal data.
        raise ValueError("looks like a CPR number; use a pseudonymous key (value withheld)")
    return value


#: The characters of an identifier: printable ASCII, no space (``!`` to ``~``). No other
#: script, so no look-alike letters; no control, invisible or bidirectional characters.
IDENTIFIER_PATTERN = r"^[!-~]+$"
_IDENTIFIER = re.compile(IDENTIFIER_PATTERN)


def _identifier_chars(value: str) -> str:
    # CPR first: a CPR-like value must be withheld, whatever else is wrong with it.
    _not_cpr(value)
    if not _IDENTIFIER.fullmatch(value):
        raise ValueError(
            "must be printable ASCII without spaces "
            "(no control, invisible, bidirectional or look-alike characters)"
        )
    return value


Identifier = Annotated[
    str,
    StringConstraints(min_length=1, max_length=128, strip_whitespace=False),
    AfterValidator(_identifier_chars),
]
"""A pseudonymous key (case, team, actor, decision ...): 1-128 characters from
:data:`IDENTIFIER_PATTERN` (ASCII, so no look-alike letters, invisible or control characters),
never shaped like a CPR number."""

#: Characters never allowed in a short label: controls, format characters (bidi overrides,
#: zero-width spaces), line and paragraph separators, private use and unassigned code points.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _label_chars(value: str) -> str:
    _not_cpr(value)
    if any(unicodedata.category(char) in _FORBIDDEN_CATEGORIES for char in value):
        raise ValueError("holds a control, invisible or bidirectional formatting character")
    if value != value.strip():
        raise ValueError("has leading or trailing whitespace")
    return value


Label = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_label_chars)]
"""A short printable label (a part of a legal basis, an institution): 1-64 characters, letters
of any script allowed, but no control, invisible or bidirectional formatting character, no
leading or trailing space, never shaped like a CPR number."""

_ShortLabel = Annotated[
    str, StringConstraints(min_length=1, max_length=32), AfterValidator(_label_chars)
]

Municipality = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64),
    AfterValidator(_identifier_chars),
]
"""The municipality: its code (``"0756"``) or another key from :data:`IDENTIFIER_PATTERN`."""

#: Earliest and latest day any date of an event may name (policy-free sanity bounds: home
#: care records neither predate 1900 nor reach past 2199; a year 1 or 9999 is a typo or an
#: attack, and would overflow date arithmetic downstream).
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2199, 12, 31)


def _day_in_range(value: date) -> date:
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValueError(f"must be between {EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}")
    return value


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_MOMENT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?"
    r"(Z|[+-][0-9]{2}:?[0-9]{2})"
)


def _iso_day(value: object) -> object:
    # pydantic reads a string of digits as a Unix time even in strict mode: only ISO text is
    # taken, and parsed here (strict validation after a validator accepts only a date).
    if isinstance(value, str):
        if not _ISO_DAY.fullmatch(value):
            raise ValueError("must be a day YYYY-MM-DD")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError("must be a day YYYY-MM-DD that exists in the calendar") from None
    return value


def _iso_moment(value: object) -> object:
    if isinstance(value, str):
        if not _ISO_MOMENT.fullmatch(value):
            raise ValueError(
                "must be an ISO 8601 time YYYY-MM-DDThh:mm[:ss] with a timezone offset"
            )
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("must be an ISO 8601 time that exists in the calendar") from None
    return value


Day = Annotated[date, BeforeValidator(_iso_day), AfterValidator(_day_in_range)]
"""A calendar day between :data:`EARLIEST_DAY` and :data:`LATEST_DAY`."""

Moment = Annotated[AwareDatetime, BeforeValidator(_iso_moment), AfterValidator(_day_in_range)]
"""A timezone-aware instant whose day is between :data:`EARLIEST_DAY` and :data:`LATEST_DAY`."""

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
    #: Checks and settles the purchaser's accounts (økonomi/controlling).
    CONTROLLER = "controller"
    #: The citizen's physician: reserved tasks (e.g. prescription medicine) are theirs to
    #: delegate (autorisationsloven §74, BEK 1219/2009).
    PHYSICIAN = "physician"


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

    act: _ShortLabel
    paragraph: _ShortLabel
    stk: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,2}$")] | None = None
    nr: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,2}$")] | None = None
    regime: Label | None = None

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        act = data.get("act")
        if isinstance(act, str):
            # Only a known name is rewritten; anything else is judged as written.
            data["act"] = ACT_NAMES.get(act.strip().upper(), act)
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


class _CodeCheck:
    """The check that a text is an FSIII code of ``families``; a class rather than a closure so
    that the one-pass decoder can read its families and check the same in Rust."""

    def __init__(self, families: str, what: str) -> None:
        self.families = families
        self.what = what

    def __call__(self, value: str) -> str:
        if not is_code(value, self.families):
            raise ValueError(f"is not a known FSIII {self.what} code")
        return value


def _code_check(families: str, what: str) -> AfterValidator:
    return AfterValidator(_CodeCheck(families, what))


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

_PERIOD_TEXT = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


def _period_check(value: str) -> str:
    # ASCII digits only ([0-9], not \d: that would take Arabic-Indic digits as an alias).
    if not _PERIOD_TEXT.fullmatch(value):
        raise ValueError("must be a month YYYY-MM in ASCII digits")
    if not EARLIEST_DAY.year <= int(value[:4]) <= LATEST_DAY.year:
        raise ValueError(f"year must be between {EARLIEST_DAY.year} and {LATEST_DAY.year}")
    return value


Period = Annotated[str, StringConstraints(max_length=7), AfterValidator(_period_check)]
"""A settlement period: a calendar month ``YYYY-MM`` in ASCII digits, year 1900-2199."""


class Frame(_Value):
    """A granted frame: ``minutes`` of an intervention per ``week`` or ``month``."""

    intervention: InterventionCode
    minutes: Annotated[int, Field(ge=0)]
    per: Literal["week", "month"]


class CourseFrame(_Value):
    """The pooled frame of a care course (helhedspleje, ÆL §10 jf. §9 stk. 2): ``minutes`` per
    ``week`` or ``month`` for the course as a whole. The decision's frames then say what the
    course holds; the help given may vary inside it from visit to visit."""

    minutes: Annotated[int, Field(ge=0, le=100_000)]
    per: Literal["week", "month"]


class FunctionalScoreEntry(_Value):
    """One functional condition and its grade."""

    condition: FunctionalConditionCode
    score: FunctionalScore


class HealthFinding(_Value):
    """One nursing (health) condition and whether the citizen has a problem in it."""

    condition: NursingConditionCode
    has_problem: bool


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a ``YYYY-MM`` period."""
    try:
        _period_check(period)
    except ValueError as exc:
        # The value is shown only when it is short and harmless.
        shown = repr(period) if len(period) <= 16 and period.isascii() else "<withheld>"
        shown = "<withheld>" if looks_like_cpr(period) else shown
        raise InvalidArgumentError(f"period {exc} (got {shown})") from None
    year, month = int(period[:4]), int(period[5:7])
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return first, date.fromordinal(nxt.toordinal() - 1)
