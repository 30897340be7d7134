"""Private: what :mod:`erantis_rules.engine._stream` holds of input out of order, and the
instants it orders events by.

Instants are integers (microseconds since 1970) read, for a visit, from the text of its
``occurred_at`` when that text was met before. :class:`_Later` holds a case's events that came
after the order broke, in memory, until the case is folded; :class:`_Buckets` holds a one-shot
input's lines in temporary files, in case the order breaks and a case must be folded anew.
"""

from __future__ import annotations

import sys
import tempfile
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

from erantis_domain.asof import BUSINESS_ZONE, AsOf
from erantis_domain.case import CitizenCase, evolve
from erantis_domain.case._evolve import with_visit_rows
from erantis_domain.errors import RuleEngineError
from erantis_domain.events import DomainEvent, VisitDelivered
from erantis_domain.events.decode import _parse_at as _parse
from erantis_rules.engine._seen import SeenIds

__all__: list[str] = []

EventInput = DomainEvent | Mapping[str, Any] | str | bytes
Item = tuple[int, EventInput]

#: How many temporary files a one-shot input's case lines are spilled into as they pass (read
#: back, a file at a time, only for cases folded anew when the order broke).
BUCKETS = 64
# Codes, teams and carers repeat across thousands of visits: one string object each.
_intern = sys.intern
#: Texts of ``occurred_at`` remembered with their instants (forgotten all at once when full).
_STAMPS = 1 << 16

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
#: Before any instant (:func:`_instant`) of an event.
_NEVER = -(1 << 80)
#: After any instant of an event.
_FOREVER = 1 << 80
# Codes, teams and carers repeat across thousands of visits: one string object each.
_intern = sys.intern


def _instant(moment: datetime) -> int:
    """An aware instant as whole microseconds since 1970 (UTC): ordered as the instants are,
    and compared in a few nanoseconds (two aware datetimes with different offset objects are
    compared through two ``utcoffset`` calls and a subtraction)."""
    return (moment - _EPOCH) // _MICROSECOND


def _bound(when: AsOf) -> int:
    """The least instant (:func:`_instant`) not known as of ``when``: an event is known
    exactly when its instant is below it (what :meth:`AsOf.knows_at` says of its
    ``occurred_at``)."""
    if when.moment is not None:
        return _instant(when.moment) + 1
    return _instant(datetime.combine(when.day + timedelta(days=1), time(0), BUSINESS_ZONE))


