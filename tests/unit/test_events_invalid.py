"""Malformed events are rejected with ``InvalidEventError`` (code ``E-EVENT-INVALID``) whose
message names the field and the bad value — one test per validation rule of the contract."""

from __future__ import annotations

import json
from typing import Any

import pytest

from erantis_domain.errors import ErantisError, InvalidEventError
from erantis_domain.events import parse_event, parse_events
from erantis_domain.values import looks_like_cpr
from tests.factories import DROP, make


def rejected(data: Any) -> InvalidEventError:
    """Parse ``data`` (a dict, or its JSON text when it is a str) expecting a rejection."""
    with pytest.raises(InvalidEventError) as caught:
        parse_event(data)
    error = caught.value
    assert isinstance(error, ErantisError)
    assert error.code == "E-EVENT-INVALID"
    assert str(error).startswith("[E-EVENT-INVALID] invalid event")
    return error


def assert_names(error: InvalidEventError, field: str, shown: str) -> None:
    """The error lists ``field`` with the value rendered as ``shown``, in its message too."""
    assert (field, shown) in [(p.field, p.value) for p in error.problems], error.problems
    assert f"{field}: " in str(error)
    assert f"(got {shown})" in str(error)


# --- wrong types, missing and unknown fields -------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "field", "value", "path"),
    [
        ("VisitDelivered", "minutes", "thirty", "VisitDelivered.minutes"),
        ("VisitDelivered", "delivered_on", "yesterday", "VisitDelivered.delivered_on"),
        (
            "VisitationGranted",
            "complaint_guidance",
            "perhaps",
            "VisitationGranted.complaint_guidance",
        ),
        ("VisitationGranted", "valid_until", "soon", "VisitationGranted.valid_until"),
        ("CaseOpened", "event_id", "not-a-uuid", "CaseOpened.event_id"),
        ("CaseOpened", "team_id", 42, "CaseOpened.team_id"),
        ("ReferralReceived", "source", "neighbour", "ReferralReceived.source"),
        ("NursingTaskDelegated", "kind", "informal", "NursingTaskDelegated.kind"),
        ("FollowUpRecorded", "outcome", "E5", "FollowUpRecorded.outcome"),
        ("PeriodSettled", "period", "2026-13", "PeriodSettled.period"),
        ("PeriodSettled", "band", "middle", "PeriodSettled.band"),
    ],
)
def test_a_wrong_type_or_value_is_rejected(kind: str, field: str, value: Any, path: str) -> None:
    # given a valid event with one field of the wrong type or outside its values
    data = make(kind, **{field: value})
    # when it is parsed, then the error names that field and value
    error = rejected(data)
    assert_names(error, path, repr(value))


def test_a_wrong_role_in_a_nested_field_is_rejected() -> None:
    # given an event recorded by an actor with a role erantis does not know
    data = make("CaseOpened", recorded_by={"actor_id": "x-1", "role": "janitor"})
    # when parsed, then the nested path and the value are named
    assert_names(rejected(data), "CaseOpened.recorded_by.role", "'janitor'")


def test_a_missing_field_is_rejected() -> None:
    # given a closing event without its reason
    data = make("CaseClosed", reason=DROP)
    # when parsed, then the missing field is named
    error = rejected(data)
    assert_names(error, "CaseClosed.reason", "<missing>")
    assert "Field required" in str(error)


def test_a_missing_common_field_is_rejected() -> None:
    # given an event without its event_id (the idempotency key)
    error = rejected(make("CaseOpened", event_id=DROP))
    # then the missing key is named
    assert_names(error, "CaseOpened.event_id", "<missing>")


def test_an_unknown_field_is_rejected() -> None:
    # given an event with a field the contract does not have
    data = make("CaseClosed", colour="blue")
    # when parsed, then the unknown field is reported, but neither its name nor its content
    # (an unknown field may be named by, or hold, personal data): only the content's shape
    error = rejected(data)
    assert_names(error, "CaseClosed.<unknown field>", "<text of 4 characters>")
    assert "Extra inputs are not permitted" in str(error)
    assert "blue" not in str(error) and "colour" not in str(error)


def test_a_case_id_on_a_team_event_is_rejected() -> None:
    # given a team event that carries a case id (team events are keyed by team and period)
    error = rejected(make("PeriodSettled", case_id="case-1"))
    # then the field and value are named
    assert_names(error, "PeriodSettled.case_id", "'case-1'")


