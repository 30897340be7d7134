"""erantis_rules: the judgement of the facts.

Documentation requirements (SEL, SUL, Forvaltningsloven), nursing delegation, and frame-budget
incentives, checked over erantis events: ``check(events, as_of=...)`` for a batch,
``check_store(store, as_of=...)`` over a whole ``CaseStore``, ``RuleEngine`` for incremental
use. Thresholds come from a ``Policy``.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _distribution_version
from typing import TYPE_CHECKING, Any

from erantis_rules.catalogue import catalogue
from erantis_rules.engine import FindingChanges, RuleEngine, check, check_store, durable_available
from erantis_rules.language.model import Finding, Rule, Severity
from erantis_rules.policy import Policy

if TYPE_CHECKING:
    from erantis_rules.agenda import DialogueAgenda, dialogue_agenda

#: Imported on first use: the agenda reads the store (eventsourcing), which ``check`` and
#: ``RuleEngine`` never need.
_LAZY = {"DialogueAgenda": "erantis_rules.agenda", "dialogue_agenda": "erantis_rules.agenda"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


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
    "check_store",
    "dialogue_agenda",
    "durable_available",
]
