"""The README's main command works."""

from pathlib import Path

from typer.testing import CliRunner

from erantis_rules.cli import app


def test_demo_stores_the_sample_and_is_idempotent(tmp_path: Path) -> None:
    # given an empty SQLite file path
    db = tmp_path / "demo.sqlite"
    runner = CliRunner()
    # when the demo runs twice
    first = runner.invoke(app, ["demo", "--db", str(db)])
    second = runner.invoke(app, ["demo", "--db", str(db)])
    # then the first stores the sample and the second finds it all stored already
    assert first.exit_code == 0, first.output
    assert "19" in first.output
    assert second.exit_code == 0, second.output
    assert db.exists()
