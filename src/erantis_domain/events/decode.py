"""The union of every event and its strict decoder: one pass over a line, coded errors.

:func:`parse_event` turns a JSON document (or a decoded mapping) into a typed event of the
discriminated union :data:`Event`, upcasting older schema versions first; a bad document raises
:class:`~erantis_domain.errors.InvalidEventError` naming each field, and showing a value only
when it is known to be safe.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, TypeAlias
from uuid import UUID

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from erantis_domain.errors import FieldProblem, InvalidArgumentError, InvalidEventError
from erantis_domain.events._fast import FastPath
from erantis_domain.events.case import (
    CaseClosed,
    CaseOpened,
    ChangedNeedsReported,
    CitizenAdmitted,
    CitizenDischarged,
    DelegationRevoked,
    DelegationSuspended,
    FollowUpRecorded,
    FreeChoiceCertificateDecided,
    FunctionalAbilityAssessed,
    HealthConditionAssessed,
    HelpSwapped,
    NursingTaskDelegated,
    OwnHelperApproved,
    ProviderChosen,
    ReferralReceived,
    RehabilitationCourseEnded,
    RehabilitationCourseStarted,
    RehabilitationPotentialAssessed,
    TargetGroupAssessed,
    TimeAdjustedByTeam,
    VisitationGranted,
    VisitationRejected,
    VisitationRevised,
    VisitDeclined,
    VisitDelivered,
)
from erantis_domain.events.parts import (
    MAX_DEPTH,
    MAX_EVENT_BYTES,
    MAX_FIELDS,
    MAX_ITEMS,
    MAX_NAME,
    MAX_STRING,
    CaseEvent,
    DomainEvent,
    TeamEvent,
)
from erantis_domain.events.team import (
    DialogueMeetingHeld,
    ImprovementTrialRecorded,
    PeriodSettled,
    PolicyVersionAdopted,
    SettlementCorrected,
)
from erantis_domain.values import looks_like_cpr

__all__ = [
    "CASE_EVENT_TYPES",
    "EVENT_TYPES",
    "TEAM_EVENT_TYPES",
    "Event",
    "event_json_schema",
    "parse_event",
    "parse_events",
]


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
    | HelpSwapped
    | VisitDeclined
    | ProviderChosen
    | ChangedNeedsReported
    | FreeChoiceCertificateDecided
    | OwnHelperApproved
    | TimeAdjustedByTeam
    | NursingTaskDelegated
    | DelegationSuspended
    | DelegationRevoked
    | FollowUpRecorded
    | CitizenAdmitted
    | CitizenDischarged
    | CaseClosed
    | DialogueMeetingHeld
    | ImprovementTrialRecorded
    | PeriodSettled
    | SettlementCorrected
    | PolicyVersionAdopted,
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
        HelpSwapped,
        VisitDeclined,
        ProviderChosen,
        ChangedNeedsReported,
        FreeChoiceCertificateDecided,
        OwnHelperApproved,
        TimeAdjustedByTeam,
        NursingTaskDelegated,
        DelegationSuspended,
        DelegationRevoked,
        FollowUpRecorded,
        CitizenAdmitted,
        CitizenDischarged,
        CaseClosed,
        DialogueMeetingHeld,
        ImprovementTrialRecorded,
        PeriodSettled,
        SettlementCorrected,
        PolicyVersionAdopted,
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


def _agreements_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 wrote each agreement as text only."""
    agreements = data.get("agreements")
    if isinstance(agreements, list):
        data["agreements"] = [{"text": a} if isinstance(a, str) else a for a in agreements]
    data["schema_version"] = 2
    return data