def test_free_text_is_never_repeated_in_an_error() -> None:
    # given free text that is too long, and one in a misspelled field
    name = "Jens Hansen, demens, bor alene "
    too_long = rejected(make("ReferralReceived", reason=name * 200))
    misspelled = rejected(make("CaseClosed", reasons=name))
    # then neither error repeats it
    assert "Jens" not in str(too_long) and "Jens" not in str(misspelled)
    assert "ReferralReceived.reason" in str(too_long)


# --- time ------------------------------------------------------------------------------------


def test_a_naive_datetime_is_rejected() -> None:
    # given an occurred_at without a timezone
    data = make("CaseOpened", occurred_at="2026-10-01T10:00:00")
    # when parsed (as a dict and as JSON), then the field and the value are named
    for source in (data, json.dumps(data)):
        error = rejected(source)
        assert_names(error, "CaseOpened.occurred_at", "'2026-10-01T10:00:00'")
        assert "timezone" in str(error)


def test_valid_until_before_valid_from_is_rejected() -> None:
    # given a grant that ends before it starts
    data = make("VisitationGranted", valid_from="2026-10-01", valid_until="2026-09-30")
    # when parsed, then valid_until is named with its value and the date it precedes
    error = rejected(data)
    assert_names(error, "VisitationGranted.valid_until", "'2026-09-30'")
    assert "is before valid_from 2026-10-01" in str(error)


def test_a_revision_valid_until_before_valid_from_is_rejected() -> None:
    # given a revision with the same mistake, then the same rule applies
    data = make("VisitationRevised", valid_from="2027-01-01", valid_until="2026-12-31")
    assert_names(rejected(data), "VisitationRevised.valid_until", "'2026-12-31'")


# --- CPR numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize("cpr", ["010190-1234", "0101901234", "311299-4321"])
def test_a_cpr_like_case_id_is_rejected_and_not_repeated(cpr: str) -> None:
    # given a case id shaped like a CPR number, with and without the dash
    data = make("CaseOpened", case_id=cpr)
    # when parsed (as a dict and as JSON)
    for source in (data, json.dumps(data)):
        error = rejected(source)
        # then the field is named, the value withheld, and the number appears nowhere
        assert_names(error, "CaseOpened.case_id", "<withheld>")
        assert "CPR" in str(error)
        assert cpr not in str(error)
        assert cpr not in repr(error.problems)
        assert cpr.replace("-", "") not in str(error)


def test_a_cpr_number_does_not_leak_through_another_error() -> None:
    # given an event with a CPR-like case id that also misses a field: the missing-field error
    # carries the whole object, case id first
    data = {"case_id": "0101901234", **make("CaseClosed", reason=DROP, case_id=DROP)}
    # when parsed
    error = rejected(data)
    # then neither error renders the number
    assert "0101901234" not in str(error)
    assert "0101901234" not in repr(error.problems)
    assert_names(error, "CaseClosed.case_id", "<withheld>")
    assert_names(error, "CaseClosed.reason", "<missing>")


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        ("VisitDelivered", "carer_id"),
        ("NursingTaskDelegated", "delegate_id"),
        ("DialogueMeetingHeld", "team_id"),
    ],
)
def test_a_cpr_like_identifier_in_other_fields_is_rejected(kind: str, field: str) -> None:
    # given a CPR-like value in another identifier field
    error = rejected(make(kind, **{field: "citizen-0101901234"}))
    # then the field is named and the value withheld
    assert_names(error, f"{kind}.{field}", "<withheld>")
    assert "0101901234" not in str(error)


def test_a_cpr_like_actor_id_is_rejected() -> None:
    error = rejected(make("CaseOpened", recorded_by={"actor_id": "2512481234", "role": "ssh"}))
    assert_names(error, "CaseOpened.recorded_by.actor_id", "<withheld>")
    assert "2512481234" not in str(error)


# --- the discriminator -----------------------------------------------------------------------


def test_an_unknown_type_is_rejected() -> None:
    # given an event type the catalogue does not have
    error = rejected(make("CaseOpened", type="VisitCancelled"))
    # then the field "type" and the bad value are named
    assert_names(error, "type", "'VisitCancelled'")
    assert "not a known event type" in str(error)


def test_a_missing_type_is_rejected() -> None:
    error = rejected(make("CaseOpened", type=DROP))
    assert [p.field for p in error.problems] == ["type"]
    assert "not a known event type" in str(error)


