"""The calendar of a run: the window, its days, its months and the time slots of a day.

Every date and ``occurred_at`` string is computed once per run and looked up by day index
(days since the window's first day), because the generator writes hundreds of thousands of them.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["SLOTS", "SLOT_OF", "Calendar", "Month", "window"]

_TZ = ZoneInfo("Europe/Copenhagen")
#: Time slots of a day: 07:00, 07:30, ... 20:30 (index 0 ... 27).
SLOTS = 28
#: A slot from five random bits (visits spread over the whole day).
SLOT_OF = tuple(k * SLOTS // 32 for k in range(32))
#: Days of ISO dates kept beyond the window, for due dates that fall after it.
_BEYOND = 400

#: A month of the window: (first day index, last day index, days in month, "YYYY-MM"). The
#: first month may start before the window, and the last end after it.
Month = tuple[int, int, int, str]


def window(start: date, months: int) -> tuple[date, date]:
    """The first and the last day of the window of ``months`` calendar months from ``start``."""
    if months < 1:
        raise ValueError(f"months must be at least 1 (got {months})")
    month = start.month - 1 + months
    end = start.replace(year=start.year + month // 12, month=month % 12 + 1, day=1)
    # The same day of the month ``months`` later, clamped to that month's length.
    last_of_month = (end.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    after = end.replace(day=min(start.day, last_of_month.day))
    return start, after - timedelta(days=1)


class Calendar:
    """Days of the window by index: ISO dates, weekdays, ``occurred_at`` per slot, months."""

    __slots__ = ("days", "iso", "month_of", "months", "occ", "weekday")

    def __init__(self, start: date, months: int) -> None:
        first, last = window(start, months)
        self.days = last.toordinal() - first.toordinal() + 1
        self.iso = [(first + timedelta(days=d)).isoformat() for d in range(self.days + _BEYOND)]
        self.weekday = [(first + timedelta(days=d)).weekday() for d in range(self.days)]
        self.occ = [
            [
                datetime.combine(day, time(7 + s // 2, 30 * (s % 2)), tzinfo=_TZ).isoformat()
                for s in range(SLOTS)
            ]
            for day in (first + timedelta(days=d) for d in range(self.days))
        ]
        self.months: list[Month] = []
        self.month_of = [0] * self.days
        d = 0
        while d < self.days:
            month_first = (first + timedelta(days=d)).replace(day=1)
            month_days = ((month_first + timedelta(days=32)).replace(day=1) - month_first).days
            lo = month_first.toordinal() - first.toordinal()
            hi = lo + month_days - 1
            for k in range(d, min(hi, self.days - 1) + 1):
                self.month_of[k] = len(self.months)
            self.months.append((lo, hi, month_days, month_first.strftime("%Y-%m")))
            d = hi + 1