_UPCASTERS: Mapping[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {
    ("VisitationGranted", 1): _legal_basis_v1_to_v2,
    ("DialogueMeetingHeld", 1): _agreements_v1_to_v2,
}

#: The one-pass path (:mod:`erantis_domain.events._fast`); the strict decoder below judges
#: every line it does not accept, and alone writes errors.
_FAST = FastPath(
    _ADAPTER.core_schema,  # type: ignore[arg-type]
    frozenset(_UPCASTERS),
)


def _upcast(data: dict[str, Any]) -> dict[str, Any]:
    kind = data.get("type")
    version = data.get("schema_version", 1)
    # ``type(...) is int``: a bool is an int to Python (and True == 1), not to JSON.
    if not isinstance(kind, str) or type(version) is not int:
        return data
    data = dict(data)
    while (step := _UPCASTERS.get((kind, version))) is not None:
        data = step(data)
        version = data["schema_version"]
    return data


# --- parsing -----------------------------------------------------------------------------------

_MAX_SHOWN = 60
#: Longest message of one problem; a message of an error holds at most five problems.
_MAX_PROBLEM = 200


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


def _field_names() -> frozenset[str]:
    names: set[str] = set(EVENT_TYPES)
    pending: list[type[BaseModel]] = list(EVENT_TYPES.values())
    seen: set[type[BaseModel]] = set()
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            names.add(name)
            for arg in (*getattr(info.annotation, "__args__", ()), info.annotation):
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    pending.append(arg)
    return frozenset(names)


#: The names an error may show in a field path: those of the contract, and list positions.
#: Any other name (an unknown field) comes from the input and may itself be personal data.
_KNOWN_NAMES = _field_names()


def _path(loc: Iterable[object]) -> str:
    parts = [
        str(part) if isinstance(part, int) or part in _KNOWN_NAMES else "<unknown field>"
        for part in loc
    ]
    return ".".join(parts) or "<event>"


def _shape(value: object) -> str:
    if isinstance(value, str):
        return f"<text of {len(value)} characters>"
    if isinstance(value, dict | list | tuple):
        return f"<{type(value).__name__} of {len(value)} items>"
    return f"<{type(value).__name__}>"


def _safe_scalar(value: object) -> str | None:
    """The rendering of ``value`` when it is known-safe to show, else ``None``: a short,
    printable ASCII scalar that does not look like a CPR number."""
    if value is None or isinstance(value, bool) or value in ([], {}):
        return repr(value)
    if isinstance(value, int | float | str):
        # The rendering, not only a string value, is checked: it may hold a CPR-like number.
        text = repr(value)
        if len(text) > _MAX_SHOWN or not text.isascii() or not text.isprintable():
            return None
        # A CPR number stored as an integer has lost its leading zero: pad before checking.
        padded = text.zfill(10) if isinstance(value, int) else text
        # The raw value too: repr escapes a no-break space or a tab ("\\xa0"), which would
        # hide the number from the detector while the reader still sees it.
        raw = str(value)
        hidden = looks_like_cpr(text) or looks_like_cpr(padded) or looks_like_cpr(raw)
        return None if hidden else text
    return None


def _show(value: object, problem: str, path: tuple[object, ...] = (), kind: str = "") -> str:
    if kind in _SHAPE_ONLY or any(part in _FREE_TEXT for part in path):
        return _shape(value)
    if tuple(path[:2]) in _FREE_TEXT_OF:
        return _shape(value)
    if "CPR" in problem:
        return "<withheld>"
    shown = _safe_scalar(value)
    if shown is not None:
        return shown
    if isinstance(value, str) and looks_like_cpr(value):
        return "<withheld>"
    return _shape(value)


def _invalid(error: ValidationError, where: str = "") -> InvalidEventError:
    problems: list[FieldProblem] = []
    for item in error.errors(include_url=False):
        # The first element of a union location is the discriminator tag: keep it as the
        # class name, so the path reads "VisitDelivered.minutes".
        path = _path(item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        if len(message) > _MAX_PROBLEM:
            message = message[: _MAX_PROBLEM - 3] + "..."
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


class _Refused(Exception):
    """Raised inside the decoder's hooks; becomes an :class:`InvalidEventError`."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def _refuse(problem: str, field: str = "<event>") -> InvalidEventError:
    return InvalidEventError(
        f"invalid event: {field}: {problem}", [FieldProblem(field, problem, "<not shown>")]
    )


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len(pairs) > MAX_FIELDS:
        raise _Refused(f"an object has more than {MAX_FIELDS} fields")
    out: dict[str, Any] = {}
    for name, value in pairs:
        if name in out:
            # Last-wins would silently pick one of two values: refuse. The name is shown only
            # when it is a field of the contract.
            shown = name if name in _KNOWN_NAMES else "<unknown field>"
            raise _Refused(f"field {shown} appears more than once")
        out[name] = value
    return out


def _integer(text: str) -> int:
    # Python refuses to convert integers of more than 4,300 digits with a bare ValueError;
    # nothing in an event needs more than 20.
    if len(text.lstrip("-")) > 20:
        raise _Refused("a number has more than 20 digits")
    return int(text)


def _constant(text: str) -> Any:
    raise _Refused("NaN and Infinity are not JSON numbers")


_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_int=_integer, parse_constant=_constant)


def _check_shape(data: object) -> None:
    """Walk ``data`` (without recursion) and refuse what no event can hold: nesting deeper than
    :data:`MAX_DEPTH`, lists longer than :data:`MAX_ITEMS`, objects of more than
    :data:`MAX_FIELDS` fields or with names that are not strings or longer than
    :data:`MAX_NAME`, strings longer than :data:`MAX_STRING`."""
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if len(value) > MAX_STRING:
                raise _Refused(f"a text is longer than {MAX_STRING} characters")
            continue
        if not isinstance(value, Mapping | list | tuple):
            continue
        if depth > MAX_DEPTH:
            raise _Refused(f"objects and arrays are nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, Mapping):
            if len(value) > MAX_FIELDS:
                raise _Refused(f"an object has more than {MAX_FIELDS} fields")
            for name, item in value.items():
                if not isinstance(name, str):
                    raise _Refused("a field name is not a string")
                if len(name) > MAX_NAME:
                    raise _Refused(f"a field name is longer than {MAX_NAME} characters")
                stack.append((item, depth + 1))
        else:
            if len(value) > MAX_ITEMS:
                raise _Refused(f"a list has more than {MAX_ITEMS} items")
            stack.extend((item, depth + 1) for item in value)


def _decode(data: str | bytes) -> Any:
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if size > MAX_EVENT_BYTES:
        raise _refuse(f"the document is longer than {MAX_EVENT_BYTES} bytes")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidEventError(
                "invalid event: not UTF-8 text",
                [FieldProblem("<event>", "not UTF-8", "<undecodable>")],
            ) from None
    try:
        return _DECODER.decode(data.strip())
    except _Refused as exc:
        raise _refuse(exc.problem) from None
    except RecursionError:
        raise _refuse(f"objects and arrays are nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        # Some Python versions report very deep nesting as a syntax error, not a recursion:
        # say what it is either way.
        if _nesting(data) > MAX_DEPTH:
            raise _refuse(f"objects and arrays are nested deeper than {MAX_DEPTH} levels") from None
        raise InvalidEventError(
            f"invalid event: not a JSON document ({exc.msg} at position {exc.pos})",
            [FieldProblem("<event>", "not JSON", "<unparsed>")],
        ) from None
    except ValueError:
        raise _refuse("not a JSON document") from None


def _nesting(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON text (strings skipped); only asked of
    text that failed to parse, so a plain scan is fine."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _jsonable(value: object) -> object:
    # Python callers may hand over the values pydantic itself produces; nothing else.
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise _Refused(f"a value of type {type(value).__name__} is not a JSON value")


def _as_json(data: Mapping[str, Any]) -> str:
    try:
        return json.dumps(data, default=_jsonable, allow_nan=False, ensure_ascii=False)
    except _Refused as exc:
        raise _refuse(exc.problem) from None
    except (ValueError, TypeError, RecursionError):
        raise _refuse("not a JSON value (NaN, Infinity or an unserialisable value)") from None


def _parse_event(data: Mapping[str, Any] | str | bytes) -> Event:
    """Validate one event from a JSON document (text or UTF-8 bytes) or a decoded mapping.

    Validation is strict: no coercion between booleans, numbers, strings and times
    (``"30"``, ``30.0`` or ``true`` are not minutes; a Unix number is not a time), duplicate
    field names are refused, and the size is bounded (:data:`MAX_EVENT_BYTES`,
    :data:`MAX_DEPTH`, :data:`MAX_ITEMS`, :data:`MAX_FIELDS`, :data:`MAX_STRING`,
    :data:`MAX_NAME`). Older schema versions are upcast first. Raises
    :class:`~erantis_domain.errors.InvalidEventError` naming each bad field; a value or a field
    name is shown only when it is known to be safe (never a CPR-like one, never free text).
    """
    # The one-pass path vouches for most lines (``_FAST.parser``, below, which hands the rest
    # here); the strict decoder judges the rest, and alone writes errors.
    if isinstance(data, Mapping):
        event = _fast_mapping(data)
        if event is not None:
            return event  # type: ignore[return-value]
    return _parse_strict(data)


#: :func:`_parse_event` with the one-pass path in front of it, as one function: a line the
#: one-pass path vouches for costs no further Python call (the hot path of every line).
#: Its signature and documentation are :func:`_parse_event`'s (``__wrapped__``).
parse_event: Callable[[Mapping[str, Any] | str | bytes], Event] = functools.update_wrapper(
    _FAST.parser(_parse_event), _parse_event
)
parse_event.__name__ = parse_event.__qualname__ = "parse_event"


def _parse_strict(data: Mapping[str, Any] | str | bytes) -> Event:
    """:func:`parse_event` by the strict decoder alone: the standard library's ``json`` with
    hooks (duplicate names, numbers), a walk of the result (:func:`_check_shape`), the upcast,
    then the union's validators, each in Python where it is written so."""
    decoded: Any = _decode(data) if isinstance(data, str | bytes) else data
    if not isinstance(decoded, Mapping):
        name = type(decoded).__name__
        raise InvalidEventError(
            f"invalid event: expected a JSON object, got {name}",
            [FieldProblem("<event>", "not an object", name)],
        )
    try:
        _check_shape(decoded)
    except _Refused as exc:
        raise _refuse(exc.problem) from None
    try:
        # Re-encoded, so a mapping is judged by the same strict JSON rules as text.
        return _ADAPTER.validate_json(_as_json(_upcast(dict(decoded))), strict=True)
    except ValidationError as exc:
        raise _invalid(exc) from None


def _fast_mapping(data: object) -> DomainEvent | None:
    """The one-pass path for a mapping: its JSON text, when it has one, judged as a line is."""
    if not isinstance(data, dict):
        return None
    try:
        text = json.dumps(data, default=_jsonable, allow_nan=False, ensure_ascii=False)
    except (_Refused, ValueError, TypeError, RecursionError):
        return None
    return _FAST.parse(text)


def _parse_stored(data: Mapping[str, Any]) -> Event:
    """An event read back from the store: it passed :func:`parse_event` when written, and its
    digest is checked by the store, so only the upcast is needed (lax, and fast)."""
    if isinstance(data, dict):
        event = _FAST.parse_stored(data)
        if event is not None:
            return event  # type: ignore[return-value]
    try:
        return _ADAPTER.validate_python(_upcast(dict(data)))
    except ValidationError as exc:
        raise _invalid(exc, " in the store") from None


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
        out.append(_parse_at(index, item))  # type: ignore[arg-type]
    return out


def _parse_at(index: int, item: Mapping[str, Any] | str | bytes | DomainEvent) -> DomainEvent:
    """One item of a batch at position ``index``: an already parsed event passes through, else
    :func:`parse_event`, whose error is re-raised naming the item's position."""
    if isinstance(item, DomainEvent):
        return item
    try:
        return parse_event(item)
    except InvalidEventError as exc:
        raise InvalidEventError(
            exc.message.replace("invalid event", f"invalid event at index {index}", 1),
            exc.problems,
        ) from None


def event_json_schema(event_type: str | None = None) -> dict[str, Any]:
    """JSON Schema of the whole union (``None``) or of one event class by name."""
    if event_type is None:
        return _ADAPTER.json_schema(mode="serialization")
    if event_type not in EVENT_TYPES:
        raise InvalidArgumentError(f"no event type {event_type!r} (known: {sorted(EVENT_TYPES)})")
    return EVENT_TYPES[event_type].model_json_schema(mode="serialization")
