"""Private: the eventsourcing application underneath the store, configured only in code.

The process environment is *not* consulted, so an embedder's ``PERSISTENCE_MODULE`` or
``SQLITE_DBNAME`` can never move the data somewhere else behind its back. Our recorders
(eventsourcing's, writing the index of event ids too) replace eventsourcing's own on SQLite
and PostgreSQL.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Mapper
from eventsourcing.utils import Environment

from erantis_domain.errors import StoreConfigurationError
from erantis_domain.store._mapper import PydanticMapper
from erantis_domain.store._naming import shown
from erantis_domain.store.keys import FieldCipher
from erantis_domain.values import looks_like_cpr

#: Our recorders (eventsourcing's, writing the index of event ids too), by persistence module.
_RECORDERS = {
    "eventsourcing.sqlite": "erantis_domain.store._recorders:SQLiteIndexedRecorder",
    "eventsourcing.postgres": "erantis_domain.store._recorders_pg:PostgresIndexedRecorder",
}


#: libpq's SSL modes, the values ``sslmode`` may take.
SSL_MODES = frozenset({"disable", "allow", "prefer", "require", "verify-ca", "verify-full"})

#: eventsourcing settings our mapper does not apply (see :func:`settings`).
_NOT_USED = frozenset({"CIPHER_TOPIC", "CIPHER_KEY", "COMPRESSOR_TOPIC"})


class Backend(Application[UUID]):
    """The eventsourcing application underneath; configured only from the explicit env."""

    name = "erantis"

    def construct_env(self, name: str, env: Any = None) -> Environment:
        # Deliberately ignore os.environ: configuration passed in code must win, always.
        return Environment(name, dict(env or {}))

    #: Set on the instance before eventsourcing's constructor builds the mapper.
    field_cipher: FieldCipher | None = None

    def __init__(self, env: Mapping[str, str], field_cipher: FieldCipher | None) -> None:
        self.field_cipher = field_cipher
        try:
            super().__init__(env=env)
        except BaseException:
            # The factory's connection pool is open by now: closed here, not by the collector
            # in whichever thread it runs (a pool's own worker cannot join itself).
            factory = getattr(self, "factory", None)
            if factory is not None:
                factory.close()
            raise

    def construct_factory(self, env: Environment) -> Any:
        factory = super().construct_factory(env)
        datastore = getattr(factory, "datastore", None)
        if env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres" and datastore is not None:
            from erantis_domain.store._waits import bound

            bound(
                datastore,
                timeout=float(env.get("ERANTIS_STATEMENT_TIMEOUT") or "5"),
                connect_timeout=float(env.get("POSTGRES_CONNECT_TIMEOUT") or "5"),
                sslmode=env.get("ERANTIS_SSLMODE") or None,
            )
        return factory

    def construct_mapper(self) -> Mapper[UUID]:
        mapper = PydanticMapper(transcoder=self.factory.transcoder())
        mapper.field_cipher = self.field_cipher
        return mapper

    @property
    def persistence(self) -> str:
        """Which persistence module is in use (``popo``, ``sqlite`` or ``postgres``)."""
        return self.env.get("PERSISTENCE_MODULE", "").rsplit(".", 1)[-1]


def settings(env: Mapping[str, str]) -> dict[str, str]:
    """The application's settings for ``env``: snapshots on, and our recorder where there is
    one for its persistence module."""
    given = sorted(set(env) & _NOT_USED)
    if given:
        # eventsourcing's own cipher and compressor are bypassed by our mapper: a setting
        # that would silently leave the data in clear is refused instead.
        raise StoreConfigurationError(
            f"setting {', '.join(given)} is not used by erantis; "
            "encrypt with cipher=FieldCipher(...) instead"
        )
    out = dict(env)
    out["IS_SNAPSHOTTING_ENABLED"] = "y"
    recorder = _RECORDERS.get(out.get("PERSISTENCE_MODULE", ""))
    if recorder is not None:
        out["APPLICATION_RECORDER_TOPIC"] = recorder
    return out


def sqlite_env(path: str | Path, lock_timeout: int) -> tuple[dict[str, str], str]:
    """The settings of an SQLite file store, and its label."""
    target = Path(path)
    if str(path) == ":memory:" or not target.parent.exists():
        raise StoreConfigurationError(
            f"SQLite path {shown(str(path))} is not a file in an existing directory"
        )
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(target),
        "SQLITE_LOCK_TIMEOUT": str(lock_timeout),
    }
    name = "<withheld>" if looks_like_cpr(target.name) else target.name
    return env, f"SQLite {name}"


def postgres_env(
    *,
    dbname: str,
    host: str,
    port: int,
    user: str,
    password: str,
    schema: str | None,
    connect_timeout: float,
    timeout: float = 5.0,
    sslmode: str | None = None,
) -> tuple[dict[str, str], str]:
    """The settings of a PostgreSQL store, and its label; the ``postgres`` extra must be
    installed."""
    for name, value in (("connect_timeout", connect_timeout), ("timeout", timeout)):
        if not 0 < value <= 3600:
            raise StoreConfigurationError(f"{name} must be over 0 and at most 3600 seconds")
    if sslmode is not None and sslmode not in SSL_MODES:
        raise StoreConfigurationError(
            f"sslmode {sslmode!r} is not one of libpq's: {', '.join(sorted(SSL_MODES))}"
        )
    try:
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError:
        # Otherwise eventsourcing's own error names its PERSISTENCE_MODULE setting, which
        # erantis users never set.
        raise StoreConfigurationError(
            "the PostgreSQL store needs the 'postgres' extra (psycopg 3): "
            "pip install 'erantis[postgres]'"
        ) from None
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": host,
        "POSTGRES_PORT": str(port),
        "POSTGRES_USER": user,
        "POSTGRES_PASSWORD": password,
        # eventsourcing takes whole seconds only (a fraction made every connection fail), and
        # libpq's connect_timeout is whole seconds too: a fraction is rounded up.
        "POSTGRES_CONNECT_TIMEOUT": str(max(1, math.ceil(connect_timeout))),
        # Read by Backend.construct_factory (eventsourcing ignores it): see _waits.
        "ERANTIS_STATEMENT_TIMEOUT": str(timeout),
    }
    if sslmode is not None:
        # Read by Backend.construct_factory too: given to this store's connections only, where
        # setting PGSSLMODE would change every libpq connection of the process.
        env["ERANTIS_SSLMODE"] = sslmode
    if schema:
        env["POSTGRES_SCHEMA"] = schema
    return env, f"PostgreSQL {dbname}"
