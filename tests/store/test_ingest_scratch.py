"""Ingest's part files: in a private directory, unreadable without the process that wrote
them, and removed by the next ingest when a run was killed before it could remove them."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from erantis_rules._stores import scratch_directory
from erantis_rules.cli import main


def _root(tmp: Path) -> Path:
    return tmp / f"erantis-ingest-{os.getuid()}"


def test_a_killed_ingest_leaves_no_readable_events_and_the_next_run_removes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a large events file, and an ingest of it killed with SIGKILL while it works
    events = tmp_path / "events.jsonl"
    with pytest.raises(SystemExit):
        main(["generate", str(events), "--citizens", "150", "--months", "12"])
    capsys.readouterr()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    command = [
        sys.executable,
        "-m",
        "erantis_rules.cli",
        "ingest",
        "--trust-recorded-by",
        str(events),
        "-q",
    ]
    ingest = subprocess.Popen(
        [*command, "--db", str(tmp_path / "e.sqlite")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    parts: list[Path] = []
    while time.monotonic() < deadline and ingest.poll() is None:
        parts = [p for p in _root(scratch).glob("run-*/part-*") if p.stat().st_size > 0]
        if len(parts) > 10:
            break
        time.sleep(0.05)
    os.kill(ingest.pid, signal.SIGKILL)
    ingest.wait(timeout=60)
    assert parts, "the ingest ended before it wrote its part files"
    # then its part files are in a directory only the user can enter, and hold no event in
    # clear (the key died with the process)
    root = _root(scratch)
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    left = list(root.glob("run-*/part-*"))
    assert left
    for part in left:
        text = part.read_bytes()
        assert b"case_id" not in text and b"VisitDelivered" not in text
    # when the next ingest runs (here: a small file), then the dead run's files are gone
    small = tmp_path / "small.jsonl"
    small.write_bytes(events.read_bytes().split(b"\n", 1)[0] + b"\n")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "erantis_rules.cli",
            "ingest",
            "--trust-recorded-by",
            str(small),
            "-q",
            "--db",
            str(tmp_path / "f.sqlite"),
        ],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert list(root.glob("run-*")) == []


def test_a_running_ingests_directory_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an ingest's scratch directory in use
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    with scratch_directory() as first:
        (first / "part-000.jsonl").write_bytes(b"x")
        # when a second ingest starts, then it does not remove the first one's files
        with scratch_directory() as second:
            assert second != first
            assert (first / "part-000.jsonl").exists()
    # and both are removed when they end
    assert not first.exists() and not second.exists()
