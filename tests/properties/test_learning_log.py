"""The learning log (agreements and improvement trials of a team period) is folded by
``evolve_team`` like everything else: any split of the events gives the same state, and no
agreement's text reaches the state."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from erantis_domain.case import TeamPeriod, evolve_team, fold_team
from erantis_domain.events import DialogueMeetingHeld, Event, ImprovementTrialRecorded
from erantis_domain.testing import events

_LOG = st.lists(
    events(types=["DialogueMeetingHeld", "ImprovementTrialRecorded"]), min_size=1, max_size=8
)


def _one_period(drawn: list[Event]) -> list[Event]:
    first = drawn[0]
    assert isinstance(first, DialogueMeetingHeld | ImprovementTrialRecorded)
    return [e.model_copy(update={"team_id": first.team_id, "period": first.period}) for e in drawn]


@given(_LOG, st.integers(0, 8))
def test_folding_in_pieces_equals_folding_at_once(drawn: list[Event], cut: int) -> None:
    # given a team period's meetings and trials, and a point to split them at
    log = _one_period(drawn)
    key = (log[0].team_id, log[0].period)  # type: ignore[attr-defined]
    # when folded at once, and folded in two pieces
    whole = fold_team(*key, log)
    state = fold_team(*key, log[:cut])
    for event in log[cut:]:
        state = evolve_team(state, event)
    # then the states are equal, every agreement is kept, and each trial has all its steps
    assert state == whole
    meetings = [e for e in log if isinstance(e, DialogueMeetingHeld)]
    assert len(whole.agreements) == sum(len(m.agreements) for m in meetings)
    trials = [e for e in log if isinstance(e, ImprovementTrialRecorded)]
    assert sum(len(steps) for steps in whole.trials.values()) == len(trials)
    # and the state keeps no agreement text (free text stays in the event, encrypted at rest)
    assert all("text" not in type(a).model_fields for a in whole.agreements)
    assert isinstance(whole, TeamPeriod)
