"""The pure pieces of IPython's semantics and of the split stdout/stderr capture."""

from __future__ import annotations

import ast
import base64
import json

import pytest
from IPython.core.inputtransformer2 import TransformerManager

from wmbook.execute.capture import Segment, assemble
from wmbook.execute.ipython import REFUSED, _ShiftLines, as_display, refusal
from wmbook.execute.keys import session_key
from wmbook.execute.protocol import MAX_OUTPUT
from wmbook.execute.sessions import page_sessions
from wmbook.kinds.code import page_ipython
from wmbook.model import (
    Display,
    IPythonSetting,
    Outcome,
    SessionSpec,
    Step,
    StepKey,
    StepKind,
    StepResult,
    Stream,
)
from wmbook.notebook.cells import cell_outputs as _outputs
from wmbook.parse.frontmatter import read_front_matter
from wmbook.parse.notebook import notebook_text
from wmbook.parse.options import OptionError, parse_code_options
from wmbook.parse.page import parse_notebook_page, parse_page
from wmbook.render.outputs import render_result, settle_carriage_returns

KEY = StepKey(StepKind.CODE, 0)


@pytest.mark.parametrize(
    ("cell", "statements"),
    [
        ("%matplotlib inline\nx = 1\nx", [1, 2, 3]),
        ("!ls\ny = 2", [1, 2]),
        ("%%time\nz = 3\nz", [1]),  # the whole cell is one call of the cell magic
        ("files = !ls\nlen(files)", [1, 2]),
        ("await thing()\nw = 1;", [1, 2]),
    ],
)
def test_transformed_cells_keep_their_lines_and_move_to_the_page(cell: str, statements: list[int]) -> None:
    code = TransformerManager().transform_cell(cell)
    shift = _ShiftLines()
    shift.offset = 40
    tree = shift.visit(ast.parse(code))
    assert isinstance(tree, ast.Module)
    assert [node.lineno for node in tree.body] == [40 + n for n in statements]


def test_capture_segments_become_runs_in_order() -> None:
    data = {"stdout": b"one\ntwo\nthree\n", "stderr": b"warn\n"}
    segments = [
        Segment("stdout", 0, 4, 0),
        Segment("stdout", 4, 8, 0),  # joined to the run before
        Segment("stderr", 0, 5, 0),
        Segment("stdout", 8, 14, 1),  # after a rich output: a run of its own
    ]
    assert assemble(data, segments) == (
        Stream("stdout", "one\ntwo\n"),
        Stream("stderr", "warn\n"),
        Stream("stdout", "three\n", 1),
    )


def test_capture_is_cut_at_the_limit_for_both_streams_together() -> None:
    data = {"stdout": b"o" * MAX_OUTPUT, "stderr": b"e" * 10}
    runs = assemble(data, [Segment("stdout", 0, MAX_OUTPUT, 0), Segment("stderr", 0, 10, 0)])
    assert len(runs) == 1 and runs[0].text == "o" * MAX_OUTPUT


@pytest.mark.parametrize(
    ("printed", "shown"),
    [
        ("a\r\nb\r\n", "a\nb\n"),
        ("10%\r50%\r100%\n", "100%\n"),
        ("loading...\rdone\n", "doneing...\n"),  # a shorter line overwrites only its width, as a terminal
        ("plain\n", "plain\n"),
    ],
)
def test_carriage_returns_settle_as_a_terminal_shows_them(printed: str, shown: str) -> None:
    assert settle_carriage_returns(printed) == shown


def test_jupyter_bundles_become_displays() -> None:
    shown = as_display(
        {"text/plain": "x", "image/png": b"\x89PNG", "application/json": {"a": 1}}, result=True
    )
    assert shown.result
    assert shown.data[-1] == ("text/plain", "x")
    assert shown.get("image/png") == base64.b64encode(b"\x89PNG").decode()
    assert json.loads(shown.get("application/json") or "") == {"a": 1}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refusals_name_the_magic_and_what_to_do(name: str) -> None:
    text = refusal(name)
    assert text.startswith(f"%{name} ") and "skip-execution" in text and 'exec="off"' in text


