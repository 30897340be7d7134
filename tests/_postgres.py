"""A throwaway PostgreSQL cluster for the backend tests (no Docker: the Debian binaries).

:func:`start_cluster` runs ``initdb`` in a temporary directory and starts the server on a free
local port, with its socket in the same directory. ``initdb`` refuses to run as root (CI and
sessions run as root), so as root every server binary runs as the ``postgres`` user through
``runuser``; otherwise the binaries run directly. Missing binaries raise
:class:`PostgresUnavailable` with the command that installs them.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["PostgresCluster", "PostgresUnavailable", "find_bindir", "start_cluster"]

USER = "erantis"
HOST = "127.0.0.1"
_INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl) were not found in /usr/lib/postgresql/*/bin "
    "or on PATH. Install them with `apt-get update && apt-get install -y postgresql` "
    "(.ci/run does this), or set ERANTIS_PG_BINDIR to the directory holding initdb."
)


#: Runs beside the tests: when its stdin closes (the test process ended, even by a crash that
#: skips every fixture's teardown), it stops the server and removes the cluster's directory.
_WATCHDOG = """
import shutil, subprocess, sys
command, root = sys.argv[1:-1], sys.argv[-1]
sys.stdin.read()
subprocess.run(command, capture_output=True, timeout=60, check=False)
shutil.rmtree(root, ignore_errors=True)
"""


class PostgresUnavailable(RuntimeError):
    """The cluster could not be found or started."""


def find_bindir() -> Path:
    """The directory of ``initdb`` and ``pg_ctl``: ``$ERANTIS_PG_BINDIR``, the newest
    ``/usr/lib/postgresql/*/bin``, or the one on ``PATH``."""
    candidates: list[Path] = []
    if configured := os.environ.get("ERANTIS_PG_BINDIR"):
        candidates.append(Path(configured))

    def major(path: str) -> int:
        version = Path(path).parent.name
        return int(version) if version.isdigit() else 0

    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=major)][::-1]
    if on_path := shutil.which("initdb"):
        candidates.append(Path(on_path).parent)
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    raise PostgresUnavailable(_INSTALL_HINT)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class PostgresCluster:
    """A running throwaway cluster; superuser ``erantis``, trust authentication."""

    bindir: Path
    root: Path
    port: int
    as_postgres: bool
    host: str = HOST
    user: str = USER
    _databases: list[str] = field(default_factory=list)
    #: Emptied databases of finished tests, handed out again by :meth:`lease_database`.
    _free: list[str] = field(default_factory=list)
    _watchdog: subprocess.Popen[bytes] | None = None
    #: The server's options, to start it again after :meth:`halt`.
    _options: str = ""

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    def _command(self, *args: str) -> list[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return command

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = self._command(*args)
        return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)

    def _watch(self) -> None:
        """Start the watchdog that stops the server if this process dies without teardown."""
        stop = self._command("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop")
        self._watchdog = subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, *stop, str(self.root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C of the tests must not kill it first
        )

    def _checked(self, *args: str) -> None:
        result = self._run(*args)
        if result.returncode != 0:
            raise PostgresUnavailable(
                f"{args[0]} failed ({result.returncode}): {result.stderr.strip()}{self._log_tail()}"
            )

    def _log_tail(self) -> str:
        log = self.root / "server.log"
        if not log.exists():
            return ""
        return "\nserver log:\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:])

    def create_database(self, prefix: str = "t") -> str:
        """Create an empty database with a fresh name and return the name."""
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self._databases.append(name)
        return name

    def lease_database(self) -> str:
        """An empty database for one test: an emptied one of an earlier test, else a new one.
        Give it back with :meth:`release_database`.

        A database costs about 300 files (a copy of ``template1``): one per test left a
        cluster of 20,000 files whose removal at the end of the session took a minute."""
        return self._free.pop() if self._free else self.create_database()

    def release_database(self, name: str) -> None:
        """Empty a leased database for the next test, as ``CREATE DATABASE`` would give it.
        One that another connection still uses, or that was changed beyond its public schema
        (another schema, an extension, a setting), is left as it is and never handed out."""
        import psycopg

        try:
            with psycopg.connect(
                host=self.host, port=self.port, user=self.user, dbname=name, autocommit=True
            ) as conn:
                if not self._reusable(conn):
                    return
                conn.execute(
                    "DROP SCHEMA IF EXISTS public CASCADE;"
                    " CREATE SCHEMA public AUTHORIZATION pg_database_owner;"
                    " GRANT USAGE ON SCHEMA public TO PUBLIC"
                )
        except psycopg.Error:
            return  # (a test that broke its database leaves it unused, as before)
        self._free.append(name)

    @staticmethod
    def _reusable(conn: Any) -> bool:
        others = (
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        # a client that just closed its connection leaves its server process for a moment
        for _attempt in range(20):
            if conn.execute(others).fetchone()[0] == 0:
                break
            time.sleep(0.05)
        else:
            return False
        changed = conn.execute(
            "SELECT (SELECT count(*) FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%'"
            "        AND nspname NOT IN ('public', 'information_schema'))"
            " + (SELECT count(*) FROM pg_extension WHERE extname <> 'plpgsql')"
            " + (SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d"
            "    ON d.oid = s.setdatabase WHERE d.datname = current_database())"
        ).fetchone()[0]
        return bool(changed == 0)

    def pids(self) -> list[int]:
        """The server's processes: the postmaster (``postmaster.pid``) and its children."""
        postmaster = int((self.datadir / "postmaster.pid").read_text().split()[0])
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                # The parent pid is the second field after the parenthesised command name.
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                    children.append(int(stat.parent.name))
        return [postmaster, *children]

    def freeze(self) -> list[int]:
        """Stop every process of the server (SIGSTOP), as a hung host would; returns them."""
        frozen = self.pids()
        for pid in frozen:
            os.kill(pid, signal.SIGSTOP)
        return frozen

    @staticmethod
    def thaw(frozen: list[int]) -> None:
        """Let the processes :meth:`freeze` stopped run again (SIGCONT)."""
        for pid in frozen:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    def halt(self) -> None:
        """Stop the server, its data kept: a fast shutdown (an immediate one would lose the
        last commits here, where fsync and synchronous commit are off)."""
        self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop")

    def start_again(self) -> None:
        """Start the server after :meth:`halt`, on the same port."""
        self._checked(
            "pg_ctl",
            "-D",
            str(self.datadir),
            "-o",
            self._options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "30",
            "start",
        )

    def stop(self) -> None:
        """Stop the server and remove its directory (the watchdog does both)."""
        watchdog, self._watchdog = self._watchdog, None
        if watchdog is not None and watchdog.stdin is not None:
            watchdog.stdin.close()
            try:
                watchdog.wait(timeout=60)
                return
            except subprocess.TimeoutExpired:
                watchdog.kill()
        try:
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _install_with_apt() -> None:
    """On a fresh Debian machine where we are root, install PostgreSQL from Debian's packages,
    so that the README's test command works there as it is (CI's .ci/run does the same)."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "postgresql"],
    ):
        subprocess.run(command, env=env, capture_output=True, timeout=900, check=False)


def start_cluster() -> PostgresCluster:
    """Initialise and start a cluster in a new temporary directory (about 2 seconds)."""
    try:
        bindir = find_bindir()
    except PostgresUnavailable:
        _install_with_apt()
        bindir = find_bindir()
    as_postgres = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="erantis-pg-"))
    if as_postgres:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root, ignore_errors=True)
            raise PostgresUnavailable(
                "running as root, but there is no `postgres` user to run initdb as "
                "(initdb refuses root); install the Debian postgresql package"
            ) from None
        os.chown(root, account.pw_uid, account.pw_gid)
    cluster = PostgresCluster(bindir, root, _free_port(), as_postgres)
    try:
        cluster._checked(
            "initdb", "-D", str(cluster.datadir), "-A", "trust", "-U", USER, "--no-sync"
        )
        cluster._watch()
        options = (
            f"-p {cluster.port} -k {root} -c listen_addresses={HOST} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        cluster._options = options
        last_error: PostgresUnavailable | None = None
        for _attempt in range(3):  # another process may grab the free port in between
            try:
                cluster._checked(
                    "pg_ctl",
                    "-D",
                    str(cluster.datadir),
                    "-o",
                    options,
                    "-l",
                    str(root / "server.log"),
                    "-w",
                    "-t",
                    "30",
                    "start",
                )
                return cluster
            except PostgresUnavailable as exc:
                last_error = exc
                cluster.port = _free_port()
                options = (
                    f"-p {cluster.port} -k {root} -c listen_addresses={HOST} "
                    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                )
                cluster._options = options
        assert last_error is not None
        raise last_error
    except BaseException:
        cluster.stop()
        raise


@contextlib.contextmanager
def running_cluster() -> Iterator[PostgresCluster]:
    """A cluster of its own for a fixture, stopped afterwards; without a server the test fails
    with why (the backend tests never skip)."""
    import pytest

    try:
        cluster = start_cluster()
    except PostgresUnavailable as exc:
        pytest.fail(f"PostgreSQL backend tests need a local server: {exc}", pytrace=False)
    try:
        yield cluster
    finally:
        cluster.stop()
