"""The ``erantis`` console script: a thin shell over the public API (typer + rich).

Needs the ``cli`` extra (``pip install 'erantis[cli]'``). One module per group of commands:
``_events`` (ingest, verify, generate, schema), ``_check`` (check, case, rules), ``_teams``
(settle, report, ledger, agenda), ``_policy`` (adopt, whatif), ``_demo`` and ``_serve`` (the
HTTP service); ``_app`` holds the application, the exit codes and :func:`main`, ``_shared``
the option aliases and output helpers, so a new command declares its options the same way.
The store work itself (opening a store from ``--db``, ingesting) is the library's
(``erantis_rules._stores``). Data goes to stdout, progress and errors to stderr; errors are
one line and map to the exit codes in :data:`EXIT_CODES`.
"""

from erantis_rules.cli._app import (
    EXIT_CODES,
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_INVALID_INPUT,
    EXIT_OK,
    EXIT_STORE,
    EXIT_USAGE,
    app,
    main,
)
from erantis_rules.cli._check import case, check_command, rules
from erantis_rules.cli._demo import demo
from erantis_rules.cli._events import generate, ingest, schema, schema_documents, verify
from erantis_rules.cli._policy import adopt, whatif
from erantis_rules.cli._serve import serve
from erantis_rules.cli._teams import agenda, ledger, report, settle

# The commands, registered in one place and in the order ``erantis --help`` lists them.
for _name, _command in (
    ("demo", demo),
    ("ingest", ingest),
    ("check", check_command),
    ("case", case),
    ("settle", settle),
    ("report", report),
    ("ledger", ledger),
    ("agenda", agenda),
    ("adopt", adopt),
    ("whatif", whatif),
    ("verify", verify),
    ("rules", rules),
    ("schema", schema),
    ("generate", generate),
    ("serve", serve),
):
    app.command(_name)(_command)

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
    "schema_documents",
]
