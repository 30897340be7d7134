"""The reference evaluator: the catalogue's plain-Python predicates over derived facts.

It is the oracle the durable-rules evaluator is tested against, and the fallback where
durable-rules cannot be imported (Python 3.13+).
"""

from __future__ import annotations

from collections.abc import Iterable

from erantis_rules.catalogue import CHECKS
from erantis_rules.catalogue._base import Check, Context
from erantis_rules.facts import Fact
from erantis_rules.policy import Policy

__all__ = ["ReferenceEvaluator"]

Match = tuple[str, Check, Fact]


class ReferenceEvaluator:
    """Judges each subject's facts with the rules' Python predicates."""

    name = "reference"

    def __init__(self, policy: Policy) -> None:
        self._policy = policy
        self._by_fact: dict[str, list[Check]] = {}
        for check in CHECKS:
            self._by_fact.setdefault(check.fact, []).append(check)

    def evaluate(self, subjects: Iterable[tuple[str, list[Fact]]], as_of: int) -> list[Match]:
        """Matches ``(subject, check, fact)`` for every fact a rule finds at fault."""
        out: list[Match] = []
        by_fact = self._by_fact
        for subject, facts in subjects:
            by_kind: dict[str, list[Fact]] = {}
            for fact in facts:
                by_kind.setdefault(fact["t"], []).append(fact)
            ctx = Context(as_of, self._policy, by_kind)
            for fact in facts:
                for check in by_fact.get(fact["t"], ()):
                    if check.holds(fact, ctx):
                        out.append((subject, check, fact))
        return out

    def close(self) -> None:
        """Nothing to release."""
