"""Fixtures of the service tests: signing keys and a service process on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server._harness import Keys, Server, server_env


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return Keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def sqlite_server(keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One service process on a fresh SQLite file for the module's tests."""
    folder: Path = tmp_path_factory.mktemp("service")
    server = Server(server_env(keys, str(folder / "store.sqlite")), folder / "server.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()
