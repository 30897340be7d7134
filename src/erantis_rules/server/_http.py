"""Private: what the resources of the service share: the annotated path and query
parameters, the documented problem answers, and the parsing of bodies, ETags and page
cursors."""

import base64
import binascii
import json
from datetime import date
from typing import Annotated, Any

from fastapi import Path, Query

from erantis_domain import EVENT_TYPES, Event, event_json_schema
from erantis_domain.errors import (
    FieldProblem,
    InvalidEventError,
)
from erantis_domain.events import parse_event
from erantis_rules import Finding, Policy
from erantis_rules.server._models import LedgerBody
from erantis_rules.server._problems import (
    CursorInvalid,
    EventRejected,
    RequestInvalid,
)

__all__ = [
    "ID_PATTERN",
    "INGEST_CHUNK",
    "MAX_LINE",
    "PROBLEMS",
    "WRITE_PROBLEMS",
    "AsOf",
    "CaseId",
    "Limit",
    "PeriodText",
    "TeamId",
    "if_match_version",
    "json_body",
    "json_schemas",
    "ledger_body",
    "page_after",
    "page_cursor",
    "parsed_events",
]

#: Path parameters: erantis identifiers are printable ASCII without spaces, 1-128 characters.
ID_PATTERN = r"^[!-~]{1,128}$"
_PERIOD = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
#: Lines of an upload stored per transaction.
INGEST_CHUNK = 1000
#: The longest line of an upload (an event is far smaller; see erantis' MAX_EVENT_BYTES).
MAX_LINE = 1_048_576

CaseId = Annotated[str, Path(pattern=ID_PATTERN, description="The case id.")]
TeamId = Annotated[str, Path(pattern=ID_PATTERN, description="The team id.")]
PeriodText = Annotated[str, Path(pattern=_PERIOD, description="The period, YYYY-MM.")]
AsOf = Annotated[
    date | None,
    Query(description="The day judged (default: the service's day, see /v1/findings)."),
]
Limit = Annotated[int, Query(ge=1, le=1000, description="Most items in the answer.")]

_PROBLEM_REF = {"$ref": "#/components/schemas/ProblemBody"}
_PROBLEM_CONTENT = {"application/problem+json": {"schema": _PROBLEM_REF}}
PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"description": text, "content": _PROBLEM_CONTENT}
    for status, text in (
        (400, "Malformed parameter or body (E-REQUEST-INVALID, E-CURSOR-INVALID)"),
        (401, "No, or a refused, bearer token (E-AUTH-*)"),
        (403, "Scope or role refused (E-AUTH-SCOPE, E-FORBIDDEN)"),
        (404, "No such case or resource (E-UNKNOWN-CASE, E-NOT-FOUND)"),
        (408, "The request took too long (E-REQUEST-TIMEOUT)"),
        (413, "Body or batch too large (E-BODY-TOO-LARGE, E-BATCH-TOO-LARGE)"),
        (503, "Overloaded or the store unavailable (E-OVERLOADED, E-STORE-*); see Retry-After"),
    )
}
WRITE_PROBLEMS = {
    **PROBLEMS,
    409: {
        "description": "Conflict (E-CONFLICT, E-EVENT-ID-REUSED, E-SETTLEMENT)",
        "content": _PROBLEM_CONTENT,
    },
    422: {"description": "An invalid event (E-EVENT-INVALID)", "content": _PROBLEM_CONTENT},
}


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            # The name is not repeated: it might be anything the client sent.
            raise RequestInvalid("the request body repeats a field name in one object")
        out[key] = value
    return out


def json_body(body: bytes) -> Any:
    """The body parsed as JSON; 400 if it is not JSON or repeats a name in an object."""
    try:
        return json.loads(body, object_pairs_hook=_no_duplicates)
    except (ValueError, RecursionError):
        raise RequestInvalid("the request body is not JSON (UTF-8)") from None


def parsed_events(items: list[Any], case_id: str | None) -> list[Event]:
    """The events of a batch, validated; 422 naming the first invalid one's index (and one
    not of ``case_id``, when given)."""
    events: list[Event] = []
    for index, item in enumerate(items):
        try:
            event = parse_event(item) if isinstance(item, dict) else parse_event(json.dumps(item))
        except InvalidEventError as exc:
            raise EventRejected(exc, index=index) from None
        if case_id is not None and getattr(event, "case_id", None) != case_id:
            cause = InvalidEventError(
                "invalid event: its case_id is not the case of the URL",
                [FieldProblem("case_id", "not the case of the URL", "<withheld>")],
            )
            raise EventRejected(cause, index=index)
        events.append(event)
    return events


def if_match_version(header: str | None) -> int | None:
    """The case version an ``If-Match`` header names (an ETag as this service gives it)."""
    if header is None:
        return None
    text = header.strip().removeprefix("W/").strip('"')
    if not text.isdigit() or len(text) > 18:
        raise RequestInvalid('If-Match must be a case version as given in its ETag, e.g. "3"')
    return int(text)


def ledger_body(figures: Any) -> LedgerBody:
    """The answer for a team period's ledger figures."""
    return LedgerBody(
        team_id=figures.team_id,
        period=figures.period,
        granted_minutes=figures.granted_minutes,
        adjusted_minutes=figures.adjusted_minutes,
        frame_minutes=figures.frame_minutes,
        delivered_minutes=figures.delivered_minutes,
        variance_minutes=figures.variance_minutes,
        variance_pct=str(figures.variance_pct),
        band=figures.band,
        incentive_amount=str(figures.incentive_amount),
        settled=figures.settled is not None,
        citizens=[
            {
                "case_id": line.case_id,
                "granted_minutes": line.granted_minutes,
                "adjusted_minutes": line.adjusted_minutes,
                "delivered_minutes": line.delivered_minutes,
                "variance_minutes": line.variance_minutes,
            }
            for line in figures.lines
        ],
    )


def page_cursor(finding: Finding) -> str:
    """The opaque cursor of the page that follows ``finding`` (its place in the stable order)."""
    key = [finding.subject, finding.rule_id, finding.due.isoformat() if finding.due else None]
    text = json.dumps([*key, list(finding.evidence)], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def page_after(cursor: str) -> tuple[str, str, date, tuple[str, ...]]:
    """The place in the stable order a :func:`page_cursor` names; 400 E-CURSOR-INVALID if
    this service did not issue it."""
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode("ascii"))
        subject, rule, due, evidence = json.loads(raw)
        if not (isinstance(subject, str) and isinstance(rule, str) and isinstance(evidence, list)):
            raise ValueError
        day = date.fromisoformat(due) if due is not None else date.min
        return (subject, rule, day, tuple(str(e) for e in evidence))
    except (ValueError, TypeError, UnicodeError, binascii.Error, RecursionError):
        raise CursorInvalid("the page cursor was not issued by this service") from None


def json_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schemas served under /v1/schemas, by name."""
    docs: dict[str, dict[str, Any]] = {"event": event_json_schema()}
    docs.update({name: event_json_schema(name) for name in EVENT_TYPES})
    docs["policy"] = Policy.model_json_schema(mode="validation")
    for name, doc in docs.items():
        doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        doc["$id"] = f"urn:erantis:schema:{name}"
    return docs
