"""Private: the catalogue evaluated on durable-rules.

Design, from the pitfalls measured on durable-rules 2.0.28 (see NOTES.md):

* Each evaluator owns a :class:`_QuietHost` (a ``durable.engine.Host`` whose two timer threads
  never start: our rules take time from the clock fact, not wall-clock timers) and one ruleset
  with a unique name, so two engines in a process never see each other.
* One subject per ruleset, kept: each case or team period is checked in it (assert its
  facts, collect the matches, retract the facts again, the clock first). Only one subject is
  ever live, so durable's 32-bit sid hash cannot make two cases share state and the
  1,024-subject limit is never reached. Creating and deleting a subject per check (its node
  tables allocated and freed each time) cost more than retracting its facts, measured inside
  a warm engine (p50 about 210 against 170 µs a check); the subject's state is deleted when
  the evaluator closes (or after an error), since a ruleset whose subjects live on is not
  freed.
* Every fact is matched by a catch-all ``seen`` rule whose action never fires (its ``count``
  is more than a subject ever holds): durable refuses a whole batch if one fact matches
  nothing, and running an action per fact would cost a Python callback each. A ``tick`` rule
  runs one action per subject, on its clock fact, because deleting the state of a subject
  where no action ran can crash the process.
* Facts are asserted in tiers: facts whose absence rules test first, subject facts next, the
  clock last. Rules that test absence all join the clock, so they fire only once every fact
  is in place; retracting the clock first, no rule can fire while the rest is retracted (an
  action started then is an error).
* durable's Python layer runs an action per match (and one per subject, for ``tick``) through
  closures, promises and a JSON round trip of the subject's state: about 25 µs each, more than
  its C core takes to judge a small subject. So the evaluator drives the C core itself, the way
  that layer does (assert the batch, start the subject's first action, hand its state back,
  complete it and take the next) and reads each match (rule and fact id) straight from the
  message durable produced: the matches are durable's own, only the Python detour is gone.
  No Python runs inside durable any more, so no exception can be swallowed there; an error
  while reading its results is re-raised as :class:`~erantis_domain.errors.RuleEngineError`.
* Two crashes of durable's C core are designed out (see ``_variants``): a joined condition
  that compares with no earlier fact (its join node evaluates uninitialised memory), and
  nested ``$and``/``$or`` groups in join expressions.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import durable_rules_engine  # type: ignore[import-not-found]
from durable import engine as durable_engine

from erantis_domain.errors import RuleEngineError
from erantis_rules.catalogue import RULES
from erantis_rules.language._compile import Compiled, Derived, compile_rule, flatten
from erantis_rules.language._facts import Fact
from erantis_rules.language.model import Rule
from erantis_rules.policy import Policy

__all__ = ["DurableEvaluator"]

Match = tuple[str, Rule, Fact]

_SID = "subject"
#: More facts than any subject holds.
_NEVER = 1_000_000
#: Facts whose absence some rule tests: asserted before the facts that are judged.
_FIRST = frozenset(kind for rule in RULES for kind in rule.reads)
_names = itertools.count()
#: Ruleset handles of evaluators collected without close(), freed at the next safe point.
_orphans: list[Any] = []
#: durable-rules' C core keeps global tables and is not thread-safe: every call into it, from
#: any evaluator, holds this lock (uncontended, it costs next to nothing).
_LOCK = threading.RLock()


def _reap() -> None:
    while _orphans:
        _free(_orphans.pop())


def _free(handle: int) -> None:
    """Delete a ruleset, its kept subject first (a ruleset with live subjects is not freed)."""
    with contextlib.suppress(Exception):  # no subject was ever made in it
        durable_rules_engine.delete_state(handle, _SID)
    durable_rules_engine.delete_ruleset(handle)


#: The catalogue compiled per policy, by the policy's JSON (a Policy holds dicts: no hash).
_COMPILED: dict[str, tuple[Derived, Mapping[str, Compiled | None]]] = {}
_COMPILED_KEPT = 16


def _compiled(policy: Policy) -> tuple[Derived, Mapping[str, Compiled | None]]:
    """Every rule compiled under one policy; ``None`` for a rule the policy switches off.

    Compiling the catalogue costs about 50 ms, far more than registering it with durable-rules;
    a process that checks one case at a time (a test suite, the service) would pay it on every
    check. The result is only read afterwards, so evaluators under the same terms share it.
    """
    key = policy.model_dump_json()
    if key in _COMPILED:
        return _COMPILED[key]
    params = dict(policy)
    derived = Derived()
    compiled: dict[str, Compiled | None] = {}
    # The order of compiling names the derived fields: keep the evaluator's order, kind by kind.
    for kind in dict.fromkeys(rule.judges for rule in RULES):
        for rule in RULES:
            if rule.judges == kind:
                compiled[rule.id] = compile_rule(rule, params, derived)
    if len(_COMPILED) >= _COMPILED_KEPT:
        del _COMPILED[next(iter(_COMPILED))]
    _COMPILED[key] = (derived, compiled)
    return derived, compiled


class _QuietHost(durable_engine.Host):  # type: ignore[misc]
    """A durable host without its wall-clock dispatch threads."""

    def _run(self) -> None:
        return None


def _conjunctions(expression: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """The expression in disjunctive normal form: a list of alternatives, each a flat list of
    comparisons that must all hold."""
    if "$or" in expression:
        return [alt for part in expression["$or"] for alt in _conjunctions(part)]
    if "$and" in expression:
        alternatives: list[list[dict[str, Any]]] = [[]]
        for part in expression["$and"]:
            alternatives = [left + right for left in alternatives for right in _conjunctions(part)]
        return alternatives
    return [[expression]]


def _refers(expression: Any, aliases: set[str]) -> bool:
    """Whether an expression compares with a field of an earlier condition's fact."""
    if isinstance(expression, dict):
        if len(expression) == 1 and next(iter(expression)) in aliases:
            return True
        return any(_refers(value, aliases) for value in expression.values())
    if isinstance(expression, list):
        return any(_refers(value, aliases) for value in expression)
    return False


