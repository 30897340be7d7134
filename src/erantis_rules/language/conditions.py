"""The small condition language each rule is stated in, once.

A rule says when a fact *breaks* it: a :data:`Condition` over the judged fact (``this``), the
clock (:data:`AS_OF`), policy parameters (:func:`param`) and, for absence, other facts of the
same subject (:func:`absent` with ``other``). Two evaluators read the same statement:

* ``erantis_rules.language._reference`` interprets it in Python (:func:`holds`, :func:`value`);
* ``erantis_rules.language._durable`` compiles it into durable-rules' JSON rule language.

Values are typed: dates are :class:`datetime.date`, ``this.on + days(param("x"))`` is a date,
a missing date is ``None``. An ordered comparison with ``None`` treats it as earlier than any
value (durable-rules sees a missing date as day 0), so guard optional dates with
:func:`is_none` where that matters.

Example (DOC-004, shortened)::

    due = earliest(this.follow_up_due, this.on + days(param("case_follow_up_max_days")))
    broken_when = all_of(
        is_in(this.kind, ("granted", "revised")),
        gt(AS_OF, due),
        absent("follow_up", eq(other.subject, this.decision), gte(other.on, this.on)),
    )
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from typing import Any, Literal

__all__ = [
    "AS_OF",
    "Absent",
    "AllOf",
    "AnyOf",
    "AsOf",
    "Compare",
    "Condition",
    "Const",
    "Days",
    "Earliest",
    "Field",
    "IsIn",
    "Lookup",
    "Magnitude",
    "Not",
    "Op",
    "Param",
    "Plus",
    "Scope",
    "Term",
    "Times",
    "Truth",
    "absent",
    "all_of",
    "any_of",
    "conditions_of",
    "days",
    "earliest",
    "eq",
    "gt",
    "gte",
    "holds",
    "is_in",
    "is_none",
    "lookup",
    "lt",
    "lte",
    "magnitude",
    "ne",
    "not_",
    "other",
    "param",
    "terms_of",
    "this",
    "truth",
    "value",
]

Op = Literal["eq", "ne", "lt", "lte", "gt", "gte"]


# --- terms -------------------------------------------------------------------------------------


class Term:
    """A value in a condition. ``+`` adds days or numbers, ``*`` multiplies."""

    __slots__ = ()

    def __add__(self, other: Term | int) -> Plus:
        return Plus(self, _term(other))

    def __mul__(self, other: Term | int) -> Times:
        return Times(self, _term(other))


@dataclass(frozen=True, slots=True, eq=True)
class Field(Term):
    """A field of the judged fact (``owner="this"``) or of another fact (``"other"``, inside
    :func:`absent`)."""

    owner: Literal["this", "other"]
    name: str


@dataclass(frozen=True, slots=True, eq=True)
class AsOf(Term):
    """The day of the evaluation."""


@dataclass(frozen=True, slots=True, eq=True)
class Param(Term):
    """A policy parameter, by its field name on :class:`~erantis_rules.Policy`."""

    name: str


@dataclass(frozen=True, slots=True, eq=True)
class Const(Term):
    """A constant (a number, a string, a bool, a date, ``None`` or a frozenset)."""

    value: Any


@dataclass(frozen=True, slots=True, eq=True)
class Days(Term):
    """A number of days (added to a date)."""

    count: Term


@dataclass(frozen=True, slots=True, eq=True)
class Plus(Term):
    """``left + right`` (a date plus :class:`Days`, or two numbers)."""

    left: Term
    right: Term


@dataclass(frozen=True, slots=True, eq=True)
class Times(Term):
    """``left * right``."""

    left: Term
    right: Term


@dataclass(frozen=True, slots=True, eq=True)
class Magnitude(Term):
    """``abs(term)``."""

    term: Term


@dataclass(frozen=True, slots=True, eq=True)
class Earliest(Term):
    """The smallest of its terms (``min``)."""

    terms: tuple[Term, ...]


@dataclass(frozen=True, slots=True, eq=True)
class Lookup(Term):
    """``policy.<name>[key]`` (an empty set when absent), where ``key`` takes one of
    ``domain``: durable-rules has no maps, so it is compiled as one case per key."""

    name: str
    key: Term
    domain: tuple[str, ...]


class _Owner:
    """``this.x`` / ``other.x``: a :class:`Field` of the judged or of another fact."""

    __slots__ = ("_owner",)

    def __init__(self, owner: Literal["this", "other"]) -> None:
        self._owner: Literal["this", "other"] = owner

    def __getattr__(self, name: str) -> Field:
        if name.startswith("__"):
            raise AttributeError(name)
        return Field(self._owner, name)


this = _Owner("this")
other = _Owner("other")
AS_OF = AsOf()


def _term(value: Term | Any) -> Term:
    return value if isinstance(value, Term) else Const(value)


def param(name: str) -> Param:
    """A policy parameter by name."""
    return Param(name)


def days(count: Term | int) -> Days:
    """``count`` days, to add to a date."""
    return Days(_term(count))


def earliest(*terms: Term) -> Earliest:
    """The earliest (smallest) of the terms."""
    return Earliest(terms)


def magnitude(term: Term) -> Magnitude:
    """The absolute value of a term."""
    return Magnitude(term)


def lookup(name: str, key: Term, domain: Iterable[str]) -> Lookup:
    """``policy.<name>[key]``; ``key`` takes one of ``domain``."""
    return Lookup(name, key, tuple(domain))


# --- conditions --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Compare:
    """``left <op> right``."""

    op: Op
    left: Term
    right: Term


@dataclass(frozen=True, slots=True)
class Truth:
    """A boolean term holds (a flag of the fact, a policy switch)."""

    term: Term


@dataclass(frozen=True, slots=True)
class IsIn:
    """``item in values`` (values: a constant collection or a :class:`Lookup`)."""

    item: Term
    values: Term


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every part holds (an empty conjunction holds)."""

    parts: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    """Some part holds (an empty disjunction does not)."""

    parts: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """The part does not hold."""

    part: Condition


