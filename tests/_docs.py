"""The code blocks of the README and the documentation pages, and a runner for them.

Imported by the tests to read the pages; run as a script (``python tests/_docs.py STEPS``) by
them to execute one page's blocks in order, each Python block as its own ``__main__`` script
(a fresh namespace: a block may use a file an earlier block wrote, never its variables) and
each shell block in bash, all in the current folder. Running one interpreter per page, not
per block, keeps the imports of erantis to one per page.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import runpy
import shutil
import socket
import subprocess
import sys
import tempfile
import traceback
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: A fenced block: the fence's language (and anything after it) and the body.
_FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.M | re.S)
#: A block's file name, shown above it on the site: ```toml title="policy.toml"
_TITLE = re.compile(r'title="([^"/]+)"')

#: The languages a block may be fenced with. ``python`` blocks are run and type-checked;
#: ``sh`` blocks are commands meant to be run (the cheap ones are, see ``not_run``);
#: ``console`` shows a session with its output, ``text`` output, synopses and pictures.
LANGUAGES = frozenset({"python", "sh", "console", "text", "toml", "json", "yaml"})

#: Commands of ``sh`` blocks the tests do not run, each with why. A block is run unless one of
#: its lines contains one of these.
NOT_RUN = {
    "pip install": "installs from the network",
    "uv add": "changes another project",
    "uv run pytest": "the test suite itself",
    "mkdocs": "builds or serves the site (CI builds it)",
    ".ci/run": "the whole of CI",
    "benchmarks/": "minutes of measurement",
    "erantis demo": "a whole synthetic municipality (tests/test_cli.py runs a small one)",
    "erantis report": "draws charts for seconds (the report page's Python example does too)",
    "specs/": "regenerates the repository's own files (tests check they are current)",
    "$ERANTIS_URL": "needs a running service (tests/server/test_walkthrough.py runs it on one)",
}


@dataclass(frozen=True)
class Block:
    """One fenced block of a page."""

    page: str
    line: int
    language: str
    code: str
    #: The file the block is written to before the blocks after it run (``title="NAME"``).
    title: str | None = None

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def pages() -> list[Path]:
    """The README and every Markdown page of the site's sources."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def blocks(page: Path) -> list[Block]:
    """Every fenced block of ``page``, in order."""
    text = page.read_text(encoding="utf-8")
    name = page.relative_to(ROOT).as_posix()
    found = []
    for match in _FENCE.finditer(text):
        info = match.group(1).strip()
        line = text.count("\n", 0, match.start()) + 1
        title = _TITLE.search(info)
        found.append(
            Block(
                name, line, info.split(" ", 1)[0], match.group(2), title.group(1) if title else None
            )
        )
    return found


def not_run(block: Block) -> str | None:
    """Why a ``sh`` block is not run by the tests, or ``None`` when it is."""
    for command, reason in NOT_RUN.items():
        if command in block.code:
            return f"{command}: {reason}"
    return None


def steps(page: Path) -> list[Block]:
    """The blocks of ``page`` the tests run or write to a file, in order."""
    return [
        block
        for block in blocks(page)
        if block.language == "python"
        or (block.language == "sh" and not_run(block) is None)
        or (block.title and block.language != "sh")
    ]


#: Before a shell block: stop at the first failing command, and read ``uv run X`` as X from
#: the project's environment (the block runs in a temporary folder, outside the project).
_SHELL_PRELUDE = """set -euo pipefail
uv() {
    if [ "$1" = run ]; then shift; "$@"; else echo "uv $1: not run here" >&2; return 2; fi
}
"""

#: Printed before each block's output, so that a test can tell the outputs apart.
MARK = "\n<<<docs block {}>>>\n"

#: The ``erantis`` the shell blocks find first on their PATH: it hands its arguments, folder,
#: environment and standard streams to the runner, which forks itself to run the console
#: script's entry point there. A fresh ``erantis`` process spends about a second importing;
#: the pages run some fifteen commands, so a warm fork keeps the tests fast while bash still
#: runs each block as written.
_CLIENT = """#!{python} -I
import json, os, socket, sys

with socket.socket(socket.AF_UNIX) as server:
    server.connect({address!r})
    request = {{"argv": sys.argv[1:], "cwd": os.getcwd(), "env": dict(os.environ)}}
    socket.send_fds(server, [json.dumps(request).encode()], [0, 1, 2])
    sys.exit(int(server.recv(16) or b"1"))
"""


def _erantis_in_fork(connection: socket.socket) -> None:
    """Serve one ``erantis`` command of a shell block: fork, run it, send its exit status."""
    message, fds, _flags, _address = socket.recv_fds(connection, 1 << 20, 3)
    request = json.loads(message)
    [script] = list(entry_points(group="console_scripts", name="erantis"))
    run = script.load()
    # The entry point imports the command line on its first call: import it here, once, so
    # that every fork starts warm.
    importlib.import_module("erantis_rules.cli")
    sys.stdout.flush()
    sys.stderr.flush()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child ends in os._exit
        status = 1
        try:
            for target, fd in zip((0, 1, 2), fds, strict=True):
                os.dup2(fd, target)
            os.chdir(request["cwd"])
            os.environ.clear()
            os.environ.update(request["env"])
            sys.argv = ["erantis", *request["argv"]]
            run()
            status = 0
        except SystemExit as exit_:
            code = exit_.code
            status = code if isinstance(code, int) else (0 if code is None else 1)
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
    for fd in fds:
        os.close(fd)
    _pid, wait_status = os.waitpid(child, 0)
    connection.sendall(str(os.waitstatus_to_exitcode(wait_status)).encode())


def _shell(code: str, env: dict[str, str], server: socket.socket) -> int:
    """Run a shell block in bash, serving its ``erantis`` commands; its exit status."""
    shell = subprocess.Popen(["bash", "-c", _SHELL_PRELUDE + code], env=env)
    while shell.poll() is None:
        try:
            connection, _ = server.accept()
        except TimeoutError:
            continue
        with connection:
            _erantis_in_fork(connection)
    return shell.returncode


def _main(steps_file: str) -> int:
    plan = json.loads(Path(steps_file).read_text(encoding="utf-8"))
    bin_dir = Path(tempfile.mkdtemp(prefix="erantis-docs-"))
    address = str(bin_dir / "cli.sock")
    client = bin_dir / "erantis"
    client.write_text(_CLIENT.format(python=sys.executable, address=address), encoding="utf-8")
    client.chmod(0o755)
    path = os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), os.environ["PATH"]])
    env = dict(os.environ, PATH=path)
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(address)
        server.listen()
        server.settimeout(0.05)
        try:
            return _steps(plan, env, server)
        finally:
            shutil.rmtree(bin_dir, ignore_errors=True)


def _steps(plan: list[dict[str, str]], env: dict[str, str], server: socket.socket) -> int:
    for number, step in enumerate(plan):
        print(MARK.format(number), end="", flush=True)
        if step.get("title"):
            Path(step["title"]).write_text(step["code"], encoding="utf-8")
        if step["language"] == "python":
            try:
                runpy.run_path(step["file"], run_name="__main__")
            except BaseException:
                sys.stdout.flush()
                print(f"\n{step['where']}: the block failed", file=sys.stderr)
                traceback.print_exc()
                return 1
            sys.stdout.flush()
        elif step["language"] == "sh":
            status = _shell(step["code"], env, server)
            if status != 0:
                print(f"\n{step['where']}: exit status {status}", file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1]))