# --- minutes -----------------------------------------------------------------------------------


def test_negative_visit_minutes_are_rejected() -> None:
    # given a visit of -5 minutes
    error = rejected(make("VisitDelivered", minutes=-5))
    # then the minutes and the value are named
    assert_names(error, "VisitDelivered.minutes", "-5")
    assert "greater than or equal to 0" in str(error)


def test_negative_frame_minutes_are_rejected() -> None:
    # given a grant whose second frame has -60 minutes
    frames = [
        {"intervention": "H1.1", "minutes": 180, "per": "week"},
        {"intervention": "H1.8", "minutes": -60, "per": "week"},
    ]
    error = rejected(make("VisitationGranted", frames=frames))
    # then the path goes down to that frame's minutes
    assert_names(error, "VisitationGranted.frames.1.minutes", "-60")


def test_negative_frame_minutes_of_a_revision_are_rejected() -> None:
    frames = [{"intervention": "H1.1", "minutes": -1, "per": "month"}]
    error = rejected(make("VisitationRevised", frames=frames))
    assert_names(error, "VisitationRevised.frames.0.minutes", "-1")


_AEL10 = {"act": "AEL", "paragraph": "10", "regime": "AEL-2025"}


@pytest.mark.parametrize("kind", ["VisitationGranted", "VisitationRevised"])
def test_a_grant_without_frames_is_rejected_at_frames(kind: str) -> None:
    # given a SEL §83 decision with no frames
    error = rejected(make(kind, frames=[]))
    # then frames is named, with the usual length message
    assert_names(error, f"{kind}.frames", "[]")
    assert "at least 1 item" in str(error)


@pytest.mark.parametrize("kind", ["VisitationGranted", "VisitationRevised"])
def test_an_ael_10_grant_without_frames_must_name_its_care_course(kind: str) -> None:
    # given an ÆL §10 decision with no frames and no care course named
    error = rejected(make(kind, legal_basis=_AEL10, frames=[]))
    # then frames is named and the message says what would make it valid
    (problem,) = [p for p in error.problems if p.field == f"{kind}.frames"]
    assert "must name its care course (care_course)" in problem.problem


# --- FSIII codes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "overrides", "path", "value"),
    [
        ("VisitDelivered", {"intervention": "H9.99"}, "VisitDelivered.intervention", "H9.99"),
        ("TimeAdjustedByTeam", {"intervention": "X1"}, "TimeAdjustedByTeam.intervention", "X1"),
        ("NursingTaskDelegated", {"task": "G1.999"}, "NursingTaskDelegated.task", "G1.999"),
        (
            "FunctionalAbilityAssessed",
            {"scores": [{"condition": "J9", "score": 1}]},
            "FunctionalAbilityAssessed.scores.0.condition",
            "J9",
        ),
        (
            "HealthConditionAssessed",
            {"conditions": [{"condition": "I13", "has_problem": True}]},
            "HealthConditionAssessed.conditions.0.condition",
            "I13",
        ),
    ],
)
def test_an_unknown_fsiii_code_is_rejected(
    kind: str, overrides: dict[str, Any], path: str, value: str
) -> None:
    # given a code that is not in the FSIII code list
    error = rejected(make(kind, **overrides))
    # then the field and the code are named
    assert_names(error, path, repr(value))
    assert "is not a known FSIII" in str(error)


@pytest.mark.parametrize(
    ("kind", "overrides", "path", "value", "family"),
    [
        # a functional condition (J) where an intervention (H or G) belongs
        (
            "VisitDelivered",
            {"intervention": "J1.1"},
            "VisitDelivered.intervention",
            "J1.1",
            "H or G",
        ),
        (
            "VisitationGranted",
            {"frames": [{"intervention": "J1.1", "minutes": 30, "per": "week"}]},
            "VisitationGranted.frames.0.intervention",
            "J1.1",
            "H or G",
        ),
        # a home-care intervention (H) as a nursing task (G)
        ("NursingTaskDelegated", {"task": "H1.1"}, "NursingTaskDelegated.task", "H1.1", "(G)"),
        # a nursing condition (I) as a functional condition (J)
        (
            "FunctionalAbilityAssessed",
            {"scores": [{"condition": "I4.4", "score": 1}]},
            "FunctionalAbilityAssessed.scores.0.condition",
            "I4.4",
            "(J)",
        ),
        # a functional condition (J) as a nursing condition (I)
        (
            "HealthConditionAssessed",
            {"conditions": [{"condition": "J1", "has_problem": False}]},
            "HealthConditionAssessed.conditions.0.condition",
            "J1",
            "(I)",
        ),
        # a follow-up outcome code (E) as an intervention
        ("VisitDelivered", {"intervention": "E1"}, "VisitDelivered.intervention", "E1", "H or G"),
    ],
)
def test_a_code_of_the_wrong_family_is_rejected(
    kind: str, overrides: dict[str, Any], path: str, value: str, family: str
) -> None:
    # given a real FSIII code used where another family belongs
    error = rejected(make(kind, **overrides))
    # then the field, the code and the expected family are named
    assert_names(error, path, repr(value))
    assert family in str(error)