@dataclass(frozen=True, slots=True)
class Absent:
    """No fact of ``kind`` of the same subject satisfies ``where`` (``other`` is that fact)."""

    kind: str
    where: Condition


Condition = Compare | Truth | IsIn | AllOf | AnyOf | Not | Absent


def _compare(op: Op) -> Callable[[Term | Any, Term | Any], Compare]:
    def build(left: Term | Any, right: Term | Any) -> Compare:
        return Compare(op, _term(left), _term(right))

    build.__name__ = op
    build.__doc__ = f"``left {op} right``."
    return build


eq = _compare("eq")
ne = _compare("ne")
lt = _compare("lt")
lte = _compare("lte")
gt = _compare("gt")
gte = _compare("gte")


def is_none(term: Term) -> Compare:
    """The (optional) value is missing."""
    return Compare("eq", term, Const(None))


def truth(term: Term) -> Truth:
    """A boolean term holds."""
    return Truth(term)


def is_in(item: Term, values: Term | Iterable[Any]) -> IsIn:
    """``item`` is one of ``values``."""
    return IsIn(item, values if isinstance(values, Term) else Const(frozenset(values)))


def all_of(*parts: Condition | Term) -> AllOf:
    """Conjunction; a bare term means :func:`truth` of it."""
    return AllOf(tuple(_condition(p) for p in parts))


def any_of(*parts: Condition | Term) -> AnyOf:
    """Disjunction; a bare term means :func:`truth` of it."""
    return AnyOf(tuple(_condition(p) for p in parts))


def not_(part: Condition | Term) -> Not:
    """Negation; a bare term means :func:`truth` of it."""
    return Not(_condition(part))


def absent(kind: str, *where: Condition | Term) -> Absent:
    """No fact of ``kind`` satisfies every condition in ``where``."""
    return Absent(kind, all_of(*where))


def _condition(part: Condition | Term) -> Condition:
    return Truth(part) if isinstance(part, Term) else part


