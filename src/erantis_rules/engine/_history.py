"""Private: what a warm :class:`~erantis_rules.RuleEngine` keeps of each case.

A parsed event keeps about 2 KB alive in a dozen objects the garbage collector tracks: a
municipality's year of them (half a million) made the engine weigh 1.7 GB, and each full
collection scan them all inside some caller's warm call. The engine therefore keeps, per case,

* its events as raw JSON lines, in arrival order, in zlib-compressed chunks (bytes are not
  tracked by the collector, and the lines of a case compress about tenfold);
* the ids it has seen, to drop repeats (a :class:`~erantis_rules.engine._seen.SeenIds`: 16 bytes an
  id in untracked byte arrays);
* its state folded from every event in time order (``occurred_at``, ties in arrival order),
  extended in place while events arrive in that order.

An event older than the case's last one cannot be folded on: the case is refolded when its
state is next needed, from the last checkpoint of its state (one per 128 events folded in
order; of those older than the last two, only every eighth is kept, since each is a state
whose objects every full collection of the caller's process walks) that the late event does
not precede, parsing only the lines after it. A case whose newest events had not happened by
the ``as_of`` asked is folded from the events known by then, and that state is kept while the
events added after it are ones the ``as_of`` does not know.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from operator import attrgetter

from erantis_domain.asof import AsOf
from erantis_domain.case import CitizenCase, evolve, fold_as_of
from erantis_domain.events import DomainEvent, parse_event
from erantis_rules.engine._seen import SeenIds

__all__ = ["CaseHistory", "Lines"]

#: Lines are compressed once this many bytes are pending (one zlib call per ~50 events). The
#: call lands inside some warm call: 64 KB took about 110 µs (a bump on one call in 200, the
#: warm engine's 99th percentile), 16 KB about 30 µs, for lines about a quarter larger
#: compressed (14 against 18 times smaller than raw).
_CHUNK = 1 << 14
#: Events folded in order between two checkpoints of a case's state.
_EVERY = 128
#: Checkpoints kept at every :data:`_EVERY` events: the most recent ones; older ones only at
#: every :data:`_SPARSE`-th (a late event is usually recent; an older one parses more lines).
_RECENT = 2
_SPARSE = 8
_OCCURRED = attrgetter("occurred_at")


class Lines:
    """Raw JSON lines, appended, kept in compressed chunks plus an uncompressed tail."""

    __slots__ = ("_chunks", "_tail")

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._tail = bytearray()

    def add(self, line: bytes) -> None:
        """Append one line (without line breaks in it)."""
        tail = self._tail
        tail += line
        tail += b"\n"
        if len(tail) >= _CHUNK:
            self._chunks.append(zlib.compress(tail, 1))
            self._tail = bytearray()

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            yield from zlib.decompress(chunk).splitlines()
        yield from bytes(self._tail).splitlines()


@dataclass(slots=True)
class CaseHistory:
    """One case as the engine keeps it (see the module)."""

    case_id: str
    lines: Lines = field(default_factory=Lines)
    #: Not a set of ints: a set is tracked by the garbage collector (a full collection would
    #: visit every id of every case), and each id would cost about 80 bytes.
    ids: SeenIds = field(default_factory=SeenIds)
    #: Every event fed, folded in time order; valid while ``in_order``.
    state: CitizenCase | None = None
    #: The latest ``occurred_at`` fed.
    latest: datetime | None = None
    in_order: bool = True
    #: Lines kept.
    count: int = 0
    #: ``(lines before it, the latest occurred_at among them, the state they fold to)``, one
    #: per :data:`_EVERY` events folded in order (thinned, see :data:`_RECENT`). Every line
    #: before a checkpoint happened by its moment and every line after at or after it: a late
    #: event is folded again with only the lines after the last checkpoint it does not precede.
    checkpoints: list[tuple[int, datetime, CitizenCase]] = field(default_factory=list)
    #: ``(as_of, lines, state)``: the state known as of a moment before ``latest``, when
    #: ``lines`` were kept. Events that moment does not know leave it as it is: a case with
    #: events after the ``as_of`` asked is not refolded from its lines on each new one.
    known: tuple[AsOf, int, CitizenCase] | None = None

    def add(self, event: DomainEvent, line: bytes) -> bool:
        """Keep a new event (``False``: its id was seen before)."""
        if not self.ids.add(event.event_id.int):
            return False
        self.lines.add(line)
        self.count += 1
        moment = event.occurred_at
        if self.in_order and (self.latest is None or moment >= self.latest):
            self.state = evolve(self.state or CitizenCase(case_id=self.case_id), event)
            if self.count % _EVERY == 0:
                points = self.checkpoints
                points.append((self.count, moment, self.state))
                if len(points) > _RECENT and points[-_RECENT - 1][0] % (_EVERY * _SPARSE):
                    del points[-_RECENT - 1]
        else:
            self.in_order = False
            self.state = None  # refolded from the lines when next needed
            while self.checkpoints and self.checkpoints[-1][1] > moment:
                self.checkpoints.pop()  # the late event goes before its last lines
        if self.latest is None or moment > self.latest:
            self.latest = moment
        if self.known is not None:
            as_of, _, state = self.known
            self.known = None if as_of.knows_at(moment) else (as_of, self.count, state)
        return True

    def state_as_of(self, as_of: AsOf) -> CitizenCase:
        """The case as known ``as_of``, as :func:`~erantis_domain.case.fold_as_of` folds it."""
        if self.latest is not None and not as_of.knows_at(self.latest):
            known = self.known
            if known is not None and known[0] == as_of and known[1] == self.count:
                return known[2]
            state = fold_as_of(self.case_id, self._events(), as_of)
            self.known = (as_of, self.count, state)
            return state
        if not self.in_order or self.state is None:
            skip, state = 0, CitizenCase(case_id=self.case_id)
            if self.checkpoints:
                skip, _, state = self.checkpoints[-1]
            for event in sorted(self._events(skip), key=_OCCURRED):
                state = evolve(state, event)
            self.state = state
            self.in_order = True
        return self.state

    def _events(self, skip: int = 0) -> list[DomainEvent]:
        return [parse_event(line) for line in islice(self.lines, skip, None)]
