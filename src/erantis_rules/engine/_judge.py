"""Private: which evaluator judges, and a finding made of what it matched.

The one place that chooses between durable-rules and the reference evaluator (and warns once
when durable-rules does not import), turns a match (subject, rule, fact) into a
:class:`~erantis_rules.language.model.Finding`, and gives the stable order of findings. The
batch check, its worker processes, ``check_store`` and ``RuleEngine`` all ask here.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Literal, Protocol

from erantis_rules.language._facts import Fact
from erantis_rules.language._reference import ReferenceEvaluator
from erantis_rules.language.conditions import Scope, value
from erantis_rules.language.model import Finding, Rule
from erantis_rules.policy import Policy

__all__ = ["EvaluatorName", "durable_available"]

EvaluatorName = Literal["auto", "durable", "reference"]


class _Evaluator(Protocol):
    name: str

    def evaluate(
        self, subjects: Iterable[tuple[str, list[Fact]]], as_of: date
    ) -> list[tuple[str, Rule, Fact]]: ...

    def close(self) -> None: ...


_fallback_warned = False


def durable_available() -> bool:
    """Whether durable-rules imports on this interpreter (not on Python 3.13+)."""
    try:
        import durable.engine  # noqa: F401
    except Exception:
        return False
    return True


def _evaluator(policy: Policy, which: EvaluatorName) -> _Evaluator:
    global _fallback_warned
    if which == "reference":
        return ReferenceEvaluator(policy)
    if which == "durable" or durable_available():
        from erantis_rules.language._durable import DurableEvaluator

        return DurableEvaluator(policy)
    if not _fallback_warned:
        _fallback_warned = True
        warnings.warn(
            "durable-rules cannot be imported on this Python; erantis uses its reference "
            "evaluator (same catalogue, same findings).",
            RuntimeWarning,
            stacklevel=3,
        )
    return ReferenceEvaluator(policy)


def _finding(subject: str, rule: Rule, fact: Fact, params: Mapping[str, Any]) -> Finding:
    regimes = params["regimes"]
    due = None
    if rule.due is not None:
        due = value(rule.due, Scope(fact, date.min, params, {}))
    return Finding(
        subject=subject,
        rule_id=rule.id,
        due=due,
        evidence=fact.evidence,
        severity=rule.severity,
        message=rule.render(fact, due, params),
        legal_reference=rule.reference_for(fact, regimes),
    )


def _order(finding: Finding) -> tuple[str, str, date, tuple[str, ...]]:
    return (finding.subject, finding.rule_id, finding.due or date.min, finding.evidence)
