"""The one-pass path of ``parse_event``: what it vouches for, the strict decoder accepts, with the
same result; what it cannot vouch for (a name given twice, anything CPR-shaped, an escape) it
leaves to the strict decoder, whose errors are unchanged; and it calls no Python validator."""

from __future__ import annotations

import json
import sys
from types import FrameType
from typing import Any
from uuid import uuid4

import pytest

from erantis_domain.errors import InvalidEventError
from erantis_domain.events import EVENT_TYPES, parse_event
from erantis_domain.events._fast import _ReadAsIs, _SameObject
from erantis_domain.events.decode import _FAST, _parse_stored, _parse_strict
from tests.factories import make

#: The common events of a year: each must take the one-pass path as the factories write them.
COMMON = ["VisitDelivered", "FollowUpRecorded", "CaseOpened", "HelpSwapped", "VisitDeclined"]
#: Decisions and settlements: validators that see an object before it is read (a legal basis),
#: check a list of models or the whole event, decimals, integers without bounds. They take the
#: one-pass path too, at their current schema version.
GUARDED = [
    "VisitationRevised",
    "VisitationRejected",
    "RehabilitationCourseStarted",
    "PeriodSettled",
    "SettlementCorrected",
]


def _forms(data: dict[str, Any]) -> list[str | bytes]:
    compact = json.dumps(data, separators=(",", ":"))
    spaced = json.dumps(data)
    return [compact, spaced, compact.encode(), spaced + "\n", (compact + "\n").encode()]


@pytest.mark.parametrize("kind", sorted(EVENT_TYPES))
def test_what_the_one_pass_path_vouches_for_equals_the_strict_result(kind: str) -> None:
    # given a valid event of each type, as compact and spaced JSON text and bytes
    for form in _forms(make(kind)):
        # when both paths parse it
        fast = _FAST.parse(form)
        strict = _parse_strict(form)
        # then the one-pass path either leaves it, or gives the very same event
        if fast is not None:
            assert fast == strict
            assert fast.model_dump_json() == strict.model_dump_json()
            assert type(fast) is type(strict)


@pytest.mark.parametrize("kind", COMMON)
def test_the_common_events_take_the_one_pass_path(kind: str) -> None:
    for form in _forms(make(kind)):
        assert _FAST.parse(form) is not None, form


@pytest.mark.parametrize("kind", GUARDED)
def test_decisions_and_settlements_take_the_one_pass_path_alike(kind: str) -> None:
    for form in _forms(make(kind)):
        fast = _FAST.parse(form)
        assert fast is not None, form
        assert fast.model_dump_json() == _parse_strict(form).model_dump_json()


def test_a_grant_of_the_current_version_takes_the_one_pass_path() -> None:
    # given a grant of schema version 2 whose legal basis the normaliser rewrites in place
    # (a known act's name, a paragraph with its sign): the same names, other values
    basis = {"act": "Ældreloven", "paragraph": "§ 10", "regime": "AEL-2025"}
    text = json.dumps(make("VisitationGranted", schema_version=2, legal_basis=basis))
    # then the one-pass path gives what the strict decoder gives
    fast = _FAST.parse(text)
    assert fast is not None
    assert fast == _parse_strict(text)
    assert (fast.legal_basis.act, fast.legal_basis.paragraph) == ("AEL", "10")  # type: ignore[attr-defined]


