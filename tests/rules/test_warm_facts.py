"""A warm engine's facts derived again only where a case changed, and conditions compiled to
closures: each equal to what it stands in for (``case_facts``, ``holds``), state after state."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from erantis_domain.asof import AsOf
from erantis_domain.events import DomainEvent, parse_event
from erantis_domain.testing import municipalities
from erantis_domain.testing.synthetic import generate
from erantis_rules import Policy
from erantis_rules.catalogue import RULES
from erantis_rules.engine._derive import CaseFacts, FactSettings
from erantis_rules.engine._history import CaseHistory
from erantis_rules.engine._warm_facts import CaseParts, WarmFacts
from erantis_rules.language._compiled import compiled
from erantis_rules.language._facts import Fact
from erantis_rules.language.conditions import Scope, conditions_of, holds
from tests._profiles import budget

SETTINGS = FactSettings.of(Policy())


def _fed(events: list[DomainEvent], as_of: date) -> list[tuple[CaseFacts, bool, CaseFacts]]:
    """Each case's events fed one at a time (in the given order, late ones included): per
    event, the warm facts, whether they were said to change, and ``case_facts``'."""
    warm = WarmFacts(SETTINGS)
    histories: dict[str, CaseHistory] = {}
    folded: dict[str, tuple[CaseFacts, CaseParts]] = {}
    when = AsOf.of(as_of)
    out: list[tuple[CaseFacts, bool, CaseFacts]] = []
    for event in events:
        case_id = event.case_id  # type: ignore[attr-defined]
        if case_id is None:
            continue
        history = histories.setdefault(case_id, CaseHistory(case_id))
        history.add(event, event.model_dump_json().encode())
        state = history.state_as_of(when)
        previous, parts = folded.get(case_id, (None, None))
        facts, parts, changed = warm.facts(state, as_of, previous, parts)
        folded[case_id] = (facts, parts)
        out.append((facts, changed, SETTINGS.facts(state, as_of)))
        if previous is not None:
            assert changed == (previous.facts != facts.facts)
    return out


def _assert_equal(fed: list[tuple[CaseFacts, bool, CaseFacts]]) -> None:
    for warm, _, cold in fed:
        assert warm.facts == cold.facts
        assert warm.load == cold.load


@budget(25)
@given(town=municipalities(n_cases=(1, 3), n_teams=2), data=st.data())
def test_warm_facts_equal_case_facts_event_after_event(town: Any, data: st.DataObject) -> None:
    # given a municipality's case events in time order, a few held back to arrive late
    events = sorted(
        (e for e in town.all_events if e.case_id is not None), key=lambda e: e.occurred_at
    )
    late = data.draw(st.sets(st.integers(0, max(0, len(events) - 1)), max_size=3))
    order = [e for i, e in enumerate(events) if i not in late] + [events[i] for i in late]
    # when each is fed and the case's facts asked after it
    fed = _fed(order, town.as_of)
    # then the warm facts are case_facts', and "changed" says whether they changed
    _assert_equal(fed)


def test_warm_facts_equal_case_facts_over_a_synthetic_quarter() -> None:
    # given four citizens' quarter in time order (visits, uncovered visits, swaps, follow-ups)
    events = sorted(
        (
            parse_event(json.dumps(e))
            for e in generate(citizens=4, start=date(2026, 1, 1), months=3, seed=3)
        ),
        key=lambda e: e.occurred_at,
    )
    # when the case events are fed one at a time
    fed = _fed(events, date(2026, 3, 31))
    # then every step's facts are case_facts', and most visits changed nothing judged
    _assert_equal(fed)
    assert len(fed) > 200
    assert sum(changed for _, changed, _ in fed) < len(fed)


def test_compiled_conditions_hold_where_the_interpreter_says_they_hold() -> None:
    # given the facts of a synthetic quarter and every condition (and part) of the catalogue
    events = sorted(
        (
            parse_event(json.dumps(e))
            for e in generate(citizens=6, start=date(2026, 1, 1), months=3, seed=5)
        ),
        key=lambda e: e.occurred_at,
    )
    as_of = date(2026, 3, 31)
    facts: dict[str, list[Fact]] = {}
    for warm, _, _ in _fed(events, as_of):
        facts[warm.case_id] = warm.facts
    params = dict(Policy())
    checked = 0
    for rule in RULES:
        condition = rule.condition_under(Policy().regimes)
        parts = [(part, compiled(part)) for part in conditions_of(condition)]
        for subject in facts.values():
            related: dict[str, list[Fact]] = {}
            for fact in subject:
                related.setdefault(fact.kind, []).append(fact)
            for fact in related.get(rule.judges, ()):
                for day in (date(2026, 1, 15), as_of, date(2027, 6, 1)):
                    scope = Scope(fact, day, params, related)
                    # then the closure and the interpreter agree on every part
                    for part, closure in parts:
                        if any(
                            getattr(t, "owner", None) == "other"
                            for t in _terms(part)
                            if not _inside_absent(part)
                        ):
                            continue  # a part about ``other``, judged inside its absence
                        assert closure(scope) == holds(part, scope)
                        checked += 1
    assert checked > 1000


def _terms(part: Any) -> list[Any]:
    from erantis_rules.language.conditions import terms_of

    return list(terms_of(part))


def _inside_absent(part: Any) -> bool:
    from erantis_rules.language.conditions import Absent

    return isinstance(part, Absent)
