"""Accept mode: write what blocks printed into their expected-output fences.

Run once, at the end of the build, file by file.  Only the lines inside each
rewritten ``output`` fence change; every other byte of the file (spacing, line
endings, non-ASCII text) stays as it was, and the file is replaced atomically.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from wmbook.blocks import OutputRewrite
from wmbook.model import Diagnostic, SourceLoc
from wmbook.parse.notebook import CellMap
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


def apply_notebook_rewrites(
    abs_path: str, rewrites: Sequence[OutputRewrite], cells: CellMap
) -> list[Diagnostic]:
    """Rewrite the stored text outputs of a notebook's ``check-output`` cells; every other
    byte of the file stays as it was (the notebook must be in Jupyter's own JSON layout)."""
    with open(abs_path, "rb") as file:
        raw = file.read()
    data = json.loads(raw)
    if _jupyter_json(data) != raw:
        loc = SourceLoc(rewrites[0].expected.loc.path, 1, 1)
        message = (
            "this notebook is not saved in Jupyter's JSON layout, so accept mode leaves it alone; "
            "save it once from Jupyter (or nbformat), then accept again"
        )
        return [Diagnostic(loc, message)]
    for rewrite in rewrites:
        cell = data["cells"][cells.loc(rewrite.expected.loc).cell - 1]  # type: ignore[operator]
        kept = [o for o in cell.get("outputs", []) if o.get("output_type") != "stream"]
        text = rewrite.new_text
        stream = {"name": "stdout", "output_type": "stream", "text": _lines(text)} if text else None
        cell["outputs"] = ([stream] if stream else []) + kept
    data_out = _jupyter_json(data)
    if data_out != raw:
        atomic_write(Path(abs_path), data_out, mode=os.stat(abs_path).st_mode & 0o7777)
    return []


def _jupyter_json(data: object) -> bytes:
    return (json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _lines(text: str) -> list[str]:
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
