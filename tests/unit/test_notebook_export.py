"""A page as a Jupyter notebook: cells in page order, the build's outputs, tags and metadata."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import nbformat
import pytest

from wmbook.cite.bibliography import Bibliography, Reference
from wmbook.execute.display import BOKEH_MIME, PAGER_MIME
from wmbook.model import Display, Figure, Outcome, StepKey, StepKind, StepResult
from wmbook.notebook.export import SETUP, download_action, notebook_bytes, notebook_name, page_notebook
from wmbook.parse.page import parse_page

PATH = "docs/x.md"
URL = "https://book.example.org/x/"

PAGE = """---
title: A small page
depends_on: []
---

# A small page

Prose with $x^2$ inline math, a display formula

$$
y = a x + b
$$

and citations [@ha; @lecun].

```python
x = 1
print("hello")
```

```output
hello
```

/// quiz | True or false: x is one.
    answer: true
    check: x == 1
Because it was set so.
///

```python exec="off"
while True:
    pass
```

```python raises="ValueError"
int("twelve")
```

```python session="scratch"
print("scratch")
```

/// equation | EQ 1 — A line
$$y = a x + b$$
A straight line [@lecun].
///

/// instrument | MM5.1 — Latent rollout
    name: latent_rollout
Drag the slider.
///

## References

/// references
///

