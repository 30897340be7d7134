"""Private: what one service instance keeps warm, caught up from the store's log.

Every instance reads the same notification log, so every instance folds the same events into
its :class:`~erantis_rules.RuleEngine` and its frame ledger, and answers the same findings.
Before a read the instance asks the store for its last position (one small query) and catches
up if another instance (or an ingest) wrote since; a background thread does the same every
``catch_up_interval`` seconds so the change feed moves without readers.

The change feed is the same on every instance: the log is read in groups of consecutive
events recorded by one append (they share their recording time), the engine is asked for its
changes after each group, and a change is identified by the day judged, the group's last
position and its index in the group. An instance started later keeps changes only from where
it started; an older cursor (or one of another day) gets a *reset*: re-read the findings, then
follow the feed from the cursor the reset gives.
"""

from __future__ import annotations

import base64
import binascii
import logging
import random
import threading
import time
import zlib
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from operator import attrgetter
from typing import Literal
from zoneinfo import ZoneInfo

from erantis_domain import Actor, AppendPolicy, CaseStore, Event
from erantis_domain.errors import ConcurrencyConflict, ErantisError
from erantis_domain.projections import BudgetLedger
from erantis_domain.store import StoredEntry
from erantis_rules import Finding, Policy, PolicyHistory, PolicyVersion, RuleEngine
from erantis_rules.server._commit import Committed, GroupCommit
from erantis_rules.server._problems import CursorInvalid
from erantis_rules.server._settings import Settings, open_store

__all__ = ["Change", "FeedCursor", "FeedPage", "Service", "finding_order"]

_log = logging.getLogger("erantis.server")

#: Retries of an append without an expected version that lost a race at commit.
_RACE_RETRIES = 8

#: Locks that serialize appends to the same stream within an instance.
_STRIPES = 64

#: The index of a cursor that has seen every change of its position's group.
_END = 2**31 - 1


def finding_order(finding: Finding) -> tuple[str, str, date, tuple[str, ...]]:
    """The stable order of findings (that of :func:`erantis_rules.check`)."""
    return (finding.subject, finding.rule_id, finding.due or date.min, finding.evidence)


@dataclass(frozen=True, slots=True)
class Change:
    """A finding that appeared or was resolved when the group of events ending at
    ``position`` was recorded; ``index`` orders the changes of one group."""

    position: int
    index: int
    kind: Literal["appeared", "resolved"]
    finding: Finding


@dataclass(frozen=True, slots=True)
class FeedCursor:
    """Where a feed reader is: every change up to ``(position, index)`` of ``day`` seen."""

    day: date
    position: int
    index: int

    def encode(self) -> str:
        """The opaque text handed to clients."""
        text = f"{self.day.isoformat()}.{self.position}.{self.index}"
        return base64.urlsafe_b64encode(text.encode("ascii")).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, text: str) -> FeedCursor:
        """The cursor ``encode`` wrote; anything else is ``E-CURSOR-INVALID``."""
        try:
            padded = text + "=" * (-len(text) % 4)
            raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
            day, position, index = raw.split(".")
            cursor = cls(date.fromisoformat(day), int(position), int(index))
        except (ValueError, UnicodeError, binascii.Error):
            raise CursorInvalid("the feed cursor was not issued by this service") from None
        if cursor.position < 0 or not 0 <= cursor.index <= _END:
            raise CursorInvalid("the feed cursor was not issued by this service")
        return cursor


@dataclass(frozen=True, slots=True)
class FeedPage:
    """A page of the change feed: the changes after the cursor given (or, for a reset, none:
    re-read the findings), and the cursor to continue from."""

    day: date
    reset: bool
    changes: list[Change]
    cursor: FeedCursor


