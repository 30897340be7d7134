"""Settings from the environment and flags: parsed, checked, and never a secret from a flag."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from erantis_rules.server import ServerConfigurationError, Settings, serve_from_flags


def test_settings_come_from_the_environment_and_flags_win() -> None:
    environ = {
        "ERANTIS_DB": "postgresql://erantis@db:5432/care",
        "ERANTIS_DB_PASSWORD": "s3cret",
        "ERANTIS_PORT": "9000",
        "ERANTIS_AS_OF": "2026-11-15",
        "ERANTIS_AUTH": "off",
        "ERANTIS_JWKS_FILE": "/etc/erantis/jwks.json",
    }
    settings = Settings.from_env(environ, port=9100)
    assert settings.db == "postgresql://erantis@db:5432/care"
    assert settings.db_password == "s3cret"
    assert settings.port == 9100
    assert settings.as_of == date(2026, 11, 15)
    assert settings.auth is False
    assert settings.jwks_file == Path("/etc/erantis/jwks.json")
    assert "s3cret" not in repr(settings)


def test_pgpassword_is_the_fallback_password() -> None:
    assert Settings.from_env({"PGPASSWORD": "pw"}).db_password == "pw"


def test_a_malformed_variable_is_named_but_its_value_not_repeated() -> None:
    with pytest.raises(ServerConfigurationError) as caught:
        Settings.from_env({"ERANTIS_PORT": "not-a-port-0101901234"})
    assert "ERANTIS_PORT" in caught.value.message
    assert "0101901234" not in caught.value.message


def test_token_checking_on_needs_issuer_audience_and_keys() -> None:
    with pytest.raises(ServerConfigurationError) as caught:
        Settings.from_env({}).check()
    assert caught.value.code == "E-SERVER-CONFIG"
    for variable in ("ERANTIS_JWT_ISSUER", "ERANTIS_JWT_AUDIENCE", "ERANTIS_JWKS_FILE"):
        assert variable in caught.value.message
    Settings(auth=False).check()


def test_a_password_on_the_command_line_is_refused_unrepeated() -> None:
    with pytest.raises(ServerConfigurationError) as caught:
        serve_from_flags(db="postgresql://erantis:hunter22@db/care", no_auth=True)
    assert "ERANTIS_DB_PASSWORD" in caught.value.message
    assert "hunter22" not in caught.value.message


def test_serve_writes_the_openapi_document_on_request(tmp_path: Path) -> None:
    target = tmp_path / "openapi.json"
    serve_from_flags(openapi=str(target))
    assert target.read_text(encoding="utf-8").startswith("{\n")
