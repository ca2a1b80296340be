"""wmbook's modules import each other without a cycle, and block kinds do not import each other.

The graph is read from the source with ``ast``: every ``import`` anywhere in a module
counts, at its top, under ``if TYPE_CHECKING:`` and inside functions.  A cycle that only
a ``TYPE_CHECKING`` guard or a late import keeps from failing at run time is still two
modules that cannot be understood one without the other.  Importing ``a.b.c`` runs
``a/__init__.py`` and ``a/b/__init__.py`` first, so those count as imported too.
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

import wmbook

SOURCE = Path(wmbook.__file__).parent
PACKAGE = "wmbook"


def module_files(root: Path = SOURCE, package: str = PACKAGE) -> dict[str, Path]:
    """Every module under ``root`` by its dotted name (a package by its own name)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _parents(name: str) -> Iterator[str]:
    parts = name.split(".")
    for end in range(1, len(parts)):
        yield ".".join(parts[:end])


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of ``modules`` that ``name`` imports, anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # ``from pkg import module``
    found |= {parent for module in set(found) for parent in _parents(module)}
    return {
        module for module in found if module in modules and module != name and module not in _parents(name)
    }


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Each module with the modules it imports."""
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph, as the modules along it (first one repeated at the end)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)) is not None:
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)) is not None:
            return cycle
    return None


def test_wmbook_has_no_import_cycle() -> None:
    cycle = find_cycle(import_graph(module_files()))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_graph_sees_imports_under_type_checking_and_in_functions(tmp_path: Path) -> None:
    """The reader finds a cycle that only a TYPE_CHECKING guard or a late import hides."""
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.b import B\n"
    )
    (tmp_path / "b.py").write_text("def f():\n    from . import c\n")
    (tmp_path / "c.py").write_text("import pkg.a\n")
    graph = import_graph(module_files(tmp_path, "pkg"))
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.c", "pkg.a"]
    (tmp_path / "c.py").write_text("")
    assert find_cycle(import_graph(module_files(tmp_path, "pkg"))) is None


def test_a_package_init_counts_as_imported(tmp_path: Path) -> None:
    """``book`` importing ``kinds.base`` runs ``kinds/__init__``: if that imports ``book``, it is
    a cycle (a submodule importing its own package is not: the package is already running)."""
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "book.py").write_text("from pkg.kinds.base import X\n")
    (tmp_path / "kinds").mkdir()
    (tmp_path / "kinds" / "__init__.py").write_text("from pkg.kinds import base\n")
    (tmp_path / "kinds" / "base.py").write_text("import pkg.kinds\n")
    assert find_cycle(import_graph(module_files(tmp_path, "pkg"))) is None
    (tmp_path / "kinds" / "__init__.py").write_text("from pkg.kinds import base\nfrom pkg import book\n")
    assert find_cycle(import_graph(module_files(tmp_path, "pkg"))) == ["pkg.book", "pkg.kinds", "pkg.book"]


KIND_MODULES = sorted(
    name for name in module_files() if name.startswith("wmbook.kinds.") and name != "wmbook.kinds.base"
)


def _kind_of(module: str) -> str:
    """The kind a module of ``wmbook.kinds`` belongs to: ``quiz`` for ``quiz_parse``."""
    return module.rpartition(".")[2].partition("_")[0]


@pytest.mark.parametrize("name", KIND_MODULES)
def test_a_kind_imports_no_other_kind(name: str) -> None:
    """Kinds share through ``wmbook.model``, ``wmbook.blocks`` and ``wmbook.check``, not through
    each other (a kind's own helper modules, ``code_parse`` for ``code``, ``quiz_parse`` and
    ``quiz_grade`` for ``quiz``, are its own)."""
    modules = module_files()
    others = {
        other
        for other in imports_of(name, modules[name], modules)
        if other.startswith("wmbook.kinds.") and other != "wmbook.kinds.base"
    }
    assert {other for other in others if _kind_of(other) != _kind_of(name)} == set()


def test_only_kinds_import_a_kind_module() -> None:
    """The stages reach a kind through the registry (``wmbook.kinds``) and its ``BlockKind``
    hooks (``wmbook.kinds.base``), as they reach another package's kind: importing one kind's
    module (its record, a helper) would make that kind special."""
    modules = module_files()
    reaching = {
        name: sorted(imports_of(name, path, modules) & set(KIND_MODULES))
        for name, path in modules.items()
        if not name.startswith("wmbook.kinds.")
    }
    assert {name: kinds for name, kinds in reaching.items() if kinds} == {}


# The build's top floors, highest first: where MkDocs loads the plugin from, the plugin
# (MkDocs' events), the start of a build, the stages.  Every other module is below them: it is
# called by a stage, never calls one.
FLOORS = ("wmbook.plugin_entry", "wmbook.plugin", "wmbook.launch", "wmbook.stages")


def upward_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Each (module, floor it imports) where the floor is not below the module."""

    def height(name: str) -> int:
        return len(FLOORS) - FLOORS.index(name) if name in FLOORS else 0

    return sorted(
        (name, target)
        for name, targets in graph.items()
        for target in targets
        if target in FLOORS and height(target) >= height(name)
    )


def test_no_module_imports_a_floor_above_it() -> None:
    assert upward_imports(import_graph(module_files())) == []


def test_upward_imports_are_found() -> None:
    graph = {
        "wmbook.plugin": {"wmbook.stages"},
        "wmbook.stages": {"wmbook.notebook.pages"},
        "wmbook.notebook.pages": {"wmbook.stages"},
        "wmbook.launch": {"wmbook.plugin"},
    }
    assert upward_imports(graph) == [
        ("wmbook.launch", "wmbook.plugin"),
        ("wmbook.notebook.pages", "wmbook.stages"),
    ]
