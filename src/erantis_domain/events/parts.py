"""The shared parts of every event: the marker bases and the bounds of free text and lists.

:class:`DomainEvent` holds the fields all events share (``event_id``, ``occurred_at``,
``recorded_by``, ``schema_version``); :class:`CaseEvent` and :class:`TeamEvent` key an event to
its stream, a citizen's case or a team's settlement period.
"""

from __future__ import annotations

from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from erantis_domain.values import Actor, CaseId, Identifier, Moment, Period

__all__ = ["CaseEvent", "DomainEvent", "TeamEvent", "Text"]

Text = Annotated[str, Field(max_length=4000)]
"""Free text (reasons, notes). May hold personal data: never logged, never put in findings."""

#: Most items in any list of an event (goals, frames, scores, participants ...).
MAX_ITEMS = 64
#: Longest JSON document of one event, in bytes (UTF-8).
MAX_EVENT_BYTES = 256 * 1024
#: Deepest nesting of JSON objects and arrays in one event (an event needs 3).
MAX_DEPTH = 8
#: Longest string anywhere in an event, and longest field name.
MAX_STRING = 16_000
MAX_NAME = 64
#: Most fields of one JSON object.
MAX_FIELDS = 64


class DomainEvent(BaseModel):
    """Marker base of every erantis event: the fields all events share."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Current schema version of the event class; older stored versions are upcast on read.
    SCHEMA_VERSION: ClassVar[int] = 1

    event_id: UUID
    occurred_at: Moment
    recorded_by: Actor
    schema_version: int = 1

    @field_validator("schema_version")
    @classmethod
    def _current_version(cls, version: int) -> int:
        # A field validator (not a model one), so the error is located at ``schema_version``.
        if version != cls.SCHEMA_VERSION:
            # The version itself is not repeated here: the error shows it, checked, as the value.
            raise ValueError(
                f"this schema_version is not supported for "
                f"{cls.__name__} (current: {cls.SCHEMA_VERSION})"
            )
        return version


class CaseEvent(DomainEvent):
    """Base of the events of a citizen's case (aggregate ``CitizenCase``)."""

    case_id: CaseId


class TeamEvent(DomainEvent):
    """Base of the events of a team's settlement period (aggregate ``TeamPeriod``). They are
    keyed by ``team_id`` and ``period``; ``case_id`` is always null."""

    case_id: None = None
    team_id: Identifier
    period: Period
