"""The municipality's catalogue of care courses (forløb) under the Elderly Act, as dated data.

ÆL §9 stk. 1 has the municipality set up "få, sammenhængende og rummelige" care courses, each
holding elements of §9 stk. 2 (nr. 1 personal help and care, nr. 2 practical tasks, nr. 3
genoptræning), and publish them (stk. 3). An ÆL §10 decision grants one of them, and the help
inside it is adjusted as the course goes ("løbende tilpasning af indholdet i tilbuddet inden for
det tilbudte forløb", §10): a visit is covered when its help is one of the course's elements on
its day, whatever minutes or tasks the decision lists (FRM-003).

A catalogue is a tuple of :class:`CareCourse` entries. An entry is one version of a course: the
same ``id`` may appear again with other elements from a later day (a municipality revises its
catalogue), as long as the versions of one course do not overlap. erantis's default
(:data:`DEFAULT_CARE_COURSES`) is an example of three courses, not any municipality's: a
municipality gives its own in ``Policy.care_courses``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, model_validator

from erantis_domain import fsiii
from erantis_rules.regimes import AEL_FROM

__all__ = [
    "DEFAULT_CARE_COURSES",
    "CareCourse",
    "CourseElement",
    "check_catalogue",
    "course_on",
    "element_of",
]

CourseElement = Literal["personal", "practical", "rehabilitation"]
"""An element of a care course (ÆL §9 stk. 2): nr. 1 personal help and care (``personal``),
nr. 2 practical tasks (``practical``), nr. 3 genoptræning with the rehabilitating aim of §5
(``rehabilitation``: FSIII rehabilitation and training)."""

#: The element each kind of help belongs to; madservice (ÆL §13) is its own offer, not an
#: element, and nursing (SUL §138) is no help of the Act at all.
_ELEMENT_OF: dict[fsiii.HelpCategory, CourseElement] = {
    "personal": "personal",
    "practical": "practical",
    "rehabilitation": "rehabilitation",
    "training": "rehabilitation",
}


def element_of(intervention: str) -> CourseElement | None:
    """The care-course element an FSIII intervention's help belongs to (``None``: none, e.g.
    madservice or nursing)."""
    category = fsiii.help_category(intervention)
    return None if category is None else _ELEMENT_OF.get(category)


class CareCourse(BaseModel):
    """One version of a care course (forløb) of the municipality's catalogue: its id (what a
    decision names), its title, its elements (ÆL §9 stk. 2) and the days it is in the catalogue
    (``valid_to`` is its last day; ``None``: open)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    title: Annotated[str, Field(min_length=1, max_length=200)]
    elements: Annotated[frozenset[CourseElement], Field(min_length=1)]
    valid_from: date = AEL_FROM
    valid_to: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> CareCourse:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(
                f"{self.id}: valid_to {self.valid_to.isoformat()} is before "
                f"valid_from {self.valid_from.isoformat()}"
            )
        return self

    @field_serializer("elements")
    def _sorted(self, elements: frozenset[CourseElement]) -> list[CourseElement]:
        # A set's order varies from one process to the next: the policy's JSON Schema (its
        # default catalogue) and a dumped policy must read the same every time.
        return sorted(elements)

    def covers(self, day: date) -> bool:
        """Whether this version is in the catalogue on ``day``."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


DEFAULT_CARE_COURSES: tuple[CareCourse, ...] = (
    CareCourse(id="praktisk", title="Praktisk hjælp i hjemmet", elements=frozenset({"practical"})),
    CareCourse(
        id="pleje",
        title="Personlig pleje og praktisk hjælp",
        elements=frozenset({"personal", "practical"}),
    ),
    CareCourse(
        id="helhedspleje",
        title="Helhedspleje med genoptræning",
        elements=frozenset({"personal", "practical", "rehabilitation"}),
    ),
)
"""erantis's example catalogue, from the Act's first day: three courses of growing content.
A municipality's own catalogue replaces it whole."""


def check_catalogue(courses: Iterable[CareCourse]) -> None:
    """Raise ``ValueError`` when two versions of one course overlap (a day would have two
    contents)."""
    by_id: dict[str, list[CareCourse]] = {}
    for course in courses:
        by_id.setdefault(course.id, []).append(course)
    for course_id, versions in by_id.items():
        ordered = sorted(versions, key=lambda c: c.valid_from)
        for earlier, later in pairwise(ordered):
            if earlier.valid_to is None or earlier.valid_to >= later.valid_from:
                raise ValueError(
                    f"care course {course_id}: the version from "
                    f"{earlier.valid_from.isoformat()} overlaps the one from "
                    f"{later.valid_from.isoformat()}"
                )


def course_on(courses: Iterable[CareCourse], course_id: str, day: date) -> CareCourse | None:
    """The version of care course ``course_id`` in the catalogue on ``day`` (``None``: none)."""
    for course in courses:
        if course.id == course_id and course.covers(day):
            return course
    return None
