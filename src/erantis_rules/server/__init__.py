"""The erantis HTTP service: the same library behind a versioned HTTP API (``/v1``) with an
OpenAPI contract, for back ends that are not Python (an extra: ``pip install
'erantis[server]'``; ``erantis serve`` runs it on uvicorn).

:func:`create_app` builds the ASGI application from :class:`Settings` (flags and the
environment, see :data:`ENVIRONMENT`); :func:`openapi_document` is its contract, committed as
``specs/openapi.json``; :func:`serve` runs it. Errors are RFC 9457 problem details carrying
erantis' stable codes (:class:`ServiceError` and its subclasses for the service's own). See
``docs/service.md``.
"""

from erantis_rules.server._app import API_VERSION, create_app
from erantis_rules.server._auth import Principal
from erantis_rules.server._problems import (
    AuthenticationRequired,
    BatchTooLarge,
    BodyTooLarge,
    CursorInvalid,
    EventRejected,
    Internal,
    MethodNotAllowed,
    NotFound,
    Overloaded,
    RequestInvalid,
    RequestTimedOut,
    ScopeMissing,
    ServerConfigurationError,
    ServiceError,
    TokenAudienceWrong,
    TokenExpired,
    TokenInvalid,
    UnsupportedMediaType,
)
from erantis_rules.server._run import openapi_document, openapi_text, serve, serve_from_flags
from erantis_rules.server._settings import ENVIRONMENT, Settings

__all__ = [
    "API_VERSION",
    "ENVIRONMENT",
    "AuthenticationRequired",
    "BatchTooLarge",
    "BodyTooLarge",
    "CursorInvalid",
    "EventRejected",
    "Internal",
    "MethodNotAllowed",
    "NotFound",
    "Overloaded",
    "Principal",
    "RequestInvalid",
    "RequestTimedOut",
    "ScopeMissing",
    "ServerConfigurationError",
    "ServiceError",
    "Settings",
    "TokenAudienceWrong",
    "TokenExpired",
    "TokenInvalid",
    "UnsupportedMediaType",
    "create_app",
    "openapi_document",
    "openapi_text",
    "serve",
    "serve_from_flags",
]
