"""The event catalogue: what happened to a citizen's case, and to a team's settlement period.

This module is a public contract. Events are frozen pydantic models, named in the past tense,
with ``extra="forbid"``, joined in one discriminated union :data:`Event` on the field ``type``
(the class name). JSON goes in through :func:`parse_event` and out through
``event.model_dump(mode="json")``.

What is rejected and what is stored
-----------------------------------
*Malformed data* is rejected with :class:`~erantis_domain.errors.InvalidEventError`, whose
message names the field and the bad value: wrong types, missing or unknown fields, naive
datetimes, identifiers that look like CPR numbers (the value is withheld from the message),
an unknown ``type``, negative minutes of a visit or frame, an unknown FSIII code, a functional
score outside 0-4/9, ``valid_until`` before ``valid_from``, a schema version from the future.

A *questionable practice* is a fact and is stored as such, for the rules to judge: a delegation
by an SSH or to an unverified delegate, a framework delegation without an instruction, a time
adjustment without the citizen involved, a decision without goals, reasons or complaint
guidance, a visit outside any grant.

Versions
--------
Every event carries ``schema_version``. Older versions are upcast on the way in (from JSON and
from the store): ``VisitationGranted`` version 1 held ``legal_basis`` as a string such as
``"SEL §83"``; version 2 holds the structured :class:`~erantis_domain.values.LegalBasis`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, TypeAlias
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from erantis_domain.errors import FieldProblem, InvalidArgumentError, InvalidEventError
from erantis_domain.values import (
    Actor,
    CaseId,
    FollowUpOutcome,
    Frame,
    FunctionalScoreEntry,
    HealthFinding,
    Identifier,
    InterventionCode,
    LegalBasis,
    NursingInterventionCode,
    Period,
    Role,
    looks_like_cpr,
)

__all__ = [
    "CASE_EVENT_TYPES",
    "EVENT_TYPES",
    "TEAM_EVENT_TYPES",
    "CaseClosed",
    "CaseEvent",
    "CaseOpened",
    "CitizenAdmitted",
    "CitizenDischarged",
    "DelegationRevoked",
    "DelegationSuspended",
    "DialogueMeetingHeld",
    "DomainEvent",
    "Event",
    "FollowUpRecorded",
    "FunctionalAbilityAssessed",
    "HealthConditionAssessed",
    "NursingTaskDelegated",
    "PeriodSettled",
    "ReferralReceived",
    "RehabilitationCourseEnded",
    "RehabilitationCourseStarted",
    "RehabilitationPotentialAssessed",
    "TargetGroupAssessed",
    "TeamEvent",
    "TimeAdjustedByTeam",
    "VisitDelivered",
    "VisitationGranted",
    "VisitationRejected",
    "VisitationRevised",
    "event_json_schema",
    "parse_event",
    "parse_events",
]

Text = Annotated[str, Field(max_length=4000)]
"""Free text (reasons, notes). May hold personal data: never logged, never put in findings."""


class DomainEvent(BaseModel):
    """Marker base of every erantis event: the fields all events share."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Current schema version of the event class; older stored versions are upcast on read.
    SCHEMA_VERSION: ClassVar[int] = 1

    event_id: UUID
    occurred_at: AwareDatetime
    recorded_by: Actor
    schema_version: int = 1

    @field_validator("schema_version")
    @classmethod
    def _current_version(cls, version: int) -> int:
        # A field validator (not a model one), so the error is located at ``schema_version``.
        if version != cls.SCHEMA_VERSION:
            raise ValueError(
                f"schema_version {version} is not supported for "
                f"{cls.__name__} (current: {cls.SCHEMA_VERSION})"
            )
        return version


class CaseEvent(DomainEvent):
    """Base of the events of a citizen's case (aggregate ``CitizenCase``)."""

    case_id: CaseId


class TeamEvent(DomainEvent):
    """Base of the events of a team's settlement period (aggregate ``TeamPeriod``). They are
    keyed by ``team_id`` and ``period``; ``case_id`` is always null."""

    case_id: None = None
    team_id: Identifier
    period: Period


# --- the citizen's case --------------------------------------------------------------------


class CaseOpened(CaseEvent):
    """A case was opened for a citizen, with the responsible team."""

    type: Literal["CaseOpened"] = "CaseOpened"
    team_id: Identifier
    municipality: Annotated[str, Field(min_length=1, max_length=64)]


