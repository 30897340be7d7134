"""The API tested from its own contract: schemathesis generates requests from the committed
specs/openapi.json, valid and invalid ones, and sends them to a real service process; no
answer may be a server error (5xx). The example count is small by default so the suite stays
fast; ``ERANTIS_CONTRACT_EXAMPLES`` raises it for a deeper run."""

from __future__ import annotations

import os
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.server._harness import Keys, Server

SPEC = Path(__file__).resolve().parents[2] / "specs" / "openapi.json"
EXAMPLES = int(os.environ.get("ERANTIS_CONTRACT_EXAMPLES", "6"))

# A JSON Lines upload is text on the wire.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")
SCHEMA = schemathesis.openapi.from_path(SPEC)
# The coverage phase sends every boundary case of every parameter whatever max_examples says:
# minutes on this box. The fuzzing phase (valid and invalid inputs) runs within the budget.
SCHEMA.config.phases.coverage.enabled = False
# The meeting pack draws a dozen charts per request (seconds each on a loaded box); its
# answers are tested in test_service_sqlite and the walk-through, not fuzzed here.
SCHEMA = SCHEMA.exclude(path_regex="meeting-pack")
SCHEMA.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=EXAMPLES
)
ALL = "erantis:read erantis:write erantis:relay"


@SCHEMA.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_no_input_makes_a_server_error(
    case: schemathesis.Case, sqlite_server: Server, keys: Keys
) -> None:
    headers = dict(case.headers or {})
    headers.setdefault("Authorization", f"Bearer {keys.token('system', 'contract', scopes=ALL)}")
    case.call_and_validate(
        base_url=sqlite_server.url, headers=headers, checks=[not_a_server_error], timeout=30
    )
