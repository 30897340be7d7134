"""The service as a real process: uvicorn on a free port, signing keys made here, tokens
minted with them, and a real HTTP client (httpx)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://idp.test.invalid/erantis"
AUDIENCE = "erantis-api"
AS_OF = "2026-11-15"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Keys:
    """An RSA signing key of a made-up issuer, its JWKS file, and tokens signed with it."""

    folder: Path
    kid: str = "test-key-1"
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    def __post_init__(self) -> None:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        public.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        self.jwks = self.folder / "jwks.json"
        self.jwks.write_text(json.dumps({"keys": [public]}), encoding="utf-8")

    def token(
        self,
        role: str | None = "visitator",
        actor: str = "visitator-1",
        *,
        scopes: str = "erantis:read erantis:write",
        audience: str = AUDIENCE,
        issuer: str = ISSUER,
        expires_in: int = 600,
        key: rsa.RSAPrivateKey | None = None,
    ) -> str:
        now = datetime.now(UTC)
        claims: dict[str, Any] = {
            "iss": issuer,
            "aud": audience,
            "sub": actor,
            "iat": now,
            "exp": now + timedelta(seconds=expires_in),
            "scope": scopes,
        }
        if role is not None:
            claims["erantis_role"] = role
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": self.kid})

    def headers(
        self, role: str | None = "visitator", actor: str = "visitator-1", **kw: Any
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, actor, **kw)}"}


class Server:
    """``erantis serve`` running as a child process."""

    def __init__(self, env: Mapping[str, str], log: Path, *, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._env = {**os.environ, **env}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> Server:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "erantis_rules", "serve", "--port", str(self.port)],
                env=self._env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the server did not start: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def client(self, **kw: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=kw.pop("timeout", 30), **kw)


def server_env(keys: Keys, db: str, **extra: str) -> dict[str, str]:
    """The environment of a service with token checking on, judging as of :data:`AS_OF`."""
    return {
        "ERANTIS_DB": db,
        "ERANTIS_AS_OF": AS_OF,
        "ERANTIS_JWT_ISSUER": ISSUER,
        "ERANTIS_JWT_AUDIENCE": AUDIENCE,
        "ERANTIS_JWKS_FILE": str(keys.jwks),
        "ERANTIS_CATCH_UP_INTERVAL": "0.2",
        # A loaded CI box draws the meeting pack slowly; the limit itself is tested apart.
        "ERANTIS_REQUEST_TIMEOUT": "120",
        **extra,
    }


def visit(case_id: str, n: int, *, minutes: int = 20, actor: str = "ssh-1") -> dict[str, Any]:
    """A delivered visit, recorded by the carer ``actor``."""
    return {
        "type": "VisitDelivered",
        "event_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"test/{case_id}/{n}")),
        "case_id": case_id,
        "occurred_at": "2026-10-20T10:00:00+02:00",
        "recorded_by": {"actor_id": actor, "role": "ssh"},
        "visit_id": f"{case_id}-x{n}",
        "team_id": "team-nord",
        "carer_id": actor,
        "carer_role": "ssh",
        "intervention": "H1.1",
        "minutes": minutes,
        "delivered_on": "2026-10-20",
    }


def sample(case_id: str | None = None) -> list[dict[str, Any]]:
    """The library's sample events (two cases of team-nord, October 2026) as JSON data."""
    from erantis_domain.sample import sample_events

    out = [json.loads(e.model_dump_json()) for e in sample_events()]
    if case_id is not None:
        out = [e for e in out if e.get("case_id") == case_id]
    return out


def by_role(events: list[dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Events grouped by their recorder (actor id, role), in order."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for event in events:
        who = event["recorded_by"]
        groups.setdefault((who["actor_id"], who["role"]), []).append(event)
    return groups
