"""Notebook pages: the notebook that mkdocs-jupyter renders is the one wmbook ran.

Before mkdocs-jupyter renders a ``.ipynb`` page, the page's sessions are awaited and
checked, and a copy of the notebook is written in which every code cell's outputs
are wmbook's (its output box, rich outputs and figures, as on Markdown pages) and
every Markdown cell has wmbook's reader blocks, citations and math (headings stay
Markdown, so mkdocs-jupyter's table of contents still finds them).  mkdocs-jupyter
is then pointed at that copy.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from wmbook.blocks import CodeBlock
from wmbook.book import Book, Page
from wmbook.kinds.base import RenderContext
from wmbook.model import StepResult
from wmbook.notebook.export import execution_counts
from wmbook.parse.notebook import DISPLAY_TAGS, fence_marker
from wmbook.parse.options import CodeOptions
from wmbook.render.place import place_blocks, placements
from wmbook.render.slots import fold_summary, folded_html, slot_name
from wmbook.store import atomic_write, digest, read_regular

_HEADING = re.compile(r"^#{1,6}\s")
_PRE = re.compile(r"<pre\b.*?</pre>", re.DOTALL)
# mkdocs-jupyter's template loads MathJax, Mermaid and require.js from CDNs (and has an
# inline module script that imports Mermaid from one); math is KaTeX's, rendered at build
# time, and a page loads nothing from another host.
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.DOTALL | re.IGNORECASE)
_CDN = re.compile(r"(?:https?:)?//(?:cdnjs\.cloudflare\.com|cdn\.jsdelivr\.net|unpkg\.com)/", re.IGNORECASE)
# A script loaded from another host: http(s) or scheme-relative, however the attribute is written.
_REMOTE_SRC = re.compile(r"""\bsrc\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
# Where mkdocs-jupyter's page turns from its template's scripts and styles (some 600 kB of
# JupyterLab's CSS, the same on every page) to the notebook.
_NOTEBOOK_START = re.compile(re.escape('<div class="jupyter-wrapper">'))


def _one_html_block(html: str) -> str:
    """HTML without blank lines (a blank line would end a Markdown HTML block)."""
    html = _PRE.sub(lambda m: m.group(0).replace("\n", "&#10;"), html)
    return re.sub(r"\n\s*\n", "\n", html).strip()


def markdown_cell(text: str, convert: Callable[[str], str]) -> str:
    """A Markdown cell as HTML blocks, its heading lines left as Markdown."""
    out: list[str] = []
    segment: list[str] = []

    def flush() -> None:
        if "\n".join(segment).strip():
            out.append(_one_html_block(convert("\n".join(segment))))
        segment.clear()

    for line in text.split("\n"):
        if _HEADING.match(line):
            flush()
            out.append(line)
        else:
            segment.append(line)
    flush()
    return "\n\n".join(out)


class CellRendering(msgspec.Struct, frozen=True):
    """What the render stage gives a notebook page's cells."""

    ctx: RenderContext  # for the blocks of its Markdown cells
    output: Callable[
        [CodeBlock, StepResult], str
    ]  # a code cell's output, as a page shows it (figures as slots)
    cited: Callable[[str], str]  # Markdown with the page's citations linked


def rendered_notebook(
    book: Book, page: Page, convert: Callable[[str], str], rendering: CellRendering
) -> dict[str, Any]:
    """The notebook with wmbook's outputs and reader blocks, for mkdocs-jupyter to render."""
    ctx = rendering.ctx
    parsed = page.parsed
    assert parsed.notebook is not None and parsed.cells is not None
    data = copy.deepcopy(parsed.notebook)
    spans = {span.cell: span for span in parsed.cells.cells}
    by_cell = parsed.blocks_by_cell()
    counts = execution_counts(parsed.blocks_of(CodeBlock), page.results)
    removed: set[int] = set()
    for number, cell in enumerate(data["cells"], start=1):
        if cell.get("cell_type") == "code":
            block = by_cell.get(number)
            if block is None:  # not run on this page: shown as the notebook has it
                continue
            cell["execution_count"] = counts.get(block.key)
            result = page.results.get(block.key)
            if result is None:
                cell["outputs"] = []
                continue
            slot = slot_name(page.slot_prefix, block.key)
            html = rendering.output(block, result)
            if book.settings.run_in_browser and block.options.run:
                from wmbook.runner.manifest import runnable_output  # books run in the browser only

                html = runnable_output(slot, html)
            shown = _displayed(block.options, cell, html, convert)
            if shown is None:
                removed.add(number)
            cell["outputs"] = (
                [{"output_type": "display_data", "data": {"text/html": shown}, "metadata": {}}]
                if shown
                else []
            )
        elif cell.get("cell_type") == "markdown" and number in spans:
            span = spans[number]
            lines = parsed.text.split("\n")[span.first - 1 : span.first - 1 + span.count]
            inside = [b for b in parsed.blocks if span.first <= b.region.start < span.first + span.count]
            placed, _ = place_blocks("\n".join(lines), placements(ctx, inside))
            cell["source"] = markdown_cell(rendering.cited(placed), convert)
    # A cell whose code and output are both removed is left out of the page; it ran and was checked.
    data["cells"] = [cell for number, cell in enumerate(data["cells"], start=1) if number not in removed]
    return data