@dataclass(slots=True)
class _Later:
    """A case's events that came after the input's order broke, in position order: visits
    as columns of plain values (as the visit log keeps them), other events parsed, and the
    ids and positions of events not known as of the day (they count for repeats only).

    A year of a municipality's visits held this way takes about 100 bytes a visit, where
    its raw lines take about 400 and its parsed events about 2,000."""

    at: array[int] = field(default_factory=lambda: array("q"))
    positions: array[int] = field(default_factory=lambda: array("q"))
    days: array[int] = field(default_factory=lambda: array("i"))
    minutes: array[int] = field(default_factory=lambda: array("i"))
    codes: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    carers: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    #: (instant, position, id, event) of the other known events; the event as its raw line
    #: when it came as one (parsed again when folded: a parsed decision holds some 2.5 kB, its
    #: line about 400 bytes, and other events are a few per cent of the lines).
    others: list[tuple[int, int, int, EventInput]] = field(default_factory=list)
    #: (position, id) of the events not known as of the day.
    unknown: list[tuple[int, int]] = field(default_factory=list)
    #: Whether repeats were dropped already.
    unique: bool = False

    @property
    def count(self) -> int:
        return len(self.ids) + len(self.others) + len(self.unknown)

    def add(
        self,
        index: int,
        item: EventInput,
        event: DomainEvent,
        bound: int,
        instants: dict[bytes | str, int],
    ) -> None:
        """Take in one event of the case (its item, for a visit's instant by text)."""
        if type(event) is VisitDelivered:
            moment = _visit_instant(item, event, instants)
            if moment >= bound:
                self.unknown.append((index, event.event_id.int))
                return
            self.at.append(moment)
            self.positions.append(index)
            self.days.append(event.delivered_on.toordinal())
            self.minutes.append(event.minutes)
            self.codes.append(_intern(event.intervention))
            self.teams.append(_intern(event.team_id))
            self.carers.append(_intern(event.carer_id))
            self.ids.append(event.event_id.int)
            return
        moment = _instant(event.occurred_at)
        if moment >= bound:
            self.unknown.append((index, event.event_id.int))
        else:
            raw = item if type(item) is bytes or type(item) is str else event
            self.others.append((moment, index, event.event_id.int, raw))

    def least(self) -> int:
        """The instant of the oldest event (:data:`_FOREVER` when none is known)."""
        least = min(self.at) if self.at else _FOREVER
        for moment, _, _, _ in self.others:
            least = min(least, moment)
        return least

    def drop_repeats(self, seen: SeenIds | None) -> None:
        """Drop the events whose id was seen before (in ``seen``, or at an earlier position
        here): the first one counts."""
        if self.unique:
            return
        self.unique = True
        others, unknown = self.others, self.unknown
        numbers = self.ids + [number for _, _, number, _ in others]
        numbers += [number for _, number in unknown]
        if (seen is None or not len(seen)) and len(set(numbers)) == len(numbers):
            return  # the usual case: no repeats
        # Each event's id, in position order: visits, others and unknown ones merged.
        merged = sorted(
            [(index, 0, row) for row, index in enumerate(self.positions)]
            + [(index, 1, k) for k, (_, index, _, _) in enumerate(others)]
            + [(index, 2, k) for k, (index, _) in enumerate(unknown)]
        )
        ids = self.ids
        order = [
            ids[k] if kind == 0 else others[k][2] if kind == 1 else unknown[k][1]
            for _, kind, k in merged
        ]
        if seen is None:
            seen = SeenIds()
        repeats = seen.add_all(order)
        if not repeats:
            return
        dropped_rows = {merged[at][2] for at in repeats if merged[at][1] == 0}
        dropped_others = {merged[at][2] for at in repeats if merged[at][1] == 1}
        if dropped_others:
            self.others = [o for k, o in enumerate(others) if k not in dropped_others]
        if dropped_rows:
            kept = [row for row in range(len(ids)) if row not in dropped_rows]
            self.at = array("q", [self.at[row] for row in kept])
            self.positions = array("q", [self.positions[row] for row in kept])
            self.days = array("i", [self.days[row] for row in kept])
            self.minutes = array("i", [self.minutes[row] for row in kept])
            self.codes = [self.codes[row] for row in kept]
            self.teams = [self.teams[row] for row in kept]
            self.carers = [self.carers[row] for row in kept]
            self.ids = [ids[row] for row in kept]

    def fold(self, state: CitizenCase) -> CitizenCase:
        """``state`` with these events folded in ``occurred_at`` order (ties in position
        order): visits a run at a time between the other events."""
        at, positions = self.at, self.positions
        order = sorted(range(len(at)), key=at.__getitem__)  # stable: ties by position
        keys = [at[row] for row in order]
        days, codes, minutes = self.days, self.codes, self.minutes
        teams, carers, ids = self.teams, self.carers, self.ids
        others = sorted(self.others, key=_two)
        start, count = 0, len(order)
        for moment, index, _, event in [*others, (_FOREVER, 0, 0, None)]:
            end = bisect_left(keys, moment, start)
            while end < count and keys[end] == moment and positions[order[end]] < index:
                end += 1
            if end > start:
                rows = [
                    (days[row], codes[row], minutes[row], teams[row], carers[row], ids[row])
                    for row in order[start:end]
                ]
                state = with_visit_rows(state, rows)
                start = end
            if event is not None:
                state = evolve(state, _parse(index, event))  # a raw line parsed again
        return state


def _two(item: tuple[int, int, int, Any]) -> tuple[int, int]:
    return item[0], item[1]


