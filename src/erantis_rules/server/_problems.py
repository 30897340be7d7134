"""Private: errors as RFC 9457 problem details, each with erantis' stable code.

A problem's ``type`` is ``urn:erantis:problem:<code>``; ``code`` repeats the code for clients
that match on a plain field. Messages are erantis' own (they never repeat a value shaped like
personal data); an invalid event adds ``errors``: the event's index in the request (or the
line of an upload), the field and the problem, and the value only where erantis judged it safe
to show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from starlette.responses import JSONResponse

from erantis_domain.errors import (
    ConcurrencyConflict,
    ErantisError,
    EventIdReused,
    ForbiddenError,
    InvalidArgumentError,
    InvalidEventError,
    InvalidPolicyError,
    SettlementError,
    StoreBusyError,
    StoreUnavailableError,
    UnknownCaseError,
)

__all__ = [
    "PROBLEM_TYPE",
    "AuthenticationRequired",
    "BatchTooLarge",
    "BodyTooLarge",
    "CursorInvalid",
    "EventRejected",
    "Internal",
    "MethodNotAllowed",
    "NotFound",
    "Overloaded",
    "RequestInvalid",
    "RequestTimedOut",
    "ScopeMissing",
    "ServerConfigurationError",
    "ServiceError",
    "TokenAudienceWrong",
    "TokenExpired",
    "TokenInvalid",
    "UnsupportedMediaType",
    "problem_document",
    "problem_response",
    "retry_after_of",
    "status_of",
]

PROBLEM_TYPE = "urn:erantis:problem:"
MEDIA_TYPE = "application/problem+json"


class ServiceError(ErantisError):
    """An error of the HTTP service itself (not of the library underneath): each subclass has
    a stable ``code`` and the HTTP ``status`` it is answered with."""

    code = "E-SERVICE"
    status: ClassVar[int] = 500
    #: Seconds a client should wait before retrying (sent as ``Retry-After``), if any.
    retry_after: ClassVar[int | None] = None

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.extensions = extensions


class EventRejected(InvalidEventError):
    """An invalid event of a request, with where it was: its index in the request's batch
    (``index``) or its line in an upload (``line``, from 1). Same code as any invalid event."""

    def __init__(
        self, cause: InvalidEventError, *, index: int | None = None, line: int | None = None
    ) -> None:
        where = f"line {line}" if line is not None else f"index {index}"
        super().__init__(
            cause.message.replace("invalid event", f"invalid event at {where}", 1),
            cause.problems,
        )
        self.index = index
        self.line = line
        #: Further members of the problem (e.g. what an upload stored before the line).
        self.extensions: dict[str, Any] = {}


class ServerConfigurationError(ServiceError):
    """The service's settings are incomplete or malformed; it does not start."""

    code = "E-SERVER-CONFIG"


class AuthenticationRequired(ServiceError):
    """No bearer token was sent."""

    code = "E-AUTH-MISSING"
    status = 401


class TokenInvalid(ServiceError):
    """The bearer token is malformed, not signed by a key of the JWKS, or from another issuer."""

    code = "E-AUTH-INVALID"
    status = 401


class TokenExpired(ServiceError):
    """The bearer token has expired (or is not valid yet)."""

    code = "E-AUTH-EXPIRED"
    status = 401


class TokenAudienceWrong(ServiceError):
    """The bearer token was issued for another audience."""

    code = "E-AUTH-AUDIENCE"
    status = 401


class ScopeMissing(ServiceError):
    """The token lacks the scope (or the role and actor claims) the request needs."""

    code = "E-AUTH-SCOPE"
    status = 403


class BodyTooLarge(ServiceError):
    """The request body is larger than the service accepts."""

    code = "E-BODY-TOO-LARGE"
    status = 413


class BatchTooLarge(ServiceError):
    """An append request holds more events than the service accepts in one batch."""

    code = "E-BATCH-TOO-LARGE"
    status = 413


