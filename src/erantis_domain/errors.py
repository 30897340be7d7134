"""Errors raised by erantis.

Every error derives from :class:`ErantisError` and carries a stable ``code`` that embedders
can match on (log it, map it to an HTTP status, link it to documentation). Codes never change
meaning once released; messages may be reworded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from erantis_domain._cpr import redact_cpr

__all__ = [
    "CommandRejected",
    "ConcurrencyConflict",
    "Damage",
    "ErantisError",
    "EventIdReused",
    "FieldProblem",
    "ForbiddenError",
    "InvalidArgumentError",
    "InvalidEventError",
    "InvalidPolicyError",
    "RuleEngineError",
    "SettlementError",
    "StoreAuthenticationError",
    "StoreBusyError",
    "StoreConfigurationError",
    "StoreCorruptedError",
    "StoreKeyError",
    "StoreMissingDatabaseError",
    "StoreTimeoutError",
    "StoreUnavailableError",
    "StoreUnreachableError",
    "UnknownCaseError",
]


class ErantisError(Exception):
    """Base class of every error erantis raises on purpose."""

    code: ClassVar[str] = "E-ERANTIS"

    def __init__(self, message: str) -> None:
        # The last guard: a CPR-shaped part of a message (a file name, an argument, a value
        # some caller forgot to withhold) never leaves erantis in an error.
        message = redact_cpr(message)
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One reason an input was rejected: where (a dotted field path), what was wrong, and a
    printable, possibly redacted, rendering of the offending value."""

    field: str
    problem: str
    value: str


class InvalidEventError(ErantisError):
    """An event (or a batch of them) failed validation; nothing was stored.

    ``problems`` lists each field at fault. Values that could hold personal data (a CPR-like
    identifier) are redacted in the message.
    """

    code = "E-EVENT-INVALID"

    def __init__(self, message: str, problems: Sequence[FieldProblem] = ()) -> None:
        super().__init__(message)
        self.problems: tuple[FieldProblem, ...] = tuple(problems)


class InvalidArgumentError(ErantisError):
    """An argument of a call (not an event) is malformed, e.g. a naive ``as_of``."""

    code = "E-ARGUMENT-INVALID"


class EventIdReused(ErantisError):
    """An ``event_id`` already stored was sent again with different content."""

    code = "E-EVENT-ID-REUSED"


class ConcurrencyConflict(ErantisError):
    """Another writer appended to the same case or team period first; nothing was written."""

    code = "E-CONFLICT"


class UnknownCaseError(ErantisError):
    """No events are stored for the requested case or team period."""

    code = "E-UNKNOWN-CASE"


class StoreConfigurationError(ErantisError):
    """The event store could not be configured or opened as asked."""

    code = "E-STORE-CONFIG"


class InvalidPolicyError(ErantisError):
    """A policy (thresholds of the rules and settlement) failed validation."""

    code = "E-POLICY-INVALID"


class RuleEngineError(ErantisError):
    """The rules engine failed while evaluating; no partial findings are returned."""

    code = "E-RULE-ENGINE"


class SettlementError(ErantisError):
    """A settlement was refused (period not ended, or already settled)."""

    code = "E-SETTLEMENT"


class CommandRejected(ErantisError):
    """A command broke a hard invariant of the case (e.g. revising an unknown decision); no
    event was decided. Questionable practices are not rejected: they become facts."""

    code = "E-COMMAND-REJECTED"


@dataclass(frozen=True, slots=True)
class Damage:
    """One damaged place in a store: the stream (a case id, ``team_id/period``, or the stream's
    UUID when the event naming it cannot be read), the position in that stream (its version,
    from 1), and what is wrong, in words."""

    stream: str
    position: int
    problem: str

    def __str__(self) -> str:
        return f"{self.stream} at position {self.position}: {self.problem}"


class StoreCorruptedError(ErantisError):
    """Stored data is damaged: a row that is not UTF-8 or not JSON, truncated or empty, an
    event missing from the middle of a stream, or one whose content no longer matches its
    digest. Nothing is returned from a damaged stream; ``damage`` lists each place found."""

    code = "E-STORE-CORRUPTED"

    def __init__(self, message: str, damage: Sequence[Damage] = ()) -> None:
        super().__init__(message)
        self.damage: tuple[Damage, ...] = tuple(damage)

    @classmethod
    def of(cls, damage: Sequence[Damage]) -> StoreCorruptedError:
        """The error naming each damaged place (the first ten in the message)."""
        shown = "; ".join(str(d) for d in damage[:10])
        more = f"; and {len(damage) - 10} more" if len(damage) > 10 else ""
        return cls(f"the event store is damaged: {shown}{more}", damage)


class ForbiddenError(ErantisError):
    """An event may not be recorded by whoever recorded it (the store's append policy), or its
    ``recorded_by`` is not the authenticated principal; nothing was stored."""

    code = "E-FORBIDDEN"


class StoreUnavailableError(ErantisError):
    """The event store could not be used just now; nothing was written. The subclasses name
    the cause; their messages never hold a password or a raw driver message."""

    code = "E-STORE-UNAVAILABLE"


class StoreBusyError(StoreUnavailableError):
    """SQLite: another process held the database locked longer than the lock timeout. Retry
    the same call after a moment (an append is all or nothing, and idempotent)."""

    code = "E-STORE-BUSY"


class StoreUnreachableError(StoreUnavailableError):
    """PostgreSQL: no server answers at the host and port (refused, unknown host, no route),
    or it closed the connection (stopped or restarted)."""

    code = "E-STORE-UNREACHABLE"


class StoreAuthenticationError(StoreUnavailableError):
    """PostgreSQL: the server refused the user (wrong password, or no such role)."""

    code = "E-STORE-AUTH"


class StoreMissingDatabaseError(StoreUnavailableError):
    """PostgreSQL: the server answers, but the database does not exist."""

    code = "E-STORE-NO-DATABASE"


class StoreTimeoutError(StoreUnavailableError):
    """The store did not answer within the configured timeout."""

    code = "E-STORE-TIMEOUT"


class StoreKeyError(ErantisError):
    """Encrypted stored data cannot be read: no key was given, its key id is not among the
    keys, or the key is wrong (or the ciphertext was altered). Nothing is returned."""

    code = "E-STORE-KEY"
