"""The care-course catalogue (forløb, ÆL §9) as dated policy data: in Python and in policy
files, validated, and read by the day."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from erantis_domain.errors import InvalidPolicyError
from erantis_rules import Policy
from erantis_rules.courses import DEFAULT_CARE_COURSES, CareCourse, course_on, element_of

CATALOGUE = """\
[[care_courses]]
id = "pleje"
title = "Personlig pleje og praktisk hjælp"
elements = ["personal", "practical"]
valid_to = 2027-06-30

[[care_courses]]
id = "pleje"
title = "Personlig pleje"
elements = ["personal"]
valid_from = 2027-07-01
"""


def test_a_policy_file_gives_the_catalogue_version_by_version(tmp_path: Path) -> None:
    # given a policy file whose course "pleje" loses practical tasks from 1 July 2027
    path = tmp_path / "policy.toml"
    path.write_text(CATALOGUE, encoding="utf-8")
    # when loaded
    courses = Policy.from_file(path).care_courses
    # then each day has the version in force, from the Act's first day by default
    first = course_on(courses, "pleje", date(2025, 7, 1))
    assert first is not None and first.elements == {"personal", "practical"}
    last = course_on(courses, "pleje", date(2027, 6, 30))
    assert last is first
    later = course_on(courses, "pleje", date(2027, 7, 1))
    assert later is not None and later.elements == {"personal"}
    # and no day before the Act, nor another course, has one
    assert course_on(courses, "pleje", date(2025, 6, 30)) is None
    assert course_on(courses, "helhedspleje", date(2026, 1, 1)) is None


def test_the_default_catalogue_holds_every_element_in_its_widest_course() -> None:
    # given the default policy
    courses = Policy().care_courses
    # then it is the example catalogue, and its widest course holds all of §9 stk. 2
    assert courses == DEFAULT_CARE_COURSES
    widest = course_on(courses, "helhedspleje", date(2025, 7, 1))
    assert widest is not None
    assert widest.elements == {"personal", "practical", "rehabilitation"}


@pytest.mark.parametrize(
    ("courses", "named"),
    [
        (
            [
                {"id": "a", "title": "A", "elements": ["personal"]},
                {"id": "a", "title": "A", "elements": ["practical"], "valid_from": "2026-01-01"},
            ],
            "overlaps",
        ),
        ([{"id": "a", "title": "A", "elements": ["nursing"]}], "care_courses.0.elements"),
        ([{"id": "a", "title": "A", "elements": []}], "care_courses.0.elements"),
        (
            [{"id": "a", "title": "A", "elements": ["personal"], "valid_to": "2025-06-30"}],
            "valid_to 2025-06-30 is before valid_from 2025-07-01",
        ),
    ],
)
def test_a_bad_catalogue_is_refused_naming_what(courses: list[object], named: str) -> None:
    # given a catalogue with overlapping versions, an element outside §9 stk. 2, no elements,
    # or a version ending before it starts; when built, then it is refused saying which
    with pytest.raises(InvalidPolicyError, match=named):
        Policy.build(care_courses=courses)


def test_each_kind_of_help_belongs_to_its_element() -> None:
    # then personal care, cleaning, rehabilitation and training have their §9 stk. 2 element,
    # and madservice (ÆL §13) and nursing (SUL §138) none
    assert element_of("H1.3") == "personal"
    assert element_of("H1.8") == "practical"
    assert element_of("H2.1") == element_of("H5.1") == "rehabilitation"
    assert element_of("H1.11") is None and element_of("G1.20") is None
    assert CareCourse(id="x", title="X", elements=frozenset({"personal"})).covers(date(2030, 1, 1))
