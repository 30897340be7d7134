"""Private: the resources that record events (a case's, any, and the bulk ingest)."""

from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from erantis_domain import Event
from erantis_domain.errors import InvalidEventError
from erantis_domain.events import parse_event
from erantis_rules.server._auth import Principal
from erantis_rules.server._deps import Running, Writer
from erantis_rules.server._http import (
    INGEST_CHUNK,
    MAX_LINE,
    WRITE_PROBLEMS,
    CaseId,
    if_match_version,
    json_body,
    parsed_events,
)
from erantis_rules.server._metrics import Metrics
from erantis_rules.server._models import (
    AppendResultBody,
    IngestResultBody,
)
from erantis_rules.server._problems import (
    BatchTooLarge,
    BodyTooLarge,
    EventRejected,
    RequestInvalid,
)
from erantis_rules.server._settings import Settings
from erantis_rules.server._state import Service

__all__ = ["register"]


def register(app: FastAPI, settings: Settings, metrics: Metrics) -> None:
    """Add the writing resources to ``app``."""

    async def _append(
        request: Request,
        who: Principal,
        service: Service,
        case_id: str | None,
        if_match: str | None,
    ) -> tuple[AppendResultBody, int | None]:
        body = await request.body()
        if len(body) > settings.max_body_bytes:
            raise BodyTooLarge(f"the body is larger than {settings.max_body_bytes} bytes")
        document = json_body(body)
        if not isinstance(document, dict) or not isinstance(document.get("events"), list):
            raise RequestInvalid('the body must be an object with an "events" array')
        extra = sorted(set(document) - {"events", "expected_version"})
        if extra:
            raise RequestInvalid("the body has fields other than events and expected_version")
        items = document["events"]
        if len(items) > settings.max_batch:
            raise BatchTooLarge(
                f"{len(items)} events in one request; at most {settings.max_batch}",
                max_batch=settings.max_batch,
            )
        expected = document.get("expected_version")
        if expected is not None and (
            not isinstance(expected, int) or isinstance(expected, bool) or expected < 0
        ):
            raise RequestInvalid("expected_version must be a non-negative integer")
        matched = if_match_version(if_match)
        if matched is not None:
            if case_id is None:
                raise RequestInvalid("If-Match applies to a case's events only")
            if expected is not None and expected != matched:
                raise RequestInvalid("If-Match and expected_version disagree")
            expected = matched
        if expected is not None and case_id is None:
            raise RequestInvalid("expected_version applies to a case's events only")
        recorder = who.recorder(settings.write_scope)

        def work() -> AppendResultBody:
            events = parsed_events(items, case_id)
            result = service.append(events, expected_version=expected, principal=recorder)
            metrics.appended.inc(result.stored)
            metrics.duplicates.inc(result.duplicates)
            return AppendResultBody(
                stored=result.stored, duplicates=result.duplicates, versions=dict(result.versions)
            )

        result = await run_in_threadpool(work)
        version = result.versions.get(case_id) if case_id is not None else None
        return result, version

    _append_body = {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/AppendBody"}}
            },
        }
    }

    @app.post(
        "/v1/cases/{case_id}/events",
        response_model=AppendResultBody,
        responses=WRITE_PROBLEMS,
        openapi_extra=_append_body,
        tags=["events"],
    )
    async def append_case_events(
        request: Request,
        case_id: CaseId,
        who: Writer,
        service: Running,
        response: Response,
    ) -> AppendResultBody:
        """Record a batch of one case's events, all or nothing. Idempotent by event_id: a
        retried request stores nothing twice. Optimistic concurrency: send the version you
        last saw as ``expected_version`` or ``If-Match``; 409 E-CONFLICT if it moved."""
        result, version = await _append(
            request, who, service, case_id, request.headers.get("if-match")
        )
        if version is not None:
            response.headers["ETag"] = f'"{version}"'
        return result

    @app.post(
        "/v1/events",
        response_model=AppendResultBody,
        responses=WRITE_PROBLEMS,
        openapi_extra=_append_body,
        tags=["events"],
    )
    async def append_events(request: Request, who: Writer, service: Running) -> AppendResultBody:
        """Record a batch of events of any cases and team periods, all or nothing, idempotent
        by event_id (no expected version: use the case resource for that)."""
        result, _ = await _append(request, who, service, None, None)
        return result

    @app.post(
        "/v1/ingest",
        response_model=IngestResultBody,
        responses=WRITE_PROBLEMS,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
            }
        },
        tags=["events"],
    )
    async def ingest(request: Request, who: Writer, service: Running) -> IngestResultBody:
        """Bulk ingest of JSON Lines (one event a line), streamed: stored in transactions of
        1,000 lines as they arrive, idempotent by event_id. An invalid line stops the upload
        with 422 naming the line; the lines before it are stored (re-send the whole file once
        fixed: what is stored already is skipped)."""
        recorder = who.recorder(settings.write_scope)
        totals = {"lines": 0, "stored": 0, "duplicates": 0}
        chunk: list[tuple[int, bytes]] = []

        def flush(lines: list[tuple[int, bytes]]) -> None:
            events: list[Event] = []
            for number, line in lines:
                try:
                    events.append(parse_event(line))
                except InvalidEventError as exc:
                    rejected = EventRejected(exc, line=number)
                    rejected.extensions = {
                        "stored": totals["stored"],
                        "duplicates": totals["duplicates"],
                    }
                    raise rejected from None
            result = service.append_alone(events, principal=recorder)
            totals["stored"] += result.stored
            totals["duplicates"] += result.duplicates
            metrics.appended.inc(result.stored)
            metrics.duplicates.inc(result.duplicates)

        pending = b""
        number = 0
        async for piece in request.stream():
            parts = (pending + piece).split(b"\n")
            pending = parts.pop()
            if len(pending) > MAX_LINE:
                raise BodyTooLarge(f"line {number + 1} is longer than {MAX_LINE} bytes")
            for line in parts:
                number += 1
                if line.strip():
                    chunk.append((number, line))
                if len(chunk) == INGEST_CHUNK:
                    await run_in_threadpool(flush, chunk)
                    chunk = []
        if pending.strip():
            number += 1
            chunk.append((number, pending))
        if chunk:
            await run_in_threadpool(flush, chunk)
        totals["lines"] = number
        return IngestResultBody(**totals)
