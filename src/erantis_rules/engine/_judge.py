"""Private: which evaluator judges, and a finding made of what it matched.

The one place that chooses between durable-rules and the reference evaluator (and warns once
when durable-rules does not import), turns a match (subject, rule, fact) into a
:class:`~erantis_rules.language.model.Finding`, and gives the stable order of findings. The
batch check, its worker processes, ``check_store`` and ``RuleEngine`` all ask here.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping
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


#: The field of each kind of fact that holds the day it is judged on (the decision's day, the
#: visit's, the period's first day ...), in the order they are looked for.
_JUDGED_ON = ("on", "requested", "reported", "started", "admitted", "first", "start", "held")


def judged_day(fact: Fact) -> date | None:
    """The day a fact is judged on, which picks the policy version in force; ``None`` for a
    fact without a day of its own (judged by the version in force on ``as_of``)."""
    for name in _JUDGED_ON:
        day = getattr(fact, name, None)
        if isinstance(day, date):
            return day
    return None


def windowed(
    first: date | None, until: date | None, as_of: date
) -> Callable[[str, Rule, Fact, Mapping[str, Any]], Finding | None]:
    """:func:`_finding` for one policy version, valid from ``first`` (``None``: from the
    beginning) until the day before ``until`` (``None``: on): a match whose fact is judged on
    a day outside that window is another version's, and gives no finding here."""

    def finding(subject: str, rule: Rule, fact: Fact, params: Mapping[str, Any]) -> Finding | None:
        day = judged_day(fact) or as_of
        if (first is not None and day < first) or (until is not None and day >= until):
            return None
        return _finding(subject, rule, fact, params)

    return finding


def _order(finding: Finding) -> tuple[str, str, date, tuple[str, ...]]:
    return (finding.subject, finding.rule_id, finding.due or date.min, finding.evidence)
