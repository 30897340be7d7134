"""The command line's frame: the typer application, its root options (``--version``,
``-v``), the exit codes, and :func:`main`, which maps every error to one line on stderr.

Needs the ``cli`` extra (``pip install 'erantis[cli]'``); this module is the first the package
imports, so a missing extra is one ``ImportError`` naming it."""

from __future__ import annotations

import logging
import sqlite3
import sys
import warnings
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version
from typing import Annotated, Any, NoReturn

try:
    # The commands print with rich: a missing rich is named here too, before they import it.
    import rich  # noqa: F401
    import typer
except ModuleNotFoundError as missing:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        f"the erantis command line needs the 'cli' extra ({missing.name} is not installed): "
        "pip install 'erantis[cli]'"
    ) from missing

from erantis_domain.errors import (
    ConcurrencyConflict,
    ErantisError,
    RuleEngineError,
    StoreConfigurationError,
    StoreCorruptedError,
    StoreKeyError,
    StoreUnavailableError,
)
from erantis_domain.values import redact_cpr
from erantis_rules._stores import AddressError

__all__ = [
    "EXIT_CODES",
    "EXIT_FINDINGS",
    "EXIT_INTERNAL",
    "EXIT_INVALID_INPUT",
    "EXIT_OK",
    "EXIT_STORE",
    "EXIT_USAGE",
    "app",
    "main",
]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INVALID_INPUT = 3
EXIT_STORE = 4
EXIT_INTERNAL = 5


#: The exit codes of ``erantis``, documented in ``--help`` and the README.
EXIT_CODES = {
    EXIT_OK: "done; no finding at or above --fail-on",
    EXIT_FINDINGS: "findings at or above --fail-on SEVERITY",
    EXIT_USAGE: "usage error (unknown option, bad or missing argument, missing file)",
    EXIT_INVALID_INPUT: "invalid input (an event, a policy, an unknown case, a refused command)",
    EXIT_STORE: "event store error (cannot open or write the database, a concurrent writer)",
    EXIT_INTERNAL: "internal error of erantis or the rules engine (-v shows the traceback)",
}


_HELP = (
    "erantis: dialogue-based BUM steering of Danish home care. Store citizen-case events, "
    "check them against the rule catalogue, settle team periods.\n\n"
    "Exit codes: "
    + "; ".join(f"{code} {meaning}" for code, meaning in EXIT_CODES.items())
    + ".\n\nThe event store is --db (a SQLite path, sqlite:///PATH or postgresql://...), "
    "or the ERANTIS_DB environment variable. '-' names stdin or stdout wherever a file is "
    "read or written; nothing is written over without --force, and an event store never."
    "\n\nExample: erantis demo"
    "\n\nExample: erantis generate events.jsonl && erantis ingest events.jsonl --db erantis.sqlite "
    "--as import:system"
    "\n\nExample: erantis check --db erantis.sqlite --as-of 2026-07-01 --fail-on violation"
)


app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help=_HELP,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    # Subcommands inherit the help option names from this group's context.
    context_settings={"help_option_names": ["-h", "--help"]},
)


_log = logging.getLogger(__name__)


class _UsageProblem(Exception):
    """A bad argument found by erantis itself (exit 2), reported like typer's usage errors."""


def _print_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"erantis {_version()}\n")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            is_eager=True,
            expose_value=True,
            callback=_print_version,
            help="Print the version and exit.",
        ),
    ] = False,
    verbose: Annotated[
        int,
        typer.Option("--verbose", "-v", count=True, help="Log to stderr (-v info, -vv debug)."),
    ] = 0,
) -> None:
    if verbose:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
        logging.basicConfig(
            level=logging.DEBUG if verbose > 1 else logging.INFO, handlers=[handler]
        )
    _Verbosity.level = verbose


