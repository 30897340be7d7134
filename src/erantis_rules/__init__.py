"""erantis_rules: the judgement of the facts.

Documentation requirements (SEL, SUL, Forvaltningsloven), nursing delegation, and frame-budget
incentives, checked over erantis events: ``check(events, as_of=...)`` for a batch,
``check_store(store, as_of=...)`` over a whole ``CaseStore``, ``RuleEngine`` for incremental
use. Thresholds come from a ``Policy``.
"""

from __future__ import annotations

import sys
from types import ModuleType

# Not imported from typing: loading typing is a share of `erantis --version` (type checkers
# read a module-level TYPE_CHECKING = False the same way).
TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any

    from erantis_rules.agenda import DialogueAgenda, dialogue_agenda
    from erantis_rules.catalogue import catalogue
    from erantis_rules.engine import (
        FindingChanges,
        RuleEngine,
        check,
        check_store,
        durable_available,
    )
    from erantis_rules.language.model import Finding, Rule, Severity
    from erantis_rules.policy import Policy
    from erantis_rules.policy_versions import PolicyHistory, PolicyVersion

    __version__: str

#: Every public name is imported on first use: the package itself then costs nothing to
#: import, so ``erantis --version`` (whose console script lives in this package) answers
#: without loading pydantic, the catalogue or the store (tests/test_cli_startup.py).
_LAZY = {
    "DialogueAgenda": "erantis_rules.agenda",
    "dialogue_agenda": "erantis_rules.agenda",
    "catalogue": "erantis_rules.catalogue",
    "FindingChanges": "erantis_rules.engine",
    "RuleEngine": "erantis_rules.engine",
    "check": "erantis_rules.engine",
    "check_store": "erantis_rules.engine",
    "durable_available": "erantis_rules.engine",
    "Finding": "erantis_rules.language.model",
    "Rule": "erantis_rules.language.model",
    "Severity": "erantis_rules.language.model",
    "Policy": "erantis_rules.policy",
    "PolicyHistory": "erantis_rules.policy_versions",
    "PolicyVersion": "erantis_rules.policy_versions",
}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as distribution_version

        try:
            found = distribution_version("erantis")
        except PackageNotFoundError:  # pragma: no cover - a source tree that is not installed
            found = "0+unknown"
        globals()["__version__"] = found
        return found
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


class _Package(ModuleType):
    """This package's module type: when the import system binds a loaded submodule on the
    package (``erantis_rules.catalogue``), a public name of the same spelling is bound
    instead (the ``catalogue`` function), as the eager ``from ... import`` used to leave it."""

    def __setattr__(self, name: str, value: object) -> None:
        if isinstance(value, ModuleType) and _LAZY.get(name) == value.__name__:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "DialogueAgenda",
    "Finding",
    "FindingChanges",
    "Policy",
    "PolicyHistory",
    "PolicyVersion",
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