def _displayed(
    options: CodeOptions, cell: dict[str, Any], output: str, convert: Callable[[str], str]
) -> str | None:
    """What a code cell shows below its code, its ``code=``/``output=`` applied (its hide-* and
    remove-* tags); None when the cell shows nothing at all.

    A folded or removed code is taken out of the cell's input (nbconvert leaves out a source
    marked ``transient.remove_source``); a folded one is shown in the output, in a disclosure.
    """
    metadata = cell.setdefault("metadata", {})
    if isinstance(metadata.get("tags"), list):  # applied here: not shown as labels on the cell too
        metadata["tags"] = [tag for tag in metadata["tags"] if tag not in DISPLAY_TAGS]
    code_display, output_display = options.code_display, options.output_display
    if output_display == "removed":
        output = ""
    if code_display == "removed" and not output:
        return None
    if code_display == "shown":
        return folded_html("Output", output) if output and output_display == "folded" else output
    metadata["transient"] = {"remove_source": True}
    if code_display == "removed":
        return folded_html("Output", output) if output_display == "folded" else output
    source = "".join(cell.get("source", ""))
    fence = fence_marker(source)
    code = convert(f"{fence}python\n{source}\n{fence}")
    count = len(source.rstrip("\n").split("\n"))
    if output_display == "folded" and output:  # hide-cell: one disclosure, as on a Markdown page
        return folded_html(fold_summary("Code and output", count), code + output)
    return folded_html(fold_summary("Code", count), code) + output


def write_rendered_notebook(
    book: Book, page: Page, convert: Callable[[str], str], rendering: CellRendering
) -> Path:
    """Write the notebook mkdocs-jupyter is to render, once the page is checked; its path."""
    data = rendered_notebook(book, page, convert, rendering)
    payload = (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    path = Path(book.settings.cache_dir) / "notebooks" / f"{digest(page.uri, payload)[:24]}.ipynb"
    if _holds(path, payload):  # written by an earlier build, byte for byte: nothing to write
        return path
    try:
        atomic_write(path, payload)
    except OSError as exc:  # a read-only or full cache folder: said once, and the page is still built
        book.store.cannot_write(exc)
        path = Path(book.scratch_dir()) / path.name  # removed when the build ends
        atomic_write(path, payload)
    return path


def _holds(path: Path, payload: bytes) -> bool:
    """Whether ``path`` is a regular file holding ``payload`` exactly (anything else there is
    written over: the cache folder is not trusted to hold what its names say)."""
    try:
        return read_regular(path, len(payload) + 1) == payload
    except OSError:
        return False


def split_notebook_html(html: str) -> tuple[str, str]:
    """mkdocs-jupyter's page HTML as its template's scripts and styles, and the notebook
    (``("", html)`` when the notebook's wrapper is not found)."""
    found = _NOTEBOOK_START.search(html)
    start = found.start() if found is not None else -1
    return (html[:start], html[start:]) if start > 0 else ("", html)


# The last two template parts stripped, and what they became: compared with each page's, not
# hashed (hashing 600 kB on every page takes longer than comparing it with an equal one).
_STRIPPED: list[tuple[str, str]] = []


def template_without_remote_scripts(template: str) -> str:
    """``strip_remote_scripts`` of mkdocs-jupyter's template part, done once for all the pages
    that share it (a pure function of its argument: nothing is kept between pages but this)."""
    for seen, stripped in _STRIPPED:
        if seen == template:
            return stripped
    stripped = strip_remote_scripts(template)
    _STRIPPED[:] = [(template, stripped), *_STRIPPED[:1]]
    return stripped


def strip_remote_scripts(html: str) -> str:
    """mkdocs-jupyter's MathJax, Mermaid and require.js tags removed."""

    def keep(match: re.Match[str]) -> str:
        attributes, body = match.group(1), match.group(2)
        if "application/json" in attributes:
            return match.group(0)  # data (a Bokeh item, the runner's manifest), not a script
        remote = _REMOTE_SRC.search(attributes) is not None
        if remote or "text/x-mathjax-config" in attributes or _CDN.search(body):
            return ""
        return match.group(0)

    return _SCRIPT.sub(keep, html)
