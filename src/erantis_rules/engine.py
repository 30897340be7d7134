"""``check`` and ``RuleEngine``: the catalogue applied to events, as of a day.

Time comes only from the events (``occurred_at``) and from ``as_of``, never from the wall clock:
the same events, policy and ``as_of`` give the same findings, in the same order. Events that
occurred after ``as_of`` are not yet known and are left out.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from operator import attrgetter
from typing import Any, Literal, Protocol

from erantis_domain.asof import AsOf
from erantis_domain.case import CitizenCase, evolve, fold_as_of
from erantis_domain.events import DomainEvent, parse_events
from erantis_rules._facts import CaseFacts, Fact, FactSettings, TeamLoad, team_facts
from erantis_rules._reference import ReferenceEvaluator
from erantis_rules._stream import Workers, resolve_workers, stream_check
from erantis_rules.conditions import Scope, value
from erantis_rules.model import Finding, Rule
from erantis_rules.policy import Policy

__all__ = [
    "EvaluatorName",
    "FindingChanges",
    "RuleEngine",
    "Workers",
    "check",
    "durable_available",
]

EvaluatorName = Literal["auto", "durable", "reference"]
EventInput = DomainEvent | Mapping[str, Any] | str | bytes


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
        from erantis_rules._durable import DurableEvaluator

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


def _order(finding: Finding) -> tuple[str, str, date, tuple[str, ...]]:
    return (finding.subject, finding.rule_id, finding.due or date.min, finding.evidence)


class _Subjects:
    """Events grouped by case and by team period, in arrival order, deduplicated by id."""

    def __init__(self) -> None:
        self.cases: dict[str, list[DomainEvent]] = {}
        self.teams: dict[tuple[str, str], list[DomainEvent]] = {}
        #: Ids seen per case (or team), as integers (hashing a UUID runs Python code).
        self.seen: set[tuple[str, int]] = set()

    def add(
        self, events: Iterable[DomainEvent], arrived: dict[str, list[DomainEvent]]
    ) -> tuple[set[str], set[tuple[str, str]]]:
        cases: set[str] = set()
        teams: set[tuple[str, str]] = set()
        seen = self.seen
        by_case = self.cases
        for event in events:
            case_id = event.case_id  # type: ignore[attr-defined]
            # Ids are unique within a case or team period, as in the store.
            number = (case_id or event.team_id, event.event_id.int)  # type: ignore[attr-defined]
            if number in seen:
                continue
            seen.add(number)
            if case_id is None:  # a team event
                key = (event.team_id, event.period)  # type: ignore[attr-defined]
                self.teams.setdefault(key, []).append(event)
                teams.add(key)
            else:
                group = by_case.get(case_id)
                if group is None:
                    group = by_case[case_id] = []
                group.append(event)
                cases.add(case_id)
                arrived.setdefault(case_id, []).append(event)
        return cases, teams


_OCCURRED = attrgetter("occurred_at")


@dataclass(slots=True)
class _Folded:
    """A case's state as folded so far, and the ``occurred_at`` of the last event in it."""

    state: CitizenCase
    last: datetime | None = None


def _fold(case_id: str, events: list[DomainEvent], as_of: AsOf) -> _Folded:
    """The case as known as of the day, and the ``occurred_at`` of its last known event."""
    last = max((e.occurred_at for e in events if as_of.knows(e)), default=None)
    return _Folded(fold_as_of(case_id, events, as_of), last)


def check(
    events: Iterable[EventInput],
    *,
    as_of: date | datetime | AsOf,
    policy: Policy | None = None,
    evaluator: EvaluatorName = "auto",
    workers: Workers = 1,
) -> list[Finding]:
    """Check any mix of case and team events against the catalogue, as of a day.

    Events may come in any order (they are sorted by ``occurred_at``, ties in the order
    given) and may repeat (by ``event_id``). Returns findings sorted by subject, rule id, due
    date and evidence. ``evaluator`` picks durable-rules (``"auto"`` falls back to the
    reference evaluator, with one warning, where durable-rules does not import).

    ``events`` is read once when in time order (the usual export), keeping per case only its
    folded state; otherwise the case events are partitioned by case into temporary files,
    removed afterwards, and folded one file at a time. Raw JSON lines (``str`` or ``bytes``)
    are the cheapest input. The garbage collector is paused during the work and restored to
    the caller's setting.

    ``workers`` greater than 1 splits the cases over that many spawned processes (``"auto"``:
    the cores available); the findings are the same as with one process, the default, so an
    embedding server never forks unless asked.
    """
    processes = resolve_workers(workers)
    when = AsOf.of(as_of)
    policy = policy or Policy()
    chosen = _evaluator(policy, evaluator)
    try:
        found = stream_check(
            events,
            as_of=when,
            policy=policy,
            evaluator=chosen,
            finding=_finding,
            workers=processes,
            evaluator_name=chosen.name,
        )
    finally:
        chosen.close()
    found.sort(key=_order)
    return found