def test_a_legal_basis_the_normaliser_adds_names_to_is_left_to_the_strict_decoder() -> None:
    # given a grant whose paragraph carries its stk. (the normaliser adds a name, "stk")
    basis = {"act": "SEL", "paragraph": "83, stk. 1"}
    text = json.dumps(make("VisitationGranted", schema_version=2, legal_basis=basis))
    # then the one-pass path leaves it (its names would no longer count those of the line), and
    # the strict decoder reads it
    assert _FAST.parse(text) is None
    assert parse_event(text).legal_basis.stk == "1"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        (
            "VisitationRevised",
            "frames",
            [{"intervention": "H1.1", "minutes": 10**20, "per": "week"}],
        ),
        ("PeriodSettled", "granted_minutes", 10**20),
        ("PeriodSettled", "variance_pct", 1.5),
        ("PeriodSettled", "variance_pct", "1E+2"),
        ("PeriodSettled", "incentive_amount", " 10.00"),
        ("SettlementCorrected", "caused_by", [str(uuid4()) for _ in range(65)]),
    ],
)
def test_numbers_and_lists_beyond_the_strict_bounds_are_left_to_it(
    kind: str, field: str, value: Any
) -> None:
    # given a number of 21 digits, a decimal written as a JSON number or in another form than
    # plain digits, a list of 65 items: what the strict decoder judges on its own
    text = json.dumps(make(kind, **{field: value}))
    # then the one-pass path leaves it, and the strict decoder's verdict stands as before
    assert _FAST.parse(text) is None
    try:
        strict: object = _parse_strict(text)
    except InvalidEventError as exc:
        strict = exc.message
    try:
        judged: object = parse_event(text)
    except InvalidEventError as exc:
        judged = exc.message
    assert judged == strict


@pytest.mark.parametrize("kind", COMMON)
def test_a_name_given_twice_is_seen_by_its_quotes_whatever_the_spacing(kind: str) -> None:
    # given an event without escapes, written compact or spaced, with a name given twice:
    # a text, a number, an object (the nested names then count too)
    data = make(kind)
    for separators in ((",", ":"), (", ", ": "), (" , ", " : ")):
        text = json.dumps(data, separators=separators, ensure_ascii=False)
        assert "\\" not in text
        assert _FAST.parse(text) is not None, text
        colon = separators[1]
        for twice in (
            f'"case_id"{colon}"case-9"',
            f'"case_id"{colon}1',
            f'"recorded_by"{colon}{{}}',
        ):
            line = "{" + twice + separators[0] + text[1:]
            # then the one-pass path leaves each to the strict decoder, whose error stands
            assert _FAST.parse(line) is None, line
            with pytest.raises(InvalidEventError, match="appears more than once"):
                parse_event(line)


def test_a_validator_that_replaces_what_it_checks_hands_the_line_over() -> None:
    # given the guards the one-pass path puts around validators it cannot bound
    same = _SameObject(lambda value: dict(value))
    as_is = _ReadAsIs(lambda value: {**value, "stk": "1"}, of_object=True)
    scalar = _ReadAsIs(lambda value: value, of_object=False)
    # then a replaced object, an added name, a float or a long integer is refused
    for guard, value in ((same, {}), (as_is, {"act": "SEL"}), (scalar, 1.5), (scalar, 10**20)):
        with pytest.raises(ValueError, match="handed over"):
            guard(value)
    # and what they pass through is what the validator returned
    assert _ReadAsIs(lambda value: {**value}, of_object=True)({"a": 1}) == {"a": 1}
    assert scalar(10**20 - 1) == 10**20 - 1


def test_a_name_given_twice_is_left_to_the_strict_decoder() -> None:
    # given a visit whose minutes appear twice, compact, and another with a nested name twice
    body = json.dumps(make("VisitDelivered"), separators=(",", ":"))[1:-1]
    twice = f'{{"minutes":999,{body}}}'
    nested = body.replace('"role":"', '"role":"nurse","role":"', 1)
    assert nested != body
    for text in (twice, "{" + nested + "}"):
        # when parsed, then the one-pass path does not vouch, and the strict error stands
        assert _FAST.parse(text) is None
        with pytest.raises(InvalidEventError, match="appears more than once"):
            parse_event(text)


@pytest.mark.parametrize(
    "value",
    [
        "case-0101701234",
        "case-01.01.70-1234",
        "010170_1234",
        "x0101:70+1234",
        "a1b2c3d4e5f6g7h8i9j0k1234567890",
    ],
)
def test_an_identifier_with_ten_digits_in_a_run_is_never_vouched_for(value: str) -> None:
    # given a case id with a long run of digits and separators (CPR-shaped or merely close)
    text = json.dumps(make("CaseOpened", case_id=value))
    # then the one-pass path leaves it to the strict decoder
    assert _FAST.parse(text) is None


