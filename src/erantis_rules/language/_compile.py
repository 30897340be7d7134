"""Private: a rule's condition compiled into durable-rules' JSON rule language.

The rule is stated once (:mod:`erantis_rules.language.conditions`); this module turns it into
the conditions ``_durable`` registers, in steps a reader can follow:

1. policy parameters become constants, and a
   :class:`~erantis_rules.language.conditions.Lookup` becomes one case per key (durable-rules
   has no maps);
2. constants fold, negations move onto comparisons (durable has no ``not``), ``is_in`` becomes
   a disjunction and ``earliest`` a conjunction or disjunction of comparisons;
3. each comparison goes to the fact it reads last: the judged fact (alias ``subj``), the clock
   (``clock``, a fact holding ``as_of``), or a fact whose absence is tested (``a<n>$not``);
4. a comparison whose left side computes over the judged fact (``abs(net) * 100``) reads a
   derived field that :func:`flatten` adds to each fact.

Facts reach durable-rules flattened: dates as proleptic ordinals, a missing date as 0, enums as
their values, evidence left out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from enum import Enum
from typing import Any

from erantis_domain.errors import RuleEngineError
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
    Op,
    Param,
    Plus,
    Scope,
    Term,
    Times,
    Truth,
    holds,
    value,
)
from erantis_rules.language.model import Rule
from erantis_rules.regimes import DEFAULT_REGIMES

__all__ = ["Compiled", "Derived", "compile_rule", "flatten"]

Json = dict[str, Any]
#: What a rule is built of: terms and conditions, all dataclasses.
_NODES: tuple[type[Any], ...] = (
    Field,
    AsOf,
    Param,
    Const,
    Days,
    Plus,
    Times,
    Magnitude,
    Earliest,
    Lookup,
    Compare,
    Truth,
    IsIn,
    AllOf,
    AnyOf,
    Not,
    Absent,
)
_TRUE = AllOf(())
_FALSE = AnyOf(())
_FLIP: dict[Op, Op] = {"eq": "eq", "ne": "ne", "lt": "gt", "lte": "gte", "gt": "lt", "gte": "lte"}
_NEGATE: dict[Op, Op] = {"eq": "ne", "ne": "eq", "lt": "gte", "lte": "gt", "gt": "lte", "gte": "lt"}
_DURABLE_OP: dict[Op, str] = {"ne": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}
_SUBJ, _CLOCK, _ABSENT = 0, 1, 2


@dataclass(slots=True)
class Derived:
    """Fields computed from a fact before it is asserted, by name, per fact kind."""

    terms: dict[str, dict[str, Term]] = field(default_factory=dict)

    def name(self, kind: str, term: Term) -> str:
        known = self.terms.setdefault(kind, {})
        for name, existing in known.items():
            if existing == term:
                return name
        name = f"derived_{len(known)}"
        known[name] = term
        return name


@dataclass(frozen=True, slots=True)
class Compiled:
    """A rule as durable conditions ``(alias, expression)``, in assertion order; ``reads``
    names the fact kinds whose absence it tests."""

    conditions: list[tuple[str, Json]]
    reads: frozenset[str]


def compile_rule(rule: Rule, params: Mapping[str, Any], derived: Derived) -> Compiled | None:
    """The rule under a policy's parameters (its regimes among them), or ``None`` when the
    policy switches it off."""
    regimes = params.get("regimes", DEFAULT_REGIMES)
    condition = _split_lookups(_resolve(rule.condition_under(regimes), params), params)
    condition = _normal(condition, negate=False)
    if condition == _FALSE:
        return None
    return _place(rule, condition, derived)


# --- 1. parameters and lookups -----------------------------------------------------------------


def _children(item: Any) -> list[Any]:
    """The parts of a term or condition (its dataclass fields), or of a tuple of them."""
    if isinstance(item, tuple):
        return list(item)
    if isinstance(item, _NODES):
        return [getattr(item, f.name) for f in fields(item)]
    return []


def _rebuild(item: Any, change: Callable[[Any], Any]) -> Any:
    """``item`` with ``change`` applied to each of its parts."""
    if isinstance(item, tuple):
        return tuple(change(part) for part in item)
    if isinstance(item, _NODES):
        return replace(item, **{f.name: change(getattr(item, f.name)) for f in fields(item)})
    return item


def _resolve(item: Any, params: Mapping[str, Any]) -> Any:
    """Parameters replaced by their constants (lookups keep their name: they split later)."""
    if isinstance(item, Param):
        return Const(params[item.name])
    return _rebuild(item, lambda part: _resolve(part, params))


def _find_lookup(item: Any) -> Lookup | None:
    if isinstance(item, Lookup):
        return item
    for part in _children(item):
        found = _find_lookup(part)
        if found is not None:
            return found
    return None


def _substitute(item: Any, old: Term, new: Term) -> Any:
    if isinstance(item, Term) and item == old:
        return new
    return _rebuild(item, lambda part: _substitute(part, old, new))


def _split_lookups(condition: Condition, params: Mapping[str, Any]) -> Condition:
    """One case per value of a lookup's key: ``key == k`` and the table's entry for ``k``."""
    lookup = _find_lookup(condition)
    if lookup is None:
        return condition
    table: Mapping[Any, Any] = params[lookup.name]
    if isinstance(lookup.key, Const):
        # The key is already known (an earlier split on the same field): read the entry.
        entry = Const(frozenset(table.get(lookup.key.value, frozenset())))
        return _split_lookups(_substitute(condition, lookup, entry), params)
    cases: list[Condition] = []
    for key in lookup.domain:
        entry = Const(frozenset(table.get(key, frozenset())))
        case = _substitute(_substitute(condition, lookup, entry), lookup.key, Const(key))
        cases.append(AllOf((Compare("eq", lookup.key, Const(key)), case)))
    return _split_lookups(AnyOf(tuple(cases)), params)


# --- 2. constants, negation, membership, earliest ----------------------------------------------


def _fold(term: Term) -> Term:
    """Constant arithmetic done now."""
    if isinstance(term, Plus | Times):
        left, right = _fold(term.left), _fold(term.right)
        if isinstance(left, Const) and isinstance(right, Const):
            return Const(value(type(term)(left, right), _NO_SCOPE))
        return type(term)(left, right)
    if isinstance(term, Days):
        count = _fold(term.count)
        return Const(timedelta(days=count.value)) if isinstance(count, Const) else Days(count)
    if isinstance(term, Magnitude):
        inner = _fold(term.term)
        return Const(abs(inner.value)) if isinstance(inner, Const) else Magnitude(inner)
    if isinstance(term, Earliest):
        return Earliest(tuple(_fold(t) for t in term.terms))
    return term


def _normal(condition: Condition, *, negate: bool) -> Condition:
    """Negation normal form with constants folded; ``_TRUE``/``_FALSE`` for constants."""
    match condition:
        case Truth(term):
            term = _fold(term)
            if isinstance(term, Const):
                return _TRUE if bool(term.value) != negate else _FALSE
            return Compare("eq", term, Const(not negate))
        case IsIn(item, Const(values)):
            options = tuple(Compare("eq", item, Const(v)) for v in sorted(values, key=str))
            return _normal(AnyOf(options), negate=negate)
        case IsIn():
            raise RuleEngineError(f"is_in needs constant values after lookups: {condition!r}")
        case Not(part):
            return _normal(part, negate=not negate)
        case AllOf(parts) | AnyOf(parts):
            conjunction = isinstance(condition, AllOf) != negate
            normal = [_normal(p, negate=negate) for p in parts]
            unit, zero = (_TRUE, _FALSE) if conjunction else (_FALSE, _TRUE)
            if zero in normal:
                return zero
            kept: list[Condition] = []
            for part in normal:
                if part == unit:
                    continue
                same = isinstance(part, AllOf) if conjunction else isinstance(part, AnyOf)
                kept.extend(part.parts if same else (part,))  # type: ignore[union-attr]
            if len(kept) == 1:
                return kept[0]
            return AllOf(tuple(kept)) if conjunction else AnyOf(tuple(kept))
        case Absent(kind, where):
            if negate:
                raise RuleEngineError("durable-rules cannot test the presence of a fact")
            return Absent(kind, _normal(where, negate=False))
        case Compare(op, left, right):
            op = _NEGATE[op] if negate else op
            left, right = _fold(left), _fold(right)
            if isinstance(left, Const) and isinstance(right, Const):
                scope_holds = _constant(op, left.value, right.value)
                return _TRUE if scope_holds else _FALSE
            if isinstance(right, Earliest) and not isinstance(left, Earliest):
                op, left, right = _FLIP[op], right, left
            if isinstance(left, Earliest):
                parts = tuple(Compare(op, t, right) for t in left.terms)
                if op in ("lt", "lte"):
                    return _normal(AnyOf(parts), negate=False)
                if op in ("gt", "gte"):
                    return _normal(AllOf(parts), negate=False)
                raise RuleEngineError("earliest(...) can only be ordered, not equated")
            return Compare(op, left, right)
    raise RuleEngineError(f"cannot compile {condition!r}")


def _constant(op: Op, a: Any, b: Any) -> bool:
    return holds(Compare(op, Const(a), Const(b)), _NO_SCOPE)


_NO_SCOPE = Scope(fact=None, as_of=date.min, params={}, related={})


# --- 3. and 4. placing comparisons and rendering them ------------------------------------------


def _level(item: Any) -> int:
    """The alias a term or condition reads last: judged fact, clock, or absent fact."""
    if isinstance(item, Field):
        return _SUBJ if item.owner == "this" else _ABSENT
    if isinstance(item, AsOf):
        return _CLOCK
    return max((_level(part) for part in _children(item)), default=_SUBJ)


def _place(rule: Rule, condition: Condition, derived: Derived) -> Compiled:
    parts = condition.parts if isinstance(condition, AllOf) else (condition,)
    subj: list[Json] = [{"t": rule.judges}]
    clock: list[Json] = []
    absences: list[tuple[str, Json]] = []
    reads: set[str] = set()
    for part in parts:
        if isinstance(part, Absent):
            where = part.where.parts if isinstance(part.where, AllOf) else (part.where,)
            rendered = [_render(p, _ABSENT, rule.judges, derived) for p in where]
            absences.append((f"a{len(absences)}$not", {"$and": [{"t": part.kind}, *rendered]}))
            reads.add(part.kind)
            continue
        level = _level(part)
        if isinstance(part, AnyOf) and any(_level(p) != level for p in part.parts):
            raise RuleEngineError(f"{rule.id}: a disjunction must read one fact")
        (clock if level == _CLOCK else subj).append(_render(part, level, rule.judges, derived))
    if absences and not clock:
        # Absence is judged once every fact is in place: on the clock, asserted last.
        raise RuleEngineError(f"{rule.id}: a rule testing absence must compare with the clock")
    conditions: list[tuple[str, Json]] = [("subj", subj[0] if len(subj) == 1 else {"$and": subj})]
    if clock:
        conditions.append(("clock", clock[0] if len(clock) == 1 else {"$and": clock}))
    conditions.extend(absences)
    return Compiled(conditions, frozenset(reads))


def _render(condition: Condition, level: int, kind: str, derived: Derived) -> Json:
    if isinstance(condition, AllOf | AnyOf):
        key = "$and" if isinstance(condition, AllOf) else "$or"
        return {key: [_render(p, level, kind, derived) for p in condition.parts]}
    if not isinstance(condition, Compare):
        raise RuleEngineError(f"cannot compile {condition!r} inside a disjunction")
    op, left, right = condition.op, condition.left, condition.right
    if _level(left) != level or (not _plain(left, level) and _plain(right, level)):
        op, left, right = _FLIP[op], right, left
    name = _own_name(left, level, kind, derived)
    rhs = _operand(right, level)
    return {name: rhs} if op == "eq" else {_DURABLE_OP[op]: {name: rhs}}


def _plain(term: Term, level: int) -> bool:
    """A field of the condition's own fact, as durable compares it on the left."""
    own_field = isinstance(term, Field) and _level(term) == level
    return own_field or (isinstance(term, AsOf) and level == _CLOCK)


