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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NoReturn

from erantis_domain.asof import AsOf
from erantis_domain.case import CitizenCase, evolve
from erantis_domain.case._evolve import with_visit_rows
from erantis_domain.case._visits import Row
from erantis_domain.errors import InvalidArgumentError, InvalidEventError, RuleEngineError
from erantis_domain.events import DomainEvent, PolicyVersionAdopted, VisitDelivered
from erantis_domain.events import decode as _decode
from erantis_domain.events.decode import _parse_at as _parse
from erantis_rules.engine._partition import (
    _NEVER,
    _STAMPS,
    EventInput,
    Item,
    _bound,
    _Buckets,
    _instant,
    _intern,
    _Later,
    _stamp,
    _visit_instant,
    _whole_stamp,
)
from erantis_rules.engine._seen import SeenIds

__all__ = ["EventInput", "Workers", "paused_gc", "resolve_workers"]

Workers = int | Literal["auto"]
TeamKey = tuple[str, str]

#: Visits kept as rows per case in a time-ordered pass before they are folded into one new
#: state: bounds that memory to about 32 rows per case (some 40 MB for 9,000 cases).
_RUN = 32

# A case id in a raw line, found without parsing it. Inside a JSON string every quote is
# escaped, so ``"case_id"`` followed by a colon is a key; ids with escapes take the slow path.
_CASE_ID = re.compile(rb'"case_id"\s*:\s*"([^"\\]*)"')


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
    rows: list[Row] = field(default_factory=list)

    def settle(self) -> None:
        """Fold the visits waiting as rows into the state (one new state for the run),
        dropping those whose id was seen before (the first one counts): their ids are
        checked here, a run at a time, while the case's ids are at hand."""
        rows, self.rows = self.rows, []
        repeats = self.seen.add_all([row[5] for row in rows])
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


def _read_lines(path: Path) -> Iterator[Item]:
    with open(path, "rb") as handle:
        for line in handle:
            index, _, raw = line.partition(b"\t")
            yield int(index), raw


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
                rows.append(
                    (
                        event.delivered_on.toordinal(),
                        event.intervention,
                        event.minutes,
                        event.team_id,
                        event.carer_id,
                        event.event_id.int,
                    )
                )
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
            # _Later.add's visit arm written out here: most lines are visits (a method call
            # each costs more than the appends).
            moment = _visit_instant(item, event, instants)
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
