"""The rule evaluators this interpreter has: durable-rules (production) below Python 3.13, the
reference evaluator everywhere. Tests parametrised over them run what exists, and
``tests/test_packaging.py`` asserts durable-rules exists wherever erantis declares it."""

from __future__ import annotations

from erantis_rules import durable_available
from erantis_rules.engine import EvaluatorName

DURABLE = durable_available()
#: Every evaluator available here.
EVALUATORS: list[EvaluatorName] = ["reference", "durable"] if DURABLE else ["reference"]
#: What ``check`` uses by default here (durable-rules, or the reference where it cannot import).
PRODUCTION: EvaluatorName = "durable" if DURABLE else "reference"
