"""The condition language: the reference interpreter and the durable compiler read one
statement of each rule. Differential tests (properties, scenarios) hold the two evaluators to
the same findings; these pin the language's own semantics and the compiler's lowering."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

import pytest

from erantis_domain.errors import RuleEngineError
from erantis_rules import Policy, Severity
from erantis_rules.catalogue import RULES
from erantis_rules.language._compile import Derived, compile_rule, flatten
from erantis_rules.language.conditions import (
    AS_OF,
    Scope,
    absent,
    all_of,
    any_of,
    days,
    earliest,
    eq,
    gt,
    holds,
    is_in,
    is_none,
    lookup,
    magnitude,
    not_,
    other,
    param,
    this,
    value,
)
from erantis_rules.language.model import Rule


@dataclass(frozen=True)
class Thing:
    kind: ClassVar[str] = "thing"
    on: date
    until: date | None
    net: int
    role: str
    flag: bool
    task: str = "b"
    evidence: tuple[str, ...] = ()


THING = Thing(on=date(2026, 10, 1), until=None, net=-12, role="ssh", flag=False)
PARAMS: dict[str, Any] = {"limit": 30, "table": {"ssh": frozenset({"a"}), "ssa": frozenset()}}


def _scope(fact: Any = THING, as_of: date = date(2026, 11, 15), **related: list[Any]) -> Scope:
    return Scope(fact, as_of, PARAMS, related)


def _rule(condition: Any, due: Any = None) -> Rule:
    return Rule("T-1", "t", Severity.INFO, "ref", "m", "d", "thing", condition, due)


def test_dates_move_by_days_and_earliest_ignores_a_missing_date() -> None:
    assert value(this.on + days(param("limit")), _scope()) == date(2026, 10, 31)
    assert value(earliest(this.until, this.on + days(2)), _scope()) == date(2026, 10, 3)
    assert value(magnitude(this.net) * 100, _scope()) == 1200


def test_a_missing_date_is_earlier_than_any_date_and_equals_only_none() -> None:
    assert holds(is_none(this.until), _scope())
    assert not holds(gt(this.until, this.on), _scope())
    assert holds(gt(this.on, this.until), _scope())


def test_absence_looks_at_the_subjects_other_facts_of_a_kind() -> None:
    condition = absent("thing", eq(other.role, "ssa"))
    assert holds(condition, _scope(thing=[THING]))
    assert not holds(condition, _scope(thing=[THING, Thing(THING.on, None, 0, "ssa", True)]))


def test_a_lookup_reads_the_policy_table_with_an_empty_default() -> None:
    tasks = lookup("table", this.role, ("ssh", "ssa", "nurse"))
    assert value(tasks, _scope()) == frozenset({"a"})
    assert value(tasks, _scope(Thing(THING.on, None, 0, "nurse", True))) == frozenset()


def test_the_compiler_splits_a_lookup_by_key_and_drops_impossible_cases() -> None:
    # given "a role outside the table's entry for it", for roles other than the nurse
    rule = _rule(
        all_of(
            not_(eq(this.role, "nurse")),
            not_(is_in(this.task, lookup("table", this.role, ("ssh", "ssa", "nurse")))),
        )
    )
    # when compiled
    compiled = compile_rule(rule, PARAMS, Derived())
    # then one alternative per role, the nurse's case folded away
    assert compiled is not None
    assert compiled.conditions == [
        (
            "subj",
            {
                "$and": [
                    {"t": "thing"},
                    {
                        "$or": [
                            {"$and": [{"role": "ssh"}, {"$neq": {"task": "a"}}]},
                            {"role": "ssa"},
                        ]
                    },
                ]
            },
        )
    ]


def test_two_lookups_on_the_same_field_split_it_once() -> None:
    # given a condition reading two policy tables by the same key (as DEL-004 does)
    roles = ("ssh", "ssa", "nurse")
    params = {**PARAMS, "other": {"ssa": frozenset({"b"})}}
    rule = _rule(
        all_of(
            not_(is_in(this.task, lookup("table", this.role, roles))),
            not_(is_in(this.task, lookup("other", this.role, roles))),
        )
    )
    # when compiled, then there is one case per key, each with both tables' entries
    compiled = compile_rule(rule, params, Derived())
    assert compiled is not None
    assert compiled.conditions == [
        (
            "subj",
            {
                "$and": [
                    {"t": "thing"},
                    {
                        "$or": [
                            {"$and": [{"role": "ssh"}, {"$neq": {"task": "a"}}]},
                            {"$and": [{"role": "ssa"}, {"$neq": {"task": "b"}}]},
                            {"role": "nurse"},
                        ]
                    },
                ]
            },
        )
    ]


def test_earliest_becomes_a_disjunction_on_the_clock_and_absence_joins_it() -> None:
    rule = _rule(
        all_of(
            gt(AS_OF, earliest(this.until, this.on + days(param("limit")))),
            absent("note", eq(other.about, this.role)),
        )
    )
    compiled = compile_rule(rule, PARAMS, Derived())
    assert compiled is not None
    assert compiled.reads == frozenset({"note"})
    assert compiled.conditions[1:] == [
        (
            "clock",
            {
                "$or": [
                    {"$gt": {"as_of": {"subj": "until"}}},
                    {"$gt": {"as_of": {"$add": {"$l": {"subj": "on"}, "$r": 30}}}},
                ]
            },
        ),
        ("a0$not", {"$and": [{"t": "note"}, {"about": {"subj": "role"}}]}),
    ]


def test_a_computed_left_side_becomes_a_derived_field_of_the_flattened_fact() -> None:
    derived = Derived()
    rule = _rule(gt(magnitude(this.net) * 100, param("limit")))
    compiled = compile_rule(rule, PARAMS, derived)
    assert compiled is not None
    assert compiled.conditions == [("subj", {"$and": [{"t": "thing"}, {"$gt": {"derived_0": 30}}]})]
    flat = flatten(THING, derived, PARAMS)
    assert flat == {
        "t": "thing",
        "on": date(2026, 10, 1).toordinal(),
        "until": 0,
        "net": -12,
        "role": "ssh",
        "flag": False,
        "task": "b",
        "derived_0": 1200,
    }


def test_a_policy_switch_that_is_off_switches_the_rule_off() -> None:
    rule = _rule(all_of(param("on"), eq(this.flag, True)))
    assert compile_rule(rule, {"on": False}, Derived()) is None
    assert compile_rule(rule, {"on": True}, Derived()) is not None


@pytest.mark.parametrize(
    "condition",
    [
        absent("note", eq(other.about, this.role)),  # absence without the clock
        any_of(eq(this.role, "ssh"), gt(AS_OF, this.on)),  # a disjunction over two facts
        not_(absent("note", eq(other.about, this.role))),  # presence
        eq(earliest(this.on, this.until), AS_OF),  # earliest equated
    ],
)
def test_what_durable_cannot_say_is_refused_when_compiled(condition: Any) -> None:
    with pytest.raises(RuleEngineError):
        compile_rule(_rule(condition), PARAMS, Derived())


def test_every_catalogue_rule_compiles_and_only_policy_choices_are_off_by_default() -> None:
    params = dict(Policy())
    switched_on = dict(Policy.build(reassess_after_swaps=3))
    for rule in RULES:
        compiled = compile_rule(rule, params, Derived())
        # FRM-008 is a municipality's choice, off unless its policy sets a number
        assert (compiled is None) == (rule.id == "FRM-008"), rule.id
        assert compile_rule(rule, switched_on, Derived()) is not None, rule.id
        assert rule.parameters <= params.keys(), rule.id