class ReferralReceived(CaseEvent):
    """A referral (henvendelse) arrived."""

    type: Literal["ReferralReceived"] = "ReferralReceived"
    source: Literal["hospital", "gp", "relative", "citizen", "other"]
    reason: Text


class FunctionalAbilityAssessed(CaseEvent):
    """Functional ability (funktionsevnetilstand) was assessed per FSIII J area, graded."""

    type: Literal["FunctionalAbilityAssessed"] = "FunctionalAbilityAssessed"
    scores: tuple[FunctionalScoreEntry, ...] = Field(min_length=1)


class HealthConditionAssessed(CaseEvent):
    """Health conditions (helbredstilstande, FSIII I areas) were assessed by a nurse."""

    type: Literal["HealthConditionAssessed"] = "HealthConditionAssessed"
    conditions: tuple[HealthFinding, ...] = Field(min_length=1)


class TargetGroupAssessed(CaseEvent):
    """The municipality assessed which law the citizen's need for care falls under
    (målgruppevurdering): the Elderly Act (``AEL``, ÆL §2: pension age, or below it with a need
    equivalent to ageing, stk. 2) or the Social Services Act (``SEL``: e.g. a need from
    disability, or help under SEL §§95-96, ÆL §2 stk. 4). Only the conclusion and its basis
    are recorded: never a birth date or a CPR number."""

    type: Literal["TargetGroupAssessed"] = "TargetGroupAssessed"
    law: Literal["AEL", "SEL"]
    basis: Literal["pension_age", "equivalent_need", "sel_95_96", "other"]


class RehabilitationPotentialAssessed(CaseEvent):
    """Whether the citizen may regain function was assessed (SEL §83 stk. 3)."""

    type: Literal["RehabilitationPotentialAssessed"] = "RehabilitationPotentialAssessed"
    has_potential: bool
    reasons: Text


class RehabilitationCourseStarted(CaseEvent):
    """A time-limited rehabilitation course (SEL §83a) started, with individual goals."""

    type: Literal["RehabilitationCourseStarted"] = "RehabilitationCourseStarted"
    course_id: Identifier
    goals: tuple[Text, ...]
    planned_weeks: Annotated[int, Field(ge=1, le=104)]
    legal_basis: LegalBasis


class RehabilitationCourseEnded(CaseEvent):
    """A rehabilitation course ended."""

    type: Literal["RehabilitationCourseEnded"] = "RehabilitationCourseEnded"
    course_id: Identifier
    outcome: Text


class _DecisionBody(CaseEvent):
    """Fields of a granting decision (afgørelse), shared by grants and revisions."""

    decision_id: Identifier
    legal_basis: LegalBasis
    frames: tuple[Frame, ...] = Field(min_length=1)
    goals: tuple[Text, ...]
    valid_from: date
    valid_until: date | None
    follow_up_due: date
    team_id: Identifier
    reasons: Text
    complaint_guidance: bool
    #: The decision grants all that was applied for (fuldt medhold): then Forvaltningsloven
    #: §22 asks no reasons, and no complaint guidance is needed. Events without it are read
    #: as not fully granted (reasons and guidance required), as before it existed.
    fully_granted: bool = False

    @field_validator("frames")
    @classmethod
    def _one_frame_per_intervention(cls, frames: tuple[Frame, ...]) -> tuple[Frame, ...]:
        seen: set[str] = set()
        for frame in frames:
            if frame.intervention in seen:
                raise ValueError(
                    f"intervention {frame.intervention} has more than one frame; "
                    "give one frame per intervention"
                )
            seen.add(frame.intervention)
        return frames

    @field_validator("valid_until")
    @classmethod
    def _validity_ordered(cls, valid_until: date | None, info: ValidationInfo) -> date | None:
        # A field validator, so the error is located at ``valid_until`` (``valid_from`` is
        # declared first and is in ``info.data`` when it was valid itself).
        valid_from = info.data.get("valid_from")
        if valid_until is not None and valid_from is not None and valid_until < valid_from:
            raise ValueError(
                f"valid_until {valid_until.isoformat()} is before "
                f"valid_from {valid_from.isoformat()}"
            )
        return valid_until


