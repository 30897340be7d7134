"""Properties of single events: JSON round trip and validity against the checked-in schemas."""

from __future__ import annotations

import json

from hypothesis import given

from erantis_domain.events import Event, parse_event
from erantis_domain.testing import History, case_histories, events, team_periods
from erantis_domain.testing.strategies import TeamHistory
from tests.properties._support import validator


@given(events())
def test_every_event_survives_a_json_round_trip(event: Event) -> None:
    # given any valid event, when it goes out as JSON and comes back in
    as_text = parse_event(event.model_dump_json())
    as_dict = parse_event(json.loads(json.dumps(event.model_dump(mode="json"))))
    # then it is the same event, and serializes to the same JSON
    assert as_text == event
    assert as_dict == event
    assert as_text.model_dump(mode="json") == event.model_dump(mode="json")


@given(events())
def test_every_event_is_valid_against_the_schema(event: Event) -> None:
    errors = list(validator().iter_errors(event.model_dump(mode="json")))
    assert errors == [], [e.message for e in errors]


@given(case_histories(), team_periods())
def test_every_history_event_is_valid_against_the_schema(
    history: History, team: TeamHistory
) -> None:
    for event in (*history.all_events, *team.events):
        errors = list(validator().iter_errors(event.model_dump(mode="json")))
        assert errors == [], (event.type, [e.message for e in errors])
