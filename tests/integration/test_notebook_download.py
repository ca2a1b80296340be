"""The book's pages as notebooks: a download link on every page with executed code, the notebook
beside the page's HTML, and the chapter's notebook run in a plain Jupyter kernel printing what
the book printed."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from .conftest import warnings_logged

pytestmark = pytest.mark.slow  # builds the repository's whole book

REPO = Path(__file__).resolve().parents[2]
LINK = re.compile(
    r'<a href="(?P<name>[\w.-]+\.ipynb)" download="(?P=name)" '
    r'class="md-content__button md-icon wmbook-download" title="Download notebook"'
)


@dataclass
class Book:
    root: Path
    site: Path

    def html(self, page: str) -> str:
        return (self.site / page / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Book:
    """The repository's book, built strictly from a copy."""
    root = tmp_path_factory.mktemp("notebooks") / "book"
    shutil.copytree(REPO / "docs", root / "docs")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    with warnings_logged() as records:
        try:
            with pytest.MonkeyPatch.context() as patch:
                for name in ("WMBOOK_ACCEPT", "WMBOOK_CACHE"):
                    patch.delenv(name, raising=False)
                config = load_config(
                    config_file=str(root / "mkdocs.yml"), site_dir=str(root / "site"), strict=True
                )
                build(config)
        except Abort:
            pytest.fail("the book does not build:\n" + "\n".join(r.getMessage() for r in records))
    return Book(root, root / "site")


def _pages_with_code() -> dict[str, bool]:
    """Each page of the book (its URL folder) and whether it has a python block that runs."""
    pages = {}
    for path in sorted((REPO / "docs").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        runs = any(
            not re.search(r'exec="off"', line)
            for line in re.findall(r"^```(?:python|py|python3)\b.*$", text, re.MULTILINE)
        )
        pages["" if path.stem == "index" else path.stem] = runs
    return pages


PAGES = _pages_with_code()


def test_the_book_has_pages_with_and_without_code() -> None:
    assert PAGES[""] is False, "the home page is expected to run no code"
    assert PAGES["world-models"] is True


@pytest.mark.parametrize(("folder", "runs"), sorted(PAGES.items()))
def test_download_link_and_notebook_exactly_where_code_runs(book: Book, folder: str, runs: bool) -> None:
    html = book.html(folder)
    stem = folder or "index"
    notebook = book.site / folder / f"{stem}.ipynb"
    links = LINK.findall(html)
    if not runs:
        assert links == [] and "wmbook-download" not in html
        assert not notebook.exists()
        return
    assert links == [f"{stem}.ipynb"]
    assert notebook.is_file()
    nbformat.validate(nbformat.read(notebook, as_version=4))


def test_link_is_a_page_action_at_the_top_of_the_content(book: Book) -> None:
    html = book.html("world-models")
    link = LINK.search(html)
    assert link is not None
    content = html.index('<article class="md-content__inner md-typeset">')
    assert content < link.start() < html.index("<h1", content)
    assert 'aria-label="Download this page as a Jupyter notebook"' in html[link.start() : link.start() + 400]


def _stdout(cell: dict[str, Any]) -> str:
    """The cell's printed text: its stdout streams, concatenated, trailing whitespace cut per line."""
    text = "".join(
        "".join(o["text"]) if isinstance(o["text"], list) else o["text"]
        for o in cell.get("outputs", [])
        if o["output_type"] == "stream" and o["name"] == "stdout"
    )
    return "\n".join(line.rstrip() for line in text.rstrip().split("\n"))


@pytest.fixture(scope="module")
def chapter(book: Book) -> nbformat.NotebookNode:
    path = book.site / "world-models" / "world-models.ipynb"
    return nbformat.read(path, as_version=4)


def test_chapter_notebook_holds_the_book_outputs(chapter: nbformat.NotebookNode) -> None:
    code = [c for c in chapter.cells if c.cell_type == "code"]
    assert "setup" in code[0].metadata["tags"]
    blocks = code[1:]
    assert len(blocks) == 20  # the chapter's python blocks
    # The drawing helpers' block is folded on the page: tagged, and collapsed in JupyterLab.
    (folded,) = [cell for cell in blocks if cell.metadata.get("jupyter", {}).get("source_hidden")]
    assert folded.metadata["tags"] == ["hide-input"] and "def box(" in folded.source
    assert len([cell for cell in blocks if _stdout(cell)]) == 12  # six draw diagrams or define helpers only
    assert _stdout(blocks[0]).startswith("largest entry error in A_hat : 0.0143")
    figures = [
        o
        for o in blocks[0].outputs
        if o.output_type == "display_data" and "image/svg+xml" in o.get("data", {})
    ]
    assert len(figures) == 1
    markdown = "\n".join("".join(c.source) for c in chapter.cells if c.cell_type == "markdown")
    assert "[@" not in markdown and "$$" in markdown
    assert "**EQ MM5.1**" in markdown and "**Quiz 1.**" in markdown
    # Each numbered figure's caption follows its code cell, with the anchor the prose links to.
    assert [n for n in range(1, 20) if f'<a id="fig-5-{n}"></a>**Figure 5.{n}** — ' in markdown] == list(
        range(1, 11)
    )


def test_chapter_notebook_runs_in_jupyter_and_prints_what_the_book_printed(
    chapter: nbformat.NotebookNode, python3_kernel: None, tmp_path: Path
) -> None:
    from nbclient import NotebookClient

    stored = [_stdout(cell) for cell in chapter.cells if cell.cell_type == "code"]
    notebook = nbformat.from_dict(chapter)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError on any error outside cells tagged raises-exception
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    errors = [
        (n, o.get("ename"))
        for n, cell in enumerate(code)
        if "raises-exception" not in cell.metadata.get("tags", [])
        for o in cell.outputs
        if o.output_type == "error"
    ]
    assert errors == []
    ran = [_stdout(cell) for cell in code]
    for number, (book_text, jupyter_text) in enumerate(zip(stored, ran, strict=True)):
        assert jupyter_text == book_text, f"code cell {number} prints differently in Jupyter"