class VisitationGranted(_DecisionBody):
    """The purchaser granted help: a frame of minutes per FSIII intervention, with goals
    (rammevisitation)."""

    SCHEMA_VERSION: ClassVar[int] = 2
    type: Literal["VisitationGranted"] = "VisitationGranted"
    schema_version: int = 2


class VisitationRevised(_DecisionBody):
    """A new decision replaced an earlier one (``revises``) from its ``valid_from``."""

    type: Literal["VisitationRevised"] = "VisitationRevised"
    revises: Identifier


class VisitationRejected(CaseEvent):
    """The purchaser rejected an application for help."""

    type: Literal["VisitationRejected"] = "VisitationRejected"
    decision_id: Identifier
    legal_basis: LegalBasis
    reasons: Text
    complaint_guidance: bool
    #: Always false: a rejection grants nothing (kept so every decision has the field).
    fully_granted: Literal[False] = False


class VisitDelivered(CaseEvent):
    """A visit was delivered: who, which intervention, how many minutes, on which day."""

    type: Literal["VisitDelivered"] = "VisitDelivered"
    visit_id: Identifier
    team_id: Identifier
    carer_id: Identifier
    carer_role: Role
    intervention: InterventionCode
    minutes: Annotated[int, Field(ge=0, le=24 * 60)]
    delivered_on: date


class TimeAdjustedByTeam(CaseEvent):
    """The team moved time inside a decision's frame (``delta_minutes`` per the frame's
    period; negative when reduced)."""

    type: Literal["TimeAdjustedByTeam"] = "TimeAdjustedByTeam"
    decision_id: Identifier
    intervention: InterventionCode
    delta_minutes: Annotated[int, Field(ge=-100_000, le=100_000)]
    reason: Text
    citizen_involved: bool
    team_id: Identifier


class NursingTaskDelegated(CaseEvent):
    """A nursing task was delegated (concrete: one citizen; framework: rammedelegation)."""

    type: Literal["NursingTaskDelegated"] = "NursingTaskDelegated"
    delegation_id: Identifier
    task: NursingInterventionCode
    kind: Literal["concrete", "framework"]
    delegator_id: Identifier
    delegator_role: Role
    delegate_id: Identifier
    delegate_role: Role
    instruction_ref: Annotated[str, Field(max_length=256)] | None
    competence_verified: bool
    follow_up_due: date
    onward_delegation_allowed: bool


class DelegationSuspended(CaseEvent):
    """A delegation was suspended (e.g. on hospital admission)."""

    type: Literal["DelegationSuspended"] = "DelegationSuspended"
    delegation_id: Identifier
    reason: Text


class DelegationRevoked(CaseEvent):
    """A delegation was revoked for good."""

    type: Literal["DelegationRevoked"] = "DelegationRevoked"
    delegation_id: Identifier
    reason: Text


class FollowUpRecorded(CaseEvent):
    """A professional follow-up (faglig opfølgning) of a decision or delegation, with the FSIII
    outcome: E1 continue, E2 changed within the frame, E3 ended, E4 re-assessment."""

    type: Literal["FollowUpRecorded"] = "FollowUpRecorded"
    subject_id: Identifier
    outcome: FollowUpOutcome
    note: Text


class CitizenAdmitted(CaseEvent):
    """The citizen was admitted to an institution (usually a hospital)."""

    type: Literal["CitizenAdmitted"] = "CitizenAdmitted"
    institution: Annotated[str, Field(min_length=1, max_length=128)]


class CitizenDischarged(CaseEvent):
    """The citizen came home from an admission."""

    type: Literal["CitizenDischarged"] = "CitizenDischarged"


class CaseClosed(CaseEvent):
    """The case was closed (the citizen no longer receives help)."""

    type: Literal["CaseClosed"] = "CaseClosed"
    reason: Text


# --- the team's settlement period ------------------------------------------------------------


class DialogueMeetingHeld(TeamEvent):
    """Purchaser and team met about a period (dialogmøde)."""

    type: Literal["DialogueMeetingHeld"] = "DialogueMeetingHeld"
    held_on: date
    participants: tuple[Role, ...] = Field(min_length=1)
    agreements: tuple[Text, ...]


