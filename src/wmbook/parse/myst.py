"""MyST Markdown notebooks: ```` ```{code-cell} ipython3 ```` fences of a jupytext ``.md`` file.

Each code cell of a Python kernel is a code block of its page.  Its options are the cell's
metadata as jupytext reads it (``:tags: [raises-exception]`` or a ``---`` YAML header), the
same tags and ``wmbook:`` keys as a ``.ipynb`` cell.  The option lines are left blank in
the code that runs, so every error names the line of the ``.md`` file; the page's front
matter (``kernelspec:``) gives its cells IPython's semantics, magics included.
The tags ``hide-*`` and ``remove-*`` (``-input``, ``-output``, ``-cell``) fold or leave out
its code or its output as a ``.ipynb`` cell's do (the cell still runs), and the ``+++`` lines
that separate Markdown cells are not shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msgspec

from wmbook.model import Fence
from wmbook.parse.fences import find_fences
from wmbook.parse.notebook import cell_fence_options

CODE_CELL = "{code-cell}"
PYTHON_KERNELS = ("", "ipython3", "python3", "ipython", "python")
_CELL_BREAK = re.compile(r"^\+\+\+[ \t]*(?:\{.*\})?[ \t]*$")


class MystError(ValueError):
    """A code cell that cannot be read; the message says what to change."""


class CodeCell(msgspec.Struct, frozen=True):
    """A MyST code cell read by jupytext: its fence options, code that runs, code shown."""

    options: str  # as the info string of a python fence (exec="off" raises="Exception" …)
    code: str  # one line per line of the fence's body (option lines blank)
    shown: str


def is_python_cell(fence: Fence) -> bool:
    """Whether a ``{code-cell}`` fence names a Python kernel (or none: the notebook's)."""
    kernel = fence.info.split()[0] if fence.info.split() else ""
    return kernel.lower() in PYTHON_KERNELS


def read_code_cell(fence: Fence) -> CodeCell:
    """The cell as jupytext reads it, its code lined up with the fence's lines."""
    try:
        from jupytext.myst import myst_to_notebook
    except ImportError:
        raise MystError("a MyST code cell needs jupytext to be read; pip install wmbook[notebooks]") from None
    marker = "`" * max(3, len(fence.marker))
    text = f"{marker}{CODE_CELL} {fence.info}\n" + "\n".join(fence.body) + f"\n{marker}\n"
    try:
        cells = myst_to_notebook(text).cells
    except Exception as exc:  # noqa: BLE001  (jupytext's errors are of many kinds)
        raise MystError(f"jupytext cannot read this code cell: {exc}") from None
    if len(cells) != 1 or cells[0].cell_type != "code":
        raise MystError("jupytext does not read this fence as one code cell")
    cell = cells[0]
    source = str(cell.source).split("\n")
    body = list(fence.body)
    start = next((i for i in range(len(body) + 1) if body[i : i + len(source)] == source), None)
    if start is None:
        raise MystError("the code of this cell could not be lined up with its lines")
    code = [""] * start + source
    return CodeCell(cell_fence_options(dict(cell)), "\n".join(code), str(cell.source))


def is_myst_notebook(meta: Mapping[str, Any]) -> bool:
    """Whether a page's front matter says jupytext wrote it in the MyST format."""
    jupytext = meta.get("jupytext")
    representation = jupytext.get("text_representation") if isinstance(jupytext, dict) else None
    name = representation.get("format_name") if isinstance(representation, dict) else None
    return name == "myst"


def without_cell_breaks(markdown: str) -> str:
    """The page without the ``+++`` lines (outside fences) that separate its Markdown cells."""
    lines = markdown.split("\n")
    fenced = {n for f in find_fences(markdown) for n in range(f.start, f.end + 1)}
    return "\n".join(line for n, line in enumerate(lines, 1) if n in fenced or not _CELL_BREAK.match(line))
