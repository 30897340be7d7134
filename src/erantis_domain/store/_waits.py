"""Private: bounded waits on PostgreSQL.

eventsourcing passes only a pool timeout to psycopg: libpq then waits for a server as long as
the operating system lets it. A server that vanished (killed, its host gone) or froze (stopped
with SIGSTOP, a hung disk) would block a call for as long as it lasts, because the kernel of a
frozen server's host still acknowledges every packet: TCP keepalives and ``tcp_user_timeout``
never fire, and a server-side ``statement_timeout`` needs a server that runs.

So every connection the store's pool opens gets four bounds: libpq's ``connect_timeout``;
TCP keepalives (a host that vanished); a server-side ``statement_timeout`` and ``lock_timeout``
(a live server that is slow or blocked: it cancels cleanly); and a client-side deadline on
every statement, a little longer, for a server that does not run at all. A connection that
passed its deadline is closed (its protocol state is unknown) and the pool opens a new one
when the server is back: the store recovers by itself. An append cut off this way was either
committed whole or not at all; appends are idempotent, so the caller retries it.
"""

from __future__ import annotations

import math
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.rows import DictRow
from psycopg_pool import ConnectionPool

__all__ = ["bound"]

#: The client-side deadline is the server's statement timeout plus this: when the server runs,
#: its own timeout fires first and the connection stays usable.
_MARGIN = 1.0


class _BoundedConnection(psycopg.Connection[DictRow]):
    """A connection whose every wait for the server ends by its deadline."""

    #: Seconds a statement may wait for the server, client side (set per pool by ``bound``).
    deadline: float = 0.0

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        if timeout is None and self.deadline:
            timeout = self.deadline
        try:
            return super().wait(gen, interval=interval, timeout=timeout)
        except pg_errors._WaitTimeout:
            # Half a protocol exchange is in flight: the connection cannot be used again.
            self.close()
            raise pg_errors.OperationalError(
                f"timed out: the server did not answer within {timeout:g} s"
            ) from None


def bound(
    datastore: Any, *, timeout: float, connect_timeout: float, sslmode: str | None = None
) -> None:
    """Bound the waits of the connections of eventsourcing's ``datastore`` (its pool not
    opened yet): ``timeout`` seconds for a statement or a free connection, ``connect_timeout``
    for a new connection; ``sslmode``, when given, is libpq's for these connections."""
    pool: ConnectionPool[Any] = datastore.pool
    milliseconds = max(1, int(timeout * 1000))
    keepalive = max(1, math.ceil(timeout / 3))
    given = pool.kwargs
    pool.kwargs = {
        **(given if isinstance(given, dict) else {}),
        "connect_timeout": max(1, math.ceil(connect_timeout)),
        "keepalives": 1,
        "keepalives_idle": keepalive,
        "keepalives_interval": keepalive,
        "keepalives_count": 3,
        "tcp_user_timeout": milliseconds,
        "options": f"-c statement_timeout={milliseconds} -c lock_timeout={milliseconds}",
    }
    if sslmode is not None:
        pool.kwargs["sslmode"] = sslmode
    connection_class = type(
        "_BoundedConnectionOfStore", (_BoundedConnection,), {"deadline": timeout + _MARGIN}
    )
    pool.connection_class = connection_class
    # A free connection is waited for this long, not psycopg_pool's 30 s, and a pooled
    # connection whose server went away is noticed before it is handed out.
    pool.timeout = timeout
    pool._check = ConnectionPool.check_connection