@dataclass(frozen=True, slots=True)
class FindingChanges:
    """What changed since the previous evaluation of a :class:`RuleEngine`."""

    new: list[Finding]
    resolved: list[Finding]
    findings: list[Finding]


class RuleEngine:
    """Incremental evaluation for long-running embedders.

    ``feed`` new events as they are recorded; ``findings(as_of)`` re-judges only the cases and
    team periods that changed since the last call with the same ``as_of`` (a new ``as_of``
    re-judges everything, since time moves every deadline). ``changes(as_of)`` also says which
    findings are new and which were resolved since the previous ``changes`` call. Feeding all
    events at once or in any split gives the same findings as :func:`check`.
    """

    def __init__(self, policy: Policy | None = None, *, evaluator: EvaluatorName = "auto") -> None:
        self.policy = policy or Policy()
        self._params = dict(self.policy)
        self._settings = FactSettings.of(self.policy)
        self._evaluator = _evaluator(self.policy, evaluator)
        self._subjects = _Subjects()
        self._as_of: AsOf | None = None
        self._found: dict[str, list[Finding]] = {}
        self._team_facts: dict[tuple[str, str], list[Fact]] = {}
        self._reset()
        self._pending: dict[tuple[str, str, str], tuple[bool, Finding]] = {}

    def _reset(self) -> None:
        """Forget everything derived (a new ``as_of``). Published findings stay, so the next
        evaluation is diffed against them; every team period seen before is judged again."""
        self._folded: dict[str, CaseFacts] = {}
        self._folds: dict[str, _Folded] = {}
        self._arrived: dict[str, list[DomainEvent]] = {}
        self._stale_teams = set(self._team_facts)
        self._team_facts = {}
        # Team-period totals over all cases, with how many cases contribute to each key.
        self._granted: dict[tuple[str, str], int] = {}
        self._delivered: dict[tuple[str, str], int] = {}
        self._contributors: dict[tuple[str, str], int] = {}
        self._dirty_cases: set[str] = set(self._subjects.cases)
        self._dirty_teams: set[tuple[str, str]] = set(self._subjects.teams)
        self._result: list[Finding] | None = None

    @property
    def evaluator(self) -> str:
        """Which evaluator judges: ``durable`` or ``reference``."""
        return self._evaluator.name

    def feed(self, events: Iterable[EventInput]) -> int:
        """Add events (validated; already-fed ids are ignored). Returns how many were new."""
        parsed = parse_events(events)
        before = len(self._subjects.seen)
        cases, teams = self._subjects.add(parsed, self._arrived)
        self._dirty_cases |= cases
        self._dirty_teams |= teams
        return len(self._subjects.seen) - before

    def _account(
        self, previous: CaseFacts | None, current: CaseFacts, touched: set[tuple[str, str]]
    ) -> None:
        """Move a case's contribution to the team totals from ``previous`` to ``current``,
        marking the team periods whose totals or contributors changed."""
        old = previous.load if previous is not None else TeamLoad()
        new = current.load
        for totals, before, after in (
            (self._granted, old.granted, new.granted),
            (self._delivered, old.delivered, new.delivered),
        ):
            if before == after:
                continue
            for key in before.keys() | after.keys():
                delta = after.get(key, 0) - before.get(key, 0)
                if delta:
                    totals[key] = totals.get(key, 0) + delta
                    touched.add(key)
        old_keys = old.granted.keys() | old.delivered.keys()
        new_keys = new.granted.keys() | new.delivered.keys()
        for key in old_keys ^ new_keys:
            self._contributors[key] = self._contributors.get(key, 0) + (
                1 if key in new_keys else -1
            )
            touched.add(key)

    def _publish(self, subject: str, findings: list[Finding]) -> None:
        old = self._found.get(subject, [])
        if old == findings:
            return
        self._result = None
        old_keys = {f.key: f for f in old}
        new_keys = {f.key: f for f in findings}
        for key, finding in old_keys.items():
            if key not in new_keys:
                if self._pending.get(key, (False,))[0]:
                    del self._pending[key]
                else:
                    self._pending[key] = (False, finding)
        for key, finding in new_keys.items():
            if key not in old_keys:
                if key in self._pending and not self._pending[key][0]:
                    del self._pending[key]
                else:
                    self._pending[key] = (True, finding)
        if findings:
            self._found[subject] = findings
        else:
            self._found.pop(subject, None)

    def _judge(self, subjects: list[tuple[str, list[Fact]]], as_of: date) -> None:
        found: dict[str, list[Finding]] = {subject: [] for subject, _ in subjects}
        for subject, rule, fact in self._evaluator.evaluate(subjects, as_of):
            found[subject].append(_finding(subject, rule, fact, self._params))
        for subject, findings in found.items():
            findings.sort(key=_order)
            self._publish(subject, findings)

    def _refresh(self, as_of: date | datetime | AsOf) -> None:
        when = AsOf.of(as_of)
        day = when.day
        if when != self._as_of:
            self._as_of = when
            self._reset()
        if not self._dirty_cases and not self._dirty_teams:
            return
        touched: set[tuple[str, str]] = self._dirty_teams | self._stale_teams
        self._stale_teams = set()
        dirty = sorted(self._dirty_cases)
        changed: list[tuple[str, list[Fact]]] = []
        for case_id in dirty:
            folded = self._fold_case(case_id, when)
            previous = self._folded.get(case_id)
            self._account(previous, folded, touched)
            self._folded[case_id] = folded
            if previous is None or previous.facts != folded.facts:
                changed.append((case_id, folded.facts))
        self._arrived = {}
        self._judge(changed, day)
        teams: list[tuple[str, list[Fact]]] = []
        for key in sorted(touched):
            label = f"{key[0]}/{key[1]}"
            team_events = self._subjects.teams.get(key, ())
            if not self._contributors.get(key) and not team_events:
                self._team_facts.pop(key, None)
                self._publish(label, [])
                continue
            facts = team_facts(
                key[0],
                key[1],
                self._granted.get(key, 0),
                self._delivered.get(key, 0),
                [event for event in team_events if when.knows(event)],
            )
            if self._team_facts.get(key) == facts:
                continue
            self._team_facts[key] = facts
            teams.append((label, facts))
        self._judge(teams, day)
        self._dirty_cases.clear()
        self._dirty_teams.clear()

    def _fold_case(self, case_id: str, as_of: AsOf) -> CaseFacts:
        """The case's facts: its fold extended by the events that arrived, when they all come
        after what it has seen; otherwise a fold from scratch."""
        folded = self._folds.get(case_id)
        arrived = sorted(self._arrived.get(case_id, ()), key=_OCCURRED)
        if (
            folded is not None
            and arrived
            and (folded.last is None or arrived[0].occurred_at >= folded.last)
        ):
            for event in arrived:
                if not as_of.knows(event):
                    break
                folded.state = evolve(folded.state, event)
                folded.last = event.occurred_at
        else:
            folded = _fold(case_id, self._subjects.cases[case_id], as_of)
            self._folds[case_id] = folded
        return self._settings.facts(folded.state, as_of.day, self._folded.get(case_id))

    def findings(self, as_of: date | datetime | AsOf) -> list[Finding]:
        """Every current finding as of a day (or an aware moment), in the stable order."""
        self._refresh(as_of)
        if self._result is None:
            result = [f for group in self._found.values() for f in group]
            result.sort(key=_order)
            self._result = result
        return list(self._result)

    def changes(self, as_of: date | datetime | AsOf) -> FindingChanges:
        """Findings as of a day, plus which are new and which were resolved since the
        previous ``changes`` call (the first call reports every finding as new)."""
        current = self.findings(as_of)
        new = sorted((f for is_new, f in self._pending.values() if is_new), key=_order)
        resolved = sorted((f for is_new, f in self._pending.values() if not is_new), key=_order)
        self._pending = {}
        return FindingChanges(new=new, resolved=resolved, findings=current)

    def close(self) -> None:
        """Release the evaluator's resources."""
        self._evaluator.close()

    def __enter__(self) -> RuleEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
