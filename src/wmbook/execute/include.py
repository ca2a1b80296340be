"""Run the text a ``--8<--`` snippet line brought into a block, as the files it came from.

The block's code calls ``run_included`` in place of the snippet line (see
``wmbook.parse.snippets``), so the text runs in the block's namespace and a traceback
names the included file and its line: each line of the text comes with the file and line
it was read from (a range that skips lines, a file that includes another).  Statements
run in order, each compiled as the file its first line is from.  This module's own frame
is hidden from tracebacks, as every frame inside wmbook is.
"""

from __future__ import annotations

import ast
import linecache
from collections.abc import Sequence
from typing import Any


def run_included(text: str, origins: Sequence[tuple[str, int]], namespace: dict[str, Any]) -> None:
    """Run ``text`` in ``namespace``; its line ``n`` is line ``origins[n-1]`` of a file."""
    lines = text.split("\n")
    _remember_lines(lines, origins)
    try:
        # compile(), not ast.parse(): no frame outside wmbook's (hidden) in a SyntaxError's traceback
        tree = _parse(text, origins[0][0] if origins else "<snippet>")
    except SyntaxError as exc:
        if exc.lineno is not None and 0 < exc.lineno <= len(origins):
            exc.filename, exc.lineno = origins[exc.lineno - 1]
            exc.end_lineno = None
        raise
    for node in ast.walk(tree):  # every position at its file's line
        for field in ("lineno", "end_lineno"):
            line = getattr(node, field, None)
            if isinstance(line, int) and 0 < line <= len(origins):
                setattr(node, field, origins[line - 1][1])
    groups: list[tuple[str, list[ast.stmt]]] = []
    for statement, first in zip(tree.body, _first_lines(text), strict=True):
        file = origins[first - 1][0] if 0 < first <= len(origins) else "<snippet>"
        if groups and groups[-1][0] == file:
            groups[-1][1].append(statement)
        else:
            groups.append((file, [statement]))
    for file, statements in groups:
        exec(
            compile(ast.Module(body=statements, type_ignores=[]), file, "exec", dont_inherit=True), namespace
        )


def _first_lines(text: str) -> list[int]:
    """The line of the text each top-level statement starts at (before remapping)."""
    return [statement.lineno for statement in _parse(text, "<snippet>").body]


def _parse(text: str, file: str) -> ast.Module:
    """The text's syntax tree (a SyntaxError names ``file``)."""
    tree = compile(text, file, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    assert isinstance(tree, ast.Module)
    return tree


def _remember_lines(lines: list[str], origins: Sequence[tuple[str, int]]) -> None:
    """Each line at its place in its file's ``linecache`` entry (tracebacks quote it); the
    lines another part of the same file put there are kept."""
    by_file: dict[str, list[str]] = {}
    for line, (file, number) in zip(lines, origins, strict=False):
        if file not in by_file:
            by_file[file] = list(linecache.getlines(file)) if file in linecache.cache else []
        shown = by_file[file]
        shown += ["\n"] * (number - len(shown))
        shown[number - 1] = line + "\n"
    for file, shown in by_file.items():
        linecache.cache[file] = (sum(map(len, shown)), None, shown, file)