class PeriodSettled(TeamEvent):
    """A team's settlement period was settled: frame against delivery, band and incentive."""

    type: Literal["PeriodSettled"] = "PeriodSettled"
    granted_minutes: Annotated[int, Field(ge=0)]
    delivered_minutes: Annotated[int, Field(ge=0)]
    variance_pct: Annotated[Decimal, Field(allow_inf_nan=False, decimal_places=4)]
    band: Literal["inside", "overspend", "underspend"]
    #: DKK; positive is paid to the provider, negative is the provider's share of an overspend.
    incentive_amount: Annotated[Decimal, Field(allow_inf_nan=False, decimal_places=2)]


Event: TypeAlias = Annotated[
    CaseOpened
    | ReferralReceived
    | FunctionalAbilityAssessed
    | HealthConditionAssessed
    | RehabilitationPotentialAssessed
    | RehabilitationCourseStarted
    | RehabilitationCourseEnded
    | TargetGroupAssessed
    | VisitationGranted
    | VisitationRejected
    | VisitationRevised
    | VisitDelivered
    | TimeAdjustedByTeam
    | NursingTaskDelegated
    | DelegationSuspended
    | DelegationRevoked
    | FollowUpRecorded
    | CitizenAdmitted
    | CitizenDischarged
    | CaseClosed
    | DialogueMeetingHeld
    | PeriodSettled,
    Field(discriminator="type"),
]
"""Any erantis event: the discriminated union on ``type``."""

_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)

EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.__name__: cls
    for cls in (
        CaseOpened,
        ReferralReceived,
        FunctionalAbilityAssessed,
        HealthConditionAssessed,
        RehabilitationPotentialAssessed,
        RehabilitationCourseStarted,
        RehabilitationCourseEnded,
        TargetGroupAssessed,
        VisitationGranted,
        VisitationRejected,
        VisitationRevised,
        VisitDelivered,
        TimeAdjustedByTeam,
        NursingTaskDelegated,
        DelegationSuspended,
        DelegationRevoked,
        FollowUpRecorded,
        CitizenAdmitted,
        CitizenDischarged,
        CaseClosed,
        DialogueMeetingHeld,
        PeriodSettled,
    )
}
"""Every event class by its ``type`` name."""

CASE_EVENT_TYPES: frozenset[str] = frozenset(
    name for name, cls in EVENT_TYPES.items() if issubclass(cls, CaseEvent)
)
TEAM_EVENT_TYPES: frozenset[str] = frozenset(
    name for name, cls in EVENT_TYPES.items() if issubclass(cls, TeamEvent)
)


# --- upcasting ---------------------------------------------------------------------------------


