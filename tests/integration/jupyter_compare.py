"""Compare the notebook a wmbook build wrote with the same notebook run by Jupyter
(nbclient + ipykernel), code cell by code cell.

Each cell is reduced to what a reader sees and that both runs must agree on: its
``In [n]`` number, the text it printed, the kinds of rich output it showed (an image is
an image whether SVG or PNG; a value shown as plain text, that text) and the name of the
error it raised.  Whether a value came as Jupyter's ``execute_result`` or as a display is
not compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

_IMAGES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml")


@dataclass(frozen=True)
class CellView:
    """One code cell as a reader sees it."""

    count: int | None
    text: str  # what the cell printed (stream outputs, in order)
    # Its other outputs in order: "image", the richest MIME type, "text/plain:" and the
    # repr, or "error:Name".
    shown: tuple[str, ...]


def _text(value: str | list[str]) -> str:
    return "".join(value) if isinstance(value, list) else value


def cell_view(cell: dict[str, Any]) -> CellView:
    """What a code cell shows."""
    text, shown = "", []
    for output in cell.get("outputs", []):
        kind = output["output_type"]
        if kind == "stream":
            text += _text(output["text"])
        elif kind == "error":
            shown.append(f"error:{output['ename'].rpartition('.')[2]}")
        else:  # display_data or execute_result: the richest type a reader sees
            data = output.get("data", {})
            rich = [m for m in data if m != "text/plain"]
            if any(m in _IMAGES for m in rich):
                shown.append("image")
            elif rich:
                shown.append(rich[0])
            else:  # a value shown as its repr: the text itself must agree
                shown.append("text/plain:" + _text(data.get("text/plain", "")))
    return CellView(cell.get("execution_count"), text, tuple(shown))


def code_cells(notebook: dict[str, Any]) -> list[CellView]:
    """Every code cell of a notebook (JSON), in order."""
    return [cell_view(cell) for cell in notebook["cells"] if cell["cell_type"] == "code"]


def run_with_jupyter(path: Path, timeout: float = 120, allow_errors: bool = False) -> list[CellView]:
    """Run a notebook in a fresh ipykernel from its own folder, as Jupyter does (with
    ``allow_errors``, on past cells that raise, as *Run all* in a notebook whose error
    cells are not tagged)."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return code_cells(notebook)


def differences(ours: list[CellView], jupyter: list[CellView]) -> list[str]:
    """Where two runs' code cells disagree, one line per cell."""
    if len(ours) != len(jupyter):
        return [f"{len(ours)} code cells against Jupyter's {len(jupyter)}"]
    return [
        f"code cell {n}: {mine} != {theirs}"
        for n, (mine, theirs) in enumerate(zip(ours, jupyter, strict=True), start=1)
        if mine != theirs
    ]
