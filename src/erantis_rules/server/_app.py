"""Private: the FastAPI application (``create_app``) and its resources under ``/v1``."""

import base64
import binascii
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import TypeAdapter
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from erantis_domain import EVENT_TYPES, Event, event_json_schema
from erantis_domain.errors import (
    ErantisError,
    FieldProblem,
    InvalidEventError,
)
from erantis_domain.events import parse_event
from erantis_domain.projections import settle, settlement_event_id
from erantis_rules import Finding, Policy, catalogue, check, check_store
from erantis_rules.server._auth import ANONYMOUS, Principal, TokenVerifier
from erantis_rules.server._guard import Guard
from erantis_rules.server._metrics import Metrics
from erantis_rules.server._models import (
    AgendaBody,
    AppendBody,
    AppendResultBody,
    CaseStateBody,
    ChangeBody,
    FeedBody,
    FindingBody,
    FindingPageBody,
    HealthBody,
    IngestResultBody,
    LedgerBody,
    ProblemBody,
    RuleBody,
    SettleBody,
    SettlementBody,
    TimelineBody,
)
from erantis_rules.server._problems import (
    BatchTooLarge,
    BodyTooLarge,
    CursorInvalid,
    EventRejected,
    Internal,
    MethodNotAllowed,
    NotFound,
    RequestInvalid,
    ScopeMissing,
    ServiceError,
    problem_response,
)
from erantis_rules.server._settings import Settings
from erantis_rules.server._state import FeedCursor, Service, finding_order

__all__ = ["API_VERSION", "create_app"]

API_VERSION = "1.0.0"
_log = logging.getLogger("erantis.server")

#: Path parameters: erantis identifiers are printable ASCII without spaces, 1-128 characters.
_ID = r"^[!-~]{1,128}$"
_PERIOD = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
#: Lines of an upload stored per transaction.
_INGEST_CHUNK = 1000
#: The longest line of an upload (an event is far smaller; see erantis' MAX_EVENT_BYTES).
_MAX_LINE = 1_048_576

CaseId = Annotated[str, Path(pattern=_ID, description="The case id.")]
TeamId = Annotated[str, Path(pattern=_ID, description="The team id.")]
PeriodText = Annotated[str, Path(pattern=_PERIOD, description="The period, YYYY-MM.")]
AsOf = Annotated[
    date | None,
    Query(description="The day judged (default: the service's day, see /v1/findings)."),
]
Limit = Annotated[int, Query(ge=1, le=1000, description="Most items in the answer.")]

