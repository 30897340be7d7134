"""Private: the service's settings, read from flags and the environment, and the store they
name."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from erantis_domain import AppendPolicy, CaseStore
from erantis_domain.store.keys import FieldCipher
from erantis_rules._stores import keyed_store
from erantis_rules.server._problems import ServerConfigurationError

__all__ = ["ENVIRONMENT", "Settings", "open_store"]

#: Each setting's environment variable (``Settings.from_env``).
ENVIRONMENT: Mapping[str, str] = {
    "db": "ERANTIS_DB",
    "db_password": "ERANTIS_DB_PASSWORD",
    "host": "ERANTIS_HOST",
    "port": "ERANTIS_PORT",
    "as_of": "ERANTIS_AS_OF",
    "timezone": "ERANTIS_TIMEZONE",
    "policy_file": "ERANTIS_POLICY",
    "auth": "ERANTIS_AUTH",
    "issuer": "ERANTIS_JWT_ISSUER",
    "audience": "ERANTIS_JWT_AUDIENCE",
    "jwks_file": "ERANTIS_JWKS_FILE",
    "jwks_url": "ERANTIS_JWKS_URL",
    "role_claim": "ERANTIS_ROLE_CLAIM",
    "actor_claim": "ERANTIS_ACTOR_CLAIM",
    "read_scope": "ERANTIS_READ_SCOPE",
    "write_scope": "ERANTIS_WRITE_SCOPE",
    "relay_scope": "ERANTIS_RELAY_SCOPE",
    "max_body_bytes": "ERANTIS_MAX_BODY_BYTES",
    "max_batch": "ERANTIS_MAX_BATCH",
    "max_ingest_bytes": "ERANTIS_MAX_INGEST_BYTES",
    "request_timeout": "ERANTIS_REQUEST_TIMEOUT",
    "max_in_flight": "ERANTIS_MAX_IN_FLIGHT",
    "catch_up_interval": "ERANTIS_CATCH_UP_INTERVAL",
    "feed_capacity": "ERANTIS_FEED_CAPACITY",
    "db_connect_timeout": "ERANTIS_DB_CONNECT_TIMEOUT",
    "snapshot_every": "ERANTIS_SNAPSHOT_EVERY",
    "encryption": "ERANTIS_ENCRYPTION",
}

_log = logging.getLogger(__name__)

_SECRETS = frozenset({"db_password"})


@dataclass(frozen=True)
class Settings:
    """Everything ``erantis serve`` and :func:`~erantis_rules.server.create_app` are
    configured by. Each field has an environment variable (:data:`ENVIRONMENT`); secrets
    (the database password) come only from the environment, never from a flag.

    ``db`` is a SQLite path (or ``sqlite:///PATH``) or ``postgresql://USER@HOST:PORT/NAME``;
    the password is ``db_password`` (``ERANTIS_DB_PASSWORD``, else ``PGPASSWORD``). ``as_of``
    fixes the day the service judges as of (default: today in ``timezone``). ``auth`` is on
    unless turned off explicitly; with it, ``issuer``, ``audience`` and one of ``jwks_file`` /
    ``jwks_url`` are required. ``encryption`` (on unless turned off) encrypts a store the
    service creates.
    """

    db: str = "erantis.sqlite"
    db_password: str = field(default="", repr=False)
    db_connect_timeout: int = 5
    #: A stream's state is snapshotted every this many events. Every append loads its
    #: stream from the last snapshot, so a short distance keeps appends cheap.
    snapshot_every: int = 10
    #: A store the service creates (a new SQLite file, an empty PostgreSQL database) is
    #: encrypted, with the key from ``ERANTIS_KEY`` or the key file as on the command line;
    #: ``False`` keeps it in clear. A store that exists opens as it is either way.
    encryption: bool = True
    host: str = "127.0.0.1"
    port: int = 8000
    as_of: date | None = None
    timezone: str = "Europe/Copenhagen"
    policy_file: Path | None = None
    auth: bool = True
    issuer: str | None = None
    audience: str | None = None
    jwks_file: Path | None = None
    jwks_url: str | None = None
    role_claim: str = "erantis_role"
    actor_claim: str = "sub"
    read_scope: str = "erantis:read"
    write_scope: str = "erantis:write"
    relay_scope: str = "erantis:relay"
    #: Largest JSON request body (bytes); a larger one is refused with 413.
    max_body_bytes: int = 1_048_576
    #: Most events in one append request; more is refused with 413.
    max_batch: int = 1000
    #: Largest JSON Lines upload (bytes, 0: no limit); the upload is streamed either way.
    max_ingest_bytes: int = 0
    #: Seconds a request (other than an ingest) may take, reading its body included (408).
    request_timeout: float = 30.0
    #: Requests handled at once; past that the service sheds load (503, ``Retry-After``).
    max_in_flight: int = 64
    #: Seconds between the warm engine's looks at the store's log (reads also look first).
    catch_up_interval: float = 0.5
    #: Finding changes the feed keeps; an older cursor gets a reset.
    feed_capacity: int = 100_000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``environ`` (default: the process environment), then ``overrides``
        (flags). Raises :class:`~erantis_rules.server.ServerConfigurationError` for a value
        that does not parse, naming the variable."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        kinds = {f.name: f.type for f in fields(cls)}
        for name, variable in ENVIRONMENT.items():
            text = env.get(variable)
            if text is None or text == "":
                continue
            values[name] = _parsed(variable, str(kinds[name]), text)
        if "db_password" not in values and env.get("PGPASSWORD"):
            values["db_password"] = env["PGPASSWORD"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def check(self) -> None:
        """Raise :class:`~erantis_rules.server.ServerConfigurationError` for settings the
        service cannot run with."""
        if self.auth:
            missing = [
                ENVIRONMENT[name] for name in ("issuer", "audience") if not getattr(self, name)
            ]
            if not (self.jwks_file or self.jwks_url):
                missing.append(f"{ENVIRONMENT['jwks_file']} or {ENVIRONMENT['jwks_url']}")
            if missing:
                raise ServerConfigurationError(
                    "bearer-token checking is on but not configured: set "
                    + ", ".join(missing)
                    + " (or turn it off for a local trial with --no-auth)"
                )
        for name in ("max_body_bytes", "max_batch", "max_in_flight", "feed_capacity"):
            if getattr(self, name) < 1:
                raise ServerConfigurationError(f"{ENVIRONMENT[name]} must be at least 1")
        if self.request_timeout <= 0 or self.catch_up_interval <= 0:
            raise ServerConfigurationError("timeouts and intervals must be positive")


def _parsed(variable: str, kind: str, text: str) -> Any:
    try:
        if "bool" in kind:
            lowered = text.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise ValueError(text)
        if "date" in kind:
            return date.fromisoformat(text)
        if "Path" in kind:
            return Path(text)
        if "float" in kind:
            return float(text)
        if "int" in kind:
            return int(text)
    except ValueError:
        # The value is not repeated: a misplaced secret must not reach a log.
        raise ServerConfigurationError(f"{variable} does not parse as {kind}") from None
    return text


def has_password(db: str) -> bool:
    """Whether a store URL carries a password (refused on the command line)."""
    if not db.startswith(("postgresql://", "postgres://")):
        return False
    return urlsplit(db).password is not None


def open_store(settings: Settings) -> CaseStore:
    """The store ``settings.db`` names, with the default append policy turned on, opened as
    the command line opens it (:func:`~erantis_rules._stores.keyed_store`): an encrypted
    store with its key, a store in clear as it is, a new one encrypted unless
    ``settings.encryption`` is off. The store may judge a grouped commit by the events'
    ``recorded_by``: the service has checked every request's events against its
    authenticated principal (or a relay's scope) before."""
    store, created = keyed_store(_opener(settings), create=True, clear=not settings.encryption)
    if created is not None:
        _log.warning(
            "the new store is encrypted with a new key, written to %s (readable by its owner "
            "only): keep a copy, without it the store cannot be read",
            created,
        )
    return store


def _opener(settings: Settings) -> Callable[[FieldCipher | None], CaseStore]:
    """How to open the store ``settings.db`` names, with a cipher or without."""
    db = settings.db
    policy = AppendPolicy.default().trusting_recorded_by()
    if db.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(db)
        unknown = sorted(set(parse_qs(parts.query)) - {"schema"})
        if unknown:
            raise ServerConfigurationError(
                f"{ENVIRONMENT['db']}: unsupported parameters {', '.join(unknown)} (only schema)"
            )
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ServerConfigurationError(
                f"{ENVIRONMENT['db']}: a PostgreSQL URL needs a database name"
            )
        try:
            port = parts.port or 5432
        except ValueError:
            raise ServerConfigurationError(
                f"{ENVIRONMENT['db']}: the port is not a number"
            ) from None
        schema = parse_qs(parts.query).get("schema", [None])[-1]
        return lambda cipher: CaseStore.postgres(
            dbname=name,
            host=parts.hostname or "127.0.0.1",
            port=port,
            user=unquote(parts.username) if parts.username else "erantis",
            password=unquote(parts.password) if parts.password else settings.db_password,
            schema=schema,
            connect_timeout=settings.db_connect_timeout,
            snapshot_every=settings.snapshot_every,
            append_policy=policy,
            cipher=cipher,
        )
    if "://" in db and not db.startswith("sqlite:///"):
        raise ServerConfigurationError(
            f"{ENVIRONMENT['db']}: use a path, sqlite:///PATH or postgresql://..."
        )
    path = Path(unquote(db.removeprefix("sqlite:///")))
    return lambda cipher: CaseStore.sqlite(
        path, append_policy=policy, snapshot_every=settings.snapshot_every, cipher=cipher
    )


def shown_db(db: str) -> str:
    """The store for logs: a PostgreSQL URL without its credentials."""
    if db.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(db)
        return f"postgresql://{parts.hostname or '127.0.0.1'}:{parts.port or 5432}{parts.path}"
    return db