def test_a_cpr_like_identifier_is_refused_and_withheld_as_before() -> None:
    text = json.dumps(make("VisitDelivered", carer_id="carer-0101701234"))
    with pytest.raises(InvalidEventError) as caught:
        parse_event(text)
    assert "0101701234" not in str(caught.value)
    assert [(p.field, p.value) for p in caught.value.problems] == [
        ("VisitDelivered.carer_id", "<withheld>")
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("delivered_on", "1899-12-31"),
        ("delivered_on", "2200-01-01"),
        ("delivered_on", "20261002"),
        ("delivered_on", "2026-02-30"),
        ("occurred_at", "2026-10-02T10:00:00"),
        ("occurred_at", "1899-12-31T23:00:00-01:00"),
        ("occurred_at", "2026-10-02T24:00:00+01:00"),
        ("occurred_at", "2026-10-02T10:00:00+24:00"),
        ("minutes", True),
        ("minutes", 30.0),
        ("intervention", "H9.99"),
        ("schema_version", 2),
    ],
)
def test_what_the_strict_decoder_refuses_the_one_pass_path_refuses(field: str, value: Any) -> None:
    text = json.dumps(make("VisitDelivered", **{field: value}))
    assert _FAST.parse(text) is None
    with pytest.raises(InvalidEventError):
        parse_event(text)


@pytest.mark.parametrize(
    "text",
    [
        '"case-\\u0030101701234"',
        '"case-\\ud800"',
        '"case-\\\\0101701234"',
        '"case-1\\u00a0"',
    ],
)
def test_an_escape_hides_nothing_from_the_one_pass_path(text: str) -> None:
    # given a case id written with escapes: a digit, a lone surrogate, a backslash, a space
    line = json.dumps(make("CaseOpened", case_id="@")).replace('"@"', text)
    # then the one-pass path leaves it, and the strict decoder refuses it
    assert _FAST.parse(line) is None
    with pytest.raises(InvalidEventError):
        parse_event(line)


def test_escaped_free_text_takes_the_one_pass_path() -> None:
    # given a follow-up whose note is Danish, written with \u escapes (json.dumps' default)
    line = json.dumps(make("FollowUpRecorded", note='Fortsætter "som aftalt"'))
    assert "\\u00e6" in line
    # then the one-pass path gives what the strict decoder gives
    assert _FAST.parse(line) is not None
    assert _FAST.parse(line) == _parse_strict(line)
    # but an escaped quote before a colon counts as a name: left to the strict decoder
    odd = json.dumps(make("FollowUpRecorded", note='"aftalt": ja'))
    assert _FAST.parse(odd) is None
    assert parse_event(odd) == _parse_strict(odd)


def test_an_event_to_upcast_is_left_to_the_strict_decoder() -> None:
    # given a dialogue meeting of schema version 1 (agreements as plain text)
    data = make("DialogueMeetingHeld", schema_version=1, agreements=["Flere besøg om morgenen"])
    text = json.dumps(data)
    # then the one-pass path leaves it, and the strict decoder upcasts it
    assert _FAST.parse(text) is None
    assert parse_event(text).schema_version == 2  # type: ignore[union-attr]


def test_the_one_pass_path_calls_no_python_for_a_visit() -> None:
    # given a visit line
    text = json.dumps(make("VisitDelivered"), separators=(",", ":"))
    calls: list[str] = []

    def profile(frame: FrameType, event: str, _arg: object) -> None:
        if event == "call":
            calls.append(f"{frame.f_code.co_filename}:{frame.f_code.co_name}")

    # when the one-pass validator reads it under a profiler
    sys.setprofile(profile)
    try:
        _FAST._validate(text)
    finally:
        sys.setprofile(None)
    # then no Python function ran (pydantic-core did not fall back to the models' own
    # validators, which call Python for identifiers, days and codes)
    assert [c for c in calls if "erantis_domain" in c] == []


