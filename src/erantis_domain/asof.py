"""Business days and the one ``AsOf`` that says whether an event is known yet.

A business day is a date in Europe/Copenhagen: the day a caseworker in the municipality would
write down. An event whose ``occurred_at`` is 23:30 UTC on 31 March happened on 1 April
(01:30 Danish summer time). Every place that turns an instant into a day — the case state,
the rules' facts, the ledger, the store's ``as_of`` — asks :func:`business_day`.

An :class:`AsOf` is either a whole business day (every event that happened on or before that
day is known) or an aware instant (every event that happened at or before it is known).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from erantis_domain.errors import InvalidArgumentError

__all__ = ["BUSINESS_ZONE", "AsOf", "business_day"]

BUSINESS_ZONE = ZoneInfo("Europe/Copenhagen")
"""The time zone whose calendar days are business days."""


def business_day(moment: datetime) -> date:
    """The business day (a date in Europe/Copenhagen) of an aware instant."""
    return moment.astimezone(BUSINESS_ZONE).date()


class _Timed(Protocol):
    @property
    def occurred_at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class AsOf:
    """What is known as of a business day, or as of an aware instant (``moment``)."""

    day: date
    moment: datetime | None = None
    #: The first instant not known (``moment``'s successor aside): the next business day's
    #: midnight in Copenhagen, so :meth:`knows_at` needs no time-zone conversion per event.
    _limit: datetime = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        limit = datetime.combine(self.day + timedelta(days=1), time(0), tzinfo=BUSINESS_ZONE)
        object.__setattr__(self, "_limit", limit)

    @classmethod
    def of(cls, value: AsOf | date | datetime) -> AsOf:
        """An ``AsOf`` from a day, an aware instant, or an ``AsOf``. A naive datetime is
        refused (:class:`~erantis_domain.errors.InvalidArgumentError`): its day is unknown."""
        if isinstance(value, AsOf):
            return value
        if isinstance(value, datetime):
            if value.tzinfo is None or value.utcoffset() is None:
                raise InvalidArgumentError(
                    f"as_of must be timezone-aware (got {value.isoformat()})"
                )
            return cls(business_day(value), value)
        if isinstance(value, date):
            return cls(value)
        raise InvalidArgumentError(
            f"as_of must be a date or an aware datetime (got {type(value).__name__})"
        )

    def knows(self, event: _Timed) -> bool:
        """Whether the event had happened by then."""
        return self.knows_at(event.occurred_at)

    def knows_at(self, occurred_at: datetime) -> bool:
        """Whether an event that happened at ``occurred_at`` (aware) had happened by then."""
        if self.moment is not None:
            return occurred_at <= self.moment
        # On or before the business day: before the next day's midnight in Copenhagen (a
        # midnight that always exists: the clocks change at 02:00 and 03:00).
        return occurred_at < self._limit
