"""Private: :class:`RuleEngine`, the warm engine for long-running embedders.

It keeps every parsed event of every case (an older event arriving later refolds its case),
the facts of each case and team period, and the findings published; each evaluation re-judges
only what changed since the previous one.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from erantis_domain.asof import AsOf
from erantis_domain.events import DomainEvent, PolicyVersionAdopted, parse_events
from erantis_domain.events.decode import _parse_at
from erantis_rules.engine._derive import CaseFacts, FactSettings, TeamLoad, team_facts
from erantis_rules.engine._history import CaseHistory
from erantis_rules.engine._judge import EvaluatorName, _evaluator, _finding, _order
from erantis_rules.engine._stream import EventInput, _raw
from erantis_rules.engine._verdicts import RememberedVerdicts
from erantis_rules.engine._warm_facts import CaseParts, WarmFacts
from erantis_rules.language._facts import Fact
from erantis_rules.language.model import Finding, Rule
from erantis_rules.policy import Policy

__all__ = ["FindingChanges", "RuleEngine"]

#: The contribution of a case not accounted yet (never mutated).
_NO_LOAD = TeamLoad()


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

    Warm calls stay small: each case is kept as its folded state plus its events as compressed
    JSON lines (refolded only when an older event arrives late), verdicts are remembered per
    subject and asked again only for the facts that changed, a team period is judged again
    only when its totals cross a threshold of its rules, and the findings are kept sorted.
    """

    def __init__(self, policy: Policy | None = None, *, evaluator: EvaluatorName = "auto") -> None:
        self.policy = policy or Policy()
        self._params = dict(self.policy)
        self._facts = WarmFacts(FactSettings.of(self.policy))
        self._evaluator = RememberedVerdicts(_evaluator(self.policy, evaluator), self.policy)
        self._cases: dict[str, CaseHistory] = {}
        self._teams: dict[tuple[str, str], list[DomainEvent]] = {}
        #: Team event ids seen per team, as integers (hashing a UUID runs Python code).
        self._team_ids: set[tuple[str, int]] = set()
        self._as_of: AsOf | None = None
        #: Every finding in the stable order, and the subject of each (for bisection): a
        #: subject's findings are the run of its name in ``_owners``.
        self._sorted: list[Finding] = []
        self._owners: list[str] = []
        #: Per subject, its findings by ``(rule id, fact)``: a match already published is not
        #: rendered again.
        self._rendered: dict[str, dict[tuple[str, Fact], Finding]] = {}
        self._team_facts: dict[tuple[str, str], list[Fact]] = {}
        self._reset()
        self._pending: dict[tuple[str, str, str], tuple[bool, Finding]] = {}

    def _reset(self) -> None:
        """Forget everything derived (a new ``as_of``). Published findings stay, so the next
        evaluation is diffed against them; every team period seen before is judged again."""
        self._folded: dict[str, CaseFacts] = {}
        self._parts: dict[str, CaseParts] = {}
        self._stale_teams = set(self._team_facts)
        self._team_facts = {}
        # Team-period totals over all cases, with how many cases contribute to each key.
        self._granted: dict[tuple[str, str], int] = {}
        self._delivered: dict[tuple[str, str], int] = {}
        self._contributors: dict[tuple[str, str], int] = {}
        self._dirty_cases: set[str] = set(self._cases)
        self._dirty_teams: set[tuple[str, str]] = set(self._teams)

    @property
    def evaluator(self) -> str:
        """Which evaluator judges: ``durable`` or ``reference``."""
        return self._evaluator.name

    def feed(self, events: Iterable[EventInput]) -> int:
        """Add events (validated; already-fed ids are ignored). Returns how many were new.

        Events are taken one by one: an invalid one raises
        :class:`~erantis_domain.errors.InvalidEventError` naming its position in ``events``;
        the events before it are kept (feeding them again changes nothing).
        """
        if isinstance(events, str | bytes) or not isinstance(events, Iterable):
            parse_events(events)  # raises the error that names what was given
        added = 0
        for index, item in enumerate(events):
            event = _parse_at(index, item)
            case_id = event.case_id  # type: ignore[attr-defined]
            if isinstance(event, PolicyVersionAdopted):
                continue  # the municipality's terms, not a team's period
            if case_id is None:  # a team event
                number = (event.team_id, event.event_id.int)  # type: ignore[attr-defined]
                if number in self._team_ids:
                    continue
                self._team_ids.add(number)
                key = (event.team_id, event.period)  # type: ignore[attr-defined]
                self._teams.setdefault(key, []).append(event)
                self._dirty_teams.add(key)
                added += 1
                continue
            case = self._cases.get(case_id)
            if case is None:
                case = self._cases[case_id] = CaseHistory(case_id)
            line = _raw(item, event)
            assert line is not None  # an event always has its own serialization
            if case.add(event, line):
                self._dirty_cases.add(case_id)
                added += 1
        return added

    def _account(
        self, previous: CaseFacts | None, current: CaseFacts, touched: set[tuple[str, str]]
    ) -> None:
        """Move a case's contribution to the team totals from ``previous`` to ``current``,
        marking the team periods whose totals or contributors changed."""
        old = previous.load if previous is not None else _NO_LOAD
        new = current.load
        for totals, before, after in (
            (self._granted, old.granted, new.granted),
            (self._delivered, old.delivered, new.delivered),
        ):
            if before is after:
                continue
            # Only the pairs that differ (a visit changes one period's minutes of a year's
            # dozens), compared in C rather than key by key.
            for key, minutes in after.items() - before.items():
                delta = minutes - before.get(key, 0)
                if delta:
                    totals[key] = totals.get(key, 0) + delta
                    touched.add(key)
            for key, minutes in before.items() - after.items():
                if minutes and key not in after:
                    totals[key] = totals.get(key, 0) - minutes
                    touched.add(key)
        if (
            old.granted.keys() == new.granted.keys()
            and old.delivered.keys() == new.delivered.keys()
        ):
            return  # the same team periods as before
        old_keys = old.granted.keys() | old.delivered.keys()
        new_keys = new.granted.keys() | new.delivered.keys()
        for key in old_keys ^ new_keys:
            self._contributors[key] = self._contributors.get(key, 0) + (
                1 if key in new_keys else -1
            )
            touched.add(key)

    def _publish(self, subject: str, findings: list[Finding]) -> None:
        # A subject's findings sit together in the order (it sorts by subject first): its run
        # is found by bisection and replaced in place instead of sorting every finding again.
        low = bisect_left(self._owners, subject)
        high = bisect_right(self._owners, subject, low)
        old = self._sorted[low:high]
        if old == findings:
            return
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
        self._sorted[low:high] = findings
        self._owners[low:high] = [subject] * len(findings)

    def _judge(self, subjects: list[tuple[str, list[Fact]]], as_of: date) -> None:
        found: dict[str, list[tuple[Rule, Fact]]] = {subject: [] for subject, _ in subjects}
        for subject, rule, fact in self._evaluator.evaluate(subjects, as_of):
            found[subject].append((rule, fact))
        params = self._params
        for subject, matches in found.items():
            before = self._rendered.get(subject, {})
            rendered: dict[tuple[str, Fact], Finding] = {}
            findings: list[Finding] = []
            for rule, fact in matches:
                key = (rule.id, fact)
                finding = before.get(key) or rendered.get(key)
                if finding is None:
                    finding = _finding(subject, rule, fact, params)
                rendered[key] = finding
                findings.append(finding)
            if rendered:
                self._rendered[subject] = rendered
            else:
                self._rendered.pop(subject, None)
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
        changed: list[tuple[str, list[Fact]]] = []
        derive = self._facts.facts
        for case_id in sorted(self._dirty_cases):
            state = self._cases[case_id].state_as_of(when)
            previous = self._folded.get(case_id)
            folded, parts, differ = derive(state, day, previous, self._parts.get(case_id))
            self._account(previous, folded, touched)
            if previous is None:
                self._folded[case_id] = folded
            else:
                # The case's objects updated in place, the new ones dropped at once: every
                # object a call leaves alive waits in the youngest generation, and a young
                # collection walks them all (a visit would leave three per case it touches).
                previous.facts = folded.facts
                previous.frames_of = folded.frames_of
                load, new = previous.load, folded.load
                load.granted = new.granted
                if load.delivered != new.delivered:
                    load.delivered.clear()
                    load.delivered.update(new.delivered)
            self._parts[case_id] = parts
            if differ:
                changed.append((case_id, folded.facts))
        self._judge(changed, day)
        teams: list[tuple[str, list[Fact]]] = []
        for key in sorted(touched):
            label = f"{key[0]}/{key[1]}"
            team_events = self._teams.get(key, ())
            if not self._contributors.get(key) and not team_events:
                self._team_facts.pop(key, None)
                self._evaluator.forget(label)
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

    def findings(self, as_of: date | datetime | AsOf) -> list[Finding]:
        """Every current finding as of a day (or an aware moment), in the stable order."""
        self._refresh(as_of)
        return list(self._sorted)

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
