"""Bounded input everywhere: decimals (digits and exponent), the nesting of policy files, store
URLs. Each failure is a coded error, never an internal one, a huge page or a RecursionError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from erantis_domain.errors import InvalidEventError, InvalidPolicyError
from erantis_domain.events import parse_event
from erantis_rules.cli import main
from erantis_rules.policy import Policy
from tests.factories import make


@pytest.mark.parametrize("field", ["incentive_amount", "variance_pct"])
@pytest.mark.parametrize(
    "value", ["1E+100000000", "1E+999999999999999999", "-1E+30", "1" * 5000, "9" * 40 + ".00"]
)
def test_a_settlement_amount_with_too_many_digits_is_refused(field: str, value: str) -> None:
    # given a PeriodSettled whose amount is a huge decimal written as text
    data = make("PeriodSettled", **{field: value})
    # when it is parsed, then it is refused with a code naming the field
    with pytest.raises(InvalidEventError) as caught:
        parse_event(json.dumps(data))
    assert f"PeriodSettled.{field}" in str(caught.value)
    assert "digits" in str(caught.value)


def test_an_ordinary_settlement_amount_is_still_accepted() -> None:
    data = make("PeriodSettled", incentive_amount="-123456789.50", variance_pct="12.3456")
    event = parse_event(json.dumps(data))
    assert str(event.incentive_amount) == "-123456789.50"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.json", '{"a":' * 5000 + "1" + "}" * 5000),
        ("deep.toml", "x = " + "[" * 5000 + "]" * 5000 + "\n"),
        ("dotted.toml", ".".join(["a"] * 5000) + " = 1\n"),
        ("inline.toml", "x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n"),
    ],
)
def test_a_deeply_nested_policy_file_is_a_coded_error(tmp_path: Path, name: str, text: str) -> None:
    # given a policy file nested thousands of levels deep
    path = tmp_path / name
    path.write_text(text)
    # when it is loaded, then it is refused as an invalid policy (not a RecursionError)
    with pytest.raises(InvalidPolicyError, match="nests deeper"):
        Policy.from_file(path)


def test_an_oversized_policy_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    path.write_text("# " + "x" * 2_000_000 + "\n")
    with pytest.raises(InvalidPolicyError, match="longer than"):
        Policy.from_file(path)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://[::1/db",
        "postgresql://u@[zz]/db",
        "postgresql://h:99999/db",
        "postgresql://h/db?sslmode=bogus",
        "postgresql://h/db?sslmode=require&sslmode=disable",
        "postgresql://h/" + "d" * 100_000,
        "postgresql://h/" + "d" * 64,
        "postgresql://h/db%00x",
        "postgresql://h\u00e9/db",
    ],
)
def test_a_malformed_postgresql_url_is_a_usage_error(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # when a command is given a malformed or oversized PostgreSQL URL
    with pytest.raises(SystemExit) as exited:
        main(["verify", "--db", url])
    err = capsys.readouterr().err
    # then it is a usage error naming --db, before any connection is tried
    assert exited.value.code == 2, err
    assert err.startswith("erantis: error [E-USAGE] --db:"), err
    assert len(err) < 300
