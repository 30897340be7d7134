"""erantis_rules: the judgement of the facts.

Documentation requirements (SEL, SUL, Forvaltningsloven), nursing delegation, and frame-budget
incentives, checked over erantis events: ``check(events, as_of=...)`` for a batch,
``RuleEngine`` for incremental use. Thresholds come from a ``Policy``.
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _distribution_version

from erantis_rules.agenda import DialogueAgenda, dialogue_agenda
from erantis_rules.catalogue import catalogue
from erantis_rules.engine import FindingChanges, RuleEngine, check, durable_available
from erantis_rules.model import Finding, Rule, Severity
from erantis_rules.policy import Policy

try:
    __version__ = _distribution_version("erantis")
except PackageNotFoundError:  # pragma: no cover - a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "DialogueAgenda",
    "Finding",
    "FindingChanges",
    "Policy",
    "Rule",
    "RuleEngine",
    "Severity",
    "__version__",
    "catalogue",
    "check",
    "dialogue_agenda",
    "durable_available",
]
