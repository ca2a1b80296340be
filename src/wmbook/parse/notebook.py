"""A notebook page (``.ipynb``) read as the same blocks as a Markdown page.

Each code cell becomes a python block (its options from the cell's metadata
``wmbook: {timeout: 5, raises: ValueError, exec: false, session: name}`` or the tags
``raises-exception`` and ``skip-execution``; with the tag ``check-output`` its stored
text output is its expected output; Jupyter Book's ``hide-*`` and ``remove-*`` tags and
Jupyter's ``source_hidden``/``outputs_hidden`` as ``code=`` and ``output=``), each Markdown
cell its text.  The page is parsed
as one Markdown text with a ``CellMap`` from its lines back to cells, so every
diagnostic names the notebook, the cell and the line in it.

Only code cells run, as in Jupyter: a fence inside a Markdown cell (even a ``python``
one) is prose.  The map says which fence lines are the code cells' own, and the parser
takes no other fence for a block.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import msgspec

from wmbook.model import Diagnostic, SourceLoc
from wmbook.parse.fences import find_fences
from wmbook.parse.marked import exec_flag


class CellLines(msgspec.Struct, frozen=True):
    """Where a cell's lines stand in the page's text."""

    cell: int  # 1-based cell number
    first: int  # text line of the cell's first line
    count: int  # lines the cell takes


class CellMap(msgspec.Struct, frozen=True, dict=True):
    """Lines of the page's text back to notebook cells."""

    cells: tuple[CellLines, ...]
    # Opening lines of the fences the notebook's cells are made of: each code cell's fence
    # (with its cell number) and its stored-output fence.  Every other fence is prose.
    code_fences: tuple[tuple[int, int], ...] = ()
    output_fences: tuple[int, ...] = ()

    @property
    def block_fences(self) -> frozenset[int]:
        """Lines of the fences that are blocks (the code cells' and their stored outputs)."""
        return frozenset([line for line, _ in self.code_fences] + list(self.output_fences))

    def code_cell(self, fence_line: int) -> int | None:
        """The cell number of the code cell whose fence opens at ``fence_line``."""
        return self._cell_of_fence.get(fence_line)

    @functools.cached_property
    def _cell_of_fence(self) -> dict[int, int]:
        # Asked once per code cell: a scan each time would take a notebook's cells squared.
        return dict(self.code_fences)

    def locate(self, line: int) -> tuple[int, int] | None:
        """(cell, line in cell) of a text line; None between cells."""
        for span in self.cells:
            if span.first <= line < span.first + span.count:
                return span.cell, line - span.first + 1
        return None

    def loc(self, loc: SourceLoc) -> SourceLoc:
        """A location in the text as a location in the notebook."""
        if loc.cell is not None:
            return loc
        found = self.locate(loc.line)
        if found is None:
            # A code cell's fence line belongs to the cell below it; an expected-output
            # fence (from the cell's stored outputs) to the cell above it.
            below = next((s for s in self.cells if s.first == loc.line + 1), None)
            above = [s for s in self.cells if s.first <= loc.line]
            span = below or (above[-1] if above else None)
            found = (span.cell, 1) if span else None
        return SourceLoc(loc.path, found[1], found[0]) if found else loc

    def text(self, path: str, text: str) -> str:
        """Tracebacks and messages with text lines turned into cell lines."""
        page = re.escape(path)

        def in_file(match: re.Match[str]) -> str:
            found = self.locate(int(match[1]))
            return f'File "{path}", cell {found[0]}, line {found[1]}' if found else match[0]

        def at(match: re.Match[str]) -> str:
            loc = self.loc(SourceLoc(path, int(match[1])))
            return str(loc) if loc.cell is not None else match[0]

        text = re.sub(rf'File "{page}", line (\d+)', in_file, text)
        return re.sub(rf"{page}:(\d+)", at, text)

    def diagnostic(self, diagnostic: Diagnostic) -> Diagnostic:
        """A diagnostic located in the notebook."""
        path = diagnostic.loc.path
        return Diagnostic(
            self.loc(diagnostic.loc),
            self.text(path, diagnostic.message),
            diagnostic.severity,
            self.text(path, diagnostic.detail),
        )


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def stream_text(cell: dict[str, Any]) -> str:
    """The text a code cell's stored outputs printed (stdout and stderr streams)."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            text = output.get("text", "")
            parts.append("".join(text) if isinstance(text, list) else str(text))
    return "".join(parts)


def cell_fence_options(cell: dict[str, Any]) -> str:
    """A code cell's metadata and tags as the options of a python fence."""
    meta = cell.get("metadata", {})
    options = dict(meta.get("wmbook", {})) if isinstance(meta.get("wmbook", {}), dict) else {}
    tags = set(meta.get("tags", []) or [])
    if "skip-execution" in tags:
        options.setdefault("exec", False)
    if "raises-exception" in tags:
        options.setdefault("raises", "Exception")
    jupyter = meta.get("jupyter", {}) if isinstance(meta.get("jupyter", {}), dict) else {}
    for part, hidden in (("code", "source_hidden"), ("output", "outputs_hidden")):
        display = tag_display(tags, part, jupyter.get(hidden) is True)
        # A cell that does not run has no output to show or hide.
        if display != "shown" and not (
            part == "output" and exec_flag(str(options.get("exec", True))) is False
        ):
            options.setdefault(part, display)
    parts = []
    for key, value in options.items():
        if key == "exec" and isinstance(value, bool):
            value = "on" if value else "off"
        parts.append(f'{key}="{value}"')
    return " ".join(parts)


