"""Private: the visits of a case as a compact, append-only log shared between states.

A case has hundreds of visits a year, most of its events. Copying them into each new state
would make folding quadratic, so a :class:`VisitLog` is a *view* of the first ``n`` rows of
columns it may share with newer views: appending to the newest view extends the shared columns
in place (no other view sees rows past its own ``n``), appending to an older one copies first.
Every view is therefore immutable as far as its reader can tell.

A row is compact (about 50 bytes): day and minutes in machine-integer arrays, intervention,
team and carer as shared (interned) strings, the event id as its 16 bytes; a :class:`Visit` with
text ids is built only when read. A year of a municipality's visits stays in memory this way.

Derived figures that grow with the visits (coverage, the continuity window, minutes per team
period) are computed incrementally by :meth:`VisitLog.scan`, remembered on the shared columns
for the newest view.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Any, NamedTuple, Protocol, TypeVar
from uuid import UUID

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

__all__ = ["Row", "Visit", "VisitLog"]

_A = TypeVar("_A")

#: A visit as read from its event: day ordinal, intervention, minutes, team, carer, event id
#: (``UUID.int``).
Row = tuple[int, str, int, str, str, int]


class Visit(NamedTuple):
    """One delivered visit, as the case keeps it."""

    delivered_on: date
    intervention: str
    minutes: int
    team_id: str
    carer_id: str
    event_id: str


class _Columns:
    """The shared columns of a family of views, and what was derived from them."""

    __slots__ = ("carers", "codes", "days", "ids", "memo", "minutes", "teams")

    def __init__(self) -> None:
        #: Day ordinals and minutes (``array`` indexes like a list of ints).
        self.days = array("i")
        self.minutes = array("i")
        self.codes: list[str] = []
        self.teams: list[str] = []
        self.carers: list[str] = []
        #: The event ids, 16 bytes each (``UUID.bytes``).
        self.ids = bytearray()
        #: Scans remembered for the newest view, four items each: name, parameter, rows
        #: scanned, accumulator (one list, changed in place: no dict and tuples per scan).
        self.memo: list[Any] = []

    def copy(self, n: int) -> _Columns:
        new = _Columns()
        new.days, new.codes, new.minutes = self.days[:n], self.codes[:n], self.minutes[:n]
        new.teams, new.carers, new.ids = self.teams[:n], self.carers[:n], self.ids[: 16 * n]
        return new

    def event_id(self, row: int) -> str:
        return str(UUID(bytes=bytes(self.ids[16 * row : 16 * row + 16])))


_PERIODS: dict[int, str] = {}


def _period(ordinal: int) -> str:
    period = _PERIODS.get(ordinal)
    if period is None:
        day = date.fromordinal(ordinal)
        period = _PERIODS[ordinal] = f"{day.year:04d}-{day.month:02d}"
    return period


def _add_minutes(
    acc: dict[tuple[str, str], int], c: _Columns, first: int, past: int
) -> dict[tuple[str, str], int]:
    periods = _PERIODS
    for team, day, spent in zip(
        c.teams[first:past], c.days[first:past], c.minutes[first:past], strict=True
    ):
        key = (team, periods.get(day) or _period(day))
        acc[key] = acc.get(key, 0) + spent
    return acc


# Codes, teams and carers repeat across thousands of visits: one string object each.
_intern = sys.intern


class Delivered(Protocol):
    """What a visit row is read from (a ``VisitDelivered`` event)."""

    @property
    def delivered_on(self) -> date: ...
    @property
    def intervention(self) -> str: ...
    @property
    def minutes(self) -> int: ...
    @property
    def team_id(self) -> str: ...
    @property
    def carer_id(self) -> str: ...
    @property
    def event_id(self) -> UUID: ...


class VisitLog:
    """The first ``len(log)`` visits of a case, in the order they were folded."""

    __slots__ = ("_c", "_n")

    def __init__(self, columns: _Columns | None = None, n: int = 0) -> None:
        self._c = columns if columns is not None else _Columns()
        self._n = n

    def extended(self, visits: Sequence[Delivered]) -> VisitLog:
        """A new view with the visits appended, in order (this view is unchanged): one view
        for a run of visits, not one per visit."""
        c = self._c
        n = self._n
        if n != len(c.days):
            c = c.copy(n)
        days, codes, minutes = c.days.append, c.codes.append, c.minutes.append
        teams, carers, ids = c.teams.append, c.carers.append, c.ids.extend
        intern = _intern
        for visit in visits:
            days(visit.delivered_on.toordinal())
            codes(intern(visit.intervention))
            minutes(visit.minutes)
            teams(intern(visit.team_id))
            carers(intern(visit.carer_id))
            ids(visit.event_id.int.to_bytes(16, "big"))
        new = _new_view(VisitLog)
        new._c = c
        new._n = n + len(visits)
        return new

    def extended_rows(self, rows: Sequence[Row]) -> VisitLog:
        """:meth:`extended` for visits already read into rows (day ordinal, intervention,
        minutes, team, carer, event id as ``UUID.int``): the columns grow by one C-level
        ``extend`` each, not by six Python calls per visit."""
        c = self._c
        n = self._n
        if n != len(c.days):
            c = c.copy(n)
        if rows:
            days, codes, minutes, teams, carers, ids = zip(*rows, strict=True)
            intern = _intern
            c.days.extend(days)
            c.codes.extend(map(intern, codes))
            c.minutes.extend(minutes)
            c.teams.extend(map(intern, teams))
            c.carers.extend(map(intern, carers))
            c.ids += b"".join([number.to_bytes(16, "big") for number in ids])
        new = _new_view(VisitLog)
        new._c = c
        new._n = n + len(rows)
        return new

    def __len__(self) -> int:
        return self._n

    def __iter__(self) -> Iterator[Visit]:
        c = self._c
        for i in range(self._n):
            yield Visit(
                date.fromordinal(c.days[i]),
                c.codes[i],
                c.minutes[i],
                c.teams[i],
                c.carers[i],
                c.event_id(i),
            )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VisitLog):
            return NotImplemented
        return list(self) == list(other)

    def __hash__(self) -> int:
        return hash((self._n, bytes(self._c.ids[: 16 * self._n])))

    def __repr__(self) -> str:
        return f"VisitLog({self._n} visits)"

    def rows_at(self, rows: list[int]) -> list[tuple[int, str, str]]:
        """``(day ordinal, intervention, event id)`` of the given rows (indexes below
        ``len(log)``)."""
        c = self._c
        return [(c.days[i], c.codes[i], c.event_id(i)) for i in rows]

    def teams(self) -> set[str]:
        """The teams that delivered the visits."""
        return set(self._teams())

    def has_team(self, team_id: str) -> bool:
        """Whether the team delivered any of the visits (no copy made)."""
        return team_id in self._teams()

    def _teams(self) -> set[str]:
        def step(acc: set[str], c: _Columns, first: int, past: int) -> set[str]:
            acc.update(c.teams[first:past])
            return acc

        found: set[str] = self.scan("teams", None, set, step)
        return found

    def minutes_by_team_period(self) -> dict[tuple[str, str], int]:
        """Delivered minutes per ``(team_id, period)`` (the period of the delivery day)."""
        return dict(self._minutes())

    def minutes_in(self, team_id: str, period: str) -> int:
        """Minutes the team delivered in the period (no copy made)."""
        return self._minutes().get((team_id, period), 0)

    def _minutes(self) -> dict[tuple[str, str], int]:
        found: dict[tuple[str, str], int] = self.scan("minutes", None, dict, _add_minutes)
        return found

    def scan(
        self,
        name: str,
        parameter: Any,
        start: Callable[[], _A],
        step: Callable[[_A, _Columns, int, int], _A],
    ) -> _A:
        """Fold ``step(acc, columns, first, past)`` over the rows, from ``start()``.

        For the newest view the result is remembered (per ``name`` and ``parameter``), so the
        next view only folds its new rows. ``step`` may update its accumulator in place and
        must read rows ``first`` to ``past`` only; the caller must not change the result.
        """
        c, n = self._c, self._n
        if n != len(c.days):
            return step(start(), c, 0, n)
        memo = c.memo
        for at in range(0, len(memo), 4):
            if memo[at] == name:
                break
        else:
            at = len(memo)
            memo += (name, None, n + 1, None)  # rows scanned past n: never reused
        scanned = memo[at + 2]
        if memo[at + 1] == parameter and scanned <= n:
            acc = step(memo[at + 3], c, scanned, n) if scanned < n else memo[at + 3]
        else:
            acc = step(start(), c, 0, n)
        memo[at + 1], memo[at + 2], memo[at + 3] = parameter, n, acc
        return acc

    # --- the store's snapshots: the log as whole columns ----------------------------------------

    def columns(self) -> tuple[list[int], list[str], list[int], list[str], list[str], bytes]:
        """The rows as columns (copies): day ordinals, interventions, minutes, teams, carers,
        and the event ids as 16 bytes each."""
        c, n = self._c, self._n
        return (
            c.days[:n].tolist(),
            c.codes[:n],
            c.minutes[:n].tolist(),
            c.teams[:n],
            c.carers[:n],
            bytes(c.ids[: 16 * n]),
        )

    @classmethod
    def of_columns(
        cls,
        days: list[int],
        codes: list[str],
        minutes: list[int],
        teams: list[str],
        carers: list[str],
        ids: bytes,
    ) -> VisitLog:
        """A log over the given columns, as :meth:`columns` gave them: a snapshot of a long
        case is restored without a Python call per visit."""
        n = len(days)
        if not n == len(codes) == len(minutes) == len(teams) == len(carers) == len(ids) // 16:
            raise ValueError("visit columns of different lengths")
        if len(ids) % 16:
            raise ValueError("visit ids are not 16 bytes each")
        c = _Columns()
        c.days, c.minutes = array("i", days), array("i", minutes)
        # Shared strings, as appended rows hold them (a snapshot's decoder makes its own).
        c.codes, c.teams, c.carers = (
            list(map(_intern, column)) for column in (codes, teams, carers)
        )
        c.ids = bytearray(ids)
        return cls(c, n)

    # --- pydantic: a case state (and its snapshot) holds the log as a list of rows ------------

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                cls._rows, when_used="always"
            ),
        )

    @classmethod
    def _validate(cls, value: Any) -> VisitLog:
        if isinstance(value, VisitLog):
            return value
        days: list[int] = []
        codes: list[str] = []
        minutes: list[int] = []
        teams: list[str] = []
        carers: list[str] = []
        ids = bytearray()
        for row in value:
            day, code, spent, team, carer, event_id = row
            days.append((day if isinstance(day, date) else date.fromisoformat(day)).toordinal())
            codes.append(code)
            minutes.append(int(spent))
            teams.append(team)
            carers.append(carer)
            ids += UUID(event_id).bytes
        return cls.of_columns(days, codes, minutes, teams, carers, bytes(ids))

    def _rows(self) -> list[list[Any]]:
        return [[v.delivered_on.isoformat(), *v[1:]] for v in self]


_new_view = object.__new__
