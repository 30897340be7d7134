"""Private: conditions turned into Python closures once, for callers that judge them often.

:func:`~erantis_rules.language.conditions.holds` interprets a condition by matching on its
nodes at every call; a warm engine asks the same few comparisons on every visit in a team.
:func:`compiled` builds, per node, a closure that does what ``holds`` and ``value`` do for it
(the same ``None`` and enum rules, through the same ``_ordered``), so a condition is walked
once. A test holds the two equal on every condition of the catalogue.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from erantis_rules.language.conditions import (
    Absent,
    AllOf,
    AnyOf,
    AsOf,
    Compare,
    Condition,
    Const,
    Days,
    Earliest,
    Field,
    IsIn,
    Lookup,
    Magnitude,
    Not,
    Param,
    Plus,
    Scope,
    Term,
    Times,
    Truth,
    _ordered,
)

__all__ = ["compiled", "compiled_term"]

Value = Callable[[Scope], Any]
Test = Callable[[Scope], bool]


def compiled_term(term: Term) -> Value:
    """A closure giving ``value(term, scope)``."""
    match term:
        case Field("this", name):
            return lambda scope: getattr(scope.fact, name)
        case Field(_, name):
            return lambda scope: getattr(scope.other, name)
        case AsOf():
            return lambda scope: scope.as_of
        case Param(name):
            return lambda scope: scope.params[name]
        case Const(constant):
            return lambda scope: constant
        case Days(count):
            counted = compiled_term(count)

            def days(scope: Scope) -> Any:
                n = counted(scope)
                return None if n is None else timedelta(days=n)

            return days
        case Plus(left, right) | Times(left, right):
            a_of, b_of = compiled_term(left), compiled_term(right)
            plus = isinstance(term, Plus)

            def arithmetic(scope: Scope) -> Any:
                a, b = a_of(scope), b_of(scope)
                if a is None or b is None:
                    return None
                return a + b if plus else a * b

            return arithmetic
        case Magnitude(inner):
            inner_of = compiled_term(inner)

            def magnitude(scope: Scope) -> Any:
                found = inner_of(scope)
                return None if found is None else abs(found)

            return magnitude
        case Earliest(terms):
            each = tuple(compiled_term(t) for t in terms)

            def earliest(scope: Scope) -> Any:
                present = [v for v in (f(scope) for f in each) if v is not None]
                return min(present) if present else None

            return earliest
        case Lookup(name, key):
            key_of = compiled_term(key)
            return lambda scope: scope.params[name].get(key_of(scope), frozenset())
    raise TypeError(f"not a term: {term!r}")


def compiled(condition: Condition) -> Test:
    """A closure giving ``holds(condition, scope)``."""
    match condition:
        case Compare(op, left, right):
            a_of, b_of = compiled_term(left), compiled_term(right)
            equality = op in ("eq", "ne")
            wanted = op == "eq"

            def compare(scope: Scope) -> bool:
                a, b = a_of(scope), b_of(scope)
                if equality and (a is None or b is None):
                    return (a is b) == wanted
                return _ordered(op, a, b)

            return compare
        case Truth(term):
            term_of = compiled_term(term)
            return lambda scope: bool(term_of(scope))
        case IsIn(item, values):
            item_of, values_of = compiled_term(item), compiled_term(values)
            return lambda scope: item_of(scope) in values_of(scope)
        case AllOf(parts):
            every = tuple(compiled(p) for p in parts)
            return lambda scope: all(p(scope) for p in every)
        case AnyOf(parts):
            some = tuple(compiled(p) for p in parts)
            return lambda scope: any(p(scope) for p in some)
        case Not(part):
            inner = compiled(part)
            return lambda scope: not inner(scope)
        case Absent(kind, where):
            where_of = compiled(where)

            def absent(scope: Scope) -> bool:
                return not any(
                    where_of(Scope(scope.fact, scope.as_of, scope.params, scope.related, fact))
                    for fact in scope.related.get(kind, ())
                )

            return absent
    raise TypeError(f"not a condition: {condition!r}")
