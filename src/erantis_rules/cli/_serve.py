"""``serve``: the HTTP service (the ``server`` extra), imported only when the command runs."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["serve"]


def serve(
    db: Annotated[
        str | None,
        typer.Option(help="Event store (as --db elsewhere, without a password). ERANTIS_DB."),
    ] = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on. ERANTIS_HOST.")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="ERANTIS_PORT.")] = None,
    as_of: Annotated[
        str | None, typer.Option(metavar="YYYY-MM-DD", help="Judge as of a fixed day.")
    ] = None,
    issuer: Annotated[str | None, typer.Option(help="Token issuer. ERANTIS_JWT_ISSUER.")] = None,
    audience: Annotated[str | None, typer.Option(help="ERANTIS_JWT_AUDIENCE.")] = None,
    jwks_file: Annotated[str | None, typer.Option(help="ERANTIS_JWKS_FILE.")] = None,
    jwks_url: Annotated[str | None, typer.Option(help="ERANTIS_JWKS_URL.")] = None,
    no_auth: Annotated[
        bool, typer.Option("--no-auth", help="No bearer tokens (a local trial only).")
    ] = False,
    no_encryption: Annotated[
        bool,
        typer.Option(
            "--no-encryption",
            help="Create a new store in clear text (encrypted by default). ERANTIS_ENCRYPTION.",
        ),
    ] = False,
    openapi: Annotated[
        str | None, typer.Option(help="Write the OpenAPI document to this file and exit.")
    ] = None,
) -> None:
    """Run the HTTP service (the server extra); see docs/service.md. Secrets only from the
    environment (ERANTIS_DB_PASSWORD), never from a flag.

    Example: erantis serve --db erantis.sqlite --no-auth --port 8000
    """
    from erantis_rules.server import serve_from_flags

    serve_from_flags(
        db=db,
        host=host,
        port=port,
        as_of=as_of,
        issuer=issuer,
        audience=audience,
        jwks_file=jwks_file,
        jwks_url=jwks_url,
        no_auth=no_auth,
        no_encryption=no_encryption,
        openapi=openapi,
    )
