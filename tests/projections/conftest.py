"""Fixtures of the projection tests: every store-backed test runs on memory and SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from erantis_domain.store import CaseStore


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CaseStore]:
    """An empty event store of each kind."""
    if request.param == "memory":
        opened = CaseStore.memory()
    else:
        opened = CaseStore.sqlite(tmp_path / "events.db")
    with opened:
        yield opened
