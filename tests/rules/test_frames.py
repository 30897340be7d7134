"""A case's frame minutes per team period, as the rules' facts count them, are the settlement
ledger's (``citizen_frame``) for every team and month: worked out once per decision, with days
counted in ranges, they must not drift from the one statement of what a frame counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from erantis_domain.case import CitizenCase, fold
from erantis_domain.events import parse_event
from erantis_domain.projections.budget import citizen_frame
from erantis_domain.projections.terms import SettlementTerms
from erantis_domain.testing.synthetic import generate
from erantis_domain.values import period_bounds
from erantis_rules.engine._frames import _frames_by_team_period


def _ledger(state: CitizenCase, until: date, terms: SettlementTerms) -> dict[tuple[str, str], int]:
    """The oracle: ``citizen_frame`` asked for each team of the case and each month from its
    first frame day through ``until``."""
    starts = [d.valid_from for d in state.decisions.values() if d.valid_from is not None]
    starts += [a.on for a in state.adjustment_log]
    out: dict[tuple[str, str], int] = {}
    if not starts or min(starts) > until:
        return out
    teams = {d.team_id for d in state.decisions.values() if d.team_id is not None}
    teams |= {a.team_id for a in state.adjustment_log}
    month = min(starts).replace(day=1)
    while month <= until:
        period = f"{month.year:04d}-{month.month:02d}"
        for team_id in sorted(teams):
            frame = citizen_frame(state, team_id, period, terms)
            if frame is not None:
                out[(team_id, period)] = sum(frame)
        month = period_bounds(period)[1] + timedelta(days=1)
    return out


@pytest.fixture(scope="module")
def states() -> list[CitizenCase]:
    by_case: dict[str, list[object]] = {}
    for raw in generate(citizens=60, start=date(2026, 1, 1), months=12, seed=11):
        event = parse_event(raw)
        case_id = getattr(event, "case_id", None)
        if case_id is not None:
            by_case.setdefault(case_id, []).append(event)
    return [
        fold(case_id, sorted(events, key=lambda e: e.occurred_at))  # type: ignore[attr-defined]
        for case_id, events in by_case.items()
    ]


@pytest.mark.parametrize("pause", [True, False], ids=["paused in stays", "not paused"])
@pytest.mark.parametrize("until", [date(2026, 3, 17), date(2026, 12, 31)])
def test_frames_per_team_period_are_the_ledgers(
    states: list[CitizenCase], pause: bool, until: date
) -> None:
    # given a synthetic year's cases: grants, revisions, care courses, adjustments, stays and
    # closings among them
    assert any(s.admissions for s in states) and any(s.adjustment_log for s in states)
    assert any(s.closed_on for s in states)
    terms = SettlementTerms(pause_during_admission=pause)
    for state in states:
        # when their frames per team period are counted for the facts
        counted = _frames_by_team_period(state, until, terms)
        # then each is what the settlement ledger counts, team by team and month by month
        assert counted == _ledger(state, until, terms), state.case_id
        assert list(counted) == list(_ledger(state, until, terms))


def test_an_adjustment_of_an_unknown_decision_counts_on_the_case_days(
    states: list[CitizenCase],
) -> None:
    # given cases whose adjustments name a decision, or an intervention, the case never had
    terms = SettlementTerms()
    for state in states:
        if not state.adjustment_log:
            continue
        first, *rest = state.adjustment_log
        for changed in (
            first.model_copy(update={"decision_id": "no-such-decision"}),
            first.model_copy(update={"intervention": "X9.99"}),
        ):
            odd = state.model_copy(update={"adjustment_log": (changed, *rest)})
            # then the frames counted for the facts are still the ledger's
            assert _frames_by_team_period(odd, date(2026, 12, 31), terms) == _ledger(
                odd, date(2026, 12, 31), terms
            )
