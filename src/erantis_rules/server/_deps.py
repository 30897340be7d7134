"""Private: the request dependencies of the service's resources (the open service, the
caller's principal, and the read and write scope checks).

They read what they need from ``request.app.state`` (``service``, ``settings`` and
``verifier``, set by :func:`~erantis_rules.server.create_app`), so they can live at module
level and serve as annotated types (``Reader``, ``Writer``, ``Running``) in the resources.
"""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from erantis_rules.server._auth import ANONYMOUS, Principal, TokenVerifier
from erantis_rules.server._settings import Settings
from erantis_rules.server._state import Service

__all__ = ["Reader", "Running", "Writer", "principal", "reader", "running", "writer"]

# The OpenAPI security scheme ("HTTPBearer") is named after this dependency's class.
_bearer = HTTPBearer(auto_error=False, description="An OAuth2 access token (JWT).")


# The dependencies are coroutines: a plain function would cost each request a hop to the
# thread pool and back per dependency. A token seen before is answered from the cache on
# the loop; a new one is checked in a thread (its JWKS may need fetching).
async def running(request: Request) -> Service:
    """The service the application opened when it started."""
    found: Service = request.app.state.service
    return found


async def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Who calls: the bearer token's principal, or anonymous when the service has no auth."""
    verifier: TokenVerifier | None = request.app.state.verifier
    if verifier is None:
        return ANONYMOUS
    header = None if credentials is None else f"Bearer {credentials.credentials}"
    known = verifier.cached(header)
    if known is not None:
        return known
    return await run_in_threadpool(verifier.verify, header)


async def reader(request: Request, who: Annotated[Principal, Depends(principal)]) -> Principal:
    """The caller, if its token holds the read scope."""
    settings: Settings = request.app.state.settings
    who.require(settings.read_scope)
    return who


async def writer(request: Request, who: Annotated[Principal, Depends(principal)]) -> Principal:
    """The caller, if its token holds the write scope."""
    settings: Settings = request.app.state.settings
    who.require(settings.write_scope)
    return who


Reader = Annotated[Principal, Depends(reader)]
Writer = Annotated[Principal, Depends(writer)]
Running = Annotated[Service, Depends(running)]
