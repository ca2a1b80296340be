"""A notebook page's cells as blocks: only code cells run, and each block knows its cell.

A fence inside a Markdown cell is prose, as in Jupyter: it is not a block, so it takes
no output and no step.  Outputs and ``In [n]:`` numbers join cells by cell number.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from wmbook.kinds.code import CodeBlock
from wmbook.kinds.output import ExpectedOutput
from wmbook.kinds.quiz import Quiz
from wmbook.model import Outcome, StepKey, StepKind, StepResult
from wmbook.notebook.export import executed_notebook, execution_counts
from wmbook.parse.page import parse_notebook_page

PATH = "docs/nb.ipynb"


def notebook(*cells: tuple[str, str] | tuple[str, str, dict[str, Any]]) -> str:
    """Notebook JSON from (cell type, source[, metadata]) triples."""
    out = []
    for cell in cells:
        kind, source = cell[0], cell[1]
        meta = cell[2] if len(cell) > 2 else {}  # type: ignore[misc]
        entry: dict[str, Any] = {"cell_type": kind, "metadata": meta, "source": source}
        if kind == "code":
            entry |= {"outputs": [], "execution_count": None}
        out.append(entry)
    return json.dumps({"cells": out, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


FENCE_IN_MARKDOWN = notebook(
    ("code", 'print("A")'),
    ("markdown", 'Shown, never run:\n\n```python\nprint("not me")\n```'),
    ("code", 'print("B")'),
    ("markdown", "```output\nnot an expected output\n```"),
    ("code", 'print("C")'),
)


def code_cells(raw: str) -> list[tuple[int | None, str]]:
    return [(b.cell, b.code) for b in parse_notebook_page(raw, PATH).blocks_of(CodeBlock)]


def test_a_fence_in_a_markdown_cell_is_prose() -> None:
    page = parse_notebook_page(FENCE_IN_MARKDOWN, PATH)
    assert [(b.cell, b.code, b.index) for b in page.blocks_of(CodeBlock)] == [
        (1, 'print("A")', 0),
        (3, 'print("B")', 1),
        (5, 'print("C")', 2),
    ]
    assert not page.blocks_of(ExpectedOutput)
    assert not page.diagnostics


@pytest.mark.parametrize("lang", ["python", "py", "python3", "output", "{.python}"])
def test_no_fence_language_makes_a_markdown_cell_run(lang: str) -> None:
    raw = notebook(("markdown", f"```{lang}\nx = 1\n```"), ("code", "y = 2"))
    assert code_cells(raw) == [(2, "y = 2")]


def test_a_fence_left_open_in_a_markdown_cell_ends_with_its_cell() -> None:
    """Jupyter renders each Markdown cell alone: the code cells below still run."""
    raw = notebook(
        ("markdown", "````python\nx = 1"), ("code", "y = 2"), ("markdown", "~~~\nz"), ("code", "w")
    )
    assert code_cells(raw) == [(2, "y = 2"), (4, "w")]


@pytest.mark.parametrize(
    "first", ["---\nwmbook:\n  execute: marked\n---\nProse below a rule", "---\ntitle: T\n---"]
)
def test_a_first_markdown_cell_opening_with_a_rule_is_prose_not_front_matter(first: str) -> None:
    raw = notebook(("markdown", first), ("code", "y = 2"))
    page = parse_notebook_page(raw, PATH)
    assert [(b.cell, b.code, b.options.execute) for b in page.blocks_of(CodeBlock)] == [(2, "y = 2", True)]
    assert not page.diagnostics
    assert page.cells is not None and page.cells.locate(page.blocks_of(CodeBlock)[0].fence.start + 1) == (
        2,
        1,
    )


def test_code_cells_holding_fences_stay_one_block() -> None:
    raw = notebook(("code", 's = """\n```python\nx\n```\n"""'), ("code", "t = 1"))
    assert code_cells(raw) == [(1, 's = """\n```python\nx\n```\n"""'), (2, "t = 1")]


def test_reader_blocks_in_markdown_cells_and_stored_outputs_stay_blocks() -> None:
    stored = {"tags": ["check-output"]}
    raw = notebook(
        ("code", "a = 2", stored),
        ("markdown", "/// quiz | Twice a?\n    answer: 4\n    check: 2 * a\n///"),
        ("code", "print(a)", {"tags": ["check-output"]}),
    )
    page = parse_notebook_page(raw, PATH)
    assert [type(b) for b in page.blocks] == [CodeBlock, ExpectedOutput, Quiz, CodeBlock, ExpectedOutput]
    owners = [b.owner for b in page.blocks_of(ExpectedOutput)]
    assert owners == [page.blocks_of(CodeBlock)[0].key, page.blocks_of(CodeBlock)[1].key]


def _result(index: int, outcome: Outcome = Outcome.OK, output: str = "") -> StepResult:
    return StepResult(StepKey(StepKind.CODE, index), outcome, output)


@pytest.mark.parametrize(
    ("outcomes", "counts"),
    [
        ([Outcome.OK, Outcome.OK, Outcome.OK], [1, 2, 3]),
        ([Outcome.OK, None, Outcome.OK], [1, None, 2]),  # a cell not run (skip-execution)
        ([Outcome.RAISED, Outcome.OK, Outcome.TIMEOUT], [1, 2, 3]),  # raises-exception cells ran
        ([Outcome.OK, Outcome.RAISED, Outcome.NOT_RUN], [1, 2, None]),  # stopped by the error
        ([Outcome.UNCACHED, Outcome.UNCACHED, Outcome.OK], [None, None, 1]),
    ],
)
def test_execution_counts_number_the_cells_that_ran(
    outcomes: list[Outcome | None], counts: list[int | None]
) -> None:
    page = parse_notebook_page(notebook(*(("code", f"x{i} = {i}") for i in range(len(outcomes)))), PATH)
    results = {
        b.key: _result(b.index, o) for b, o in zip(page.blocks_of(CodeBlock), outcomes, strict=True) if o
    }
    numbers = execution_counts(page.blocks_of(CodeBlock), results)
    assert [numbers.get(b.key) for b in page.blocks_of(CodeBlock)] == counts


def test_a_block_not_executed_and_an_empty_cell_have_no_number() -> None:
    raw = notebook(
        ("code", "a = 1", {"tags": ["skip-execution"]}), ("code", "  \n"), ("code", "# only a comment")
    )
    page = parse_notebook_page(raw, PATH)
    results = {b.key: _result(b.index) for b in page.blocks_of(CodeBlock)}
    numbers = execution_counts(page.blocks_of(CodeBlock), results)
    assert [numbers.get(b.key) for b in page.blocks_of(CodeBlock)] == [None, None, 1]


def test_downloaded_notebook_puts_each_output_in_its_own_cell() -> None:
    page = parse_notebook_page(FENCE_IN_MARKDOWN, PATH)
    results = {b.key: _result(b.index, output=f"{b.code[7]}\n") for b in page.blocks_of(CodeBlock)}
    data = executed_notebook(page, results)
    shown = [
        (cell["execution_count"], "".join(cell["outputs"][0]["text"]))
        for cell in data["cells"]
        if cell["cell_type"] == "code"
    ]
    assert shown == [(1, "A\n"), (2, "B\n"), (3, "C\n")]
    assert "".join(data["cells"][1]["source"]).endswith('```python\nprint("not me")\n```')
    assert sorted(page.blocks_by_cell()) == [1, 3, 5]
