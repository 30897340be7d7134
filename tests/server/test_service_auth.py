"""Who may do what, against a real service process: each refusal has its code and stores
nothing."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.server._harness import Keys, Server, sample, visit

VISITATION = next(e for e in sample("case-0001") if e["type"] == "VisitationGranted")
OPENED = next(e for e in sample("case-0001") if e["type"] == "CaseOpened")


@pytest.fixture(scope="module")
def client(sqlite_server: Server, keys: Keys) -> Iterator[httpx.Client]:
    with sqlite_server.client() as client:
        opened = client.post(
            "/v1/cases/case-0001/events", json={"events": [OPENED]}, headers=keys.headers()
        )
        assert opened.status_code == 200, opened.text
        yield client


def _refused(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


def _version(client: httpx.Client, keys: Keys) -> int:
    version: int = client.get("/v1/cases/case-0001", headers=keys.headers()).json()["version"]
    return version


def _append(client: httpx.Client, event: dict[str, object], **headers: str) -> httpx.Response:
    return client.post("/v1/cases/case-0001/events", json={"events": [event]}, headers=headers)


def test_no_token_is_refused_and_nothing_stored(client: httpx.Client, keys: Keys) -> None:
    response = _append(client, VISITATION)
    _refused(response, 401, "E-AUTH-MISSING")
    assert response.headers["www-authenticate"].startswith("Bearer")
    _refused(client.get("/v1/cases/case-0001"), 401, "E-AUTH-MISSING")
    _refused(_append(client, VISITATION, Authorization="Basic dXNlcjpwYXNz"), 401, "E-AUTH-MISSING")
    assert _version(client, keys) == 1


def test_a_token_for_another_audience_is_refused(client: httpx.Client, keys: Keys) -> None:
    token = keys.token(audience="some-other-api")
    _refused(_append(client, VISITATION, Authorization=f"Bearer {token}"), 401, "E-AUTH-AUDIENCE")
    assert _version(client, keys) == 1


def test_an_expired_token_is_refused(client: httpx.Client, keys: Keys) -> None:
    token = keys.token(expires_in=-120)
    _refused(_append(client, VISITATION, Authorization=f"Bearer {token}"), 401, "E-AUTH-EXPIRED")
    assert _version(client, keys) == 1


def test_a_token_from_another_key_or_issuer_is_refused(client: httpx.Client, keys: Keys) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = keys.token(key=stranger)
    _refused(_append(client, VISITATION, Authorization=f"Bearer {forged}"), 401, "E-AUTH-INVALID")
    other_issuer = keys.token(issuer="https://elsewhere.invalid")
    _refused(
        _append(client, VISITATION, Authorization=f"Bearer {other_issuer}"), 401, "E-AUTH-INVALID"
    )
    _refused(_append(client, VISITATION, Authorization="Bearer not.a.jwt"), 401, "E-AUTH-INVALID")
    assert _version(client, keys) == 1


def test_a_role_recording_what_it_may_not_is_forbidden(client: httpx.Client, keys: Keys) -> None:
    # given a carer's token, and a grant recorded by that very carer
    grant = {**VISITATION, "recorded_by": {"actor_id": "ssh-1", "role": "ssh"}}
    # when the carer records the grant (only a visitator decides)
    response = _append(client, grant, **keys.headers("ssh", "ssh-1"))
    # then it is refused by the append policy, and nothing is stored
    _refused(response, 403, "E-FORBIDDEN")
    assert _version(client, keys) == 1


def test_recording_as_someone_else_is_forbidden(client: httpx.Client, keys: Keys) -> None:
    # the grant is recorded_by visitator-1; the token is visitator-2's
    response = _append(client, VISITATION, **keys.headers("visitator", "visitator-2"))
    _refused(response, 403, "E-FORBIDDEN")
    assert _version(client, keys) == 1


def test_scopes_gate_reading_and_writing(client: httpx.Client, keys: Keys) -> None:
    write_only = keys.headers(scopes="erantis:write")
    _refused(client.get("/v1/cases/case-0001", headers=write_only), 403, "E-AUTH-SCOPE")
    _refused(client.get("/v1/findings", headers=write_only), 403, "E-AUTH-SCOPE")
    read_only = keys.headers(scopes="erantis:read")
    _refused(_append(client, VISITATION, **read_only), 403, "E-AUTH-SCOPE")
    no_role = keys.headers(role=None)
    _refused(_append(client, VISITATION, **no_role), 403, "E-AUTH-SCOPE")
    bad_role = keys.headers(role="wizard")
    _refused(_append(client, VISITATION, **bad_role), 401, "E-AUTH-INVALID")
    assert _version(client, keys) == 1


def test_the_right_actor_with_the_right_role_is_stored(client: httpx.Client, keys: Keys) -> None:
    response = _append(client, VISITATION, **keys.headers("visitator", "visitator-1"))
    assert response.status_code == 200
    assert response.json()["stored"] == 1
    visit_event = visit("case-0001", 1, actor="ssh-7")
    stored = _append(client, visit_event, **keys.headers("ssh", "ssh-7"))
    assert stored.status_code == 200
    assert _version(client, keys) == 3
