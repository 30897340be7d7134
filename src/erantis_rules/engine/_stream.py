"""Private: the fold of the batch path of :func:`erantis_rules.check`, streaming and bounded
in memory (judging the folded cases is :mod:`erantis_rules.engine._batch`'s).

``RuleEngine`` keeps every parsed event of every case, so that an older event arriving later can
refold its case. A one-off ``check`` needs none of that: it folds each event into its case's
:class:`~erantis_domain.case.CitizenCase` as it arrives and keeps, per case, only the state, the
``occurred_at`` of the last event folded and the event ids seen (compactly, for dedupe).

Input in time order (the usual export) is folded in that one pass. Each line is parsed once, as
it arrives (``parse_event``'s one-pass path), and routed by the parsed event's case id. A visit
(most events) is taken in there and then: dedupe, known as of, in order (instants as integers,
read from the text of ``occurred_at`` when that text was met before), and kept as a row of plain
values (day, intervention, minutes, team, carer, id); a case's rows become one new state per
``_RUN`` of them or before its next other event (``with_visit_rows``), so no parsed event
outlives its line and a case's state is not rebuilt per visit. Other events are folded at once.

The first event older than its case's last one proves the input is not in time order; the
streaming pass then stops, and the rest of the input is taken in by case, in memory, each line
parsed once as it arrives: a visit as columns of plain values with its instant and position
(about 100 bytes, where its line takes about 400 and its parsed event about 2,000), another
event as its raw line (parsed again when folded; a few per cent of the lines), an event not
known as of the day as its id (it counts for repeats only). At the end each case is folded: a
case none of whose remaining events is older than its last folded one goes on from its
streamed state (what it folded is not parsed again); any other case is folded anew from all
its events, as ``fold_as_of`` does (known events in ``occurred_at`` order, ties in arrival
order), its earlier lines read again from a re-iterable input, or from the temporary files a
one-shot iterator's lines were spilled into as they passed (removed even on error).

Team events are few; they are kept parsed, in arrival order, as ``RuleEngine`` keeps them.

With ``workers > 1`` the parent splits raw lines by a stable hash of the case id over worker
processes (spawned, so safe in any embedder); each folds and judges its cases and returns their
findings and their contributions to the team periods, which the parent sums and judges.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import sys
import tempfile
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, Literal, NoReturn

from erantis_domain.asof import BUSINESS_ZONE, AsOf
from erantis_domain.case import CitizenCase, evolve
from erantis_domain.case._evolve import with_visit_rows
from erantis_domain.case._visits import Row
from erantis_domain.errors import InvalidArgumentError, InvalidEventError, RuleEngineError
from erantis_domain.events import DomainEvent, PolicyVersionAdopted, VisitDelivered
from erantis_domain.events import decode as _decode
from erantis_domain.events.decode import _parse_at as _parse
from erantis_rules.engine._seen import SeenIds

__all__ = ["EventInput", "Workers", "paused_gc", "resolve_workers"]

Workers = int | Literal["auto"]
EventInput = DomainEvent | Mapping[str, Any] | str | bytes
Item = tuple[int, EventInput]
TeamKey = tuple[str, str]

#: How many temporary files a one-shot input's case lines are spilled into as they pass (read
#: back, a file at a time, only for cases folded anew when the order broke).
BUCKETS = 64
#: Visits kept as rows per case in a time-ordered pass before they are folded into one new
#: state: bounds that memory to about 32 rows per case (some 40 MB for 9,000 cases).
_RUN = 32
#: A parsed visit's fields a row is made of, read from the model's ``__dict__`` in one call
#: (six attribute lookups on a pydantic model cost more): day, intervention, minutes, team,
#: carer and id, the day and id still as ``date`` and ``UUID`` until the run is folded.
_VISIT_FIELDS = itemgetter(
    "delivered_on", "intervention", "minutes", "team_id", "carer_id", "event_id"
)
#: Texts of ``occurred_at`` remembered with their instants (forgotten all at once when full).
_STAMPS = 1 << 16

# A case id in a raw line, found without parsing it. Inside a JSON string every quote is
# escaped, so ``"case_id"`` followed by a colon is a key; ids with escapes take the slow path.
_CASE_ID = re.compile(rb'"case_id"\s*:\s*"([^"\\]*)"')


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


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector around bulk work, restoring the caller's setting.

    A fold allocates millions of short-lived, acyclic objects; each allocation burst would
    trigger collections that scan every object still alive, so the work grows with the size of
    the input. Reference counting still frees everything at once. Freezing is left to callers:
    ``gc.unfreeze`` would also release what the caller froze.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def resolve_workers(workers: object) -> int:
    """``workers`` as a positive process count (``"auto"``: the cores this process may use)."""
    if workers == "auto":
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # not on every platform
            return max(1, os.cpu_count() or 1)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidArgumentError(
            "workers must be a positive number of processes or 'auto' "
            f"(got a {type(workers).__name__})"
        )
    return workers


# --- parsing with positions ---------------------------------------------------------------------


def _raw(item: EventInput, event: DomainEvent | None) -> bytes | None:
    """The item as one line of JSON, or ``None`` when only its parsed form can give one."""
    if isinstance(item, str):
        item = item.encode("utf-8", "surrogatepass")
    if isinstance(item, bytes):
        line = item.rstrip(b"\r\n")
        if b"\n" not in line and b"\r" not in line:
            return line
    if event is not None:
        return event.model_dump_json().encode()
    return None


def _team_key(event: DomainEvent) -> TeamKey:
    return (event.team_id, event.period)  # type: ignore[attr-defined]


# --- the fold ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Case:
    """One case as folded so far: its state, the instant (:func:`_instant`) of the last event
    folded, the ids seen, the position of the last item taken in (folded, or dropped as a
    duplicate or unknown), and the rows of visits taken in but not yet in the state."""

    state: CitizenCase
    last: int = _NEVER
    seen: SeenIds = field(default_factory=SeenIds)
    upto: int = -1
    rows: list[tuple[Any, ...]] = field(default_factory=list)

    def settle(self) -> None:
        """Fold the visits waiting as rows into the state (one new state for the run),
        dropping those whose id was seen before (the first one counts): their ids are
        checked here, a run at a time, while the case's ids are at hand."""
        waiting, self.rows = self.rows, []
        numbers = [row[5].int for row in waiting]
        repeats = self.seen.add_all(numbers)
        rows: list[Row] = [
            (day.toordinal(), code, minutes, team, carer, number)
            for (day, code, minutes, team, carer, _), number in zip(waiting, numbers, strict=True)
        ]
        if repeats:
            dropped = set(repeats)
            rows = [row for position, row in enumerate(rows) if position not in dropped]
        self.state = with_visit_rows(self.state, rows)


