"""No output lands under another block: Markdown and notebook pages whose code, prose
fences, ``exec="off"`` blocks, figures and rich outputs come in every order (the whole
suite) or in every run of three (the quick loop), built with MkDocs, mkdocs-jupyter and
wmbook; each output must sit under its own code (on the page and in the downloaded
notebook), and a notebook's prompts number the cells that ran."""

from __future__ import annotations

import itertools
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from .conftest import FIXTURES, SiteBuild, build_strict


@dataclass(frozen=True)
class Kind:
    """One kind of cell: its Markdown-page form, its notebook form, and what it shows."""

    name: str
    markdown: Callable[[int], str]
    cell: Callable[[int], Any]  # an nbformat cell
    shows: str | None  # the token its output holds ("out-7:"), None when nothing runs
    runs: bool


def _code(n: int, body: str) -> str:
    # The code names its block (cell-N:) but never holds its output's token whole: the
    # token is built by the code, so finding it on the page means the output is there.
    return f"# cell-{n}:\n{body}"


def _print(n: int) -> str:
    return _code(n, f'print("out" + "-{n}:")')


def _figure(n: int) -> str:
    body = f'import matplotlib.pyplot as plt\n\n_ = plt.figure(figsize=(1, 1))\n_ = plt.imshow([[0, 1], [1, 0]])\n_ = plt.title("fig" + "-{n}:")'
    return _code(n, body)


def _rich(n: int) -> str:
    body = (
        f'class Rich:\n    def _repr_html_(self) -> str:\n        return "<i>rich" + "-{n}:</i>"\n\n\nRich()'
    )
    return _code(n, body)


def _off(n: int) -> str:
    return _code(n, f'print("off" + "-{n}:")')


def _never(n: int) -> str:
    return _code(n, f'print("never" + "-{n}:")')


KINDS = (
    Kind("print", lambda n: f"```python\n{_print(n)}\n```", lambda n: new_code_cell(_print(n)), "out", True),
    Kind(
        "figure", lambda n: f"```python\n{_figure(n)}\n```", lambda n: new_code_cell(_figure(n)), "fig", True
    ),
    Kind("rich", lambda n: f"```python\n{_rich(n)}\n```", lambda n: new_code_cell(_rich(n)), "rich", True),
    Kind(
        "off",
        lambda n: f'```python exec="off"\n{_off(n)}\n```',
        lambda n: new_code_cell(_off(n), metadata={"tags": ["skip-execution"]}),
        None,
        False,
    ),
    Kind(
        # A python fence as prose: in a notebook, inside a Markdown cell; on a Markdown
        # page, inside a Markdown example.
        "prose",
        lambda n: f"An example:\n\n````markdown\n```python\n{_never(n)}\n```\n````",
        lambda n: new_markdown_cell(f"An example:\n\n```python\n{_never(n)}\n```"),
        None,
        False,
    ),
)
TOKENS = ("out", "fig", "rich", "off", "never")
ORDERS = list(itertools.permutations(KINDS))  # every order of the five kinds
PER_PAGE = 20  # orders written one after the other on one page (a build per order is too slow)


def _triples() -> tuple[Kind, ...]:
    """The kinds in a sequence in which every run of three (with repeats) appears once: a
    de Bruijn sequence, 127 blocks instead of the 600 of every order, that still puts each
    kind before, after and between every other."""
    found: list[int] = []
    prefix = [0] * 4

    def extend(t: int, p: int) -> None:  # Ruskey's generation of Lyndon words
        if t > 3:
            if 3 % p == 0:
                found.extend(prefix[1 : p + 1])
            return
        prefix[t] = prefix[t - p]
        extend(t + 1, p)
        for kind in range(prefix[t - p] + 1, len(KINDS)):
            prefix[t] = kind
            extend(t + 1, t)

    extend(1, 1)
    return tuple(KINDS[k] for k in [*found, *found[:2]])


@dataclass(frozen=True)
class Page:
    """One page of a placement book: its name (a notebook's starts with ``nb``) and its blocks."""

    name: str
    kinds: tuple[Kind, ...]


def _pages(stem: str, sequences: list[tuple[Kind, ...]]) -> list[Page]:
    """Each sequence as a Markdown page and as a notebook."""
    return [Page(f"{form}{stem}{n}", seq) for form in ("", "nb") for n, seq in enumerate(sequences)]


# The quick loop builds every run of three kinds; the whole suite also builds every order.
BOOKS = {
    "triples": _pages("triples", [_triples()]),
    "orders": _pages(
        "order",
        [
            tuple(k for order in ORDERS[i : i + PER_PAGE] for k in order)
            for i in range(0, len(ORDERS), PER_PAGE)
        ],
    ),
}


def _write_pages(docs: Path, pages: list[Page]) -> None:
    for page in pages:
        if not page.name.startswith("nb"):
            parts = [f"# {page.name}"] + [kind.markdown(n) for n, kind in enumerate(page.kinds)]
            (docs / f"{page.name}.md").write_text("\n\n".join(parts) + "\n", encoding="utf-8")
            continue
        cells = [new_markdown_cell(f"# {page.name}")] + [kind.cell(n) for n, kind in enumerate(page.kinds)]
        notebook = new_notebook(
            cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}}
        )
        nbformat.write(notebook, docs / f"{page.name}.ipynb")