@pytest.mark.parametrize(
    ("info", "ipython"),
    [("", None), ('ipython="on"', True), ('ipython="off"', False), ('ipython="true"', True)],
)
def test_the_fence_option(info: str, ipython: bool | None) -> None:
    assert parse_code_options(info).ipython is ipython


@pytest.mark.parametrize("info", ['ipython="sometimes"', 'exec="off" ipython="on"'])
def test_bad_fence_options(info: str) -> None:
    with pytest.raises(OptionError):
        parse_code_options(info)


def _notebook(*sources: str) -> str:
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "source": s} for s in sources]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


OFF = IPythonSetting(False)


def test_which_blocks_run_with_ipython() -> None:
    markdown = '```python\nx = 1\n```\n\n```python ipython="on"\n%time x\n```\n'
    plain = parse_page(markdown, "docs/a.md")
    assert not page_ipython(plain, OFF) and page_ipython(plain, IPythonSetting(True))
    assert [s.ipython for s in page_sessions(plain, 10)[0].steps] == [False, True]
    opted = parse_page("---\nipython: true\n---\n" + markdown, "docs/a.md")
    assert page_ipython(opted, OFF)
    jupytext = parse_page("---\njupyter:\n  kernelspec:\n    name: python3\n---\n" + markdown, "docs/j.md")
    myst = parse_page("---\nkernelspec:\n  name: python3\n---\n" + markdown, "docs/m.md")
    assert page_ipython(jupytext, OFF) and page_ipython(myst, OFF)
    notebook = parse_notebook_page(_notebook("%time 1"), "docs/n.ipynb")
    assert page_ipython(notebook, OFF)
    assert [s.ipython for s in page_sessions(notebook, 10)[0].steps] == [True]


def test_notebook_cells_can_opt_out() -> None:
    raw = json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "metadata": {"wmbook": {"ipython": False}},
                    "outputs": [],
                    "source": "x",
                }
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )
    assert 'ipython="False"' in notebook_text(raw, "docs/n.ipynb")[0]
    page = parse_notebook_page(raw, "docs/n.ipynb")
    assert [s.ipython for s in page_sessions(page, 10)[0].steps] == [False]


def test_front_matter_ipython_must_be_a_boolean() -> None:
    _, problems = read_front_matter("---\nipython: sometimes\n---\n", "docs/a.md", "")
    assert [(p.loc.line, p.message.split(" (")[0]) for p in problems] == [
        (2, "ipython must be true or false")
    ]


def test_the_semantics_are_part_of_the_cache_key() -> None:
    def spec(ipython: bool) -> SessionSpec:
        return SessionSpec("docs/a.md", "main", (Step(KEY, "x = 1", 2, 10, None, ipython),), ())

    assert session_key(spec(True)) != session_key(spec(False))


def test_notebook_outputs_keep_streams_and_their_place() -> None:
    result = StepResult(
        KEY,
        Outcome.OK,
        "a\nwarned\nb\n",
        displays=(Display((("text/plain", "1"),)), Display((("text/plain", "2"),), result=True)),
        streams=(Stream("stdout", "a\n"), Stream("stderr", "warned\n"), Stream("stdout", "b\n", 1)),
        execution_count=7,
    )
    outputs = _outputs(result)
    assert [(o["output_type"], o.get("name")) for o in outputs] == [
        ("stream", "stdout"),
        ("stream", "stderr"),
        ("display_data", None),
        ("stream", "stdout"),
        ("execute_result", None),
    ]
    assert outputs[-1]["execution_count"] == 7


def test_stderr_is_marked_in_the_output_box() -> None:
    result = StepResult(
        KEY, Outcome.OK, "out\n<warn>\n", streams=(Stream("stdout", "out\n"), Stream("stderr", "<warn>\n"))
    )
    assert '<span class="wmbook-output__stderr">&lt;warn&gt;</span>' in render_result(result)