class _Folds:
    """The cases and team periods of one check, folded as events arrive."""

    def __init__(self, when: AsOf) -> None:
        self.when = when
        self.known = when.knows_at
        #: An event is known as of ``when`` exactly when its instant is below this.
        self.bound = _bound(when)
        #: Instants by the text of ``occurred_at`` in a visit's line (:func:`_stamp`):
        #: exports repeat a few thousand times of day, and reading the text is cheaper than
        #: the parsed datetime's offset.
        self.instants: dict[bytes | str, int] = {}
        self.cases: dict[str, _Case] = {}
        self.teams: dict[TeamKey, list[DomainEvent]] = {}
        self.team_seen: set[tuple[str, int]] = set()

    def add_team(self, event: DomainEvent) -> None:
        if isinstance(event, PolicyVersionAdopted):
            return  # the municipality's terms, not a team's period: the caller's policy
        key = _team_key(event)
        number = (key[0], event.event_id.int)
        if number in self.team_seen:
            return
        self.team_seen.add(number)
        group = self.teams.setdefault(key, [])
        if self.when.knows(event):
            group.append(event)

    def case(self, case_id: str) -> _Case:
        case = self.cases.get(case_id)
        if case is None:
            case = self.cases[case_id] = _Case(CitizenCase(case_id=case_id))
        return case

    def take(self, index: int, case: _Case, event: DomainEvent) -> bool:
        """Fold one event of the case that is not a visit (visits are taken in by
        :func:`_fold` itself). ``False`` (and nothing taken in) when it is older than the
        case's last known event: the input is not in time order."""
        if case.rows:
            case.settle()  # their ids first: a visit before this event counts first
        if not case.seen.add(event.event_id.int):
            case.upto = index
            return True  # a duplicate: the first one counts
        moment = _instant(event.occurred_at)
        if moment < self.bound:
            if moment < case.last:
                case.seen.forget_last()  # it is read again from the partition files
                return False
            case.state = evolve(case.state, event)
            case.last = moment
        case.upto = index
        return True

    def finish(self, case_id: str, before: list[Item], after: list[Item]) -> None:
        """Finish a case from its items in position order: ``before`` were folded by the
        streaming pass, ``after`` were not. The streamed state goes on when no event of
        ``after`` is older than its last one; else the case is folded anew from all of them."""
        later = _Later()
        instants = self.instants
        for index, item in after:
            event = _parse(index, item)
            later.add(index, item, event, self.bound, instants)
        self.settle_later(case_id, later, lambda: [(i, _parse(i, item)) for i, item in before])

    def needs_refold(self, case_id: str, later: _Later) -> bool:
        """Whether the case's streamed state cannot go on with ``later``: one of its events
        (known, and not a repeat) is older than the last event the state folded."""
        case = self.cases.get(case_id)
        if case is None or not later.count:
            return False
        later.drop_repeats(case.seen)
        return later.least() < case.last

    def settle_later(
        self,
        case_id: str,
        later: _Later,
        before: Callable[[], list[tuple[int, DomainEvent]]],
    ) -> None:
        """Fold the events of a case that came after the order broke (``later``): on from
        the streamed state when none of them is older than its last event, else anew from
        all the case's events (``before()``: those the streaming pass took in, parsed, in
        position order), as ``fold_as_of`` does: known events in ``occurred_at`` order, ties
        in position order, the first of a repeated id counting."""
        case = self.cases.get(case_id)
        if case is not None and self.needs_refold(case_id, later):
            others = later.others
            unique: set[int] = set()
            bound = self.bound
            for index, event in before():
                number = event.event_id.int
                if number in unique:
                    continue
                unique.add(number)
                moment = _instant(event.occurred_at)
                if moment < bound:
                    others.append((moment, index, number, event))
            state = CitizenCase(case_id=case_id)
        else:
            later.drop_repeats(case.seen if case is not None else None)
            state = case.state if case is not None else CitizenCase(case_id=case_id)
        self.cases[case_id] = _Case(later.fold(state))  # its ids are not needed any more


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