_PROBLEM_REF = {"$ref": "#/components/schemas/ProblemBody"}
_PROBLEM_CONTENT = {"application/problem+json": {"schema": _PROBLEM_REF}}
_PROBLEMS: dict[int | str, dict[str, Any]] = {
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
_WRITE_PROBLEMS = {
    **_PROBLEMS,
    409: {
        "description": "Conflict (E-CONFLICT, E-EVENT-ID-REUSED, E-SETTLEMENT)",
        "content": _PROBLEM_CONTENT,
    },
    422: {"description": "An invalid event (E-EVENT-INVALID)", "content": _PROBLEM_CONTENT},
}

_bearer = HTTPBearer(auto_error=False, description="An OAuth2 access token (JWT).")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            # The name is not repeated: it might be anything the client sent.
            raise RequestInvalid("the request body repeats a field name in one object")
        out[key] = value
    return out


def _json_body(body: bytes) -> Any:
    try:
        return json.loads(body, object_pairs_hook=_no_duplicates)
    except (ValueError, RecursionError):
        raise RequestInvalid("the request body is not JSON (UTF-8)") from None


def _parsed_events(items: list[Any], case_id: str | None) -> list[Event]:
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


def _if_match(header: str | None) -> int | None:
    if header is None:
        return None
    text = header.strip().removeprefix("W/").strip('"')
    if not text.isdigit() or len(text) > 18:
        raise RequestInvalid('If-Match must be a case version as given in its ETag, e.g. "3"')
    return int(text)


def _ledger_body(figures: Any) -> LedgerBody:
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


def _page_cursor(finding: Finding) -> str:
    key = [finding.subject, finding.rule_id, finding.due.isoformat() if finding.due else None]
    text = json.dumps([*key, list(finding.evidence)], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _after(cursor: str) -> tuple[str, str, date, tuple[str, ...]]:
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode("ascii"))
        subject, rule, due, evidence = json.loads(raw)
        if not (isinstance(subject, str) and isinstance(rule, str) and isinstance(evidence, list)):
            raise ValueError
        day = date.fromisoformat(due) if due is not None else date.min
        return (subject, rule, day, tuple(str(e) for e in evidence))
    except (ValueError, TypeError, UnicodeError, binascii.Error, RecursionError):
        raise CursorInvalid("the page cursor was not issued by this service") from None


def _schemas() -> dict[str, dict[str, Any]]:
    docs: dict[str, dict[str, Any]] = {"event": event_json_schema()}
    docs.update({name: event_json_schema(name) for name in EVENT_TYPES})
    docs["policy"] = Policy.model_json_schema(mode="validation")
    for name, doc in docs.items():
        doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        doc["$id"] = f"urn:erantis:schema:{name}"
    return docs


def create_app(settings: Settings, *, service: Service | None = None) -> FastAPI:
    """The ASGI application of the erantis service.

    The store is opened (and the warm engine caught up) when the application starts, not
    here, so the application can be built without a database (e.g. to write its OpenAPI
    document). Pass ``service`` to share one already open.
    """
    settings.check()
    verifier = TokenVerifier(settings) if settings.auth else None
    schemas = _schemas()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = service is None
        running = await run_in_threadpool(Service, settings) if own else service
        assert running is not None
        await run_in_threadpool(running.start)
        app.state.service = running
        metrics.attach(running)
        try:
            yield
        finally:
            if own:
                await run_in_threadpool(running.close)

    app = FastAPI(
        title="erantis",
        version=API_VERSION,
        summary="Dialogue-based BUM steering of Danish home care, as a service.",
        description=(
            "Record citizen-case events, read cases, findings and frame ledgers, settle team "
            "periods, fetch the dialogue meeting pack and follow finding changes. Errors are "
            "RFC 9457 problem details with erantis' stable codes."
        ),
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    metrics = Metrics()
    app.add_middleware(Guard, settings=settings, metrics=metrics)

    # The dependencies are coroutines: a plain function would cost each request a hop to
    # the thread pool and back per dependency. A token seen before is answered from the
    # cache on the loop; a new one is checked in a thread (its JWKS may need fetching).
    async def running(request: Request) -> Service:
        found: Service = request.app.state.service
        return found

    async def principal(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if verifier is None:
            return ANONYMOUS
        header = None if credentials is None else f"Bearer {credentials.credentials}"
        known = verifier.cached(header)
        if known is not None:
            return known
        return await run_in_threadpool(verifier.verify, header)

    async def reader(who: Annotated[Principal, Depends(principal)]) -> Principal:
        who.require(settings.read_scope)
        return who

    async def writer(who: Annotated[Principal, Depends(principal)]) -> Principal:
        who.require(settings.write_scope)
        return who

    Reader = Annotated[Principal, Depends(reader)]
    Writer = Annotated[Principal, Depends(writer)]
    Running = Annotated[Service, Depends(running)]

    # --- errors ---------------------------------------------------------------------------

    @app.exception_handler(ErantisError)
    async def erantis_error(request: Request, exc: ErantisError) -> JSONResponse:
        return problem_response(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": ".".join(str(part) for part in error.get("loc", ())),
                "problem": str(error.get("msg", "invalid")),
            }
            for error in exc.errors()[:20]
        ]
        # The values sent are not repeated: a query parameter may hold anything.
        problem = RequestInvalid("a parameter or the body is malformed", errors=errors)
        return problem_response(problem, request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        problem: ServiceError
        if exc.status_code == 404:
            problem = NotFound("no such resource")
        elif exc.status_code == 405:
            problem = MethodNotAllowed("the resource does not take this method")
        else:
            problem = RequestInvalid(str(exc.detail))
        return problem_response(problem, request.url.path)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        _log.exception("unexpected failure on %s %s", request.method, request.url.path)
        return problem_response(Internal("an unexpected failure; see the log"), request.url.path)

    # --- writing --------------------------------------------------------------------------

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
        document = _json_body(body)
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
        matched = _if_match(if_match)
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
            events = _parsed_events(items, case_id)
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
        responses=_WRITE_PROBLEMS,
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
        responses=_WRITE_PROBLEMS,
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
        responses=_WRITE_PROBLEMS,
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
            if len(pending) > _MAX_LINE:
                raise BodyTooLarge(f"line {number + 1} is longer than {_MAX_LINE} bytes")
            for line in parts:
                number += 1
                if line.strip():
                    chunk.append((number, line))
                if len(chunk) == _INGEST_CHUNK:
                    await run_in_threadpool(flush, chunk)
                    chunk = []
        if pending.strip():
            number += 1
            chunk.append((number, pending))
        if chunk:
            await run_in_threadpool(flush, chunk)
        totals["lines"] = number
        return IngestResultBody(**totals)

    # --- cases ----------------------------------------------------------------------------

    @app.get(
        "/v1/cases/{case_id}", response_model=CaseStateBody, responses=_PROBLEMS, tags=["cases"]
    )
    def case_state(
        case_id: CaseId, who: Reader, service: Running, response: Response, as_of: AsOf = None
    ) -> CaseStateBody:
        """A case's state as of a day (figures; no free text). The ETag is the case's version,
        for If-Match on the next append."""
        current = service.store.get_case(case_id)
        day = as_of or service.today()
        state = service.store.get_case(case_id, as_of=day)
        response.headers["ETag"] = f'"{current.version}"'
        return CaseStateBody(
            case_id=case_id,
            as_of=day,
            version=current.version,
            team_id=state.team_id,
            municipality=state.municipality,
            opened_on=state.opened_on,
            closed_on=state.closed_on,
            decisions=len(state.decisions),
            active_decisions=len(state.active_decisions(day)),
            delegations=len(state.delegations),
            visits=state.visits,
            admitted=state.admitted,
        )

    @app.get(
        "/v1/cases/{case_id}/timeline",
        response_model=TimelineBody,
        responses=_PROBLEMS,
        tags=["cases"],
    )
    def case_timeline(
        case_id: CaseId, who: Reader, service: Running, as_of: AsOf = None
    ) -> TimelineBody:
        """A case's events that occurred on or before the day, by occurred_at (type, time and
        the recorder's role; no free text)."""
        day = as_of or service.today()
        events = service.store.case_events(case_id)
        known = sorted(
            (e for e in events if e.occurred_at.date() <= day), key=lambda e: e.occurred_at
        )
        return TimelineBody(
            case_id=case_id,
            as_of=day,
            events=[
                {
                    "event_id": str(e.event_id),
                    "type": e.type,
                    "occurred_at": e.occurred_at,
                    "recorded_by_role": e.recorded_by.role.value,
                }
                for e in known
            ],
        )

    @app.get(
        "/v1/cases/{case_id}/findings",
        response_model=FindingPageBody,
        responses=_PROBLEMS,
        tags=["cases", "findings"],
    )
    def case_findings(
        case_id: CaseId, who: Reader, service: Running, as_of: AsOf = None
    ) -> FindingPageBody:
        """A case's findings as of a day (its own; the team's frame findings are under the
        team). Today's come from the warm engine; another day's are computed for the case."""
        day = service.today()
        if as_of is None or as_of == day:
            found = service.findings_of(case_id)
            if not found and service.ledger.case(case_id) is None:
                service.store.get_case(case_id)  # raises E-UNKNOWN-CASE
        else:
            day = as_of
            found = [
                f
                for f in check(service.store.case_events(case_id), as_of=day, policy=service.policy)
                if f.subject == case_id
            ]
        return FindingPageBody(
            as_of=day, findings=[FindingBody.of(f) for f in found], next_cursor=None
        )

    # --- findings -------------------------------------------------------------------------

    @app.get("/v1/findings", response_model=FindingPageBody, responses=_PROBLEMS, tags=["findings"])
    def findings(
        who: Reader,
        service: Running,
        team: Annotated[str | None, Query(pattern=_ID, description="Only this team's.")] = None,
        rule_id: Annotated[str | None, Query(pattern=_ID)] = None,
        severity: Annotated[str | None, Query(pattern="^(info|warning|violation)$")] = None,
        as_of: AsOf = None,
        cursor: Annotated[str | None, Query(max_length=2048)] = None,
        limit: Limit = 100,
    ) -> FindingPageBody:
        """The municipality's findings (or a team's: its period findings and its citizens'),
        filtered, in the stable order, a page at a time. Another day than the service's
        is judged over the whole store (slow: prefer today's)."""
        after = _after(cursor) if cursor else None
        today = service.today()
        if as_of is None or as_of == today:
            day, found = service.all_findings()
        else:
            day = as_of
            found = check_store(service.store, as_of=day, policy=service.policy)

        def wanted(finding: Finding) -> bool:
            if rule_id is not None and finding.rule_id != rule_id:
                return False
            if severity is not None and finding.severity.value != severity:
                return False
            if team is not None:
                owner, slash, _ = finding.subject.partition("/")
                if slash:
                    return owner == team
                return service.team_of(finding.subject) == team
            return True

        page: list[Finding] = []
        more = False
        for finding in found:
            if after is not None and finding_order(finding) <= after:
                continue
            if not wanted(finding):
                continue
            if len(page) == limit:
                more = True
                break
            page.append(finding)
        return FindingPageBody(
            as_of=day,
            findings=[FindingBody.of(f) for f in page],
            next_cursor=_page_cursor(page[-1]) if more else None,
        )

    @app.get(
        "/v1/findings/changes", response_model=FeedBody, responses=_PROBLEMS, tags=["findings"]
    )
    def finding_changes(
        who: Reader,
        service: Running,
        cursor: Annotated[str | None, Query(max_length=256)] = None,
        limit: Limit = 500,
    ) -> FeedBody:
        """Findings that appeared or were resolved since ``cursor``, in the order they did,
        the same on every instance. Without a cursor, or with one too old (another day, or
        from before this instance kept changes), the answer is a reset: re-read /v1/findings,
        then poll from the cursor given."""
        start = FeedCursor.decode(cursor) if cursor else None
        page = service.feed(start, limit)
        return FeedBody(
            as_of=page.day,
            reset=page.reset,
            changes=[
                ChangeBody(change=c.kind, position=c.position, finding=FindingBody.of(c.finding))
                for c in page.changes
            ],
            cursor=page.cursor.encode(),
        )

    # --- team periods ---------------------------------------------------------------------

    _team_path = "/v1/teams/{team_id}/periods/{period}"

    @app.get(_team_path + "/ledger", response_model=LedgerBody, responses=_PROBLEMS, tags=["teams"])
    def ledger(team_id: TeamId, period: PeriodText, who: Reader, service: Running) -> LedgerBody:
        """A team period's frame ledger: frame, delivered, variance, band and incentive, with
        a line per citizen."""
        with service.current():
            figures = service.ledger.team_period(team_id, period, service.terms)
        return _ledger_body(figures)

    @app.post(
        _team_path + "/settlement",
        response_model=SettlementBody,
        responses=_WRITE_PROBLEMS,
        tags=["teams"],
    )
    def settlement(
        team_id: TeamId,
        period: PeriodText,
        who: Writer,
        service: Running,
        body: SettleBody | None = None,
    ) -> SettlementBody:
        """Settle a team's period from its ledger (record PeriodSettled), once: a retry, or a
        second settlement, answers the one recorded (``created`` false). Needs a token whose
        role may record PeriodSettled (system or controller)."""
        who.require(settings.write_scope)
        # A settlement is recorded by the token's own actor, a relay's too.
        actor = who.actor
        if actor is None:
            raise ScopeMissing("the token names no erantis role and actor to settle as")
        day = (body.as_of if body is not None else None) or service.today()
        with service.current():
            done = service.ledger.settlement(team_id, period)
            created = done is None
            if done is None:
                settle(
                    service.store,
                    team_id,
                    period,
                    as_of=day,
                    terms=service.terms,
                    recorded_by=actor,
                    ledger=service.ledger,
                )
                done = service.ledger.settlement(team_id, period)
                assert done is not None
        return SettlementBody(
            team_id=team_id,
            period=period,
            event_id=str(settlement_event_id(team_id, period)),
            granted_minutes=done.granted_minutes,
            delivered_minutes=done.delivered_minutes,
            variance_pct=str(done.variance_pct),
            band=done.band,
            incentive_amount=str(done.incentive_amount),
            created=created,
        )

    @app.get(_team_path + "/agenda", response_model=AgendaBody, responses=_PROBLEMS, tags=["teams"])
    def agenda(
        team_id: TeamId, period: PeriodText, who: Reader, service: Running, as_of: AsOf = None
    ) -> AgendaBody:
        """The dialogue meeting's agenda: the ledger, open frame and delegation findings,
        citizens to reassess, adjustments made without the citizen."""
        from erantis_rules import dialogue_agenda

        day = as_of or service.today()
        with service.current():
            found = dialogue_agenda(
                service.store,
                team_id,
                period,
                as_of=day,
                policy=service.policy,
                ledger=service.ledger,
            )
        return AgendaBody(
            team_id=found.team_id,
            period=found.period,
            as_of=found.as_of,
            ledger=_ledger_body(found.ledger),
            citizens=list(found.citizens),
            findings=[FindingBody.of(f) for f in found.findings],
            reassessments=[
                {"case_id": r.case_id, "subject_id": r.subject_id, "recorded_on": r.recorded_on}
                for r in found.reassessments
            ],
            adjustments_without_citizen=[
                {
                    "case_id": a.case_id,
                    "decision_id": a.decision_id,
                    "intervention": a.intervention,
                    "delta_minutes": a.delta_minutes,
                    "adjusted_on": a.adjusted_on,
                }
                for a in found.adjustments_without_citizen
            ],
        )

    @app.get(
        _team_path + "/meeting-pack",
        response_class=HTMLResponse,
        responses={**_PROBLEMS, 200: {"content": {"text/html": {"schema": {"type": "string"}}}}},
        tags=["teams"],
    )
    def meeting_pack(
        team_id: TeamId,
        period: PeriodText,
        who: Reader,
        service: Running,
        as_of: AsOf = None,
        lang: Annotated[str, Query(pattern="^(da|en)$")] = "da",
    ) -> HTMLResponse:
        """The dialogue meeting pack as one self-contained HTML page (needs the ``report``
        extra on the server; 501 E-REPORT-EXTRA-MISSING without it)."""
        from erantis_rules.report import meeting_pack as gather
        from erantis_rules.report import render_html

        with service.current():
            pack = gather(service.store, team_id, period, as_of=as_of, policy=service.policy)
        return HTMLResponse(render_html(pack, lang))  # type: ignore[arg-type]

    # --- the catalogue and the contract ---------------------------------------------------

    @app.get("/v1/rules", response_model=list[RuleBody], responses=_PROBLEMS, tags=["contract"])
    def rules(who: Reader) -> list[RuleBody]:
        """The rule catalogue."""
        return [
            RuleBody(
                id=r.id,
                title=r.title,
                severity=r.severity.value,
                legal_reference=r.legal_reference,
                description=r.description,
            )
            for r in catalogue()
        ]

    @app.get("/v1/schemas", response_model=list[str], responses=_PROBLEMS, tags=["contract"])
    def schema_names(who: Reader) -> list[str]:
        """The names of the JSON Schemas: ``event`` (the union), one per event type, and
        ``policy``."""
        return sorted(schemas)

    @app.get("/v1/schemas/{name}", responses=_PROBLEMS, tags=["contract"])
    def schema(
        name: Annotated[str, Path(pattern="^[A-Za-z]{1,64}$")], who: Reader
    ) -> dict[str, Any]:
        """One JSON Schema (draft 2020-12)."""
        found = schemas.get(name)
        if found is None:
            raise NotFound("no schema of that name (see /v1/schemas)")
        return found

    # --- operations -----------------------------------------------------------------------

    @app.get("/healthz", response_model=HealthBody, tags=["operations"])
    def healthz() -> HealthBody:
        """The process answers."""
        return HealthBody(status="ok")

    @app.get(
        "/readyz",
        response_model=HealthBody,
        responses={503: _PROBLEMS[503]},
        tags=["operations"],
    )
    def readyz(service: Running) -> HealthBody:
        """The store answers (503 with its code when not)."""
        return HealthBody(status="ok", position=service.store.last_position())

    @app.get(
        "/metrics",
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
        tags=["operations"],
    )
    def prometheus() -> Response:
        """Prometheus metrics: requests, latency, appends, findings by rule (counts only)."""
        body, media_type = metrics.render()
        return Response(body, media_type=media_type)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            description=app.description,
            routes=app.routes,
        )
        components = document.setdefault("components", {}).setdefault("schemas", {})
        template = "#/components/schemas/{model}"
        event_schema = TypeAdapter(Event).json_schema(ref_template=template)
        components.update(event_schema.pop("$defs", {}))
        components["Event"] = event_schema
        append_schema = AppendBody.model_json_schema(ref_template=template)
        append_schema["properties"]["events"]["items"] = {"$ref": "#/components/schemas/Event"}
        components["AppendBody"] = append_schema
        problem_schema = ProblemBody.model_json_schema(ref_template=template)
        components.update(problem_schema.pop("$defs", {}))
        components["ProblemBody"] = problem_schema
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
    return app
