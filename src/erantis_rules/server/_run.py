"""Private: running the service on uvicorn, and its OpenAPI document."""

from __future__ import annotations

import json
import logging
from typing import Any

from erantis_rules.server._app import create_app
from erantis_rules.server._settings import Settings, shown_db

__all__ = ["openapi_document", "openapi_text", "serve", "serve_from_flags"]

_log = logging.getLogger("erantis.server")


def openapi_document() -> dict[str, Any]:
    """The service's OpenAPI document (what ``specs/openapi.json`` holds)."""
    app = create_app(Settings(auth=False))
    return app.openapi()


def openapi_text() -> str:
    """:func:`openapi_document` as the committed file's text (sorted keys, a final newline)."""
    return json.dumps(openapi_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def serve(settings: Settings, *, log_level: str = "info") -> None:
    """Run the service on uvicorn until interrupted (one process; run several behind a load
    balancer to scale, see docs/service.md)."""
    import uvicorn

    app = create_app(settings)
    if not settings.auth:
        _log.warning("bearer-token checking is OFF: anyone reaching the port may read and write")
    _log.info("serving %s on %s:%d", shown_db(settings.db), settings.host, settings.port)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=log_level,
        # Our own guard sheds load with problem details; uvicorn's own limit is a backstop.
        limit_concurrency=settings.max_in_flight * 4,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=10,
        server_header=False,
        proxy_headers=True,
    )


def serve_from_flags(
    *,
    db: str | None = None,
    host: str | None = None,
    port: int | None = None,
    as_of: str | None = None,
    issuer: str | None = None,
    audience: str | None = None,
    jwks_file: str | None = None,
    jwks_url: str | None = None,
    no_auth: bool = False,
    no_encryption: bool = False,
    openapi: str | None = None,
    log_level: str = "info",
) -> None:
    """``erantis serve``: settings from the environment and these flags, then :func:`serve`
    (or, with ``openapi``, write the OpenAPI document to that file and return). A password in
    ``db`` is refused: secrets come only from the environment."""
    from datetime import date
    from pathlib import Path

    from erantis_rules.server._problems import ServerConfigurationError
    from erantis_rules.server._settings import has_password

    if openapi is not None:
        Path(openapi).write_text(openapi_text(), encoding="utf-8")
        return
    if db is not None and has_password(db):
        raise ServerConfigurationError(
            "--db holds a password; pass it in ERANTIS_DB_PASSWORD (or PGPASSWORD) instead, "
            "never on the command line"
        )
    day = None
    if as_of is not None:
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            raise ServerConfigurationError("--as-of must be a day YYYY-MM-DD") from None
    settings = Settings.from_env(
        db=db,
        host=host,
        port=port,
        as_of=day,
        issuer=issuer,
        audience=audience,
        jwks_file=Path(jwks_file) if jwks_file else None,
        jwks_url=jwks_url,
        auth=False if no_auth else None,
        encryption=False if no_encryption else None,
    )
    settings.check()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    serve(settings, log_level=log_level)
