"""Private: verdicts remembered per subject, so a warm engine judges only what changed.

The rules judging one kind of fact (``K``) see, for a subject, its ``K`` facts, the facts of the
kinds those rules test for absence (their ``reads``), the day and the policy. The policy is
fixed per evaluator, so their verdict is a function of the day and those facts: a *group*.
:class:`RememberedVerdicts` keeps, per subject and group, the key it last judged and the
verdict (which rules each ``K`` fact broke), and passes to the evaluator only the groups whose
key changed. Kinds whose rules read nothing else are remembered fact by fact instead, so one
new visit does not re-judge a case's other visits.

A fact's key holds only the fields the rules' conditions read: a continuity window that moved
on to other visits but counts as many carers, or an uncovered visit like the ones before it,
is not judged again (its finding is still rendered from the fact itself).

A team period's totals move with every visit of every case in the team, but its rules read
them only through comparisons such as "delivered more than the frame plus the settlement
band". Fields that the rules read only inside such comparisons (over the fact's own fields,
policy parameters and constants: no day, no other fact) are *figures*: a fact's key holds the
comparisons' outcomes instead of the figures, so a team period is judged again only when its
totals cross a threshold. Findings are still rendered from the current fact (its message
cites the current figures).

When every kind a judged kind's rules read is *joined* to the judged fact (each absence says
``eq(other.subject, this.decision)``, say), the verdict of one judged fact depends only on the
facts joined to it: verdicts are then remembered fact by fact, keyed with those facts, and a
new follow-up sends the evaluator the one decision it follows up and its follow-ups, not
every decision and follow-up of the case (a durable-rules session costs by what it asserts).

The remembered keys are those of the subject's current facts only: memory follows the facts,
not the history of calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from operator import attrgetter
from typing import Any, Protocol, get_args

from erantis_rules.catalogue import RULES
from erantis_rules.language._compiled import compiled
from erantis_rules.language._facts import Fact
from erantis_rules.language.conditions import (
    Absent,
    AllOf,
    AnyOf,
    AsOf,
    Compare,
    Condition,
    Field,
    Not,
    Scope,
    conditions_of,
    terms_of,
)
from erantis_rules.language.model import Rule
from erantis_rules.policy import Policy

__all__ = ["RememberedVerdicts", "figures_of"]

Match = tuple[str, Rule, Fact]

#: Kinds whose figures are keyed by the comparisons' outcomes. Only team periods: they are
#: re-judged on every visit in the team, while a case's facts change with its own events.
BANDED = frozenset({"team_period"})


class Evaluator(Protocol):
    name: str

    def evaluate(
        self, subjects: Iterable[tuple[str, list[Fact]]], as_of: date
    ) -> list[tuple[str, Rule, Fact]]: ...

    def close(self) -> None: ...


def _standalone(compare: Compare) -> bool:
    """Whether a comparison reads only the judged fact, parameters and constants."""
    return not any(
        isinstance(term, AsOf) or (isinstance(term, Field) and term.owner == "other")
        for term in terms_of(compare)
    )


def figures_of(conditions: Iterable[Condition]) -> tuple[frozenset[str], tuple[Compare, ...]]:
    """The judged fact's fields that ``conditions`` read only in standalone comparisons (the
    figures), and the comparisons that read them."""
    inside: set[str] = set()
    outside: set[str] = set()
    standalone: list[Compare] = []
    for condition in conditions:
        for part in conditions_of(condition):
            if isinstance(part, AllOf | AnyOf | Not | Absent):
                continue  # their leaves are visited too
            read = {t.name for t in terms_of(part) if isinstance(t, Field) and t.owner == "this"}
            if isinstance(part, Compare) and _standalone(part):
                inside |= read
                standalone.append(part)
            else:
                outside |= read
    figures = frozenset(inside - outside)
    reading = tuple(
        c
        for c in standalone
        if any(
            isinstance(t, Field) and t.owner == "this" and t.name in figures for t in terms_of(c)
        )
    )
    return figures, reading


def joins_of(conditions: Iterable[Condition], reads: frozenset[str]) -> dict[str, tuple[str, str]]:
    """Per kind read, ``(other's field, this fact's field)`` when every absence of that kind
    in ``conditions`` requires the two equal (``absent(kind, eq(other.x, this.y), ...)``):
    only the facts of that kind whose ``x`` is the judged fact's ``y`` can then change its
    verdict. A kind read without such a join (or with two different ones) is left out."""
    found: dict[str, set[tuple[str, str] | None]] = {kind: set() for kind in reads}
    for condition in conditions:
        for part in conditions_of(condition):
            if not isinstance(part, Absent) or part.kind not in found:
                continue
            parts = part.where.parts if isinstance(part.where, AllOf) else (part.where,)
            join: tuple[str, str] | None = None
            for where in parts:
                if isinstance(where, Compare) and where.op == "eq":
                    ends = {where.left, where.right}
                    mine = [t for t in ends if isinstance(t, Field) and t.owner == "this"]
                    theirs = [t for t in ends if isinstance(t, Field) and t.owner == "other"]
                    if len(mine) == len(theirs) == 1:
                        join = (theirs[0].name, mine[0].name)
                        break
            found[part.kind].add(join)
    return {
        kind: next(iter(joins))  # type: ignore[misc]
        for kind, joins in found.items()
        if len(joins) == 1 and None not in joins
    }


def _kinds_of() -> tuple[str, ...]:
    """Every kind of fact."""
    return tuple(cls.kind for cls in get_args(Fact))


def _fields_of(kind: str) -> tuple[str, ...]:
    """The fields of the fact class of ``kind``."""
    for cls in get_args(Fact):
        if cls.kind == kind:
            return tuple(f.name for f in fields(cls))
    return ()


@dataclass(slots=True)
class _Kind:
    """How the verdicts on one judged kind are keyed."""

    kind: str
    #: Other kinds its rules read (absence); empty: remembered fact by fact.
    reads: frozenset[str]
    #: The fields of a fact kept in its key: those the rules' conditions read (the verdict
    #: depends on nothing else; evidence, say, is only cited), less the figures; and the
    #: comparisons whose outcomes stand in for the figures.
    kept: tuple[str, ...]
    compares: tuple[Compare, ...] = ()
    #: The comparisons as closures (see ``language._compiled``).
    tests: tuple[Any, ...] = ()
    #: When every kind read is joined to the judged fact (:func:`joins_of`): per kind read,
    #: ``(other's field, this fact's field)``. Verdicts are then remembered fact by fact, each
    #: keyed with the facts joined to it, and only a fact whose key changed is judged again
    #: (with those facts): a new follow-up re-judges the decision it follows up, not every
    #: decision of the case.
    joins: tuple[tuple[str, str, str], ...] = ()


class RememberedVerdicts:
    """An evaluator that remembers the verdicts of another per subject (see the module)."""

    def __init__(self, evaluator: Evaluator, policy: Policy) -> None:
        self._inner = evaluator
        self.name = evaluator.name
        self._params: Mapping[str, Any] = dict(policy)
        by_kind: dict[str, list[Rule]] = {}
        for rule in RULES:
            by_kind.setdefault(rule.judges, []).append(rule)
        self._kinds: dict[str, _Kind] = {}
        for kind, rules in by_kind.items():
            reads = frozenset(k for rule in rules for k in rule.reads) - {kind}
            conditions = [rule.condition_under(policy.regimes) for rule in rules]
            read = sorted(
                {
                    t.name
                    for condition in conditions
                    for t in terms_of(condition)
                    if isinstance(t, Field) and t.owner == "this"
                }
            )
            spec = _Kind(kind, reads, tuple(read))
            joins = joins_of(conditions, reads)
            if reads and joins.keys() == reads:
                spec.joins = tuple((k, *joins[k]) for k in sorted(reads))
            if kind in BANDED:
                figures, compares = figures_of(conditions)
                spec.kept = tuple(name for name in read if name not in figures)
                spec.compares = compares
                spec.tests = tuple(compiled(compare) for compare in compares)
            self._kinds[kind] = spec
        #: subject -> kind -> (key, verdict). A group's verdict: (rule number, index of the
        #: fact among the subject's facts of that kind); a single fact's: the numbers of the
        #: rules it broke. Kept for every subject, so keys and verdicts are of atomic values
        #: only (other facts by their fields' values, rules by number): tuples and dicts the
        #: collector stops tracking, which a full collection then does not walk.
        self._groups: dict[str, dict[str, tuple[Any, tuple[tuple[int, int], ...]]]] = {}
        self._singles: dict[str, dict[Any, tuple[int, ...]]] = {}
        #: The rules the evaluator reported, by number, and their numbers by ``id`` (the
        #: list keeps the rules, so no id is reused).
        self._rules: list[Rule] = []
        self._numbers: dict[int, int] = {}
        #: Per kind, a fact's fields' values (a fact read by another kind's rules is keyed by
        #: them: equal values, an equal fact).
        self._values = {kind: attrgetter(*_fields_of(kind), "kind") for kind in _kinds_of()}
        #: subject -> (its facts, id of a fact -> its key): a warm engine hands back the same
        #: fact objects while a case's part is unchanged, and building their keys again made
        #: dozens of tuples a call (young objects the caller's collector then walks). The
        #: facts are held so that no id is reused while its key is kept (the caller's own
        #: list, which it never changes once handed over: a copy per subject would be one
        #: more container of every fact for a full collection to walk); the keys of atomic
        #: values, in a dict the collector stops tracking.
        self._fact_keys: dict[str, tuple[Sequence[Fact], dict[int, Any]]] = {}
        #: The day of the remembered singles (their keys leave it out).
        self._day: date | None = None

    def _key(self, spec: _Kind, fact: Fact, as_of: date) -> Any:
        kept = tuple(getattr(fact, name) for name in spec.kept)
        if not spec.compares:
            # The kind, not the class: a tuple of atomic values is one the collector stops
            # tracking, and a warm engine keeps a key per fact of every case.
            return (fact.kind, kept)
        # Not cached: the totals differ on nearly every call, and a cache growing by an entry
        # per visit would be what sets off the caller's garbage collector.
        scope = Scope(fact, as_of, self._params, {})
        return (fact.kind, kept, tuple(test(scope) for test in spec.tests))

    def _number(self, rule: Rule) -> int:
        number = self._numbers.get(id(rule))
        if number is None:
            number = self._numbers[id(rule)] = len(self._rules)
            self._rules.append(rule)
        return number

    def _own(
        self,
        spec: _Kind,
        fact: Fact,
        as_of: date,
        cached: dict[int, Any],
        keys: dict[int, Any],
    ) -> Any:
        """A fact's key, the one built for the same fact object before when there is one
        (the facts it was built for are still held, so an equal id is the same fact)."""
        key = cached.get(id(fact))
        if key is None:
            key = self._key(spec, fact, as_of)
        keys[id(fact)] = key
        return key

    def evaluate(self, subjects: Iterable[tuple[str, list[Fact]]], as_of: date) -> list[Match]:
        """Matches ``(subject, rule, fact)`` for every fact that breaks a rule. A list of facts
        handed over is kept as it is (see ``_fact_keys``): the caller must not change it."""
        out: list[Match] = []
        asked: list[tuple[str, list[Fact]]] = []
        #: subject -> (groups to record: kind -> (key, facts of that kind), singles to record:
        #: key -> fact, remembered singles kept)
        pending: dict[str, tuple[dict[str, tuple[Any, list[Fact]]], dict[int, Any]]] = {}
        kinds = self._kinds
        values = self._values
        numbered = self._rules
        if as_of != self._day:
            self._day = as_of
            self._singles = {}
        for subject, facts in subjects:
            by_kind: dict[str, list[Fact]] = {}
            for fact in facts:
                by_kind.setdefault(fact.kind, []).append(fact)
            groups = self._groups.get(subject, {})
            singles = self._singles.get(subject, {})
            cached = self._fact_keys.get(subject, ((), {}))[1]
            keys: dict[int, Any] = {}
            new_groups: dict[str, tuple[Any, tuple[tuple[int, int], ...]]] = {}
            new_singles: dict[Any, tuple[int, ...]] = {}
            missed_groups: dict[str, tuple[Any, list[Fact]]] = {}
            missed_singles: dict[int, Any] = {}
            ask: dict[int, Fact] = {}
            for kind, judged in by_kind.items():
                spec = kinds.get(kind)
                if spec is None:
                    continue  # a kind only read, never judged
                if spec.joins:
                    for fact in judged:
                        joined: tuple[tuple[Any, ...], ...] = tuple(
                            tuple(
                                values[f.kind](f)
                                for f in by_kind.get(k, ())
                                if getattr(f, theirs) == getattr(fact, mine)
                            )
                            for k, theirs, mine in spec.joins
                        )
                        key: Any = (self._own(spec, fact, as_of, cached, keys), joined)
                        rules = singles.get(key)
                        if rules is None:
                            rules = new_singles.get(key)
                        if rules is not None:
                            new_singles[key] = rules
                            out.extend((subject, numbered[n], fact) for n in rules)
                            continue
                        missed_singles[id(fact)] = key
                        ask[id(fact)] = fact
                        for k, theirs, mine in spec.joins:
                            for f in by_kind.get(k, ()):
                                if getattr(f, theirs) == getattr(fact, mine):
                                    ask[id(f)] = f
                    continue
                if spec.reads:
                    key = (
                        as_of,
                        tuple(self._key(spec, f, as_of) for f in judged),
                        tuple(
                            values[f.kind](f)
                            for k in sorted(spec.reads)
                            for f in by_kind.get(k, ())
                        ),
                    )
                    known = groups.get(kind)
                    if known is not None and known[0] == key:
                        new_groups[kind] = known
                        out.extend((subject, numbered[n], judged[i]) for n, i in known[1])
                        continue
                    missed_groups[kind] = (key, judged)
                    for fact in judged:
                        ask[id(fact)] = fact
                    for k in spec.reads:
                        for fact in by_kind.get(k, ()):
                            ask[id(fact)] = fact
                    continue
                for fact in judged:
                    key = (
                        self._own(spec, fact, as_of, cached, keys)
                        if not spec.compares
                        else self._key(spec, fact, as_of)
                    )
                    rules = singles.get(key)
                    if rules is None:
                        rules = new_singles.get(key)
                    if rules is not None:
                        new_singles[key] = rules
                        out.extend((subject, numbered[n], fact) for n in rules)
                        continue
                    missed_singles[id(fact)] = key
                    ask[id(fact)] = fact
            if ask:
                asked.append((subject, list(ask.values())))
                pending[subject] = (missed_groups, missed_singles)
            # The remembered dicts are replaced only when they changed, and a subject without
            # cached keys (a team period's are not cached) keeps none: what a call leaves alive
            # waits for the caller's next young collection.
            if new_groups != groups or subject not in self._groups:
                self._groups[subject] = new_groups
            # Every key kept came from ``singles`` unless missed: equal lengths and no miss
            # mean equal dicts (comparing them would hash every key again).
            if missed_singles or len(new_singles) != len(singles) or subject not in self._singles:
                self._singles[subject] = new_singles
            if keys:
                self._fact_keys[subject] = (facts, keys)
            else:
                self._fact_keys.pop(subject, None)
        if not asked:
            return out
        found: dict[str, list[tuple[Rule, Fact]]] = {subject: [] for subject, _ in asked}
        for subject, rule, fact in self._inner.evaluate(asked, as_of):
            found[subject].append((rule, fact))
        for subject, matches in found.items():
            missed_groups, missed_singles = pending[subject]
            broke: dict[int, list[int]] = {}
            for rule, fact in matches:
                if rule.judges in missed_groups or id(fact) in missed_singles:
                    broke.setdefault(id(fact), []).append(self._number(rule))
                    out.append((subject, rule, fact))
            groups = self._groups[subject]
            for kind, (key, judged) in missed_groups.items():
                groups[kind] = (
                    key,
                    tuple((n, i) for i, f in enumerate(judged) for n in broke.get(id(f), ())),
                )
            singles = self._singles[subject]
            for ident, key in missed_singles.items():
                singles[key] = tuple(broke.get(ident, ()))
        return out

    def forget(self, subject: str) -> None:
        """Drop what is remembered of a subject that has no facts any more."""
        self._groups.pop(subject, None)
        self._singles.pop(subject, None)
        self._fact_keys.pop(subject, None)

    def close(self) -> None:
        """Close the evaluator this one remembers for."""
        self._inner.close()