class _RedactingFormatter(logging.Formatter):
    """The log's lines, tracebacks included, without a CPR-shaped part."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_cpr(super().format(record))


class _Verbosity:
    level = 0


def _version() -> str:
    try:
        return _dist_version("erantis")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def _exit_code(exc: ErantisError) -> int:
    if isinstance(
        exc,
        StoreConfigurationError
        | ConcurrencyConflict
        | StoreUnavailableError
        | StoreCorruptedError
        | StoreKeyError,
    ):
        return EXIT_STORE
    if isinstance(exc, RuleEngineError):
        return EXIT_INTERNAL
    return EXIT_INVALID_INPUT


def _fail(code: str, message: str, status: int) -> NoReturn:
    # One line, whatever the message holds: scripts read stderr line by line.
    # Then without a CPR-shaped part, whoever built the message (click's own included).
    text = redact_cpr(" ".join(message.split()))
    sys.stderr.write(f"erantis: error [{code}] {text}\n")
    raise SystemExit(status)


def _is_click_exception(exc: BaseException) -> bool:
    # typer vendors click in recent releases; its exceptions share this base with typer's own.
    return any(cls.__name__ == "ClickException" for cls in type(exc).__mro__)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run a command, map every error to one line on stderr and an exit code."""
    with warnings.catch_warnings():
        # A library warning is one line like the errors, without Python's source line.
        warnings.showwarning = _show_warning
        _run(
            lambda: typer.main.get_command(app).main(
                args=list(sys.argv[1:] if argv is None else argv),
                prog_name="erantis",
                standalone_mode=False,
            )
        )


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    text = " ".join(str(message).split())
    sys.stderr.write(f"erantis: warning: {text}\n")


def _run(command: Callable[[], Any]) -> None:
    try:
        status = command()
    except ErantisError as exc:
        _fail(exc.code, exc.message, _exit_code(exc))
    except _UsageProblem as exc:
        _fail("E-USAGE", str(exc), EXIT_USAGE)
    except AddressError as exc:
        _fail("E-USAGE", f"--db: {exc}", EXIT_USAGE)
    except (sqlite3.Error, OSError) as exc:
        _log.debug("store or file error", exc_info=True)
        _fail("E-STORE", f"{type(exc).__name__}: {exc}", EXIT_STORE)
    except KeyboardInterrupt:
        _fail("E-INTERRUPTED", "interrupted", 130)
    except Exception as exc:
        if type(exc).__name__ == "Abort":  # click's form of Ctrl-C
            _fail("E-INTERRUPTED", "interrupted", 130)
        if _is_click_exception(exc):
            status = _click_problem(exc)
        elif _is_persistence_error(exc):
            _log.debug("store error", exc_info=True)
            _fail("E-STORE", type(exc).__name__, EXIT_STORE)
        else:
            if _Verbosity.level:
                _log.exception("internal error")
            # The message of an unexpected error may quote data: name only its type.
            _fail(
                "E-INTERNAL", f"{type(exc).__name__} (run with -v for the traceback)", EXIT_INTERNAL
            )
    raise SystemExit(status if isinstance(status, int) else EXIT_OK)


def _click_problem(exc: Exception) -> int:
    name = type(exc).__name__
    if name == "NoArgsIsHelpError":
        sys.stdout.write(typer.main.get_command(app).get_help(_context()) + "\n")
        return EXIT_USAGE
    message = getattr(exc, "format_message", lambda: str(exc))()
    hint = ""
    context = getattr(exc, "ctx", None)
    if context is not None:
        hint = f" (see `{context.command_path} --help`)"
    # Every problem click reports is one of usage (a file option it could not open included):
    # its own exit code 1 would read as "findings" here.
    _fail("E-USAGE", f"{message}{hint}", EXIT_USAGE)


def _context() -> Any:
    command = typer.main.get_command(app)
    return command.make_context("erantis", [], resilient_parsing=True)


def _is_persistence_error(exc: Exception) -> bool:
    # eventsourcing (and psycopg beneath it) raise their own hierarchy; it stays out of the
    # public API, so it is recognised by module rather than imported.
    module = type(exc).__module__
    return module.startswith(("eventsourcing.", "psycopg"))