def _occurred_at(event: DomainEvent) -> datetime:
    return event.occurred_at


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


def _read_lines(path: Path) -> Iterator[Item]:
    with open(path, "rb") as handle:
        for line in handle:
            index, _, raw = line.partition(b"\t")
            yield int(index), raw


def _read_cased(path: Path) -> Iterator[tuple[int, str, EventInput]]:
    """The lines :meth:`_Buckets.put` wrote: position, case id and raw line."""
    with open(path, "rb") as handle:
        for line in handle:
            index, size, rest = line.split(b"\t", 2)
            length = int(size)
            case_id = rest[:length].decode("utf-8", "surrogatepass")
            yield int(index), case_id, rest[length:-1]


def _text(case_id: bytes) -> str:
    # Not UTF-8: the line is refused when parsed, by position; until then it needs a bucket.
    return case_id.decode("utf-8", "replace")


def _route(index: int, item: EventInput) -> tuple[str | None, bytes, DomainEvent | None]:
    """Where an item goes: its case id (``None`` for a team event), its raw line, and its
    parsed form when parsing was needed to tell."""
    line = _case_line(item)
    if line is not None:
        return (*line, None)
    event = _parse(index, item)
    raw = _raw(item, event)
    assert raw is not None  # a parsed event always has a line
    return getattr(event, "case_id", None), raw, event


