"""Shared fixtures: a throwaway PostgreSQL cluster for the backend tests.

``postgres_cluster`` starts one cluster per test session, only when a test asks for it, and
stops it at the end. Missing PostgreSQL binaries make those tests *fail* with the command that
installs them: the PostgreSQL backend is part of the contract, so it is never skipped.
``postgres_database`` gives each test its own empty database (emptied after the test and handed
to a later one, so that the cluster stays small).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import _profiles
from tests._postgres import PostgresCluster, running_cluster

# The hypothesis profiles (dev by default, ci in .ci/run), before hypothesis' plugin loads the
# one named by --hypothesis-profile.
_profiles.register()


@pytest.fixture(scope="session", autouse=True)
def _own_key_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The command line keeps the key of the stores it encrypts in a file of the session's
    own (never the user's ``~/.config/erantis``; one per session, as stores are shared
    between tests), and no key comes from outside. Session-wide, so that it is set before
    any session or module fixture runs a command."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ERANTIS_KEY_FILE", str(tmp_path_factory.mktemp("keys") / "store.key"))
        patch.delenv("ERANTIS_KEY", raising=False)
        yield


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A running PostgreSQL cluster on a free local port (superuser ``erantis``, trust)."""
    with running_cluster() as cluster:
        yield cluster


@pytest.fixture
def postgres_database(postgres_cluster: PostgresCluster) -> Iterator[str]:
    """The name of an empty database in the session's cluster, the test's alone."""
    name = postgres_cluster.lease_database()
    yield name
    postgres_cluster.release_database(name)