The end.
"""

SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 3"><path d="M0 0L4 3"/></svg>'
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "docs/x.md", line 38, in <module>\n'
    "ValueError: invalid literal for int() with base 10: 'twelve'\n"
)


def _code(index: int) -> StepKey:
    return StepKey(StepKind.CODE, index)


RESULTS = {
    _code(0): StepResult(
        _code(0),
        Outcome.OK,
        output="hello\n",
        figures=(Figure(SVG, "A diagonal"),),
        displays=(
            Display((("text/html", "<b>1</b>"), ("text/plain", "1"))),
            Display(((BOKEH_MIME, '{"doc": {}}'), ("text/plain", "figure(id='p1001')"))),
            Display((("image/png", PNG), ("text/plain", "<Image>"))),
        ),
    ),
    _code(2): StepResult(_code(2), Outcome.OK, output=TRACEBACK, exc_type="ValueError", traceback=TRACEBACK),
    _code(3): StepResult(_code(3), Outcome.OK, output="scratch\n"),
    StepKey(StepKind.CHECK, 0): StepResult(StepKey(StepKind.CHECK, 0), Outcome.OK, value=True),
}


def _ref(key: str, author: str) -> Reference:
    return Reference(key=key, authors=(author,), year="2022", title=f"Paper {key}")


BIBLIOGRAPHY = {
    "ha": _ref("ha", "Ha, D."),
    "lecun": _ref("lecun", "LeCun, Y."),
    "unused": _ref("unused", "X, Y."),
}


@pytest.fixture(autouse=True)
def _no_open_figures() -> Iterator[None]:
    with matplotlib.rc_context():
        yield
    plt.close("all")


def _notebook(text: str = PAGE, results: dict[StepKey, StepResult] | None = None) -> dict[str, Any]:
    page = parse_page(text, PATH)
    assert page.diagnostics == (), [d.format() for d in page.diagnostics]
    bibliography = Bibliography(BIBLIOGRAPHY, "docs/references.bib", True)
    return page_notebook(page, RESULTS if results is None else results, bibliography, URL)


def _source(cell: dict[str, Any]) -> str:
    return "".join(cell["source"])


def _text(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)


@pytest.fixture(scope="module")
def notebook() -> dict[str, Any]:
    return _notebook()


def test_notebook_validates(notebook: dict[str, Any]) -> None:
    nbformat.validate(nbformat.from_dict(notebook))
    assert (notebook["nbformat"], notebook["nbformat_minor"]) == (4, 5)
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    assert notebook["metadata"]["wmbook"] == {"source": PATH}


def test_cells_in_page_order(notebook: dict[str, Any]) -> None:
    kinds = [(cell["cell_type"], _source(cell).split("\n")[0]) for cell in notebook["cells"]]
    assert kinds == [
        ("code", "# What every session of the book starts with: seeded generators, the page's figure size,"),
        ("markdown", "# A small page"),
        ("code", "x = 1"),
        ("markdown", "**Quiz 1.** True or false: x is one."),
        ("markdown", "```python"),
        ("code", 'int("twelve")'),
        ("code", 'print("scratch")'),
        ("markdown", "**EQ 1** — A line"),
        (
            "markdown",
            "*Instrument MM5.1 — Latent rollout: interactive on [the web page](https://book.example.org/x/#inst-mm5-1).*",
        ),
        ("markdown", "## References"),
        ("markdown", "1. Ha, D. (2022). Paper ha."),
        ("markdown", "The end."),
    ]
    assert [cell["id"] for cell in notebook["cells"]] == [f"cell-{n}" for n in range(len(kinds))]


def test_setup_cell_seeds_and_defines_plot_xy(notebook: dict[str, Any]) -> None:
    setup = notebook["cells"][0]
    assert setup["metadata"]["tags"] == ["setup"]
    assert setup["outputs"] == []
    source = _source(setup)
    assert "random.seed(0)" in source and "np.random.seed(0)" in source
    namespace: dict[str, Any] = {}
    exec(compile(source, "setup", "exec"), namespace)
    figure = namespace["plot_xy"]([0, 1, 2], [2, 1, 0], title="T", xlabel="x", ylabel="y")
    assert isinstance(figure, matplotlib.figure.Figure)
    assert figure.axes[0].get_title() == "T" and figure.axes[0].get_xlabel() == "x"
    # the generators are seeded as every session's are
    import random

    import numpy as np

    assert random.random() == pytest.approx(0.8444218515250481)
    assert np.random.random() == pytest.approx(0.5488135039273248)


def test_prose_keeps_math_and_numbers_citations(notebook: dict[str, Any]) -> None:
    prose = _source(notebook["cells"][1])
    assert "$x^2$" in prose
    assert "$$\ny = a x + b\n$$" in prose
    assert "citations [1, 2]." in prose
    assert "[@" not in prose
    assert "title: A small page" not in prose and "---" not in prose  # no front matter


def test_code_cell_carries_the_build_outputs(notebook: dict[str, Any]) -> None:
    cell = notebook["cells"][2]
    assert _source(cell) == 'x = 1\nprint("hello")'
    assert cell["source"] == ["x = 1\n", 'print("hello")']
    assert cell["metadata"] == {}
    kinds = [(o["output_type"], sorted(o.get("data", {}))) for o in cell["outputs"]]
    assert kinds == [
        ("stream", []),
        ("display_data", ["text/html", "text/plain"]),
        ("display_data", ["text/plain"]),  # the Bokeh item is the web page's, not the notebook's
        ("display_data", ["image/png", "text/plain"]),
        ("display_data", ["image/svg+xml", "text/plain"]),  # the figure, last
    ]
    stream, html, bokeh, png, figure = cell["outputs"]
    assert stream["name"] == "stdout" and _text(stream["text"]) == "hello\n"
    assert _text(html["data"]["text/html"]) == "<b>1</b>"
    assert _text(bokeh["data"]["text/plain"]) == "figure(id='p1001')"
    assert _text(png["data"]["image/png"]) == PNG
    assert _text(figure["data"]["image/svg+xml"]) == SVG
    assert _text(figure["data"]["text/plain"]) == "A diagonal"


def test_no_cell_for_the_output_fence(notebook: dict[str, Any]) -> None:
    assert not [c for c in notebook["cells"] if c["cell_type"] == "markdown" and "hello" in _source(c)]
    assert sum(c["cell_type"] == "code" for c in notebook["cells"]) == 4  # setup and three executed blocks


@pytest.mark.parametrize(
    ("position", "tags", "wmbook"),
    [
        (2, None, None),
        (5, ["raises-exception"], None),
        (6, ["session-scratch"], {"session": "scratch"}),
    ],
)
def test_tags_and_metadata(
    notebook: dict[str, Any], position: int, tags: list[str] | None, wmbook: dict[str, str] | None
) -> None:
    metadata = notebook["cells"][position]["metadata"]
    assert metadata.get("tags") == tags
    assert metadata.get("wmbook") == wmbook


def test_raising_block_keeps_its_traceback_as_an_error_output(notebook: dict[str, Any]) -> None:
    outputs = notebook["cells"][5]["outputs"]
    errors = [o for o in outputs if o["output_type"] == "error"]
    assert len(errors) == 1 and errors[0]["ename"] == "ValueError"
    assert "ValueError: invalid literal" in "\n".join(errors[0]["traceback"])
    streams = [o for o in outputs if o["output_type"] == "stream"]
    assert not any("invalid literal" in _text(o["text"]) for o in streams)  # not printed twice


def test_shown_block_is_fenced_markdown(notebook: dict[str, Any]) -> None:
    cell = notebook["cells"][4]
    assert cell["cell_type"] == "markdown"
    assert _source(cell) == "```python\nwhile True:\n    pass\n```"


def test_reader_blocks_become_markdown(notebook: dict[str, Any]) -> None:
    quiz, equation, instrument, references = (_source(notebook["cells"][n]) for n in (3, 7, 8, 10))
    assert "True or false?" in quiz and "**true**" in quiz and "Because it was set so." in quiz
    assert "<details>" in quiz and "check:" not in quiz
    assert equation == "**EQ 1** — A line\n\n$$y = a x + b$$\nA straight line [2]."
    assert URL + "#inst-mm5-1" in instrument
    assert references.split("\n") == ["1. Ha, D. (2022). Paper ha.", "2. LeCun, Y. (2022). Paper lecun."]
    assert "unused" not in references


@pytest.mark.parametrize(
    ("quiz", "expected", "absent"),
    [
        (
            "/// quiz | Which one?\n    choices: [Red, Green, Blue]\n    answer: Green\nGreen it is.\n///",
            ["**Quiz 1.** Which one?", "- Red\n- Green\n- Blue", "**Green**", "Green it is."],
            ["True or false?"],
        ),
        (
            "/// quiz | How much is 1.15 + 1.15?\n    answer: 2.3\n    check: 1.15 + 1.15\nAdd them.\n///",
            ["**Quiz 1.** How much is 1.15 + 1.15?", "**2.3**", "Add them."],
            ["True or false?", "- "],
        ),
        (
            "/// quiz | True or false: pigs fly.\n    answer: false\nThey do not.\n///",
            ["True or false?", "**false**"],
            [],
        ),
    ],
)
def test_quiz_kinds(quiz: str, expected: list[str], absent: list[str]) -> None:
    notebook = _notebook(f"# Q\n\n{quiz}\n", {})
    text = _source(notebook["cells"][2])
    for fragment in expected:
        assert fragment in text
    for fragment in absent:
        assert fragment not in text
    nbformat.validate(nbformat.from_dict(notebook))


def test_cells_are_numbered_as_jupyter_numbers_a_run_from_the_top(notebook: dict[str, Any]) -> None:
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert [c["execution_count"] for c in code] == [1, 2, 3, 4]  # the setup cell first


def test_a_value_carries_its_cell_s_number() -> None:
    value = StepResult(_code(0), Outcome.OK, displays=(Display((("text/plain", "2"),), result=True),))
    notebook = _notebook(results={**RESULTS, _code(0): value})
    (shown,) = notebook["cells"][2]["outputs"]
    assert shown["output_type"] == "execute_result" and shown["execution_count"] == 2


def test_pager_text_stays_out_of_the_notebook() -> None:
    paged = Display(((PAGER_MIME, "Signature: f(x)"),))
    result = StepResult(_code(0), Outcome.OK, output="before\n", displays=(paged,))
    notebook = _notebook(results={**RESULTS, _code(0): result})
    assert [o["output_type"] for o in notebook["cells"][2]["outputs"]] == ["stream"]


def test_missing_results_leave_cells_without_outputs() -> None:
    notebook = _notebook(results={})
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert [c["outputs"] for c in code] == [[], [], [], []]
    nbformat.validate(nbformat.from_dict(notebook))


def test_notebook_bytes_are_stable() -> None:
    first = notebook_bytes(_notebook())
    second = notebook_bytes(_notebook())
    assert first == second
    assert first.endswith(b"}\n") and not first.endswith(b"\n\n")
    assert json.loads(first) == _notebook()
    assert first.startswith(b'{"cells":[')  # compact, sorted keys (Jupyter indents it when it saves)
    assert "—".encode() in first  # not escaped
    nbformat.validate(nbformat.reads(first.decode("utf-8"), as_version=4))


@pytest.mark.parametrize(
    ("src_uri", "name"),
    [
        ("x.md", "x.ipynb"),
        ("basics/coins.md", "coins.ipynb"),
        ("world-models.md", "world-models.ipynb"),
        ("a/index.md", "index.ipynb"),
    ],
)
def test_notebook_name(src_uri: str, name: str) -> None:
    assert notebook_name(src_uri) == name
    link = download_action(src_uri)
    assert f'href="{name}"' in link and f'download="{name}"' in link
    assert 'class="md-content__button md-icon wmbook-download"' in link
    assert 'title="Download notebook"' in link


def test_first_cell_is_short_and_readable() -> None:
    """The setup cell a reader sees first: seeds, figure size and plot_xy, no build internals."""
    lines = SETUP.strip().split("\n")
    assert len(lines) <= 30
    assert "#010203" not in SETUP and "INK" not in SETUP and "typing" not in SETUP
    assert "def plot_xy(x, y, *, title=None, xlabel=None, ylabel=None):" in SETUP
    namespace: dict[str, object] = {}
    exec(compile(SETUP, "setup", "exec"), namespace)  # runs as a plain notebook cell would
    assert callable(namespace["plot_xy"])
