"""pyv's modules import each other without cycles, lazy imports included: registry and
shims once imported each other, and a cycle makes the order of imports matter."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def imports_of(source: str) -> set[str]:
    """The modules that ``source`` imports anywhere, top level or in a function (pyv's
    imports are all absolute)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}  # if it is a module
    return found


def module_graph() -> dict[str, set[str]]:
    """Each module of src/pyv and the pyv modules it imports."""
    paths = {}
    for path in (SRC / "pyv").rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        paths[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return {
        name: {m for m in imports_of(path.read_text()) if m in paths and m != name}
        for name, path in paths.items()
    }


def a_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of ``graph`` (its modules in order, the first again last), or []."""
    state: dict[str, str] = {}  # "open" while on the path, "done" after
    path: list[str] = []

    def visit(module: str) -> list[str]:
        state[module] = "open"
        path.append(module)
        for imported in sorted(graph[module]):
            if state.get(imported) == "open":
                return [*path[path.index(imported) :], imported]
            if imported not in state and (cycle := visit(imported)):
                return cycle
        path.pop()
        state[module] = "done"
        return []

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            return cycle
    return []


def test_no_module_imports_one_that_imports_it_back() -> None:
    graph = module_graph()
    assert {"pyv.registry", "pyv.shims", "pyv.builds.install"} <= set(graph)
    assert "pyv.registry" in graph["pyv.shims"]  # the walk sees lazy imports
    assert a_cycle(graph) == []


def test_the_cycle_finder_finds_one() -> None:
    assert a_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert a_cycle({"a": {"b"}, "b": set()}) == []
