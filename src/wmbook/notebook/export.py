"""A page as a Jupyter notebook, with the outputs the build produced.

Prose becomes Markdown cells (math stays ``$…$``), each python block a code cell
carrying what it printed, its rich outputs and its figures (``image/svg+xml``), and a
first cell defines ``plot_xy`` and seeds the generators as every session does, so the
notebook runs in a plain Jupyter kernel with numpy and matplotlib.  Every other block is
written as its kind says (``BlockKind.notebook``): a quiz as its question, choices and
explanation, an equation as its label, math and caption, an instrument as a pointer to
the web page; a kind that says nothing keeps its source as a Markdown cell.

A folded code or output (``code="folded"``, a ``hide-*`` tag) is marked collapsed for
JupyterLab (``metadata.jupyter``); a removed one stays in the notebook, which is the
whole program, shown in full and tagged ``remove-*`` as Jupyter Book writes it (the code
kind's ``notebook``).
"""

from __future__ import annotations

import ast
import copy
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from msgspec.structs import replace

from wmbook.blocks import CodeBlock
from wmbook.book import ParsedPage
from wmbook.cite.bibliography import CITATION, Bibliography, PageCitations, Reference
from wmbook.kinds import registry
from wmbook.kinds.base import ExportContext, top_level
from wmbook.model import Outcome, StepKey, StepResult
from wmbook.notebook.cells import Cell, cell_outputs, code_cell, collapse, markdown_cell, numbered_result
from wmbook.parse.fences import front_matter_lines
from wmbook.templates import macros

NBFORMAT = 4
NBFORMAT_MINOR = 5
_HELPER = Path(__file__).parent.parent.joinpath("plot_helper.py").read_text(encoding="utf-8")


def _function_source(source: str, name: str) -> str:
    """One top-level function of a module, without its type annotations (a notebook cell
    should not need ``typing``)."""
    tree = ast.parse(source)
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    node.returns = None
    for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs):
        arg.annotation = None
    return ast.unparse(node)


# The notebook's first cell: seeded generators, the figure size and ``plot_xy`` as a reader
# would write it. The build's figure style (ink in a colour the page swaps for its own) stays
# out: in Jupyter, matplotlib's own colours are the right ones.
SETUP = (
    Path(__file__).with_name("setup_cell.py").read_text(encoding="utf-8")
    + "\n\n"
    + _function_source(_HELPER, "plot_xy")
    + "\n"
)


def _cite(text: str, citations: PageCitations, bibliography: Mapping[str, Reference]) -> str:
    def number(match: re.Match[str]) -> str:
        keys = [k.strip().lstrip("@") for k in match.group(1).split(";")]
        known = [k for k in keys if k in bibliography]
        return "[" + ", ".join(str(citations.cite(k)) for k in known) + "]" if known else match.group(0)

    return CITATION.sub(number, text)


def page_notebook(
    page: ParsedPage,
    results: Mapping[StepKey, StepResult],
    bibliography: Bibliography,
    page_url: str,
) -> dict[str, Any]:
    """The page as notebook JSON (nbformat 4.5): prose as Markdown cells, each block as its
    kind writes it (``BlockKind.notebook``; a kind that does not say: its source as written)."""
    lines = page.text.split("\n")
    entries = bibliography.entries
    citations = PageCitations.numbered(page.citations, entries)
    # Numbered as Jupyter numbers the notebook run top to bottom: the setup cell is In [1].
    counts = {key: n + 1 for key, n in execution_counts(page.blocks_of(CodeBlock), results).items()}
    ctx = ExportContext(
        page,
        results,
        page_url,
        lambda text: _cite(text, citations, entries),
        counts,
        {PageCitations: citations, Bibliography: bibliography},
    )
    cells: list[Cell] = [code_cell(SETUP, [], {"wmbook": {"setup": True}, "tags": ["setup"]}, 1)]
    position = front_matter_lines(page.text) + 1  # next file line not yet written out
    kinds = registry()
    for block in top_level(page.blocks):
        prose = "\n".join(lines[position - 1 : block.region.start - 1])
        if prose.strip():
            cells.append(markdown_cell(ctx.cite(prose)))
        position = block.region.end + 1
        cells += kinds.of(block).notebook(block, ctx)
    prose = "\n".join(lines[position - 1 :])
    if prose.strip():
        cells.append(markdown_cell(ctx.cite(prose)))
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number}"
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            "wmbook": {"source": page.path},
        },
        "nbformat": NBFORMAT,
        "nbformat_minor": NBFORMAT_MINOR,
    }


# Outcomes of a step that ran (Jupyter numbers a cell when it starts to run it).
_RAN = frozenset({Outcome.OK, Outcome.RAISED, Outcome.TIMEOUT, Outcome.DIED})


def execution_counts(
    blocks: Sequence[CodeBlock], results: Mapping[StepKey, StepResult]
) -> dict[StepKey, int]:
    """Each block's ``In [n]:`` as Jupyter shows it after running the notebook top to bottom.

    1, 2, 3 … over the blocks that ran, in page order; a block not run (``exec="off"``,
    ``skip-execution``, or stopped by an earlier error) has none, nor has an empty cell,
    which Jupyter does not send to the kernel.  The numbers follow from the results alone,
    so a cached build numbers its cells as the build that ran them.
    """
    counts: dict[StepKey, int] = {}
    for block in blocks:
        result = results.get(block.key)
        if block.options.execute and block.code.strip() and result is not None and result.outcome in _RAN:
            counts[block.key] = len(counts) + 1
    return counts


def executed_notebook(page: ParsedPage, results: Mapping[StepKey, StepResult]) -> dict[str, Any]:
    """A notebook page's own notebook, its code cells carrying the outputs of this build."""
    assert page.notebook is not None
    data = copy.deepcopy(page.notebook)
    by_cell = page.blocks_by_cell()
    counts = execution_counts(page.blocks_of(CodeBlock), results)
    for number, cell in enumerate(data.get("cells", []), start=1):
        block = by_cell.get(number)
        if cell.get("cell_type") != "code" or block is None:
            continue  # a cell that does not run on the page keeps what the notebook has
        cell["execution_count"] = counts.get(block.key)
        collapse(block.options, cell.setdefault("metadata", {}))  # its tags are the author's, kept
        if block.options.execute:
            cell["outputs"] = cell_outputs(numbered_result(results, block.key, counts))
    return data


def _numbered(
    results: Mapping[StepKey, StepResult], block: CodeBlock, counts: Mapping[StepKey, int]
) -> StepResult | None:
    """The block's result, its value (an ``execute_result``) carrying the cell's own number."""
    result = results.get(block.key)
    return replace(result, execution_count=counts.get(block.key)) if result is not None else None


def notebook_bytes(notebook: dict[str, Any]) -> bytes:
    """Notebook JSON, compact (the C encoder: indenting would take several times longer),
    sorted keys, final newline; Jupyter reads it as it is and indents it when it saves."""
    return (json.dumps(notebook, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def notebook_name(src_uri: str) -> str:
    """``basics/coins.md`` -> ``coins.ipynb`` (written next to the page's HTML)."""
    return Path(src_uri).stem + ".ipynb"


def download_action(src_uri: str) -> str:
    """Material's page-action button (beside edit/view) that downloads the notebook."""
    name = notebook_name(src_uri)
    return str(macros("notebook.html").download(name))