class RequestTimedOut(ServiceError):
    """The request (its body included) took longer than the service allows; an append that
    timed out may or may not be stored, so retry it as it was (appends are idempotent)."""

    code = "E-REQUEST-TIMEOUT"
    status = 408


class Overloaded(ServiceError):
    """The service is handling as many requests as it is allowed to; retry after a moment."""

    code = "E-OVERLOADED"
    status = 503
    retry_after = 1


class RequestInvalid(ServiceError):
    """A parameter, header or body of the request is malformed (not an event: those are
    ``E-EVENT-INVALID``)."""

    code = "E-REQUEST-INVALID"
    status = 400


class CursorInvalid(ServiceError):
    """A pagination or feed cursor was not issued by this service."""

    code = "E-CURSOR-INVALID"
    status = 400


class NotFound(ServiceError):
    """No such resource."""

    code = "E-NOT-FOUND"
    status = 404


class MethodNotAllowed(ServiceError):
    """The resource exists but not with this method."""

    code = "E-METHOD-NOT-ALLOWED"
    status = 405


class UnsupportedMediaType(ServiceError):
    """The request body is not of the media type the resource takes."""

    code = "E-MEDIA-TYPE"
    status = 415


class Internal(ServiceError):
    """An unexpected failure of the service; the log has the details, the answer does not."""

    code = "E-INTERNAL"
    status = 500


#: The HTTP status of each library error, most specific first.
_STATUS: Sequence[tuple[type[ErantisError], int]] = (
    (InvalidEventError, 422),
    (InvalidArgumentError, 400),
    (InvalidPolicyError, 400),
    (EventIdReused, 409),
    (ConcurrencyConflict, 409),
    (SettlementError, 409),
    (UnknownCaseError, 404),
    (ForbiddenError, 403),
    (StoreUnavailableError, 503),
)

_TITLES: Mapping[int, str] = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    408: "Request timeout",
    409: "Conflict",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
    501: "Not implemented",
    503: "Service unavailable",
}


def status_of(exc: ErantisError) -> int:
    """The HTTP status an error is answered with."""
    if isinstance(exc, ServiceError):
        return exc.status
    if exc.code == "E-REPORT-EXTRA-MISSING":
        return 501
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            return status
    return 500


def retry_after_of(exc: ErantisError) -> int | None:
    """Seconds to wait before a retry, for errors that pass."""
    if isinstance(exc, ServiceError):
        return exc.retry_after
    if isinstance(exc, StoreBusyError):
        return 1
    if isinstance(exc, StoreUnavailableError):
        return 2
    return None


def problem_document(exc: ErantisError, instance: str) -> dict[str, Any]:
    """The problem details of ``exc`` as JSON-ready data."""
    status = status_of(exc)
    document: dict[str, Any] = {
        "type": PROBLEM_TYPE + exc.code,
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": exc.message,
        "code": exc.code,
        "instance": instance,
    }
    if isinstance(exc, InvalidEventError):
        errors = []
        for problem in exc.problems:
            entry: dict[str, Any] = {"field": problem.field, "problem": problem.problem}
            if isinstance(exc, EventRejected):
                if exc.index is not None:
                    entry["index"] = exc.index
                if exc.line is not None:
                    entry["line"] = exc.line
            # erantis shows a value only when it is safe; "<withheld ...>" says it is not.
            if problem.value and not problem.value.startswith("<withheld"):
                entry["value"] = problem.value
            errors.append(entry)
        document["errors"] = errors
    if isinstance(exc, ServiceError | EventRejected):
        document.update(exc.extensions)
    return document


def problem_response(exc: ErantisError, instance: str) -> JSONResponse:
    """``exc`` answered as ``application/problem+json``."""
    document = problem_document(exc, instance)
    headers = {}
    retry = retry_after_of(exc)
    if retry is not None:
        headers["Retry-After"] = str(retry)
    if document["status"] == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="erantis"'
    return JSONResponse(
        document, status_code=document["status"], headers=headers, media_type=MEDIA_TYPE
    )
