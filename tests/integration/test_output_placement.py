"""No output lands under another block: Markdown and notebook pages whose code, prose
fences, ``exec="off"`` blocks, figures and rich outputs come in every order, built with
MkDocs, mkdocs-jupyter and wmbook; each output must sit under its own code (on the page
and in the downloaded notebook), and a notebook's prompts number the cells that ran."""

from __future__ import annotations

import itertools
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
PAGES = [ORDERS[i : i + PER_PAGE] for i in range(0, len(ORDERS), PER_PAGE)]


def _sequence(page: int) -> list[Kind]:
    return [kind for order in PAGES[page] for kind in order]


def _write_pages(docs: Path) -> None:
    for page in range(len(PAGES)):
        kinds = _sequence(page)
        parts = [f"# Order {page}"] + [kind.markdown(n) for n, kind in enumerate(kinds)]
        (docs / f"order{page}.md").write_text("\n\n".join(parts) + "\n", encoding="utf-8")
        cells = [new_markdown_cell(f"# Notebook order {page}")] + [
            kind.cell(n) for n, kind in enumerate(kinds)
        ]
        notebook = new_notebook(
            cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}}
        )
        nbformat.write(notebook, docs / f"nborder{page}.ipynb")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    root = tmp_path_factory.mktemp("placement") / "book"
    shutil.copytree(FIXTURES / "nbcells", root)
    (root / "docs" / "cells.ipynb").unlink()  # the comparison notebook has tests of its own
    _write_pages(root / "docs")
    # Not strict, so that a warning fails its own test below, not every placement test.
    return build_strict(root, strict=False)


# Every built page: (its name, the number of the orders it holds).
BUILT = [
    pytest.param(f"{kind}{p}", p, id=f"{kind}{p}") for kind in ("order", "nborder") for p in range(len(PAGES))
]


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


@pytest.mark.parametrize(("name", "page"), BUILT)
def test_every_output_is_under_its_own_block(built: SiteBuild, name: str, page: int) -> None:
    html = _html(built, name)
    kinds = _sequence(page)
    _assert_own_outputs(_segments(html, len(kinds)), kinds, name)


@pytest.mark.parametrize(("name", "page"), BUILT)
def test_the_runner_offers_each_block_under_its_own_output(built: SiteBuild, name: str, page: int) -> None:
    html = _html(built, name)
    found = re.search(r'<script type="application/json" id="wmbook-runner-data">(.*?)</script>', html, re.S)
    assert found is not None
    manifest = json.loads(found[1])
    kinds = _sequence(page)
    segments = _segments(html, len(kinds))
    offered = {}
    for ident, code in manifest["code"].items():
        n = int(re.search(r"cell-(\d+):", code)[1])  # type: ignore[index]
        offered[n] = kinds[n].name
        assert f'data-wmbook-block="{ident}"' in segments[n], f"{name}: {ident} is not under block {n}"
    assert offered == {n: kind.name for n, kind in enumerate(kinds) if kind.runs}


@pytest.mark.parametrize(("name", "page"), BUILT)
def test_downloaded_notebook_keeps_each_output_with_its_cell(built: SiteBuild, name: str, page: int) -> None:
    notebook = name.startswith("nb")
    data = json.loads((built.site / name / f"{name}.ipynb").read_text(encoding="utf-8"))
    kinds = _sequence(page)
    shown = []
    for cell in data["cells"]:
        source = "".join(cell["source"])
        marker = re.search(r"cell-(\d+):", source)
        if marker is None:
            continue
        n = int(marker[1])
        assert (cell["cell_type"] == "code") is kinds[n].runs or (notebook and kinds[n].name == "off")
        outputs = json.dumps(cell.get("outputs", []))
        shown.append(f"cell-{n}: {outputs}")
    _assert_own_outputs(shown, kinds, f"{name}.ipynb")


@pytest.mark.parametrize("page", range(len(PAGES)))
def test_prompts_number_the_cells_that_ran(built: SiteBuild, page: int) -> None:
    html = _html(built, f"nborder{page}")
    prompts = re.findall(r'class="jp-InputPrompt jp-InputArea-prompt">In\xa0\[([^\]]*)\]:', html)
    code = [kind for kind in _sequence(page) if kind.name != "prose"]
    ran = itertools.count(1)
    assert prompts == [str(next(ran)) if kind.runs else "\xa0" for kind in code]


def test_nothing_is_warned_about(built: SiteBuild) -> None:
    """Figures with images (imshow) lose nothing: a strict build passes."""
    assert built.messages == ""