# --- functional scores -------------------------------------------------------------------------


@pytest.mark.parametrize("score", [5, -1, 8, 10])
def test_a_score_outside_0_to_4_or_9_is_rejected(score: int) -> None:
    # given a functional grade that is neither 0-4 nor 9
    scores = [{"condition": "J1.1", "score": 2}, {"condition": "J2", "score": score}]
    error = rejected(make("FunctionalAbilityAssessed", scores=scores))
    # then the second entry's score is named with its value
    assert_names(error, "FunctionalAbilityAssessed.scores.1.score", repr(score))
    assert "must be 0-4, or 9" in str(error)


def test_an_assessment_without_scores_is_rejected() -> None:
    error = rejected(make("FunctionalAbilityAssessed", scores=[]))
    assert_names(error, "FunctionalAbilityAssessed.scores", "[]")


# --- versions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "version"), [("VisitationGranted", 3), ("CaseClosed", 2)])
def test_a_schema_version_from_the_future_is_rejected(kind: str, version: int) -> None:
    # given an event written by a newer erantis than this one
    data = make(kind, schema_version=version)
    # when parsed (as a dict and as JSON), then schema_version and the value are named
    for source in (data, json.dumps(data)):
        error = rejected(source)
        assert_names(error, f"{kind}.schema_version", repr(version))
        assert "this schema_version is not supported" in str(error)


# --- not an event at all -----------------------------------------------------------------------


def test_text_that_is_not_json_is_rejected() -> None:
    error = rejected('{"type": "CaseOpened", ')
    assert "not a JSON document" in str(error)
    assert [p.field for p in error.problems] == ["<event>"]


def test_json_that_is_not_an_object_is_rejected() -> None:
    error = rejected("[1, 2]")
    assert "expected a JSON object, got list" in str(error)


def test_a_batch_names_the_position_of_the_bad_event() -> None:
    # given a batch whose third event has negative minutes
    batch = [make("CaseOpened"), make("VisitDelivered"), make("VisitDelivered", minutes=-3)]
    # when parsed as a batch
    with pytest.raises(InvalidEventError) as caught:
        parse_events(batch)
    # then the message gives the index and the field
    assert "invalid event at index 2" in str(caught.value)
    assert "VisitDelivered.minutes" in str(caught.value)


# --- the strict contract ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        ("VisitDelivered", "minutes", True),
        ("VisitDelivered", "minutes", "30"),
        ("VisitDelivered", "minutes", 30.0),
        ("VisitationGranted", "complaint_guidance", "yes"),
        ("VisitationGranted", "complaint_guidance", 1),
        ("CaseOpened", "schema_version", True),
        ("VisitationGranted", "schema_version", True),
        ("CaseOpened", "occurred_at", 1_700_000_000),
        ("CaseOpened", "occurred_at", "1700000000"),
        ("VisitDelivered", "delivered_on", "20261002"),
    ],
)
def test_no_value_is_coerced_between_json_types(kind: str, field: str, value: Any) -> None:
    # given a value of another JSON type than the field's (a lax parser would coerce it)
    data = make(kind, **{field: value})
    # when parsed, as a mapping and as JSON text, then it is refused at that field
    for source in (data, json.dumps(data)):
        error = rejected(source)
        assert [p.field for p in error.problems] == [f"{kind}.{field}"]