def _own_name(term: Term, level: int, kind: str, derived: Derived) -> str:
    """The field a comparison reads on its own fact (a derived one for a computed term)."""
    if _plain(term, level):
        return term.name if isinstance(term, Field) else "as_of"
    if level == _SUBJ:
        return derived.name(kind, term)
    raise RuleEngineError(f"cannot compute {term!r} on the clock or an absent fact")


def _operand(term: Term, level: int) -> Any:
    match term:
        case Const(constant):
            return _scalar(constant)
        case Field("this", name):
            return {"$m": name} if level == _SUBJ else {"subj": name}
        case Field(_, name):
            return {"$m": name}
        case AsOf():
            return {"$m": "as_of"} if level == _CLOCK else {"clock": "as_of"}
        case Days(count):
            return _operand(count, level)
        case Plus(left, right):
            return {"$add": {"$l": _operand(left, level), "$r": _operand(right, level)}}
        case Times(left, right):
            return {"$mul": {"$l": _operand(left, level), "$r": _operand(right, level)}}
    raise RuleEngineError(f"cannot compile {term!r} as an operand")


def _scalar(constant: Any) -> Any:
    if constant is None:
        return 0
    if isinstance(constant, date):
        return constant.toordinal()
    if isinstance(constant, timedelta):
        return constant.days
    if isinstance(constant, Enum):
        return constant.value
    return constant


# --- facts as durable sees them ----------------------------------------------------------------

_FIELDS: dict[type[Any], tuple[str, ...]] = {}


def flatten(fact: Any, derived: Derived, params: Mapping[str, Any]) -> Json:
    """A fact as durable sees it: scalars only, no evidence, its derived fields added."""
    names = _FIELDS.get(type(fact))
    if names is None:
        names = _FIELDS[type(fact)] = tuple(f.name for f in fields(fact) if f.name != "evidence")
    flat: Json = {"t": fact.kind}
    for name in names:
        flat[name] = _scalar(getattr(fact, name))
    terms = derived.terms.get(fact.kind)
    if terms:
        scope = Scope(fact, date.min, params, {})
        for name, term in terms.items():
            flat[name] = _scalar(value(term, scope))
    return flat
