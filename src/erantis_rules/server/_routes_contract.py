"""Private: the catalogue and contract resources (rules, schemas) and the operations ones
(health, readiness, metrics)."""

from typing import Annotated, Any

from fastapi import FastAPI, Path, Response
from fastapi.responses import PlainTextResponse

from erantis_rules import catalogue
from erantis_rules.server._deps import Reader, Running
from erantis_rules.server._http import PROBLEMS
from erantis_rules.server._metrics import Metrics
from erantis_rules.server._models import (
    HealthBody,
    RuleBody,
)
from erantis_rules.server._problems import NotFound

__all__ = ["register"]


def register(app: FastAPI, metrics: Metrics, schemas: dict[str, dict[str, Any]]) -> None:
    """Add the catalogue, contract and operations resources to ``app``."""

    @app.get("/v1/rules", response_model=list[RuleBody], responses=PROBLEMS, tags=["contract"])
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

    @app.get("/v1/schemas", response_model=list[str], responses=PROBLEMS, tags=["contract"])
    def schema_names(who: Reader) -> list[str]:
        """The names of the JSON Schemas: ``event`` (the union), one per event type, and
        ``policy``."""
        return sorted(schemas)

    @app.get("/v1/schemas/{name}", responses=PROBLEMS, tags=["contract"])
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
        responses={503: PROBLEMS[503]},
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