class _Buckets:
    """Case events as raw lines (``index<TAB>json``), partitioned by a stable hash of the case
    id into files under a temporary directory that :meth:`close` removes.

    Parsed events the caller holds anyway (a re-iterable input) are kept by reference instead:
    writing them out would cost a serialization and a second validation each."""

    def __init__(self, count: int = BUCKETS) -> None:
        self.count = count
        self._dir = tempfile.TemporaryDirectory(prefix="erantis-check-")
        self._files: list[IO[bytes] | None] = [None] * count
        self._held: list[list[tuple[int, DomainEvent]]] = [[] for _ in range(count)]

    def hold(self, case_id: str, index: int, event: DomainEvent) -> None:
        key = case_id.encode("utf-8", "surrogatepass")
        self._held[zlib.crc32(key) % self.count].append((index, event))

    def put(self, case_id: str, index: int, raw: bytes) -> None:
        key = case_id.encode("utf-8", "surrogatepass")
        bucket = zlib.crc32(key) % self.count
        handle = self._files[bucket]
        if handle is None:
            handle = self._files[bucket] = open(  # noqa: SIM115 (closed in close/groups)
                Path(self._dir.name) / f"{bucket}.jsonl", "wb", buffering=1 << 16
            )
        # The case id goes with the line (length first: it may hold any character), so the
        # line is not searched for it again when read back.
        handle.write(b"%d\t%d\t%s%s\n" % (index, len(key), key, raw))

    def groups(
        self, upto: Callable[[str], int]
    ) -> Iterator[dict[str, tuple[list[Item], list[Item]]]]:
        """Per bucket, its items by case: those at or before the case's position ``upto``
        (taken in by the streaming pass: raw lines stay unparsed here) and the rest, each in
        the order of their positions (an item both held parsed and read counts once)."""
        for bucket, handle in enumerate(self._files):
            held = [
                (index, getattr(event, "case_id", ""), event) for index, event in self._held[bucket]
            ]
            self._held[bucket] = []
            read: list[tuple[int, str, EventInput]] = []
            if handle is not None:
                handle.close()
                self._files[bucket] = None
                read = list(_read_cased(Path(self._dir.name) / f"{bucket}.jsonl"))
            if not read and not held:
                continue
            # Lines after the break may have been written before those ahead of it.
            items = sorted([*held, *read], key=_first)
            by_case: dict[str, tuple[list[Item], list[Item]]] = {}
            previous = -1
            for index, case_id, item in items:
                if index == previous:
                    continue
                previous = index
                group = by_case.get(case_id)
                if group is None:
                    key = case_id.encode("utf-8", "surrogatepass")
                    if zlib.crc32(key) % self.count != bucket:
                        raise RuleEngineError(
                            f"internal error: event at index {index} was partitioned by a case "
                            "id it does not have"
                        )
                    group = by_case[case_id] = ([], [])
                group[index > upto(case_id)].append((index, item))
            yield by_case

    def close(self) -> None:
        for handle in self._files:
            if handle is not None:
                handle.close()
        self._files = [None] * self.count
        self._held = [[] for _ in range(self.count)]
        self._dir.cleanup()


def _first(item: tuple[Any, ...]) -> int:
    first: int = item[0]
    return first


def _read_cased(path: Path) -> Iterator[tuple[int, str, EventInput]]:
    """The lines :meth:`_Buckets.put` wrote: position, case id and raw line."""
    with open(path, "rb") as handle:
        for line in handle:
            index, size, rest = line.split(b"\t", 2)
            length = int(size)
            case_id = rest[:length].decode("utf-8", "surrogatepass")
            yield int(index), case_id, rest[length:-1]


def _stamp(item: EventInput) -> bytes | str | None:
    """The text from the opening quote of ``occurred_at``'s value in a raw line on, 26
    characters (the length of ``2026-01-01T09:00:00+01:00"``), or ``None``.

    Only for a parsed visit's line: its schema has one field of that name and no nested one,
    and a name in a JSON text cannot hide inside a string (its quotes would be escaped), so the
    first ``"occurred_at":"`` is the field. When that text holds the value's closing quote
    (:func:`_whole_stamp`), equal texts are equal values: their instants can be remembered."""
    if type(item) is bytes:
        at = item.find(b'"occurred_at":"')
        return item[at + 15 : at + 41] if at >= 0 else None
    if type(item) is str:
        at = item.find('"occurred_at":"')
        return item[at + 15 : at + 41] if at >= 0 else None
    return None


def _whole_stamp(stamp: bytes | str) -> bool:
    """Whether a :func:`_stamp` ends with the value's closing quote (a quote not escaped):
    the value is then all in it (a shorter one ends at an earlier quote, also in it)."""
    if isinstance(stamp, bytes):
        return stamp[25:] == b'"' and stamp[24] != 92  # a backslash
    return stamp[25:] == '"' and stamp[24] != "\\"


def _visit_instant(item: EventInput, event: DomainEvent, instants: dict[bytes | str, int]) -> int:
    """The instant of a visit, from the text of its line's ``occurred_at`` when that text was
    met before (see :func:`_stamp`)."""
    stamp = _stamp(item)
    if stamp is not None:
        moment = instants.get(stamp)
        if moment is not None:
            return moment
    moment = _instant(event.occurred_at)
    if stamp is not None and _whole_stamp(stamp):
        if len(instants) >= _STAMPS:
            instants.clear()
        instants[stamp] = moment
    return moment