def _legal_basis_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 wrote ``legal_basis`` as text such as ``"SEL §83"`` or ``"SUL § 138"``."""
    basis = data.get("legal_basis")
    if isinstance(basis, str):
        act, _, paragraph = basis.partition("§")
        data["legal_basis"] = {
            "act": act.strip() or basis,
            "paragraph": paragraph.strip() or "unspecified",
            "regime": "unspecified",
        }
    data["schema_version"] = 2
    return data


_UPCASTERS: Mapping[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {
    ("VisitationGranted", 1): _legal_basis_v1_to_v2,
}


def _upcast(data: dict[str, Any]) -> dict[str, Any]:
    kind = data.get("type")
    version = data.get("schema_version", 1)
    if not isinstance(kind, str) or not isinstance(version, int):
        return data
    data = dict(data)
    while (step := _UPCASTERS.get((kind, version))) is not None:
        data = step(data)
        version = data["schema_version"]
    return data


# --- parsing -----------------------------------------------------------------------------------

_MAX_SHOWN = 60


#: Fields whose values are free text and may hold personal data: never shown in an error.
_FREE_TEXT = frozenset(
    {
        "reason",
        "reasons",
        "note",
        "institution",
        "goals",
        "agreements",
        "instruction_ref",
    }
)
_FREE_TEXT_OF = frozenset({("RehabilitationCourseEnded", "outcome")})
#: Errors whose input is not the field's own short value (an unknown field's content, an
#: over-long text, a whole object): shown only by its shape.
_SHAPE_ONLY = frozenset({"extra_forbidden", "string_too_long", "model_type", "dict_type"})


def _shape(value: object) -> str:
    if isinstance(value, str):
        return f"<text of {len(value)} characters>"
    if isinstance(value, dict | list | tuple):
        return f"<{type(value).__name__} of {len(value)} items>"
    return f"<{type(value).__name__}>"


def _show(value: object, problem: str, path: tuple[object, ...] = (), kind: str = "") -> str:
    if kind in _SHAPE_ONLY or any(part in _FREE_TEXT for part in path):
        return _shape(value)
    if tuple(path[:2]) in _FREE_TEXT_OF:
        return _shape(value)
    if isinstance(value, dict | list) and value:
        return _shape(value)
    # The rendering, not only a string value, is checked: it may hold a CPR-like identifier.
    text = repr(value)
    if "CPR" in problem or looks_like_cpr(text):
        return "<withheld>"
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _invalid(error: ValidationError, where: str = "") -> InvalidEventError:
    problems: list[FieldProblem] = []
    for item in error.errors(include_url=False):
        # The first element of a union location is the discriminator tag: keep it as the
        # class name, so the path reads "VisitDelivered.minutes".
        path = ".".join(str(part) for part in item["loc"]) or "<event>"
        message = str(item["msg"]).removeprefix("Value error, ")
        shown_input = item.get("input")
        if item["type"] in ("union_tag_invalid", "union_tag_not_found"):
            path, message = "type", "is not a known event type"
            shown_input = shown_input.get("type") if isinstance(shown_input, dict) else None
        # The input of a missing field is its parent object: nothing worth showing.
        shown = (
            "<missing>"
            if item["type"] == "missing"
            else _show(shown_input, message, tuple(item["loc"]), item["type"])
        )
        problems.append(FieldProblem(path, message, shown))
    shown = "; ".join(f"{p.field}: {p.problem} (got {p.value})" for p in problems[:5])
    more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
    return InvalidEventError(f"invalid event{where}: {shown}{more}", problems)


def parse_event(data: Mapping[str, Any] | str | bytes) -> Event:
    """Validate one event from a JSON document or an already decoded mapping.

    Older schema versions are upcast first. Raises
    :class:`~erantis_domain.errors.InvalidEventError` naming each bad field and value.
    """
    if isinstance(data, str | bytes):
        try:
            # Fast path: current-version JSON validates in one pass inside pydantic-core.
            return _ADAPTER.validate_json(data)
        except ValidationError:
            pass
        try:
            decoded = json.loads(data)
        except UnicodeDecodeError:
            raise InvalidEventError(
                "invalid event: not UTF-8 text",
                [FieldProblem("<event>", "not UTF-8", "<undecodable>")],
            ) from None
        except json.JSONDecodeError as exc:
            raise InvalidEventError(
                f"invalid event: not a JSON document ({exc.msg} at position {exc.pos})",
                [FieldProblem("<event>", "not JSON", "<unparsed>")],
            ) from None
        data = decoded
    if not isinstance(data, Mapping):
        raise InvalidEventError(
            f"invalid event: expected a JSON object, got {type(data).__name__}",
            [FieldProblem("<event>", "not an object", type(data).__name__)],
        )
    try:
        return _ADAPTER.validate_python(_upcast(dict(data)))
    except ValidationError as exc:
        raise _invalid(exc) from None


def parse_events(items: Iterable[Mapping[str, Any] | str | bytes | DomainEvent]) -> list[Event]:
    """Validate a batch; already parsed events pass through. The first invalid item raises
    :class:`~erantis_domain.errors.InvalidEventError` with its position in the batch."""
    out: list[Event] = []
    if isinstance(items, str | bytes) or not isinstance(items, Iterable):
        raise InvalidEventError(
            f"expected an iterable of events, got {type(items).__name__}",
            [FieldProblem("<events>", "not an iterable of events", type(items).__name__)],
        )
    for index, item in enumerate(items):
        if isinstance(item, DomainEvent):
            out.append(item)  # type: ignore[arg-type]
            continue
        try:
            out.append(parse_event(item))
        except InvalidEventError as exc:  # re-raised with the item's position
            raise InvalidEventError(
                exc.message.replace("invalid event", f"invalid event at index {index}", 1),
                exc.problems,
            ) from None
    return out


def event_json_schema(event_type: str | None = None) -> dict[str, Any]:
    """JSON Schema of the whole union (``None``) or of one event class by name."""
    if event_type is None:
        return _ADAPTER.json_schema(mode="serialization")
    if event_type not in EVENT_TYPES:
        raise InvalidArgumentError(f"no event type {event_type!r} (known: {sorted(EVENT_TYPES)})")
    return EVENT_TYPES[event_type].model_json_schema(mode="serialization")