def _case_line(item: EventInput) -> tuple[str, bytes] | None:
    """A raw line and the case id in its text, or ``None`` when it must be parsed to tell."""
    if isinstance(item, bytes) and item.endswith(b"\n"):
        raw = item[:-1]  # a line read from a file; the usual, compact form first
        at = raw.find(b'"case_id":"')
        if at >= 0 and b"\r" not in raw and b"\n" not in raw and raw.find(b'"case_id"', at + 9) < 0:
            end = raw.find(b'"', at + 11)
            value = raw[at + 11 : end]
            if end > 0 and b"\\" not in value and raw.find(b'"case_id"') == at:
                return _text(value), raw
    if isinstance(item, str | bytes):
        raw_line = _raw(item, None)
        if raw_line is not None:
            found = _CASE_ID.findall(raw_line)
            if len(found) == 1:
                return _text(found[0]), raw_line
    return None


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


def _refused(index: int, item: EventInput) -> NoReturn:
    """Raise the error of an item ``parse_event`` refused, naming its position."""
    _parse(index, item)
    raise RuleEngineError(f"internal error: the event at index {index} was refused, then not")


def _take_later(
    folds: _Folds, later: dict[str, _Later], index: int, item: EventInput, event: DomainEvent
) -> None:
    """Take in one parsed event after the order broke (see :func:`_fold`)."""
    case_id: str | None = getattr(event, "case_id", None)
    if case_id is None:
        folds.add_team(event)
        return
    pending = later.get(case_id)
    if pending is None:
        pending = later[case_id] = _Later()
    pending.add(index, item, event, folds.bound, folds.instants)


