"""No two modules of ``src/expotv`` import each other, directly or in a ring.

The graph comes from the source (``ast``), so it counts every import: at the top,
inside functions (deferred imports only hide a cycle) and under ``TYPE_CHECKING``
(a type-only cycle still means two modules that cannot be understood apart).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import expotv

SOURCE = Path(expotv.__file__).parent


def module_names() -> dict[str, Path]:
    names: dict[str, Path] = {}
    for path in SOURCE.rglob("*.py"):
        parts = ["expotv", *path.relative_to(SOURCE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")[: None if is_package else -1]
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            # ``from pkg import mod`` imports the module ``pkg.mod``.
            targets = [
                f"{module}.{alias.name}"
                if f"{module}.{alias.name}" in known
                else module
                for alias in node.names
            ]
        for target in targets:
            parts = target.split(".")
            # Importing ``a.b.c`` runs ``a.b`` first: count the packages too, except
            # the module's own (already being imported when it runs).
            for end in range(2, len(parts) + 1):
                candidate = ".".join(parts[:end])
                if candidate in known and not name.startswith(candidate + "."):
                    found.add(candidate)
    found.discard(name)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for neighbour in sorted(graph[node]):
            if neighbour not in index:
                visit(neighbour)
                low[node] = min(low[node], low[neighbour])
            elif neighbour in on_stack:
                low[node] = min(low[node], index[neighbour])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def import_graph() -> dict[str, set[str]]:
    names = module_names()
    known = set(names)
    return {name: imports_of(name, path, known) for name, path in names.items()}


def test_no_module_imports_itself_through_others() -> None:
    assert cycles(import_graph()) == []


def test_the_detector_sees_a_ring_and_a_type_only_import(tmp_path: Path) -> None:
    # The same walk on a made-up package: a -> b at the top, b -> a only under
    # TYPE_CHECKING, c -> d inside a function and d -> c: two cycles.
    sources = {
        "a": "from pkg import b\n",
        "b": "if TYPE_CHECKING:\n    from pkg.a import x\n",
        "c": "def f():\n    from pkg.d import y\n",
        "d": "import pkg.c\n",
        "e": "import pkg.a\n",
    }
    known = {f"pkg.{name}" for name in sources} | {"pkg"}
    graph: dict[str, set[str]] = {}
    for name, text in sources.items():
        path = tmp_path / f"{name}.py"
        path.write_text(text)
        graph[f"pkg.{name}"] = imports_of(f"pkg.{name}", path, known) - {"pkg"}
    assert cycles(graph) == [["pkg.a", "pkg.b"], ["pkg.c", "pkg.d"]]


# Alembic's scripts run only inside Alembic's environment.
@pytest.mark.parametrize(
    "name", sorted(n for n in module_names() if not n.startswith("expotv.migrations"))
)
def test_every_module_imports(name: str) -> None:
    importlib.import_module(name)