def _variants(conditions: list[tuple[str, dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    """A rule's conditions as durable rules without nested ``$and``/``$or``.

    durable-rules 2.0.28 mis-skips a nested group when it short-circuits a join expression
    (``reduceExpressionSequence`` stops at the inner group's end marker and then reads past the
    expression array): the process crashes, depending on what lies in memory there. So each
    condition is flattened into alternatives, and a rule becomes one durable rule per
    combination of alternatives; matches are deduplicated per rule and fact.
    """
    variants: list[list[dict[str, Any]]] = [[]]
    earlier: set[str] = set()
    for alias, expression in conditions:
        # A joined condition that compares with no earlier fact leaves durable's join node
        # without expressions, and durable then evaluates uninitialised memory (a crash).
        if earlier and not _refers(expression, earlier):
            raise RuleEngineError(f"joined condition {alias!r} must compare with an earlier fact")
        earlier.add(alias.split("$")[0])
        options = _conjunctions(expression)
        if alias.endswith("$not") and len(options) > 1:
            raise RuleEngineError(f"an absence condition cannot hold alternatives ({alias})")
        if alias == "clock":
            options = [[{"t": "clock"}, *option] for option in options]
        rendered = [
            {alias: option[0] if len(option) == 1 else {"$and": option}} for option in options
        ]
        variants = [[*done, cond] for done in variants for cond in rendered]
    return variants


class _Ruleset:
    """The rules judging one kind of fact, in a ruleset of their own.

    Small rulesets: one ruleset holding the whole catalogue crashed durable-rules' C core
    intermittently (a segmentation fault in ``assert_facts``); rulesets of the few rules of
    one fact kind did not, over thousands of runs.
    """

    def __init__(self, name: str, kind: str, kinds: frozenset[str], single: bool) -> None:
        self.name = name
        #: The fact kind its rules judge; ``kinds`` adds the kinds they read besides.
        self.kind = kind
        self.kinds = kinds
        #: Every rule judges one fact alone (no clock, no other fact): a fact's verdict then
        #: depends only on its content, so verdicts are remembered and only new facts are
        #: asserted. A long case re-checked after each new visit stays cheap.
        self.single = single
        self.verdicts: dict[tuple[Any, ...], tuple[int, ...]] = {}
        #: durable's handle of the ruleset (its C core's), set once registered.
        self.handle = 0


class DurableEvaluator:
    """Judges each subject's facts with the catalogue's durable conditions."""

    name = "durable"

    def __init__(self, policy: Policy) -> None:
        with _LOCK:
            self._build(policy)

    def _build(self, policy: Policy) -> None:
        _reap()
        self._host = _QuietHost()
        self._prefix = f"erantis_{next(_names)}_{id(self):x}"
        self._matches: list[tuple[int, int]] = []
        self._rules: list[Rule] = []
        #: A durable rule's name (``"DOC-004#3"``: one of a rule's variants) -> the index of
        #: its rule in ``_rules``; names not in it (``seen``, ``tick``) record nothing.
        self._actions: dict[str, int] = {}
        self._rulesets: list[_Ruleset] = []
        self._closed = True
        self._params = dict(policy)
        self._derived, compiled_rules = _compiled(policy)
        by_kind: dict[str, list[Rule]] = {}
        for rule in RULES:
            by_kind.setdefault(rule.judges, []).append(rule)
        definitions: dict[str, Any] = {}
        for kind, rules in by_kind.items():
            definition: dict[str, Any] = {
                # Every fact must match some rule, or durable refuses the whole batch; with a
                # count no subject reaches, this match never costs an action callback.
                "seen": {
                    "all": [{"any_fact": {"$ex": {"t": 1}}}],
                    "count": _NEVER,
                    "run": self._ignore,
                },
                # One action per subject, on its clock: deleting a subject where no action ran
                # can crash durable.
                "tick": {"all": [{"clock": {"t": "clock"}}], "run": self._ignore},
            }
            judged = False
            kinds = {kind}
            single = True
            for rule in rules:
                compiled = compiled_rules[rule.id]
                if compiled is None:
                    continue  # the policy switched the rule off
                index = len(self._rules)
                self._rules.append(rule)
                judged = True
                kinds.update(compiled.reads)
                single = single and len(compiled.conditions) == 1
                for number, variant in enumerate(_variants(compiled.conditions)):
                    name = f"{rule.id}#{number}"
                    # durable wants an action per rule; it is never called (see the module).
                    definition[name] = {"all": variant, "run": self._ignore}
                    self._actions[name] = index
            if judged:
                name = f"{self._prefix}_{kind}"
                definitions[name] = definition
                self._rulesets.append(_Ruleset(name, kind, frozenset(kinds), single))
        try:
            self._host.register_rulesets(definitions)
        except Exception as exc:  # pragma: no cover - a catalogue bug
            raise RuleEngineError(f"durable-rules rejected the rule definitions: {exc}") from exc
        for ruleset in self._rulesets:
            ruleset.handle = self._host.get_ruleset(ruleset.name)._handle
        self._closed = False

    @staticmethod
    def _ignore(c: Any) -> None:
        return None

    def evaluate(self, subjects: Iterable[tuple[str, list[Fact]]], as_of: date) -> list[Match]:
        """Matches ``(subject, rule, fact)`` for every fact that breaks a rule."""
        with _LOCK:
            return self._evaluate(subjects, as_of.toordinal())

    def _evaluate(self, subjects: Iterable[tuple[str, list[Fact]]], as_of: int) -> list[Match]:
        if self._closed:
            raise RuleEngineError("the durable evaluator is closed")
        _reap()
        out: list[Match] = []
        for subject, facts in subjects:
            present = {fact.kind for fact in facts}
            self._matches.clear()
            for ruleset in self._rulesets:
                if ruleset.kind not in present:
                    continue
                if ruleset.single:
                    self._judge_each(ruleset, facts)
                else:
                    self._assert(ruleset, self._batch(facts, as_of, ruleset.kinds))
            seen: set[tuple[int, int]] = set()
            for index, position in self._matches:
                if (index, position) in seen:
                    continue
                seen.add((index, position))
                out.append((subject, self._rules[index], facts[position]))
        return out

    def _assert(self, ruleset: _Ruleset, batch: list[dict[str, Any]]) -> None:
        """Assert a batch (its clock last) into the kept subject, take its matches, retract
        the batch again."""
        handle = ruleset.handle
        try:
            clock = batch[-1]
            if clock.get("t") != "clock":  # pragma: no cover - a bug of ours
                raise RuleEngineError("a batch must end with its clock")
            # One encoding of the facts for both calls: asserted with the clock last, retracted
            # with the clock first (every rule testing an absence joins it, so none can fire
            # while the facts it tests for are retracted).
            facts = json.dumps(batch[:-1], ensure_ascii=False)[1:-1]
            tick = json.dumps(clock, ensure_ascii=False)
            rest = f",{facts}]" if facts else "]"
            self._run(handle, f"[{facts},{tick}]" if facts else f"[{tick}]")
            code, state_offset = durable_rules_engine.retract_facts(handle, f"[{tick}{rest}")
            if code != 0 or (
                durable_rules_engine.start_action_for_state(handle, state_offset) is not None
            ):
                raise RuleEngineError(
                    f"durable-rules did not retract a batch cleanly (code {code})"
                )
        except Exception as exc:
            with contextlib.suppress(Exception):  # the subject may be gone or never made
                durable_rules_engine.delete_state(handle, _SID)
            raise RuleEngineError(
                f"durable-rules failed while checking a subject: {type(exc).__name__}: {exc}"
            ) from exc

    def _run(self, handle: int, batch: str) -> None:
        """The steps of durable's ``Host.assert_facts`` on its C core, minus the Python actions:
        every match is recorded from the message durable serialized for its action."""
        code, state_offset = durable_rules_engine.assert_facts(handle, batch)
        if code != 0:  # not handled, a fact id asserted twice, deferred: a bug of ours
            raise RuleEngineError(f"durable-rules refused the batch (code {code})")
        started = durable_rules_engine.start_action_for_state(handle, state_offset)
        if started is None:
            return
        state, messages = started
        while messages is not None:
            self._record(messages)
            # As durable's own action loop does: the subject's state (unchanged) is handed
            # back before the action is completed and the next one taken.
            durable_rules_engine.update_state(handle, state)
            messages = durable_rules_engine.complete_and_start_action(handle, state_offset)

    def _record(self, messages: str) -> None:
        """Keep the match of one action: ``{rule name: {alias: fact, ...}}``, as durable
        serialized it (the rule's own fact under the alias ``subj``)."""
        name, message = next(iter(json.loads(messages).items()))
        index = self._actions.get(name)
        if index is not None:
            self._matches.append((index, int(message["subj"]["id"])))

    def _judge_each(self, ruleset: _Ruleset, facts: list[Fact]) -> None:
        """Judge facts of single-fact rules: remembered verdicts, and durable for new facts."""
        verdicts = ruleset.verdicts
        pending: dict[int, tuple[Any, ...]] = {}
        flat: dict[int, dict[str, Any]] = {}
        for position, fact in enumerate(facts):
            if fact.kind not in ruleset.kinds:
                continue
            flat[position] = self._flat(fact, position)
            key = tuple(item for item in flat[position].items() if item[0] != "id")
            known = verdicts.get(key)
            if known is None:
                pending[position] = key
            else:
                self._matches.extend((index, position) for index in known)
        if not pending:
            return
        start = len(self._matches)
        batch = [flat[position] for position in pending]
        batch.append(_clock(0))
        self._assert(ruleset, batch)
        found: dict[int, list[int]] = {position: [] for position in pending}
        for index, position in self._matches[start:]:
            found[position].append(index)
        if len(verdicts) > 200_000:
            verdicts.clear()  # bound the memory; verdicts are only a cache
        for position, key in pending.items():
            verdicts[key] = tuple(sorted(set(found[position])))

    def _flat(self, fact: Fact, position: int) -> dict[str, Any]:
        flat = flatten(fact, self._derived, self._params)
        flat["sid"] = _SID
        flat["id"] = str(position)
        return flat

    def _batch(self, facts: list[Fact], as_of: int, kinds: frozenset[str]) -> list[dict[str, Any]]:
        first: list[dict[str, Any]] = []
        rest: list[dict[str, Any]] = []
        for position, fact in enumerate(facts):
            if fact.kind not in kinds:
                continue
            (first if fact.kind in _FIRST else rest).append(self._flat(fact, position))
        first.extend(rest)
        first.append(_clock(as_of))
        return first

    def close(self) -> None:
        """Free the ruleset (every subject's state is already deleted)."""
        with _LOCK:
            self._close()

    def _close(self) -> None:
        if self._closed:
            return
        self._closed = True
        _reap()
        for ruleset in self._rulesets:
            handle = self._host._ruleset_directory.pop(ruleset.name, None)
            if handle is not None:
                _free(handle._handle)
        self._host._ruleset_list.clear()

    def __del__(self) -> None:
        # The garbage collector may run this inside a durable call of another evaluator
        # (an action callback allocates): freeing a ruleset there is unsafe. Hand the
        # handles over to be freed at the next safe point instead.
        if not self._closed:
            self._closed = True
            with contextlib.suppress(Exception):  # interpreter shutdown
                for ruleset in self._rulesets:
                    handle = self._host._ruleset_directory.pop(ruleset.name, None)
                    if handle is not None:
                        _orphans.append(handle._handle)


def _clock(as_of: int) -> dict[str, Any]:
    return {"sid": _SID, "id": "clock", "t": "clock", "as_of": as_of}
