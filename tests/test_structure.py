"""The package's structure: imports flow one way, and no module reaches into another's privates.

Both tests read the source with ``ast``, so they see every import, including those inside
function bodies and ``if TYPE_CHECKING:`` blocks. Importing ``a.b.c`` also runs the
``__init__`` of ``a.b``, so an import of a submodule counts as an import of its packages too
(except the importer's own packages, whose ``__init__`` may gather their children, and the
root package, which only re-exports the public API).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "simulator"
ROOT = PACKAGE.name


def module_files() -> dict[str, Path]:
    files = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        files[name] = path
    return files


MODULES = module_files()


def resolve(importer: str, is_package: bool, level: int, module: str | None) -> str:
    """Absolute name of a relative ``from`` import."""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, *([module] if module else [])])


def imported(name: str) -> list[tuple[str, str | None]]:
    """``(module, imported name or None)`` for every import statement of module ``name``."""
    path = MODULES[name]
    out: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(a.name, None) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            mod = resolve(name, path.name == "__init__.py", node.level, node.module) if node.level else node.module
            for a in node.names:
                sub = f"{mod}.{a.name}"
                out.append((sub, None) if sub in MODULES else (mod or "", a.name))
    return out


def ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def edges() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for name in MODULES:
        own = set(ancestors(name))
        for mod, _ in imported(name):
            for target in [*ancestors(mod), mod]:
                if target in MODULES and target != name and target != ROOT and target not in own:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_checker_sees_a_cycle_and_a_function_level_import() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    # cli imports inside function bodies would count too: every ast node is walked.
    source = "def f():\n    from .engine import simulate\n"
    tree = ast.parse(source)
    assert any(isinstance(n, ast.ImportFrom) and n.module == "engine" for n in ast.walk(tree))


def test_package_has_the_expected_layers() -> None:
    for name in ("units", "result", "output", "plots.common", "sweep.spec", "sweep.runner", "sweep.tables"):
        assert f"{ROOT}.{name}" in MODULES, name


def test_no_import_cycles() -> None:
    assert cycles(edges()) == []


def test_lower_layers_do_not_import_upper_ones() -> None:
    graph = edges()

    def reach(start: str) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for w in graph[todo.pop()]:
                if w not in seen:
                    seen.add(w)
                    todo.append(w)
        return seen

    writers = {f"{ROOT}.output", f"{ROOT}.cli"}
    for pure in ("result", "engine", "replication", "compare", "sweep.spec", "sweep.tables", "plots.common",
                 "plots.run", "plots.compare", "plots.sweep"):
        assert not reach(f"{ROOT}.{pure}") & writers, pure


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_private_names_of_another_module(name: str) -> None:
    path = MODULES[name]
    tree = ast.parse(path.read_text(), str(path))
    bad = [f"{mod}.{attr}" for mod, attr in imported(name)
           if attr and attr.startswith("_") and not attr.startswith("__") and mod in MODULES and mod != name]
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            mod = resolve(name, path.name == "__init__.py", node.level, node.module) if node.level else node.module
            aliases.update({a.asname or a.name: f"{mod}.{a.name}" for a in node.names if f"{mod}.{a.name}" in MODULES})
        elif isinstance(node, ast.Import):
            aliases.update({a.asname or a.name: a.name for a in node.names if a.name in MODULES})
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and aliases[node.value.id] != name and node.attr.startswith("_") and not node.attr.startswith("__")):
            bad.append(f"{aliases[node.value.id]}.{node.attr}")
    assert bad == [], f"{name} uses private names of other modules: {bad}"