# --- the interpreter ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scope:
    """What a condition is evaluated against: the judged fact, the day, the policy's
    parameters, the subject's facts by kind, and the other fact inside :func:`absent`."""

    fact: Any
    as_of: date
    params: Mapping[str, Any]
    related: Mapping[str, list[Any]]
    other: Any = None


def value(term: Term, scope: Scope) -> Any:
    """The value of a term in a scope."""
    match term:
        case Field("this", name):
            return getattr(scope.fact, name)
        case Field(_, name):
            return getattr(scope.other, name)
        case AsOf():
            return scope.as_of
        case Param(name):
            return scope.params[name]
        case Const(constant):
            return constant
        case Days(count):
            counted = value(count, scope)
            return None if counted is None else timedelta(days=counted)
        case Plus(left, right):
            a, b = value(left, scope), value(right, scope)
            return None if a is None or b is None else a + b
        case Times(left, right):
            a, b = value(left, scope), value(right, scope)
            return None if a is None or b is None else a * b
        case Magnitude(inner):
            found = value(inner, scope)
            return None if found is None else abs(found)
        case Earliest(terms):
            present = [v for v in (value(t, scope) for t in terms) if v is not None]
            return min(present) if present else None
        case Lookup(name, key):
            table = scope.params[name]
            return table.get(value(key, scope), frozenset())
    raise TypeError(f"not a term: {term!r}")


def _ordered(op: Op, a: Any, b: Any) -> bool:
    if a is None or b is None:
        # A missing value is earlier than any value, as day 0 is in durable-rules.
        a, b = (a is not None), (b is not None)
    if isinstance(a, Enum):
        a = a.value
    if isinstance(b, Enum):
        b = b.value
    match op:
        case "eq":
            return bool(a == b)
        case "ne":
            return bool(a != b)
        case "lt":
            return bool(a < b)
        case "lte":
            return bool(a <= b)
        case "gt":
            return bool(a > b)
        case "gte":
            return bool(a >= b)


def holds(condition: Condition, scope: Scope) -> bool:
    """Whether a condition holds in a scope."""
    match condition:
        case Compare(op, left, right):
            a, b = value(left, scope), value(right, scope)
            if op in ("eq", "ne") and (a is None or b is None):
                return (a is b) == (op == "eq")
            return _ordered(op, a, b)
        case Truth(term):
            return bool(value(term, scope))
        case IsIn(item, values):
            return value(item, scope) in value(values, scope)
        case AllOf(parts):
            return all(holds(p, scope) for p in parts)
        case AnyOf(parts):
            return any(holds(p, scope) for p in parts)
        case Not(part):
            return not holds(part, scope)
        case Absent(kind, where):
            return not any(
                holds(where, Scope(scope.fact, scope.as_of, scope.params, scope.related, fact))
                for fact in scope.related.get(kind, ())
            )
    raise TypeError(f"not a condition: {condition!r}")


def conditions_of(condition: Condition) -> Iterable[Condition]:
    """The condition and every condition inside it, depth first."""
    yield condition
    match condition:
        case AllOf(parts) | AnyOf(parts):
            for part in parts:
                yield from conditions_of(part)
        case Not(part) | Absent(_, part):
            yield from conditions_of(part)


def terms_of(item: Condition | Term) -> Iterable[Term]:
    """Every term in a condition or term, depth first (for analysis: params read, kinds
    joined)."""
    match item:
        case Compare(_, left, right) | Plus(left, right) | Times(left, right):
            yield from terms_of(left)
            yield from terms_of(right)
        case Truth(term) | Days(term) | Magnitude(term):
            yield from terms_of(term)
        case IsIn(a, b):
            yield from terms_of(a)
            yield from terms_of(b)
        case AllOf(parts) | AnyOf(parts):
            for part in parts:
                yield from terms_of(part)
        case Not(part) | Absent(_, part):
            yield from terms_of(part)
        case Earliest(terms):
            for term in terms:
                yield from terms_of(term)
        case Lookup(_, key):
            yield from terms_of(key)
    if isinstance(item, Term):
        yield item
