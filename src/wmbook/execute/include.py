"""Run the text a ``--8<--`` snippet line brought into a block, as the file it came from.

The block's code calls ``run_included`` in place of the snippet line (see
``wmbook.parse.snippets``), so the text runs in the block's namespace and a traceback
names the included file and its line.  This module's own frame is hidden from
tracebacks, as every frame inside wmbook is.
"""

from __future__ import annotations

import linecache
from typing import Any


def run_included(path: str, first_line: int, text: str, namespace: dict[str, Any]) -> None:
    """Run ``text`` (lines ``first_line``… of ``path``) in ``namespace``."""
    lines = [line + "\n" for line in text.split("\n")]
    known = linecache.getlines(path) if path in linecache.cache else []
    # Another part of the same file may have run already: keep its lines too.
    shown = list(known)
    shown += ["\n"] * (first_line - 1 + len(lines) - len(shown))
    shown[first_line - 1 : first_line - 1 + len(lines)] = lines
    linecache.cache[path] = (sum(map(len, shown)), None, shown, path)
    code = compile("\n" * (first_line - 1) + text, path, "exec", dont_inherit=True)
    exec(code, namespace)
