"""Fixtures of the meeting-pack tests: one synthetic municipality in a SQLite store, shared by
the module (generating and checking it is the slow part)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from erantis_domain.events import Event, parse_event
from erantis_domain.store import CaseStore
from erantis_domain.testing.synthetic import generate

#: The synthetic municipality: 4 months from January 2026.
START = date(2026, 1, 1)
MONTHS = 4
TEAM = "team-001"
PERIOD = "2026-03"


def municipality_events(citizens: int = 60, seed: int = 7) -> list[Event]:
    """The events of a small synthetic municipality."""
    return [
        parse_event(item)
        for item in generate(citizens=citizens, start=START, months=MONTHS, seed=seed)
    ]


@pytest.fixture(scope="session")
def municipality_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store file holding the synthetic municipality."""
    path = tmp_path_factory.mktemp("pack") / "erantis.sqlite"
    with CaseStore.sqlite(path) as store:
        store.append(municipality_events())
    return path


@pytest.fixture
def municipality(municipality_db: Path) -> Iterator[CaseStore]:
    """The synthetic municipality's store, opened."""
    with CaseStore.sqlite(municipality_db) as store:
        yield store