def test_a_duplicate_field_name_is_refused_without_echoing_an_unknown_name() -> None:
    # given JSON text with minutes twice, and another with a CPR-like name twice
    body = json.dumps(make("VisitDelivered"))[1:-1]
    twice = f'{{"minutes": 999, {body}}}'
    cpr_twice = f'{{"0101701234": 1, {body}, "0101701234": 2}}'
    # when parsed, then both are refused; the known name is named, the other withheld
    assert "field minutes appears more than once" in str(rejected(twice))
    error = rejected(cpr_twice)
    assert "<unknown field> appears more than once" in str(error)
    assert "0101701234" not in str(error)


def test_deep_nesting_is_a_coded_error_not_a_recursion_error() -> None:
    for text in ("[" * 3000, '{"a":' * 3000 + "1" + "}" * 3000):
        assert "nested deeper than" in str(rejected(text))


def test_an_unknown_field_named_like_a_cpr_number_is_not_echoed_at_any_depth() -> None:
    # given unknown fields named by a CPR number, at the top and nested
    data = make("CaseClosed")
    data["010170-1234"] = "x"
    data["recorded_by"] = {**data["recorded_by"], "0101701234": 1}
    # when parsed, then both are reported as unknown, neither name is shown
    error = rejected(data)
    assert sorted(p.field for p in error.problems) == [
        "CaseClosed.<unknown field>",
        "CaseClosed.recorded_by.<unknown field>",
    ]
    assert "1234" not in str(error)


@pytest.mark.parametrize(
    "value",
    [
        "0101701234",
        "010170-1234",
        "010170 1234",
        "010170\u00a01234",
        "01.01.70-1234",
        "010170\u20131234",
        "01/01/70 1234",
        "\u0660\u0661\u0660\u0661\u0667\u0660\u0661\u0662\u0663\u0664",
        "\uff10\uff11\uff10\uff11\uff17\uff10\uff11\uff12\uff13\uff14",
        "010170\u200b1234",
        "borger-311299-9876",
    ],
)
def test_one_detector_knows_every_cpr_form(value: str) -> None:
    # given a CPR number written with a separator or in another script, as an identifier
    assert looks_like_cpr(value)
    # when it is a case id, then it is refused and withheld
    error = rejected(make("CaseOpened", case_id=value))
    assert_names(error, "CaseOpened.case_id", "<withheld>")
    assert value not in str(error)


@pytest.mark.parametrize(
    "value", ["case-0001", "visit-2026-01-01-0001", "team-nord", "d-1", "311399-1234"]
)
def test_ordinary_identifiers_are_not_taken_for_cpr_numbers(value: str) -> None:
    assert not looks_like_cpr(value)


@pytest.mark.parametrize(
    "value",
    ["a\x00b", "team\u202e1", "team\u200b1", "team-1\n", "te\u0430m", "team 1", "\ufeffteam"],
    ids=["nul", "bidi", "zero-width", "newline", "cyrillic", "space", "bom"],
)
def test_an_identifier_outside_printable_ascii_is_refused(value: str) -> None:
    error = rejected(make("VisitDelivered", carer_id=value))
    assert [p.field for p in error.problems] == ["VisitDelivered.carer_id"]


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        ("VisitDelivered", "delivered_on", "0001-01-01"),
        ("VisitDelivered", "delivered_on", "9999-12-31"),
        ("CaseOpened", "occurred_at", "0001-01-01T10:00:00+00:00"),
        ("DialogueMeetingHeld", "period", "0000-01"),
        ("DialogueMeetingHeld", "period", "\u0662\u0660\u0662\u0666-\u0660\u0661"),
        ("DialogueMeetingHeld", "period", "2026-01\n"),
    ],
)
def test_dates_and_periods_outside_the_sane_range_are_refused(
    kind: str, field: str, value: str
) -> None:
    error = rejected(make(kind, **{field: value}))
    assert [p.field for p in error.problems] == [f"{kind}.{field}"]


def test_error_messages_are_bounded_whatever_the_input() -> None:
    # given an event with a 100,000-character unknown field name and ten bad fields
    data = make("VisitDelivered", minutes="x" * 100_000, carer_id="y" * 100_000)
    data["n" * 100_000] = 1
    # when parsed (as a mapping: the text form is refused by its size first)
    error = rejected(data)
    # then the message stays short
    assert len(str(error)) < 2_000


def test_non_utf8_bytes_are_a_coded_error() -> None:
    assert "not UTF-8" in str(rejected(b'{"type": "CaseClosed", "reason": "\xe6"}'))
