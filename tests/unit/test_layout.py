"""The layout of the source stays readable: no import cycle, no module over about 600 lines, no
class over about 300 lines, and the facts never depend on the judgement (``erantis_domain``
imports nothing of ``erantis_rules``, except its testing kit, which draws policies too).

Read from the source with :mod:`ast`, not by importing it: an import inside a function counts
as much as one at the top of a module (a cycle hidden in a function is still a cycle). An
import of ``a.b.c`` also runs the ``__init__`` of ``a.b`` unless the importer lives inside
``a.b`` (then that package is already being imported), so it counts as an edge to it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "src"
PACKAGES = ("erantis_domain", "erantis_rules")
MAX_MODULE_LINES = 600
MAX_CLASS_LINES = 300


def _modules(packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    """Every module of ``packages`` by dotted name (a package by its own name)."""
    found: dict[str, Path] = {}
    for path in sorted(p for package in packages for p in (ROOT / package).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_package(name: str, modules: dict[str, Path]) -> bool:
    return modules[name].name == "__init__.py"


def _targets(name: str, tree: ast.Module, modules: dict[str, Path]) -> set[str]:
    """The modules of the package that importing ``name`` runs, directly."""
    own_package = name if _is_package(name, modules) else name.rpartition(".")[0]
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = own_package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            for alias in node.names:
                # ``from a import b`` runs a.b when b is a module, a's __init__ otherwise
                member = f"{base}.{alias.name}"
                imported.add(member if member in modules else base)
    targets: set[str] = set()
    for dotted in imported:
        parts = dotted.split(".")
        for end in range(1, len(parts) + 1):
            prefix = ".".join(parts[:end])
            if prefix not in modules or prefix == name:
                continue
            inside = own_package == prefix or own_package.startswith(prefix + ".")
            if end < len(parts) and inside:
                continue  # a parent package of the importer: already being imported
            targets.add(prefix)
    return targets


def import_graph(packages: tuple[str, ...] = PACKAGES) -> dict[str, set[str]]:
    """Which modules of ``packages`` each of their modules imports (anywhere in its source)."""
    modules = _modules(packages)
    return {
        name: _targets(name, ast.parse(path.read_text(encoding="utf-8")), modules)
        for name, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (or a self-import)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def oversized(packages: tuple[str, ...] = PACKAGES) -> list[str]:
    """Modules over :data:`MAX_MODULE_LINES` lines and classes over :data:`MAX_CLASS_LINES`."""
    problems: list[str] = []
    for name, path in _modules(packages).items():
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines > MAX_MODULE_LINES:
            problems.append(f"module {name}: {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                length = node.end_lineno - node.lineno + 1
                if length > MAX_CLASS_LINES:
                    problems.append(f"class {name}.{node.name}: {length} lines")
    return problems


def test_the_source_has_no_import_cycle() -> None:
    # given every import in both packages, at the top of a module or inside a function
    graph = import_graph()
    # then no module reaches itself again through them
    assert cycles(graph) == []


def test_no_module_or_class_is_oversized() -> None:
    assert oversized() == []


def test_the_facts_never_import_the_judgement() -> None:
    # given the imports of every erantis_domain module but the testing kit's (it draws policies)
    graph = import_graph()
    # then none reaches into erantis_rules
    leaks = sorted(
        f"{name} -> {target}"
        for name, targets in graph.items()
        if name.startswith("erantis_domain") and not name.startswith("erantis_domain.testing")
        for target in targets
        if target.startswith("erantis_rules")
    )
    assert leaks == []


def test_the_check_sees_a_cycle_through_a_function_and_a_package() -> None:
    # given a graph where a imports b inside a function and b imports a's package
    graph = {"p": {"p.a"}, "p.a": {"q.b"}, "q": set(), "q.b": {"p"}}
    # then the three form one cycle
    assert cycles(graph) == [["p", "p.a", "q.b"]]
    # and a graph without the back edge has none
    assert cycles({"p": {"p.a"}, "p.a": {"q.b"}, "q": set(), "q.b": set()}) == []


def test_the_graph_counts_an_import_inside_a_function() -> None:
    # given a module that imports another only inside a function
    modules = {"p": Path("p/__init__.py"), "p.a": Path("p/a.py"), "p.b": Path("p/b.py")}
    tree = ast.parse("def f():\n    from p.b import thing\n")
    # then the edge is there
    assert _targets("p.a", tree, modules) == {"p.b"}
