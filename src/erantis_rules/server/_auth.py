"""Private: bearer tokens (OAuth2 access tokens as JWTs) checked against an issuer, an
audience and a JWKS, and mapped to erantis' actors and scopes.

A token's ``scope`` (space-separated) or ``scp`` (a list) names what it may do: the read
scope to read, the write scope to record. The claims named by the settings (``erantis_role``
and ``sub`` by default) give the actor the token records as: its events must be
``recorded_by`` that very actor (id and role), and the role must be one the store's append
policy allows for the event's type. A token with the relay scope (an integration platform that
forwards what many people documented) may record events by others; the append policy still
judges each event's role.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

import jwt
from pydantic import ValidationError

from erantis_domain import Actor
from erantis_rules.server._problems import (
    AuthenticationRequired,
    ScopeMissing,
    ServerConfigurationError,
    TokenAudienceWrong,
    TokenExpired,
    TokenInvalid,
)
from erantis_rules.server._settings import Settings

__all__ = ["ANONYMOUS", "Principal", "TokenVerifier"]

#: Tokens remembered at most (the cache is emptied when full).
_CACHED_TOKENS = 4096

#: Asymmetric algorithms only: a shared secret would have to live in the service.
_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request comes from: the actor its events are recorded by (``None``: the token
    names no role, so it may only read), and its scopes."""

    actor: Actor | None
    scopes: frozenset[str]
    relay: bool = False

    def require(self, scope: str) -> None:
        """Raise ``E-AUTH-SCOPE`` unless the token has ``scope``."""
        if scope not in self.scopes:
            raise ScopeMissing(f"the token lacks the scope {scope!r} this request needs")

    def recorder(self, scope: str) -> Actor | None:
        """The principal the store checks each event's ``recorded_by`` against (``None`` for
        a relay), after checking the write ``scope``."""
        self.require(scope)
        if self.relay:
            return None
        if self.actor is None:
            raise ScopeMissing(
                "the token names no erantis role and actor, so it may not record events"
            )
        return self.actor


class _Everything(frozenset[str]):
    """Every scope (authentication turned off)."""

    def __contains__(self, item: object) -> bool:
        return True


#: With authentication turned off (a local trial): every scope, recording for anyone.
ANONYMOUS = Principal(actor=None, scopes=_Everything(), relay=True)


class TokenVerifier:
    """Checks ``Authorization: Bearer`` tokens against the configured issuer, audience and
    JWKS (a file read once, or a URL fetched and cached by key id)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._client: jwt.PyJWKClient | None = None
        self._keys: dict[str, Any] = {}
        #: Tokens already checked: their principal and until when it holds. A signature
        #: check costs more than the rest of a small append.
        self._seen: dict[str, tuple[Principal, float]] = {}
        if settings.jwks_file is not None:
            try:
                document = json.loads(settings.jwks_file.read_text(encoding="utf-8"))
                keys = jwt.PyJWKSet.from_dict(document)
            except (OSError, ValueError, jwt.PyJWKError, jwt.PyJWKSetError) as exc:
                raise ServerConfigurationError(
                    f"the JWKS file cannot be read as a key set ({type(exc).__name__})"
                ) from None
            self._keys = {key.key_id or "": key for key in keys.keys}
        elif settings.jwks_url:
            self._client = jwt.PyJWKClient(settings.jwks_url, cache_keys=True, lifespan=300)

    def _key(self, token: str) -> Any:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            raise TokenInvalid("the bearer token is not a well-formed JWT") from None
        if self._client is not None:
            try:
                with self._lock:
                    return self._client.get_signing_key_from_jwt(token)
            except jwt.PyJWKClientConnectionError:
                raise TokenInvalid("the issuer's key set cannot be fetched just now") from None
            except jwt.PyJWKClientError:
                raise TokenInvalid("the token's key is not in the issuer's key set") from None
        kid = header.get("kid")
        key = self._keys.get(kid if isinstance(kid, str) else "")
        if key is None and kid is None and len(self._keys) == 1:
            key = next(iter(self._keys.values()))
        if key is None:
            raise TokenInvalid("the token's key is not in the issuer's key set")
        return key

    def cached(self, authorization: str | None) -> Principal | None:
        """The principal of a token checked before and not expired, without checking it
        again (cheap enough for the event loop); ``None`` when it must be checked."""
        if not authorization or not authorization.startswith("Bearer "):
            return None
        found = self._seen.get(authorization[7:].strip())
        if found is not None and time.time() < found[1]:
            return found[0]
        return None

    def verify(self, authorization: str | None) -> Principal:
        """The principal of a request's ``Authorization`` header, or a coded refusal."""
        if not authorization:
            raise AuthenticationRequired("this request needs a bearer token")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationRequired("the Authorization header is not a bearer token")
        token = token.strip()
        cached = self._seen.get(token)
        if cached is not None and time.time() < cached[1]:
            return cached[0]
        key = self._key(token)
        settings = self._settings
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=_ALGORITHMS,
                audience=settings.audience,
                issuer=settings.issuer,
                leeway=30,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenExpired("the bearer token has expired") from None
        except jwt.ImmatureSignatureError:
            raise TokenExpired("the bearer token is not valid yet") from None
        except jwt.InvalidAudienceError:
            raise TokenAudienceWrong("the bearer token was issued for another audience") from None
        except jwt.InvalidIssuerError:
            raise TokenInvalid("the bearer token comes from another issuer") from None
        except jwt.InvalidTokenError as exc:
            raise TokenInvalid(f"the bearer token is refused ({type(exc).__name__})") from None
        principal = self._principal(claims)
        if len(self._seen) >= _CACHED_TOKENS:
            self._seen.clear()
        # A token checked once is taken again until it expires, and at most five minutes
        # (a key withdrawn from the JWKS stops counting by then).
        self._seen[token] = (principal, min(float(claims["exp"]), time.time() + 300))
        return principal

    def _principal(self, claims: dict[str, Any]) -> Principal:
        settings = self._settings
        raw_scopes = claims.get("scope", claims.get("scp", ""))
        if isinstance(raw_scopes, str):
            scopes = frozenset(raw_scopes.split())
        elif isinstance(raw_scopes, list):
            scopes = frozenset(s for s in raw_scopes if isinstance(s, str))
        else:
            scopes = frozenset()
        role = claims.get(settings.role_claim)
        actor_id = claims.get(settings.actor_claim)
        actor = None
        if role is not None:
            try:
                actor = Actor.model_validate({"actor_id": actor_id, "role": role})
            except ValidationError:
                raise TokenInvalid(
                    f"the token's {settings.role_claim!r} or {settings.actor_claim!r} claim is "
                    "not an erantis role and actor id"
                ) from None
        return Principal(actor=actor, scopes=scopes, relay=settings.relay_scope in scopes)
