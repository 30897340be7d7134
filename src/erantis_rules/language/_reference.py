"""Private: the reference evaluator, an interpreter of the catalogue's conditions in Python.

It reads the same statement of each rule as the durable-rules evaluator (the rule's
``broken_when``), so the two can only differ where an evaluator is wrong: the differential
tests hold them to the same findings. It is the fallback where durable-rules cannot be
imported (Python 3.13+).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from erantis_rules.catalogue import RULES
from erantis_rules.language._facts import Fact
from erantis_rules.language.conditions import Condition, Scope, holds
from erantis_rules.language.model import Rule
from erantis_rules.policy import Policy

__all__ = ["Match", "ReferenceEvaluator"]

Match = tuple[str, Rule, Fact]


class ReferenceEvaluator:
    """Judges each subject's facts by interpreting the rules' conditions."""

    name = "reference"

    def __init__(self, policy: Policy) -> None:
        self._params = dict(policy)
        self._by_kind: dict[str, list[tuple[Rule, Condition]]] = {}
        for rule in RULES:
            condition = rule.condition_under(policy.regimes)
            self._by_kind.setdefault(rule.judges, []).append((rule, condition))

    def evaluate(self, subjects: Iterable[tuple[str, list[Fact]]], as_of: date) -> list[Match]:
        """Matches ``(subject, rule, fact)`` for every fact that breaks a rule."""
        out: list[Match] = []
        by_kind = self._by_kind
        for subject, facts in subjects:
            related: dict[str, list[Fact]] = {}
            for fact in facts:
                related.setdefault(fact.kind, []).append(fact)
            for fact in facts:
                for rule, condition in by_kind.get(fact.kind, ()):
                    if holds(condition, Scope(fact, as_of, self._params, related)):
                        out.append((subject, rule, fact))
        return out

    def close(self) -> None:
        """Nothing to release."""