class Service:
    """One instance's store, warm engine, frame ledger and change feed."""

    def __init__(self, settings: Settings, store: CaseStore | None = None) -> None:
        self.settings = settings
        if settings.policy_file is not None:
            try:
                text = settings.policy_file.read_text(encoding="utf-8")
            except OSError as exc:
                from erantis_rules.server._problems import ServerConfigurationError

                raise ServerConfigurationError(
                    f"the policy file cannot be read ({type(exc).__name__})"
                ) from None
            self.policy = Policy.model_validate_json(text)
        else:
            self.policy = Policy()
        self.terms = self.policy.settlement_terms()
        self.store = store if store is not None else open_store(settings)
        #: The store's own policy (open_store turns it on); requests are checked against it
        #: before their events join a group commit.
        self.append_policy = AppendPolicy.default()
        #: A relay's token (or a service without tokens) vouches for the ``recorded_by`` of
        #: the events it sends: those are judged by their own claim, roles still checked.
        self.relay_policy = self.append_policy.trusting_recorded_by()
        self.committer = GroupCommit(self.store, lambda events: self.append_alone(events))
        self._zone = ZoneInfo(settings.timezone)
        self._lock = threading.RLock()
        self._engine = RuleEngine(self.policy)
        self.ledger = BudgetLedger()
        self.position = 0
        self._day: date | None = None
        self._warm = False
        self._changes: list[Change] = []
        self._change_keys: list[tuple[int, int]] = []
        #: Cursors before this have changes this instance never saw (or dropped): a reset.
        self._feed_from = (0, _END)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: Appends to one stream take turns inside an instance (a race between instances is
        #: still settled by the store, and retried): striped, so memory stays fixed.
        self._stripes = [threading.Lock() for _ in range(_STRIPES)]

    # --- time and the background loop -----------------------------------------------------

    def today(self) -> date:
        """The day the service judges as of: the configured one, else today in its zone."""
        if self.settings.as_of is not None:
            return self.settings.as_of
        return datetime.now(self._zone).date()

    def start(self) -> None:
        """Catch up once (if the store answers), then keep catching up in the background."""
        try:
            self.refresh()
        except ErantisError as exc:
            _log.warning("initial catch-up failed (%s); retrying in the background", exc.code)
        self._thread = threading.Thread(target=self._loop, name="erantis-catch-up", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        failing = False
        while not self._stop.wait(self.settings.catch_up_interval):
            try:
                self.refresh()
            except ErantisError as exc:
                if not failing:
                    _log.warning("catch-up failed (%s); retrying", exc.code)
                failing = True
                continue
            except Exception:
                _log.exception("catch-up failed unexpectedly; retrying")
                failing = True
                continue
            if failing:
                _log.warning("catch-up recovered at position %d", self.position)
            failing = False

    def close(self) -> None:
        """Stop the background loop and release the engine and the store."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.committer.close()
        with self._lock:
            self._engine.close()
        self.store.close()

    def append(
        self,
        events: list[Event],
        *,
        expected_version: int | None = None,
        principal: Actor | None = None,
    ) -> Committed:
        """Store one request's events: checked against ``principal`` and the append policy
        first, then committed with other waiting requests, or alone when the writer gave an
        expected version."""
        if expected_version is not None:
            return self.append_alone(events, expected_version, principal)
        policy = self.append_policy if principal is not None else self.relay_policy
        for event in events:
            policy.check(event, principal)
        return self.committer.append(events, _streams(events))

    def append_alone(
        self,
        events: list[Event],
        expected_version: int | None = None,
        principal: Actor | None = None,
    ) -> Committed:
        """One request's events in a transaction of their own. Without an expected version a
        race at commit (another instance wrote the stream) is retried."""
        for attempt in range(_RACE_RETRIES):
            try:
                with self.writing(_streams(events)):
                    result = self.store.append(
                        events, expected_version=expected_version, principal=principal
                    )
                return Committed(result.stored, result.duplicates, dict(result.versions))
            except ConcurrencyConflict:
                if expected_version is not None or attempt == _RACE_RETRIES - 1:
                    raise
                # Writers that collided would collide again in lockstep: spread them.
                time.sleep(random.uniform(0, 0.005 * (attempt + 1)))
        raise AssertionError("unreachable")  # pragma: no cover

    @contextmanager
    def writing(self, streams: Iterable[str]) -> Iterator[None]:
        """Hold the turn of each stream (case id or ``team/period``) for one append."""
        stripes = sorted({zlib.crc32(name.encode()) % _STRIPES for name in streams})
        with ExitStack() as held:
            for stripe in stripes:
                held.enter_context(self._stripes[stripe])
            yield

    # --- catching up --------------------------------------------------------------------

    def refresh(self) -> None:
        """Catch up with the store's log if it moved since (one small query if not)."""
        last = self.store.last_position()
        if self._warm and last <= self.position and self._day == self.today():
            return
        with self._lock:
            day = self.today()
            if day != self._day:
                self._new_day(day)
            if last > self.position or not self._warm:
                self._catch_up()

    def _new_day(self, day: date) -> None:
        self._day = day
        if self._warm:
            self._engine.changes(day)
            self._changes, self._change_keys = [], []
            self._feed_from = (self.position, _END)

    def _catch_up(self) -> None:
        entries = self.store.replay(after=self.position)
        if not self._warm:
            # The first catch-up folds the whole log at once: the feed starts after it.
            for entry in entries:
                self._engine.feed([entry.event])
                self.ledger.apply(entry)
                self.position = entry.position
            assert self._day is not None
            self._engine.changes(self._day)
            self._feed_from = (self.position, _END)
            self._warm = True
            _log.info("warm at position %d", self.position)
            return
        for group in _groups(entries):
            self._apply(group)

    def _apply(self, group: list[StoredEntry]) -> None:
        self._engine.feed(entry.event for entry in group)
        for entry in group:
            self.ledger.apply(entry)
        self.position = group[-1].position
        assert self._day is not None
        changes = self._engine.changes(self._day)
        index = 0
        for kind, findings in (("appeared", changes.new), ("resolved", changes.resolved)):
            for finding in findings:
                change = Change(self.position, index, kind, finding)  # type: ignore[arg-type]
                self._changes.append(change)
                self._change_keys.append((change.position, change.index))
                index += 1
        capacity = self.settings.feed_capacity
        if len(self._changes) > capacity + capacity // 2:
            drop = len(self._changes) - capacity
            last = self._change_keys[drop - 1]
            del self._changes[:drop]
            del self._change_keys[:drop]
            self._feed_from = max(self._feed_from, last)

    # --- reads ----------------------------------------------------------------------------

    def settlement_version(self, period: str) -> PolicyVersion:
        """The policy version a period is settled under, as ``erantis settle`` chooses it: the
        configured policy file's, else the version in force for the period among those adopted
        in the store (read each time: a version adopted since the start counts), else the
        defaults."""
        if self.settings.policy_file is None:
            adopted = PolicyHistory.from_store(self.store)
            if adopted is not None:
                return adopted.for_period(period)
        return PolicyHistory.single(self.policy).for_period(period)

    @contextmanager
    def current(self) -> Iterator[date]:
        """Caught up, and holding the engine still: yields the day judged."""
        self.refresh()
        with self._lock:
            assert self._day is not None
            yield self._day

    def findings_of(self, subject: str) -> list[Finding]:
        """The current findings of one subject (a case id or ``team/period``)."""
        with self.current() as day:
            found = self._engine.findings(day)
        # The findings sort by subject first: a subject's are one run, found by bisection.
        low = bisect_left(found, subject, key=_subject)
        high = bisect_right(found, subject, lo=low, key=_subject)
        return found[low:high]

    def counts_by_rule(self) -> Counter[str]:
        """How many current findings each rule has (for the metrics; no subjects)."""
        with self._lock:
            if self._day is None:
                return Counter()
            return Counter(f.rule_id for f in self._engine.findings(self._day))

    def all_findings(self) -> tuple[date, list[Finding]]:
        """Every current finding, in the stable order, and the day judged."""
        with self.current() as day:
            return day, self._engine.findings(day)

    def team_of(self, case_id: str) -> str | None:
        """The team of a case, as the ledger knows it."""
        case = self.ledger.case(case_id)
        return None if case is None else case.team_id

    def feed(self, cursor: FeedCursor | None, limit: int) -> FeedPage:
        """The changes after ``cursor`` (at most ``limit``), or a reset."""
        with self.current() as day:
            tail = FeedCursor(day, self.position, _END)
            if cursor is None:
                return FeedPage(day, True, [], tail)
            seen = (cursor.position, cursor.index)
            if cursor.day != day or seen < self._feed_from:
                return FeedPage(day, True, [], tail)
            if cursor.position > self.position:
                raise CursorInvalid("the feed cursor is ahead of the store's log")
            start = bisect_right(self._change_keys, seen)
            page = self._changes[start : start + limit]
            if start + limit < len(self._changes):
                last = page[-1]
                return FeedPage(day, False, page, FeedCursor(day, last.position, last.index))
            return FeedPage(day, False, page, tail)


_subject = attrgetter("subject")


def _streams(events: list[Event]) -> set[str]:
    """The streams a batch writes to: case ids, and ``team/period`` of team events (as the
    store names them in its versions)."""
    out: set[str] = set()
    for event in events:
        case_id = getattr(event, "case_id", None)
        if case_id is None:
            out.add(f"{getattr(event, 'team_id', '')}/{getattr(event, 'period', '')}")
        else:
            out.add(case_id)
    return out


def _groups(entries: Iterable[StoredEntry]) -> Iterator[list[StoredEntry]]:
    """Consecutive entries recorded by one append (the same recording time)."""
    group: list[StoredEntry] = []
    for entry in entries:
        if group and entry.recorded_at != group[-1].recorded_at:
            yield group
            group = []
        group.append(entry)
    if group:
        yield group