def _fold(
    when: AsOf,
    items: Callable[[], Iterator[Item]] | Iterator[Item],
) -> _Folds:
    """Fold every item: streaming while each case's events come in time order, else by
    partition (see the module's docstring).

    ``items`` is a callable when the input can be read again, else a one-shot iterator (whose
    case events are spilled into partition files as they pass, in case the order breaks).
    """
    folds = _Folds(when)
    spill: _Buckets | None = None
    one_shot = not callable(items)
    source = items if not callable(items) else items()
    try:
        broken: tuple[str, list[tuple[int, DomainEvent]]] | None = None
        team_at: list[int] = []  # positions of the team events, not to be read again
        position = -1
        cases, bound, parse, instants = folds.cases, folds.bound, _parse, folds.instants
        fields = _VISIT_FIELDS
        parse_event = _decode.parse_event
        for index, item in source:
            position = index
            # A line straight to the parser (the positioned wrapper's check for a parsed
            # event is an ABC isinstance, a tenth of a visit's parse); an error is raised
            # again with the position.
            if type(item) is bytes or type(item) is str:
                try:
                    event: DomainEvent = parse_event(item)
                except InvalidEventError:
                    _refused(index, item)
            else:
                event = parse(index, item)
            case_id: str | None = getattr(event, "case_id", None)
            if case_id is None:
                folds.add_team(event)
                team_at.append(index)
                continue
            if one_shot:
                spill = spill or _Buckets()
                raw_line = _raw(item, event)
                assert raw_line is not None
                spill.put(case_id, index, raw_line)
            case = cases.get(case_id)
            if case is None:
                case = cases[case_id] = _Case(CitizenCase(case_id=case_id))
            if type(event) is not VisitDelivered:
                if not folds.take(index, case, event):
                    broken = (case_id, [(index, event)])
                    break
                continue
            # A visit, most events: taken in here, its row kept until the case's run is folded
            # (its id is checked for a repeat then: a repeat has the instant of the first).
            if type(item) is bytes:
                at = item.find(b'"occurred_at":"')
                stamp: bytes | str | None = item[at + 15 : at + 41] if at >= 0 else None
            else:
                stamp = _stamp(item)
            moment = instants.get(stamp) if stamp is not None else None
            if moment is None:
                moment = _instant(event.occurred_at)
                if stamp is not None and _whole_stamp(stamp):
                    if len(instants) >= _STAMPS:
                        instants.clear()
                    instants[stamp] = moment
            if moment < bound:
                if moment < case.last:
                    if case.rows:
                        case.settle()
                    if case.seen.add(event.event_id.int):
                        case.seen.forget_last()  # it is read again from the partition files
                        broken = (case_id, [(index, event)])
                        break
                    case.upto = index  # an older repeat of an event taken in: dropped
                    continue
                case.last = moment
                rows = case.rows
                rows.append(fields(event.__dict__))
                if len(rows) >= _RUN:
                    case.settle()
            else:  # unknown as of: not folded, but its id counts (after the rows before it)
                if case.rows:
                    case.settle()
                case.seen.add(event.event_id.int)
            case.upto = index
        for case in folds.cases.values():
            if case.rows:
                case.settle()
        if broken is None:
            return folds
        # Out of order: the rest is taken in by case, in memory (visits as plain values),
        # and folded per case at the end.
        later: dict[str, _Later] = {}
        breaker = broken[1][0]
        _take_later(folds, later, breaker[0], breaker[1], breaker[1])
        add_team, bound, make = folds.add_team, folds.bound, _Later
        for index, item in source:
            if type(item) is bytes or type(item) is str:
                try:
                    event = parse_event(item)
                except InvalidEventError:
                    _refused(index, item)
            else:
                event = parse(index, item)
            case_id = getattr(event, "case_id", None)
            if case_id is None:
                add_team(event)
                continue
            pending = later.get(case_id)
            if pending is None:
                pending = later[case_id] = make()
            if type(event) is not VisitDelivered:
                pending.add(index, item, event, bound, instants)
                continue
            if type(item) is bytes:
                at = item.find(b'"occurred_at":"')
                stamp = item[at + 15 : at + 41] if at >= 0 else None
            else:
                stamp = _stamp(item)
            moment = instants.get(stamp) if stamp is not None else None
            if moment is None:
                moment = _instant(event.occurred_at)
                if stamp is not None and _whole_stamp(stamp):
                    if len(instants) >= _STAMPS:
                        instants.clear()
                    instants[stamp] = moment
            if moment >= bound:
                pending.unknown.append((index, event.event_id.int))
                continue
            pending.at.append(moment)
            pending.positions.append(index)
            pending.days.append(event.delivered_on.toordinal())
            pending.minutes.append(event.minutes)
            pending.codes.append(_intern(event.intervention))
            pending.teams.append(_intern(event.team_id))
            pending.carers.append(_intern(event.carer_id))
            pending.ids.append(event.event_id.int)
        # The cases whose streamed state cannot go on are folded anew from all their events:
        # those the streaming pass took in are read again (a one-shot input's from the
        # partition files it spilled them into).
        refold = {
            case_id for case_id, pending in later.items() if folds.needs_refold(case_id, pending)
        }
        before: dict[str, list[tuple[int, DomainEvent]]] = {case_id: [] for case_id in refold}
        if refold and callable(items):
            teams = set(team_at)
            for index, item in items():
                if index >= position:
                    break
                if index in teams:
                    continue
                line = _case_line(item)
                if line is not None and line[0] not in refold:
                    continue
                event = parse(index, item)
                found = before.get(getattr(event, "case_id", None))  # type: ignore[arg-type]
                if found is not None:
                    found.append((index, event))
        elif refold and spill is not None:
            cases = folds.cases

            def upto(case_id: str) -> int:
                case = cases.get(case_id)
                return case.upto if case is not None else -1

            for group in spill.groups(upto):
                for case_id, (taken, _) in group.items():
                    if case_id in refold:
                        before[case_id] = [(index, parse(index, item)) for index, item in taken]
        for case_id in list(later):
            pending = later.pop(case_id)
            events = before.get(case_id, [])
            folds.settle_later(case_id, pending, lambda events=events: events)  # type: ignore[misc]
        return folds
    finally:
        if spill is not None:
            spill.close()
