"""The notebook comparison helper finds each kind of difference, and only differences."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from nbcompare import (
    Kind,
    cell_view,
    compare_notebooks,
    compare_prompts,
    is_timing_cell,
    normalise,
    page_images,
)

PNG = "iVBORw0KGgo="
SVG_PLAIN = '<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0"/></svg>'
SVG_RASTER = '<svg><image width="5" height="5" xlink:href="data:image/png;base64,iVBORw0KGgo="/></svg>'
SVG_STRIPPED = '<svg><image width="5" height="5"/></svg>'


def _stream(text: str, name: str = "stdout") -> dict[str, Any]:
    return {"output_type": "stream", "name": name, "text": text}


def _value(plain: str, **rich: str) -> dict[str, Any]:
    return {"output_type": "execute_result", "data": {"text/plain": plain, **rich}, "metadata": {}}


def _display(**data: str) -> dict[str, Any]:
    return {"output_type": "display_data", "data": data, "metadata": {}}


def _error(name: str) -> dict[str, Any]:
    return {"output_type": "error", "ename": name, "evalue": "", "traceback": []}


def _notebook(*cells: tuple[str, list[dict[str, Any]]]) -> dict[str, Any]:
    body: list[dict[str, Any]] = [{"cell_type": "markdown", "source": "# Title", "metadata": {}}]
    for source, outputs in cells:
        body.append({"cell_type": "code", "source": source, "outputs": outputs, "metadata": {}})
    return {"cells": body, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


JUPYTER = _notebook(
    ("print('A')", [_stream("A\n")]),
    (
        "import warnings; warnings.warn('careful')",
        [_stream("/tmp/ipykernel_9/1.py:1: UserWarning: careful\n", "stderr")],
    ),
    ("df", [_value("   x\n0  1", **{"text/html": "<table></table>"})]),
    (
        "plt.plot([1, 2])",
        [
            _value("[<Line2D>]"),
            _display(**{"image/png": PNG, "image/svg+xml": SVG_PLAIN, "text/plain": "<Figure>"}),
        ],
    ),
    (
        "plt.imshow(m);",
        [_display(**{"image/png": PNG, "image/svg+xml": SVG_RASTER, "text/plain": "<Figure>"})],
    ),
    ("1 / 0", [_error("ZeroDivisionError")]),
)


def _wmbook_side() -> dict[str, Any]:
    """The same outputs as wmbook writes them: figures as SVG, errors and streams alike."""
    nb = copy.deepcopy(JUPYTER)
    nb["cells"][2]["outputs"] = [_stream("docs/x.ipynb:1: UserWarning: careful\n", "stderr")]
    nb["cells"][3]["outputs"] = [_display(**{"text/plain": "   x\n0  1", "text/html": "<table></table>"})]
    nb["cells"][4]["outputs"] = [
        _display(**{"text/plain": "[<Line2D>]"}),
        _display(**{"image/svg+xml": SVG_PLAIN}),
    ]
    nb["cells"][5]["outputs"] = [_display(**{"image/svg+xml": SVG_RASTER, "text/plain": "Figure 1"})]
    return nb


def test_the_same_outputs_as_wmbook_writes_them_are_equal() -> None:
    assert compare_notebooks(JUPYTER, _wmbook_side()) == []


def test_swapped_outputs_are_found_in_both_cells() -> None:
    nb = _wmbook_side()
    nb["cells"][1]["outputs"], nb["cells"][3]["outputs"] = (
        nb["cells"][3]["outputs"],
        nb["cells"][1]["outputs"],
    )
    diffs = compare_notebooks(JUPYTER, nb)
    assert {(d.cell, d.kind) for d in diffs} >= {(2, Kind.STDOUT), (4, Kind.STDOUT), (4, Kind.MIME)}
    first = next(d for d in diffs if d.cell == 2)
    assert (first.code_cell, first.jupyter, first.wmbook) == (1, "A", "")


def test_a_missing_image_is_found() -> None:
    nb = _wmbook_side()
    nb["cells"][4]["outputs"].pop()
    assert [(d.cell, d.kind, d.jupyter, d.wmbook) for d in compare_notebooks(JUPYTER, nb)] == [
        (5, Kind.IMAGE, "1", "0")
    ]


def test_a_figure_whose_raster_content_was_stripped_is_found() -> None:
    nb = _wmbook_side()
    nb["cells"][5]["outputs"] = [_display(**{"image/svg+xml": SVG_STRIPPED})]
    assert [(d.cell, d.kind) for d in compare_notebooks(JUPYTER, nb)] == [(6, Kind.RASTER)]


def test_a_missing_stream_is_found() -> None:
    nb = _wmbook_side()
    nb["cells"][1]["outputs"] = []
    assert [(d.cell, d.kind, d.jupyter) for d in compare_notebooks(JUPYTER, nb)] == [(2, Kind.STDOUT, "A")]


def test_stderr_shown_as_stdout_is_found_when_wmbook_keeps_streams_apart() -> None:
    nb = _wmbook_side()
    nb["cells"][2]["outputs"] = [_stream("docs/x.ipynb:1: UserWarning: careful\n")]
    nb["cells"][1]["outputs"].append(_stream("note\n", "stderr"))  # this side separates streams
    kinds = {(d.cell, d.kind) for d in compare_notebooks(JUPYTER, nb)}
    assert {(3, Kind.STDOUT), (3, Kind.STDERR)} <= kinds


def test_streams_can_be_required_apart() -> None:
    nb = _wmbook_side()
    nb["cells"][2]["outputs"] = [_stream("docs/x.ipynb:1: UserWarning: careful\n")]
    diffs = compare_notebooks(JUPYTER, nb, separate_streams=True)
    assert [(d.cell, d.kind) for d in diffs] == [(3, Kind.STDOUT), (3, Kind.STDERR)]


def test_merged_streams_compare_as_lines_when_wmbook_folds_stderr_into_stdout() -> None:
    nb = _wmbook_side()
    nb["cells"][2]["outputs"] = [_stream("docs/x.ipynb:1: UserWarning: careful\n")]
    assert compare_notebooks(JUPYTER, nb) == []
    nb["cells"][2]["outputs"] = [_stream("something else\n")]
    assert [d.kind for d in compare_notebooks(JUPYTER, nb)] == [Kind.STREAM]


def test_a_shown_value_left_visible_is_found() -> None:
    nb = _wmbook_side()
    nb["cells"][5]["outputs"].insert(0, _display(**{"text/plain": "<matplotlib.image.AxesImage at 0x7f3a>"}))
    assert [(d.cell, d.kind) for d in compare_notebooks(JUPYTER, nb)] == [(6, Kind.VALUE)]


def test_an_error_only_one_side_raised_is_found() -> None:
    nb = _wmbook_side()
    nb["cells"][6]["outputs"] = []
    nb["cells"][1]["outputs"] = [_error("SyntaxError")]
    diffs = [(d.cell, d.kind, d.jupyter, d.wmbook) for d in compare_notebooks(JUPYTER, nb)]
    assert (7, Kind.ERROR, "ZeroDivisionError", "") in diffs
    assert (2, Kind.ERROR, "", "SyntaxError") in diffs


def test_a_code_cell_missing_on_one_side_is_found() -> None:
    nb = _wmbook_side()
    del nb["cells"][6]
    assert [(d.cell, d.kind) for d in compare_notebooks(JUPYTER, nb)] == [(7, Kind.MISSING)]


@pytest.mark.parametrize(
    ("text", "timing", "expected"),
    [
        ("<object object at 0x7f00ab12>  \n\n", False, "<object object at 0x…>"),
        ("/tmp/ipykernel_7/12.py:3: FutureWarning: soon", False, "<file>: FutureWarning: soon"),
        (
            "1.23 μs ± 4.5 ns per loop (mean ± std. dev. of 7 runs, 1,000,000 loops each)",
            True,
            "<time> ± <time> per loop (mean ± std. dev. of 7 runs, N loops each)",
        ),
        (
            "CPU times: user 3 ms, sys: 0 ns, total: 3 ms\nWall time: 2.9 ms",
            True,
            "CPU times: user <time>, sys: <time>, total: <time>\nWall time: <time>",
        ),
        (
            "The slowest run took 4.2 times longer than the fastest.\n5 ms ± 1 ms per loop",
            True,
            "<time> ± <time> per loop",
        ),
        ("docs/x.ipynb: cell 3, line 1: UserWarning: w", False, "<file>: UserWarning: w"),
        ("took 5 ms", False, "took 5 ms"),
        ("\x1b[0m\x1b[01;34mdata\x1b[0m/", False, "data/"),
    ],
)
def test_normalise(text: str, timing: bool, expected: str) -> None:
    assert normalise(text, timing=timing) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [("%timeit f()", True), ("%%time\nf()", True), ("x = 1\n%time f()", True), ("timeit = 3", False)],
)
def test_timing_cells(source: str, expected: bool) -> None:
    assert is_timing_cell(source) is expected


def test_a_png_alone_counts_as_raster_and_a_plain_svg_does_not() -> None:
    png = cell_view([_display(**{"image/png": PNG})], separate_streams=True)
    svg = cell_view([_display(**{"image/svg+xml": SVG_PLAIN})], separate_streams=True)
    assert (png.images, png.rasters, svg.images, svg.rasters) == (1, 1, 1, 0)


def _html_cell(kind: str, outputs: str, *, wrapped: bool = False, prompt: str = " ") -> str:
    cell = (
        f'<div class="jp-Cell jp-{kind}Cell jp-Notebook-cell" id="cell-id=x">\n<div class="jp-Cell-inputWrapper">'
        f'<div class="jp-InputPrompt jp-InputArea-prompt">In [{prompt}]:</div>code</div>'
    )
    if outputs:
        cell += f'<div class="jp-Cell-outputWrapper">{outputs}</div>'
    cell += "</div>"
    return f'<div class="jp-Cell jp-{kind}Cell jp-Notebook-cell">\n{cell}</div>' if wrapped else cell


def test_page_images_counts_figures_and_their_raster_content_per_code_cell() -> None:
    figure = '<figure class="wmbook-figure">{}<figcaption>Figure 1</figcaption></figure>'
    html = "".join(
        [
            _html_cell("Markdown", "", wrapped=True),
            _html_cell("Code", "", wrapped=True),
            _html_cell("Code", figure.format(SVG_RASTER) + figure.format(SVG_PLAIN), wrapped=True),
            _html_cell("Markdown", figure.format(SVG_RASTER)),  # prose: not a cell's output
            _html_cell("Code", figure.format(SVG_STRIPPED)),
            _html_cell("Code", f'<img alt="" src="data:image/png;base64,{PNG}">'),
            _html_cell("Code", f'<div class="wmbook-display">{SVG_PLAIN}</div>'),  # IPython.display.SVG
        ]
    )
    assert page_images(html) == [(0, 0), (2, 1), (1, 0), (1, 1), (1, 0)]


def test_images_are_counted_in_the_page_when_it_is_given() -> None:
    nb = _wmbook_side()
    figure = '<figure class="wmbook-figure">{}</figure>'
    cells = ["", "", "", figure.format(SVG_PLAIN), figure.format(SVG_STRIPPED), ""]
    html = "".join(_html_cell("Code", c) for c in cells)
    assert [(d.cell, d.kind) for d in compare_notebooks(JUPYTER, nb, html)] == [(6, Kind.RASTER)]


def test_prompts_are_compared_with_jupyters_execution_counts() -> None:
    jupyter = copy.deepcopy(JUPYTER)
    for count, cell in enumerate(jupyter["cells"][1:], start=1):
        cell["execution_count"] = count
    jupyter["cells"][6]["execution_count"] = None  # a cell Jupyter did not run
    prompts = ["1", "2", "3", "4", "5", " "]
    html = "".join(_html_cell("Code", "", prompt=p) for p in prompts)
    assert compare_prompts(jupyter, html) == []
    html = "".join(_html_cell("Code", "", prompt=p) for p in ["1", "2", "3", "5", " ", " "])
    assert [(d.cell, d.kind, d.jupyter, d.wmbook) for d in compare_prompts(jupyter, html)] == [
        (5, Kind.PROMPT, "4", "5"),
        (6, Kind.PROMPT, "5", ""),
    ]
    jupyter["cells"][5]["metadata"]["tags"] = ["skip-execution"]  # its count is the stored one
    assert [d.cell for d in compare_prompts(jupyter, html)] == [5]


def test_exact_comparison_holds_counts_and_output_types() -> None:
    ours = copy.deepcopy(JUPYTER)
    for number, cell in enumerate(ours["cells"][1:], start=1):
        cell["execution_count"] = number
    jupyter = copy.deepcopy(ours)
    assert compare_notebooks(jupyter, ours, exact=True) == []
    ours["cells"][2]["execution_count"] = 7
    ours["cells"][3]["outputs"][0]["output_type"] = "display_data"  # a value shown as a display
    diffs = compare_notebooks(jupyter, ours, exact=True)
    assert [(d.code_cell, d.kind) for d in diffs] == [(2, Kind.COUNT), (3, Kind.OUTPUTS)]
    assert compare_notebooks(jupyter, ours) == []  # not looked at otherwise


def test_timings_and_carriage_returns_read_as_a_reader_sees_them() -> None:
    assert normalise("sys: 1e+03 µs, total: 2.5 ms", timing=True) == "sys: <time>, total: <time>"
    assert normalise("10%\r50%\r100%\n") == "100%"


def test_a_page_without_notebook_cells_shows_no_images_per_cell() -> None:
    # A Markdown page (a MyST notebook's, say) has no mkdocs-jupyter cells to count in.
    assert page_images('<article><p>prose</p><figure class="wmbook-figure"></figure></article>') == []
