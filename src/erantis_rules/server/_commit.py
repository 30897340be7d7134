"""Private: group commit. Appends that arrive while the store is committing are written
together in the next transaction, so an instance is not bound to one commit (one fsync on
SQLite) per request.

One writer thread per instance takes every waiting request, checks nothing twice (each
request's events were parsed, and checked against its principal, by the request's own
thread), and appends them all in one call. When that call fails as a whole (an ``event_id``
reused, a settlement refused, a race with another instance), each request is appended on its
own, so each gets its own answer and one bad request never fails another. What each request
stored is exact: when the group met duplicates, the store's log tells which of the group's
events this transaction wrote.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field

from erantis_domain import CaseStore, Event
from erantis_domain.errors import ErantisError, StoreUnavailableError

__all__ = ["Committed", "GroupCommit"]

_log = logging.getLogger("erantis.server")

#: Most events written in one group (a larger group waits for the next transaction).
_MAX_EVENTS = 2000


@dataclass(frozen=True, slots=True)
class Committed:
    """What one request's append did."""

    stored: int
    duplicates: int
    versions: Mapping[str, int]


@dataclass(slots=True)
class _Request:
    events: list[Event]
    streams: set[str]
    done: Future[Committed] = field(default_factory=Future)


class GroupCommit:
    """The instance's writer: ``append`` blocks until the request's events are committed."""

    def __init__(self, store: CaseStore, alone: Callable[[list[Event]], Committed]) -> None:
        self._store = store
        #: Appends one request by itself (with the service's own retries of races).
        self._alone = alone
        self._queue: queue.Queue[_Request | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="erantis-writer", daemon=True)
        self._thread.start()

    def append(self, events: list[Event], streams: set[str]) -> Committed:
        """Commit ``events`` (already parsed and checked) with whatever else is waiting."""
        request = _Request(events, streams)
        self._queue.put(request)
        return request.done.result()

    def close(self) -> None:
        """Finish what is queued, then stop the writer."""
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            size = len(first.events)
            stop = False
            while size < _MAX_EVENTS:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                group.append(more)
                size += len(more.events)
            try:
                self._commit(group)
            except BaseException as exc:  # pragma: no cover - _commit answers every request
                _log.exception("group commit failed unexpectedly")
                for request in group:
                    if not request.done.done():
                        request.done.set_exception(exc)
            if stop:
                return

    def _commit(self, group: list[_Request]) -> None:
        if len(group) == 1:
            self._answer(group[0])
            return
        events = [event for request in group for event in request.events]
        try:
            before = self._store.last_position()
            result = self._store.append(events)
        except StoreUnavailableError as exc:
            # Nothing was written: every request gets the same coded answer.
            for request in group:
                request.done.set_exception(exc)
            return
        except ErantisError:
            for request in group:
                self._answer(request)
            return
        written: set[str] | None = None
        if result.duplicates:
            ids = {str(event.event_id) for event in events}
            written = {
                str(entry.event.event_id)
                for entry in self._store.replay(after=before)
                if str(entry.event.event_id) in ids
            }
        for request in group:
            if written is None:
                stored = len(request.events)
            else:
                stored = len({str(e.event_id) for e in request.events} & written)
            versions = {k: v for k, v in result.versions.items() if k in request.streams}
            request.done.set_result(
                Committed(stored=stored, duplicates=len(request.events) - stored, versions=versions)
            )

    def _answer(self, request: _Request) -> None:
        try:
            request.done.set_result(self._alone(request.events))
        except BaseException as exc:
            request.done.set_exception(exc)
