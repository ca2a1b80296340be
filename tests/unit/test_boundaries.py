"""The engine knows no site generator: only the plugin (and its entry point) and the option
schema MkDocs validates (``wmbook.config``) import MkDocs, and only they read that schema."""

from __future__ import annotations

import ast
from pathlib import Path

import wmbook

PACKAGE = Path(wmbook.__file__).parent
# plugin.py is the MkDocs glue, and plugin_entry.py where MkDocs loads it (it finds the
# configuration MkDocs is loading, to start what takes long before the plugin's modules
# load); config.py declares the options as MkDocs' config_options (Choice, Type …), which
# MkDocs itself validates when it reads mkdocs.yml.
MAY_IMPORT_MKDOCS = {"plugin.py", "plugin_entry.py", "config.py"}


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_imported_modules_sees_nested_imports(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from mkdocs.utils import x\nimport os.path\n", encoding="utf-8")
    assert imported_modules(module) == {"mkdocs.utils", "os.path"}


def test_only_the_plugin_imports_mkdocs() -> None:
    importers = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if any(name == "mkdocs" or name.startswith("mkdocs.") for name in imported_modules(path))
    )
    assert set(importers) <= MAY_IMPORT_MKDOCS, importers


def _importers(module: str) -> list[str]:
    return sorted(
        str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py") if module in imported_modules(path)
    )


def test_only_the_plugin_reads_the_mkdocs_schema() -> None:
    # The entry point's module validates the plugin's options as MkDocs will, to tell early
    # whether sessions will surely run.
    assert _importers("wmbook.config") == ["plugin.py", "plugin_entry.py"]
    # The entry point's module only hands MkDocs the plugin (after starting the shared
    # cache's helper and the worker server); nothing else reaches the plugin.
    assert _importers("wmbook.plugin") == ["plugin_entry.py"]
