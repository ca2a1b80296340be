"""Accept mode: write what blocks printed into their expected-output fences.

Run once, at the end of the build, file by file.  Only the lines inside each
rewritten ``output`` fence change; every other byte of the file (spacing, line
endings, non-ASCII text) stays as it was, and the file is replaced atomically.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from wmbook.kinds.output import OutputRewrite
from wmbook.model import Diagnostic
from wmbook.store import atomic_write


def _new_body(rewrite: OutputRewrite, eol: str) -> list[str]:
    fence = rewrite.expected.fence
    text = rewrite.new_text.rstrip("\n")
    return [(fence.indent + line if line else line) + eol for line in text.split("\n")] if text else []


def apply_rewrites(abs_path: str, rewrites: Sequence[OutputRewrite]) -> list[Diagnostic]:
    """Rewrite the expected-output fences of one file; return problems instead of raising."""
    with open(abs_path, "rb") as file:
        raw = file.read()
    # Split at "\n" only, as the parser does (splitlines would also break at U+2028 etc.).
    text = raw.decode("utf-8")
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    problems: list[Diagnostic] = []
    # Bottom-up, so the line numbers of fences above stay valid.
    for rewrite in sorted(rewrites, key=lambda r: -r.expected.fence.start):
        expected = rewrite.expected
        fence = expected.fence
        marker = fence.marker
        if any(line.strip().startswith(marker) for line in rewrite.new_text.split("\n")):
            message = f"the printed output contains {marker}; lengthen this fence's marker"
            problems.append(Diagnostic(expected.loc, message))
            continue
        opening = lines[fence.start - 1]
        eol = opening[len(opening.rstrip("\r\n")) :] or "\n"
        lines[fence.start : fence.end - 1] = _new_body(rewrite, eol)
    data = "".join(lines).encode("utf-8")
    if data != raw:
        atomic_write(Path(abs_path), data, mode=os.stat(abs_path).st_mode & 0o7777)
    return problems
