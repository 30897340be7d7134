"""Private: a failure of the database underneath, named as a coded error.

eventsourcing wraps most driver errors in its own; either way the store raises a
:class:`~erantis_domain.errors.StoreUnavailableError` subclass saying what went wrong and where,
never the driver's own message (it may quote connection settings).
"""

from __future__ import annotations

import functools
import sqlite3
import sys
from collections.abc import Callable, Mapping
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from eventsourcing.persistence import PersistenceError

from erantis_domain.errors import (
    StoreAuthenticationError,
    StoreBusyError,
    StoreMissingDatabaseError,
    StoreTimeoutError,
    StoreUnavailableError,
    StoreUnreachableError,
)

#: Failures of the database underneath (eventsourcing wraps most driver errors in these).
_BASE_ERRORS: tuple[type[BaseException], ...] = (PersistenceError, sqlite3.Error, OSError)
_with_driver: tuple[type[BaseException], ...] | None = None


def driver_errors() -> tuple[type[BaseException], ...]:
    """The failures of the database underneath, for an ``except`` clause (which evaluates it
    only when something was raised). psycopg's own errors join once psycopg is imported, which
    opening a PostgreSQL store does: a process on SQLite alone (the command line's default)
    does not pay psycopg's import at start."""
    global _with_driver
    if _with_driver is not None:
        return _with_driver
    psycopg = sys.modules.get("psycopg")
    if psycopg is None:
        return _BASE_ERRORS
    errors = (*_BASE_ERRORS, psycopg.Error)
    pool = sys.modules.get("psycopg_pool")
    if pool is None:
        return errors
    _with_driver = (*errors, pool.PoolTimeout)
    return _with_driver


def _causes(exc: BaseException, *, context: bool = True) -> str:
    """The lower-cased text of an exception and its causes (to classify, never to show);
    ``context=False`` leaves out what it was raised while handling."""
    texts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(texts) < 5:
        texts.append(f"{type(seen).__name__}: {seen}".lower())
        seen = seen.__cause__ or (seen.__context__ if context else None)
    return " | ".join(texts)


_UNREACHABLE = (
    "connection refused",
    "could not translate host",
    "name or service not known",
    "no route to host",
    "network is unreachable",
    "server closed the connection",
    "terminating connection",
    "connection is closed",
    "the connection is lost",
    "consuming input failed",
)


def _classify(text: str) -> type[StoreUnavailableError] | None:
    if (
        "database is locked" in text
        or "database is busy" in text
        or "database table is locked" in text
    ):
        return StoreBusyError
    if "password authentication failed" in text or "no password supplied" in text:
        return StoreAuthenticationError
    if "role " in text and "does not exist" in text:
        return StoreAuthenticationError
    if "database " in text and "does not exist" in text:
        return StoreMissingDatabaseError
    if any(marker in text for marker in _UNREACHABLE):
        return StoreUnreachableError
    if "timeout" in text or "timed out" in text or "couldn't get a connection" in text:
        return StoreTimeoutError
    return None


_ADVICE: Mapping[type[StoreUnavailableError], str] = {
    StoreBusyError: "another process holds the database locked; retry the same call after a "
    "moment (appends are all or nothing and idempotent)",
    StoreUnreachableError: "no server answers there, or it closed the connection",
    StoreAuthenticationError: "the server refused the user (wrong password, or no such role)",
    StoreMissingDatabaseError: "the server answers, but the database does not exist",
    StoreTimeoutError: "it did not answer within the timeout",
    StoreUnavailableError: "the database failed",
}


class Failures:
    """Names the database failures of one store (its settings and label)."""

    def __init__(self, env: Mapping[str, str], label: str) -> None:
        self._env = env
        self._label = label

    def unavailable(self, exc: BaseException) -> StoreUnavailableError:
        """The coded error of a database failure: the cause in words, where, never the
        driver's own message (it may quote connection settings)."""
        causes = _causes(exc)
        kind = _classify(causes)
        postgres = self._env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres"
        # Our own client-side deadline (see _waits) already says what happened.
        ours = "the server did not answer within" in causes
        if kind is None or (kind is StoreTimeoutError and postgres and not ours):
            # The pool hides the cause behind a timeout: one direct attempt names it.
            kind = self._probe() or kind or StoreUnavailableError
        where = self._label or "event"
        return kind(f"the {where} store is unavailable: {_ADVICE[kind]}; nothing was written")

    def _probe(self) -> type[StoreUnavailableError] | None:
        env = self._env
        if env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
            return None
        try:
            import psycopg as driver
        except ImportError:  # pragma: no cover - the postgres extra is installed with the store
            return None
        try:
            with driver.connect(
                host=env["POSTGRES_HOST"],
                port=int(env["POSTGRES_PORT"]),
                user=env["POSTGRES_USER"],
                password=env["POSTGRES_PASSWORD"] or None,
                dbname=env["POSTGRES_DBNAME"],
                # As the store's own connections go (see _waits.bound): a probe in libpq's
                # default mode would succeed where the store's mode fails, naming no cause.
                sslmode=env.get("ERANTIS_SSLMODE") or None,
                # Only to name the cause: never much longer than the wait it explains.
                connect_timeout=min(
                    3, max(1, int(float(env.get("POSTGRES_CONNECT_TIMEOUT", "3"))))
                ),
            ):
                return None
        except driver.Error as exc:
            # The probe runs while the store's failure is handled: that failure's text (the
            # pool's timeout) is not the probe's and would name the wrong cause.
            return _classify(_causes(exc, context=False)) or StoreUnreachableError


class Guarded(Protocol):
    """An object whose methods :func:`guarded` wraps: it knows how to name its failures."""

    _failures: Failures


_G = TypeVar("_G", bound=Guarded)
_P = ParamSpec("_P")
_T = TypeVar("_T")


def guarded(method: Callable[Concatenate[_G, _P], _T]) -> Callable[Concatenate[_G, _P], _T]:
    """Turn a failure of the database underneath into a coded
    :class:`~erantis_domain.errors.StoreUnavailableError`."""

    @functools.wraps(method)
    def call(owner: _G, /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        try:
            return method(owner, *args, **kwargs)
        except driver_errors() as exc:
            raise owner._failures.unavailable(exc) from None

    return call
