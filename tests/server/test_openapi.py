"""The committed OpenAPI document is the one the service generates: a change to a model or a
route that is not committed to specs/openapi.json fails here. Regenerate it with
``erantis serve --openapi specs/openapi.json``."""

from __future__ import annotations

import json
from pathlib import Path

from erantis_rules.server import openapi_document, openapi_text

SPEC = Path(__file__).resolve().parents[2] / "specs" / "openapi.json"


def test_the_committed_openapi_document_has_not_drifted() -> None:
    committed = SPEC.read_text(encoding="utf-8")
    assert committed == openapi_text(), (
        "specs/openapi.json differs from the service's models and routes; regenerate it with "
        "`uv run erantis serve --openapi specs/openapi.json`"
    )


def test_the_document_names_every_resource_with_problem_answers() -> None:
    document = openapi_document()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    assert "/v1/cases/{case_id}/events" in paths
    append = paths["/v1/cases/{case_id}/events"]["post"]
    assert append["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AppendBody"
    }
    assert "application/problem+json" in append["responses"]["409"]["content"]
    schemas = document["components"]["schemas"]
    event = schemas["Event"]
    assert event["discriminator"]["propertyName"] == "type"
    assert "VisitDelivered" in schemas
    assert schemas["AppendBody"]["properties"]["events"]["items"] == {
        "$ref": "#/components/schemas/Event"
    }
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    json.dumps(document)  # JSON through and through
