"""Private: the FastAPI application (``create_app``): lifespan, middleware, problem handlers
and the OpenAPI document; its resources under ``/v1`` are registered from ``_routes_*``."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from erantis_domain import Event
from erantis_domain.errors import ErantisError
from erantis_rules.server import _routes_contract, _routes_read, _routes_teams, _routes_write
from erantis_rules.server._auth import TokenVerifier
from erantis_rules.server._guard import Guard
from erantis_rules.server._http import json_schemas
from erantis_rules.server._metrics import Metrics
from erantis_rules.server._models import (
    AppendBody,
    ProblemBody,
)
from erantis_rules.server._problems import (
    Internal,
    MethodNotAllowed,
    NotFound,
    RequestInvalid,
    ServiceError,
    problem_response,
)
from erantis_rules.server._settings import Settings
from erantis_rules.server._state import Service

__all__ = ["API_VERSION", "create_app"]

API_VERSION = "1.0.0"
_log = logging.getLogger("erantis.server")


def create_app(settings: Settings, *, service: Service | None = None) -> FastAPI:
    """The ASGI application of the erantis service.

    The store is opened (and the warm engine caught up) when the application starts, not
    here, so the application can be built without a database (e.g. to write its OpenAPI
    document). Pass ``service`` to share one already open.
    """
    settings.check()
    verifier = TokenVerifier(settings) if settings.auth else None
    schemas = json_schemas()

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
    app.state.settings = settings
    app.state.verifier = verifier

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

    # The order of registration is the order of the OpenAPI document's paths.
    _routes_write.register(app, settings, metrics)
    _routes_read.register(app)
    _routes_teams.register(app, settings)
    _routes_contract.register(app, metrics, schemas)

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
