"""The server package's public names exist and are documented, and the package reaches the
library only through its public modules (it is a shell over the same API an embedder uses)."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import erantis_rules.server as server

PACKAGE = Path(server.__file__).parent
#: The modules of the library the service may import from.
PUBLIC = {
    "erantis_domain",
    "erantis_domain.errors",
    "erantis_domain.events",
    "erantis_domain.projections",
    "erantis_domain.store",
    "erantis_domain.store.keys",
    "erantis_rules",
    "erantis_rules.report",
    # The one private module it shares with the command line: how a store's key is found
    # (environment, key file) and a new store encrypted, so both front ends do it alike.
    "erantis_rules._stores",
}


def test_every_public_name_exists_and_is_documented() -> None:
    assert len(server.__all__) == len(set(server.__all__))
    for name in server.__all__:
        value = getattr(server, name)
        if inspect.isclass(value) or inspect.isroutine(value):
            assert (value.__doc__ or "").strip(), name


def test_the_server_imports_only_public_modules_of_the_library() -> None:
    used: set[str] = set()
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                used.add(node.module)
            elif isinstance(node, ast.Import):
                used.update(alias.name for alias in node.names)
    library = {
        m for m in used if m.startswith("erantis_") and not m.startswith("erantis_rules.server")
    }
    assert library <= PUBLIC, sorted(library - PUBLIC)
