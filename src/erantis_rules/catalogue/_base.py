"""What a rule of the catalogue is made of, and small builders for durable conditions.

A :class:`Check` pairs a :class:`~erantis_rules.model.Rule` (data) with two independent
statements of the same judgement over one kind of derived fact:

* ``holds``: a plain-Python predicate, the *reference* (the oracle in tests);
* ``durable``: the condition in durable-rules' JSON rule language (production).

The durable condition may join the subject fact (alias ``subj``) with the clock fact
(alias ``clock``, asserted last) and state absence of a related fact (an alias ending in
``$not``). Policy thresholds are written into the condition as constants.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from erantis_rules.facts import Fact
from erantis_rules.model import Rule
from erantis_rules.policy import Policy

__all__ = [
    "Check",
    "Context",
    "Json",
    "add",
    "all_of",
    "any_of",
    "gt",
    "gte",
    "lt",
    "lte",
    "mine",
    "subj",
]

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Context:
    """What a reference predicate may read besides its fact: the clock, the policy, and the
    subject's other facts by kind (for absence)."""

    as_of: int
    policy: Policy
    by_kind: dict[str, list[Fact]]

    def related(self, kind: str) -> list[Fact]:
        """The subject's facts of one kind."""
        return self.by_kind.get(kind, [])


@dataclass(frozen=True, slots=True)
class Check:
    """One rule: metadata, the reference predicate, the durable condition, the due date and
    the values its message template reads."""

    rule: Rule
    fact: str
    holds: Callable[[Fact, Context], bool]
    durable: Callable[[Policy], list[tuple[str, Json]]]
    due: Callable[[Fact, Policy], date | None] = lambda fact, policy: None
    values: Callable[[Fact, Policy], dict[str, Any]] = lambda fact, policy: {}
    #: Other fact kinds the judgement reads (e.g. follow-ups whose absence it tests).
    reads: tuple[str, ...] = ()


# --- durable rule-language builders ------------------------------------------------------------


def all_of(*parts: Json) -> Json:
    """Conjunction."""
    return {"$and": list(parts)}


def any_of(*parts: Json) -> Json:
    """Disjunction."""
    return {"$or": list(parts)}


def lt(name: str, rhs: Any) -> Json:
    """``name < rhs``."""
    return {"$lt": {name: rhs}}


def lte(name: str, rhs: Any) -> Json:
    """``name <= rhs``."""
    return {"$lte": {name: rhs}}


def gt(name: str, rhs: Any) -> Json:
    """``name > rhs``."""
    return {"$gt": {name: rhs}}


def gte(name: str, rhs: Any) -> Json:
    """``name >= rhs``."""
    return {"$gte": {name: rhs}}


def mine(name: str) -> Json:
    """A field of the fact being matched."""
    return {"$m": name}


def subj(name: str) -> Json:
    """A field of the subject fact (alias ``subj``), from a joined condition."""
    return {"subj": name}


def add(lhs: Json, days: int) -> Json:
    """``lhs + days``."""
    return {"$add": {"$l": lhs, "$r": days}}