def _build(tmp_path_factory: pytest.TempPathFactory, book: str) -> SiteBuild:
    root = tmp_path_factory.mktemp(book) / "book"
    shutil.copytree(FIXTURES / "nbcells", root)
    (root / "docs" / "cells.ipynb").unlink()  # the comparison notebook has tests of its own
    _write_pages(root / "docs", BOOKS[book])
    # Not strict, so that a warning fails its own test below, not every placement test.
    return build_strict(root, strict=False)


@pytest.fixture(scope="module")
def built_triples(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    return _build(tmp_path_factory, "triples")


@pytest.fixture(scope="module")
def built_orders(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    return _build(tmp_path_factory, "orders")


@pytest.fixture
def built(request: pytest.FixtureRequest) -> SiteBuild:
    """The build of the book the test's parameter names (only the books of selected tests are built)."""
    return cast(SiteBuild, request.getfixturevalue(f"built_{request.node.callspec.params['book']}"))


# Every order takes twelve pages and 1,200 blocks: the whole suite builds it, the quick loop
# builds the 254 blocks of the triples (the same code paths, every kind next to every other).
SLOW_BOOK = {"orders": (pytest.mark.slow,), "triples": ()}
BUILT = [
    pytest.param(book, page, id=page.name, marks=SLOW_BOOK[book])
    for book, pages in BOOKS.items()
    for page in pages
]
NOTEBOOKS = [param for param in BUILT if param.values[1].name.startswith("nb")]  # type: ignore[union-attr]


def _html(built: SiteBuild, name: str) -> str:
    return (built.site / name / "index.html").read_text(encoding="utf-8")


def _token(prefix: str, n: int) -> str:
    return f"{prefix}-{n}:"


def _segments(text: str, count: int) -> list[str]:
    """The text from each block's marker (``cell-N:``) to the next block's."""
    starts = [text.index(_token("cell", n)) for n in range(count)]
    assert starts == sorted(starts), "the blocks are not in page order"
    return [text[start:end] for start, end in zip(starts, [*starts[1:], len(text)], strict=True)]


def _assert_own_outputs(segments: list[str], kinds: list[Kind], where: str) -> None:
    for n, (segment, kind) in enumerate(zip(segments, kinds, strict=True)):
        found = {
            _token(prefix, m) for m in range(len(kinds)) for prefix in TOKENS if _token(prefix, m) in segment
        }
        expected = {_token(kind.shows, n)} if kind.shows else set()
        assert found == expected, f"{where}, block {n} ({kind.name}): found {sorted(found)}"


@pytest.mark.parametrize(("book", "page"), BUILT)
def test_every_output_is_under_its_own_block(built: SiteBuild, book: str, page: Page) -> None:
    html = _html(built, page.name)
    kinds = list(page.kinds)
    _assert_own_outputs(_segments(html, len(kinds)), kinds, page.name)


@pytest.mark.parametrize(("book", "page"), BUILT)
def test_the_runner_offers_each_block_under_its_own_output(built: SiteBuild, book: str, page: Page) -> None:
    name = page.name
    html = _html(built, name)
    found = re.search(r'<script type="application/json" id="wmbook-runner-data">(.*?)</script>', html, re.S)
    assert found is not None
    manifest = json.loads(found[1])
    kinds = page.kinds
    segments = _segments(html, len(kinds))
    offered = {}
    for ident, code in manifest["code"].items():
        n = int(re.search(r"cell-(\d+):", code)[1])  # type: ignore[index]
        offered[n] = kinds[n].name
        assert f'data-wmbook-block="{ident}"' in segments[n], f"{name}: {ident} is not under block {n}"
    assert offered == {n: kind.name for n, kind in enumerate(kinds) if kind.runs}


@pytest.mark.parametrize(("book", "page"), BUILT)
def test_downloaded_notebook_keeps_each_output_with_its_cell(built: SiteBuild, book: str, page: Page) -> None:
    name = page.name
    notebook = name.startswith("nb")
    data = json.loads((built.site / name / f"{name}.ipynb").read_text(encoding="utf-8"))
    kinds = list(page.kinds)
    shown = []
    for cell in data["cells"]:
        source = "".join(cell["source"])
        # Prose that follows prose on a Markdown page shares its Markdown cell.
        for marker in re.findall(r"cell-(\d+):", source):
            n = int(marker)
            assert (cell["cell_type"] == "code") is kinds[n].runs or (notebook and kinds[n].name == "off")
            outputs = json.dumps(cell.get("outputs", []))
            shown.append(f"cell-{n}: {outputs}")
    _assert_own_outputs(shown, kinds, f"{name}.ipynb")


@pytest.mark.parametrize(("book", "page"), NOTEBOOKS)
def test_prompts_number_the_cells_that_ran(built: SiteBuild, book: str, page: Page) -> None:
    html = _html(built, page.name)
    prompts = re.findall(r'class="jp-InputPrompt jp-InputArea-prompt">In\xa0\[([^\]]*)\]:', html)
    code = [kind for kind in page.kinds if kind.name != "prose"]
    ran = itertools.count(1)
    assert prompts == [str(next(ran)) if kind.runs else "\xa0" for kind in code]


@pytest.mark.parametrize("book", [pytest.param(book, marks=SLOW_BOOK[book]) for book in BOOKS])
def test_nothing_is_warned_about(built: SiteBuild, book: str) -> None:
    """Figures with images (imshow) lose nothing: a strict build passes."""
    assert built.messages == ""