@pytest.mark.parametrize("kind", sorted(EVENT_TYPES))
def test_an_event_read_back_from_a_store_is_the_event_written(kind: str) -> None:
    # given an event as a store keeps it (its JSON form, decoded)
    written = _parse_strict(json.dumps(make(kind)))
    stored = json.loads(written.model_dump_json())
    # when it is read back, by the one-pass path (or the strict one when it leaves it)
    read = _parse_stored(stored)
    # then it is the event written, serialised the same
    assert read == written
    assert read.model_dump_json() == written.model_dump_json()


def test_a_stored_event_to_upcast_is_left_to_the_strict_decoder() -> None:
    stored = {**make("DialogueMeetingHeld"), "schema_version": 1, "agreements": ["Flere besøg"]}
    assert _FAST.parse_stored(stored) is None
    assert _parse_stored(stored).schema_version == 2  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "value",
    [
        "Regionshospitalet Gødstrup",
        "Århus Universitetshospital, afsnit 7",
        "Plejecenter Åbo-Øst 2",
        "x",
    ],
)
def test_a_label_of_latin_letters_takes_the_one_pass_path_alike(value: str) -> None:
    # given an admission whose institution is a label of Latin-1 letters, digits and spaces
    data = make("CitizenAdmitted", institution=value)
    for form in [*_forms(data), json.dumps(data, ensure_ascii=False).encode()]:
        # then the one-pass path gives what the strict decoder gives
        fast = _FAST.parse(form)
        assert fast is not None, form
        assert fast == _parse_strict(form)


@pytest.mark.parametrize(
    "value",
    [
        "Hospital 010170-1234",
        "Hospital 01 01 70 12 34",
        "afsnit 0101701234",
        " Hospital",
        "Hospital ",
        "Hospital\u00a0Nord",
        "Hospital\u200bNord",
        "Больница",
        "Hospital \\ Nord",
    ],
)
def test_a_label_the_one_pass_path_cannot_vouch_for_is_judged_as_before(value: str) -> None:
    # given a label with ten digits in a run (CPR-shaped or merely close), a space at an end,
    # a character outside printable ASCII and Latin-1 letters, or a backslash
    text = json.dumps(make("CitizenAdmitted", institution=value))
    # then the one-pass path leaves it, and the strict decoder's verdict stands as before
    assert _FAST.parse(text) is None
    try:
        strict: object = _parse_strict(text)
    except InvalidEventError as exc:
        strict = exc.message
        assert "0101701234" not in exc.message and "1234" not in exc.message
    try:
        judged: object = parse_event(text)
    except InvalidEventError as exc:
        judged = exc.message
    assert judged == strict


def test_the_one_pass_path_checks_labels_without_python() -> None:
    # given an admission (its institution a label) and a rejection (a legal basis's labels)
    lines = [
        json.dumps(make("CitizenAdmitted")),
        json.dumps(make("VisitationRejected")),
    ]
    calls: list[str] = []

    def profile(frame: FrameType, event: str, _arg: object) -> None:
        if event == "call":
            calls.append(frame.f_code.co_name)

    sys.setprofile(profile)
    try:
        for line in lines:
            _FAST._validate(line)
    finally:
        sys.setprofile(None)
    # then the label check of the values module never ran
    assert "_label_chars" not in calls
    assert all(_FAST.parse(line) is not None for line in lines)


def test_a_name_given_twice_in_utf8_bytes_is_seen_by_its_quotes() -> None:
    # given a follow-up written as UTF-8 (not ASCII), once as is and once with a name twice
    data = make("FollowUpRecorded", note="Fortsætter som aftalt, også om søndagen")
    line = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    twice = b'{"note":"\xc3\xa6",' + line[1:]
    # then the one-pass path reads the first alike, and leaves the second to the strict
    # decoder, whose error stands
    assert _FAST.parse(line) == _parse_strict(line)
    assert _FAST.parse(twice) is None
    with pytest.raises(InvalidEventError, match="appears more than once"):
        parse_event(twice)
