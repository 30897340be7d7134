"""Valid events of every type go in and out as JSON unchanged; questionable practices are facts
and are accepted (the rules judge them, validation does not)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from erantis_domain.events import (
    CASE_EVENT_TYPES,
    EVENT_TYPES,
    TEAM_EVENT_TYPES,
    NursingTaskDelegated,
    PeriodSettled,
    TimeAdjustedByTeam,
    VisitationGranted,
    parse_event,
    parse_events,
)
from erantis_domain.values import Frame, LegalBasis, Role
from tests.factories import DEFAULTS, make

ALL_TYPES = sorted(EVENT_TYPES)


def test_the_factory_covers_exactly_the_catalogue() -> None:
    # given the catalogue of event types, when compared with the factory's defaults,
    # then every type has a valid example and there are 31 of them (26 case, 5 team)
    assert sorted(DEFAULTS) == ALL_TYPES
    assert len(ALL_TYPES) == 31
    assert len(CASE_EVENT_TYPES) == 26
    assert sorted(TEAM_EVENT_TYPES) == [
        "DialogueMeetingHeld",
        "ImprovementTrialRecorded",
        "PeriodSettled",
        "PolicyVersionAdopted",
        "SettlementCorrected",
    ]


@pytest.mark.parametrize("kind", ALL_TYPES)
def test_a_valid_event_round_trips_through_dict_json_and_dump(kind: str) -> None:
    # given a valid event of this type as a JSON-ready dict
    data = make(kind)
    # when it is parsed from the dict, from its JSON text, and dumped back to JSON
    from_dict = parse_event(data)
    from_json = parse_event(json.dumps(data))
    dumped = from_dict.model_dump(mode="json")
    # then both parses give the same event of the right class
    assert type(from_dict) is EVENT_TYPES[kind]
    assert from_dict == from_json
    # and the dump is the input plus the defaults it did not spell out (schema version, and
    # the null case_id of a team event), so JSON in equals JSON out
    expected = {**data, "schema_version": EVENT_TYPES[kind].SCHEMA_VERSION}
    if kind in TEAM_EVENT_TYPES:
        expected["case_id"] = None
    assert dumped == expected
    # and the dump parses again to the same event, from a dict and from bytes
    assert parse_event(dumped) == from_dict
    assert parse_event(json.dumps(dumped).encode()) == from_dict


def test_parsed_values_have_their_domain_types() -> None:
    # given a grant, a delegation and a settlement as JSON
    # when they are parsed
    grant = parse_event(make("VisitationGranted"))
    delegation = parse_event(make("NursingTaskDelegated"))
    settled = parse_event(make("PeriodSettled"))
    # then the fields are typed values, not strings
    assert isinstance(grant, VisitationGranted)
    assert isinstance(grant.event_id, UUID)
    assert grant.occurred_at.utcoffset() is not None
    assert grant.occurred_at.astimezone(UTC) == datetime(2026, 10, 1, 8, tzinfo=UTC)
    assert grant.legal_basis == LegalBasis(act="SEL", paragraph="83", regime="SEL-2024")
    assert grant.frames == (Frame(intervention="H1.1", minutes=180, per="week"),)
    assert grant.valid_from == date(2026, 10, 1)
    assert grant.valid_until is None
    assert isinstance(delegation, NursingTaskDelegated)
    assert delegation.delegate_role is Role.SSA
    assert isinstance(settled, PeriodSettled)
    assert settled.variance_pct == Decimal("-2.0000")
    assert settled.case_id is None


def test_events_are_frozen() -> None:
    # given a parsed event
    grant = parse_event(make("VisitationGranted"))
    # when a field is assigned, then pydantic refuses
    with pytest.raises(ValueError, match="frozen"):
        grant.reasons = "changed"  # type: ignore[misc]


def test_score_9_not_relevant_is_accepted() -> None:
    # given a functional assessment that grades an area 9 (not relevant) and others 0 and 4
    data = make(
        "FunctionalAbilityAssessed",
        scores=[
            {"condition": "J5.1", "score": 9},
            {"condition": "J1", "score": 0},
            {"condition": "J3.8", "score": 4},
        ],
    )
    # when it is parsed, then the grades are kept as given
    assessed = parse_event(data)
    assert [(s.condition, s.score) for s in assessed.scores] == [  # type: ignore[union-attr]
        ("J5.1", 9),
        ("J1", 0),
        ("J3.8", 4),
    ]


def test_nursing_and_rehabilitation_codes_are_interventions_too() -> None:
    # given frames of SEL §83a rehabilitation (H2.x) and SUL §138 nursing (G1.x)
    frames = [
        {"intervention": "H2.4", "minutes": 60, "per": "week"},
        {"intervention": "G1.20", "minutes": 70, "per": "week"},
    ]
    # when a grant with them is parsed, then both are accepted
    grant = parse_event(make("VisitationGranted", frames=frames))
    assert [f.intervention for f in grant.frames] == ["H2.4", "G1.20"]  # type: ignore[union-attr]


# --- questionable practices are facts: accepted and stored, for the rules to judge ----------


def test_a_delegation_by_an_ssh_is_accepted() -> None:
    # given a delegation made by an SSH (a nurse should delegate), to an unverified SSH,
    # as a framework delegation without written instruction
    data = make(
        "NursingTaskDelegated",
        delegator_id="ssh-7",
        delegator_role="ssh",
        delegate_id="ssh-8",
        delegate_role="ssh",
        kind="framework",
        instruction_ref=None,
        competence_verified=False,
        onward_delegation_allowed=True,
    )
    # when it is parsed
    delegated = parse_event(data)
    # then it is a fact as recorded
    assert isinstance(delegated, NursingTaskDelegated)
    assert delegated.delegator_role is Role.SSH
    assert delegated.delegate_role is Role.SSH
    assert delegated.kind == "framework"
    assert delegated.instruction_ref is None
    assert delegated.competence_verified is False


def test_an_adjustment_without_the_citizen_is_accepted() -> None:
    # given a team adjustment the citizen was not involved in, reducing the time
    data = make("TimeAdjustedByTeam", citizen_involved=False, delta_minutes=-45)
    # when it is parsed, then it is accepted as recorded
    adjusted = parse_event(data)
    assert isinstance(adjusted, TimeAdjustedByTeam)
    assert adjusted.citizen_involved is False
    assert adjusted.delta_minutes == -45


def test_a_grant_without_goals_reasons_or_guidance_is_accepted() -> None:
    # given a grant with no goals, empty reasons and no complaint guidance
    data = make("VisitationGranted", goals=[], reasons="", complaint_guidance=False)
    # when it is parsed, then it is accepted as recorded
    grant = parse_event(data)
    assert isinstance(grant, VisitationGranted)
    assert grant.goals == ()
    assert grant.reasons == ""
    assert grant.complaint_guidance is False


def test_a_visit_with_zero_minutes_and_a_grant_valid_one_day_are_accepted() -> None:
    # given the boundary values: a 0-minute visit, a decision valid from and until the same day
    visit = make("VisitDelivered", minutes=0)
    grant = make("VisitationGranted", valid_from="2026-10-01", valid_until="2026-10-01")
    # when parsed, then both are accepted
    assert parse_event(visit).minutes == 0  # type: ignore[union-attr]
    assert parse_event(grant).valid_until == date(2026, 10, 1)  # type: ignore[union-attr]


def test_parse_events_passes_parsed_events_through() -> None:
    # given a mixed batch: a parsed event, a dict and a JSON string
    first = parse_event(make("CaseOpened"))
    second = make("ReferralReceived")
    third = json.dumps(make("CaseClosed"))
    # when the batch is parsed
    out = parse_events([first, second, third])
    # then the order is kept and the parsed event is the same object
    assert out[0] is first
    assert [e.type for e in out] == ["CaseOpened", "ReferralReceived", "CaseClosed"]


@pytest.mark.parametrize("kind", ["VisitationGranted", "VisitationRevised"])
@pytest.mark.parametrize("course_frame", [None, {"minutes": 300, "per": "week"}])
@pytest.mark.parametrize("as_text", [False, True])
def test_an_ael_10_grant_naming_its_care_course_needs_no_frames(
    kind: str, course_frame: dict[str, object] | None, as_text: bool
) -> None:
    # given an ÆL §10 decision that names its care course and has no minutes frames (ÆL §10:
    # the forløb is what is granted), with or without a pooled course frame
    data = make(
        kind,
        legal_basis={"act": "AEL", "paragraph": "10"},
        frames=[],
        care_course="helhedspleje",
        course_frame=course_frame,
    )
    # when it is parsed, from a dict and from its JSON text (the one-pass path)
    grant = parse_event(json.dumps(data) if as_text else data)
    # then it is accepted as it is
    assert grant.frames == ()  # type: ignore[union-attr]
    assert grant.care_course == "helhedspleje"  # type: ignore[union-attr]