# Jupyter Book's tags for what a cell shows of its code ("input") and its output.
_TAG_PART = {"code": "input", "output": "output"}
DISPLAY_TAGS = frozenset(
    f"{verb}-{part}" for verb in ("hide", "remove") for part in ("input", "output", "cell")
)


def tag_display(tags: set[str], part: str, collapsed: bool = False) -> str:
    """How a cell's tags show its ``code`` or ``output``: "removed", "folded" or "shown".

    ``remove-input``, ``remove-output`` and ``remove-cell`` leave the part out of the page,
    ``hide-*`` fold it (as does Jupyter's own ``source_hidden``/``outputs_hidden``); removing
    wins over folding, as the stricter of the two.
    """
    name = _TAG_PART[part]
    if {f"remove-{name}", "remove-cell"} & tags:
        return "removed"
    if {f"hide-{name}", "hide-cell"} & tags or collapsed:
        return "folded"
    return "shown"


def fence_marker(text: str) -> str:
    """A fence of backticks longer than any run of three or more in ``text``."""
    longest = max((len(m) for m in re.findall(r"`{3,}", text)), default=2)
    return "`" * max(3, longest + 1)


def notebook_text(raw: str, path: str) -> tuple[str, CellMap, dict[str, Any] | None, list[Diagnostic]]:
    """The notebook as one Markdown text, with its cell map and its JSON."""
    try:
        data = json.loads(raw)
        cells = data["cells"]
        assert isinstance(cells, list)
    except (ValueError, KeyError, TypeError, AssertionError) as exc:
        return "", CellMap(()), None, [Diagnostic(SourceLoc(path, 1), f"not a readable notebook: {exc}")]
    # A notebook keeps its settings in its metadata: a first Markdown cell that opens with
    # '---' is prose (a rule, a heading's underline), as Jupyter and mkdocs-jupyter show it,
    # never front matter; a blank line before it keeps the page's text from reading so.
    first = _source(cells[0]) if cells and isinstance(cells[0], dict) else ""
    leading = cells and isinstance(cells[0], dict) and cells[0].get("cell_type") == "markdown"
    lines: list[str] = [""] if leading and first.startswith("---") else []
    spans: list[CellLines] = []
    code_fences: list[tuple[int, int]] = []
    output_fences: list[int] = []
    for number, cell in enumerate(cells, start=1):
        source = _source(cell).rstrip("\n")
        kind = cell.get("cell_type")
        body = source.split("\n") if source else []
        if kind == "markdown":
            spans.append(CellLines(number, len(lines) + 1, len(body)))
            lines += [*body, *_closing_fences(body), ""]
        elif kind == "code":
            marker = fence_marker(source)
            code_fences.append((len(lines) + 1, number))
            lines.append(f"{marker}python {cell_fence_options(cell)}".rstrip())
            spans.append(CellLines(number, len(lines) + 1, max(1, len(body))))
            lines += [*body, marker, ""]
            tags = set(cell.get("metadata", {}).get("tags", []) or [])
            if "check-output" in tags:
                expected = stream_text(cell).rstrip("\n")
                out = fence_marker(expected)
                output_fences.append(len(lines) + 1)
                lines += (
                    [f"{out}output", *expected.split("\n"), out, ""]
                    if expected
                    else [f"{out}output", out, ""]
                )
    cell_map = CellMap(tuple(spans), tuple(code_fences), tuple(output_fences))
    return "\n".join(lines), cell_map, data, []


def _closing_fences(body: list[str]) -> list[str]:
    """Lines that close a fence a Markdown cell leaves open.

    Jupyter renders each Markdown cell on its own, so a fence left open ends with its
    cell; in the page's one text it would run on over the cells below.
    """
    fences = find_fences("\n".join(body))
    last = fences[-1] if fences else None
    return [f"{last.indent}{last.marker}"] if last is not None and not last.closed else []
