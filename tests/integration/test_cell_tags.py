"""Jupyter Book's cell tags on a notebook page and their equivalents on fences: what the page
shows of each cell's code and output (in full, folded in a ``<details>``, or not at all), that
every cell still runs and is checked, and what the downloaded notebook keeps."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from .conftest import FIXTURES, SiteBuild, build_site, build_strict

# Each cell's name, then what the page shows of its code and of its output.
NOTEBOOK = {
    "plain": ("shown", "shown"),
    "hide_input": ("folded", "shown"),
    "hide_output": ("shown", "folded"),
    "hide_cell": ("folded", "folded"),
    "remove_input": ("removed", "shown"),
    "remove_output": ("shown", "removed"),
    "remove_cell": ("removed", "removed"),
    "source_hidden": ("folded", "shown"),
    "outputs_hidden": ("shown", "folded"),
}
FENCES = {
    "code_folded": ("folded", "shown"),
    "output_folded": ("shown", "folded"),
    "both_folded": ("folded", "folded"),
    "code_removed": ("removed", "shown"),
    "output_removed": ("shown", "removed"),
    "both_removed": ("removed", "removed"),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    root = tmp_path_factory.mktemp("celltags") / "book"
    shutil.copytree(FIXTURES / "celltags", root)
    return build_strict(root)


def _shown(html: str, text: str) -> str:
    """Whether ``text`` is on the page: "shown", "folded" (inside a disclosure) or "removed"."""
    at = html.find(text)
    if at < 0:
        return "removed"
    folds = [m.span() for m in re.finditer(r"<details\b.*?</details>", html, re.S)]
    return "folded" if any(start < at < end for start, end in folds) else "shown"


@pytest.mark.parametrize(("page", "cells"), [("tags", NOTEBOOK), ("fences", FENCES)])
def test_each_cell_shows_what_its_tags_or_options_say(
    built: SiteBuild, page: str, cells: dict[str, tuple[str, str]]
) -> None:
    html = built.html(page)
    seen = {name: (_shown(html, f"SRC_{name}"), _shown(html, f"out {name.upper()}")) for name in cells}
    assert seen == cells
    # Every folded part is a closed disclosure of its own (hide-cell: one for both).
    assert html.count('<details class="wmbook-folded">') == sum(
        1 if code == output == "folded" else (code == "folded") + (output == "folded")
        for code, output in cells.values()
    )
    assert "<details open" not in html
    # Applied by wmbook, the display tags are not labels on the notebook's cells as well.
    assert "celltag_hide" not in html and "celltag_remove" not in html


@pytest.mark.parametrize(("page", "marker"), [("tags", "after"), ("fences", "fence_after")])
def test_a_removed_cell_still_runs(built: SiteBuild, page: str, marker: str) -> None:
    """The cell after a removed one prints what the removed one computed."""
    assert f"out {marker} 42" in built.html(page)


def test_a_folded_output_that_is_empty_has_no_disclosure(built: SiteBuild) -> None:
    html = built.html("tags")
    quiet = html.index("SRC_quiet")
    assert _shown(html, "SRC_quiet") == "shown" and "<details" not in html[quiet:]


def _metadata(notebook: Path) -> dict[str, dict[str, object]]:
    """Each code cell's metadata by the name its first line gives it (SRC_name = 1)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    found = {}
    for cell in cells:
        named = re.match(r"SRC_(\w+) = 1", "".join(cell["source"]))
        if cell["cell_type"] == "code" and named:
            found[named[1]] = cell["metadata"]
    return found


def test_downloaded_notebook_keeps_tags_and_marks_folded_cells_collapsed(built: SiteBuild) -> None:
    """A notebook page's download keeps its author's tags, adds JupyterLab's collapsed marks
    to folded cells, and keeps its removed cells (they are part of the program)."""
    meta = _metadata(built.site / "tags" / "tags.ipynb")
    assert set(meta) == {*NOTEBOOK, "after", "quiet"}
    assert meta["hide_input"] == {"tags": ["hide-input"], "jupyter": {"source_hidden": True}}
    assert meta["hide_output"] == {"tags": ["hide-output"], "jupyter": {"outputs_hidden": True}}
    assert meta["hide_cell"]["jupyter"] == {"source_hidden": True, "outputs_hidden": True}
    assert meta["remove_cell"] == {"tags": ["remove-cell"]}
    assert meta["plain"] == {} and meta["source_hidden"] == {"jupyter": {"source_hidden": True}}


def test_downloaded_page_writes_the_tags_its_fences_ask_for(built: SiteBuild) -> None:
    meta = _metadata(built.site / "fences" / "fences.ipynb")
    expected_tags = {
        "code_folded": ["hide-input"],
        "output_folded": ["hide-output"],
        "both_folded": ["hide-cell"],
        "code_removed": ["remove-input"],
        "output_removed": ["remove-output"],
        "both_removed": ["remove-cell"],
    }
    assert {name: meta[name].get("tags") for name in FENCES} == expected_tags
    assert meta["both_folded"]["jupyter"] == {"source_hidden": True, "outputs_hidden": True}
    assert "jupyter" not in meta["both_removed"] and meta["fence_after"] == {}


FAILING = {
    "cells": [
        {"cell_type": "markdown", "id": "a", "metadata": {}, "source": "# Failing"},
        {"cell_type": "code", "id": "b", "metadata": {}, "outputs": [], "source": "x = 1"},
        {
            "cell_type": "code",
            "id": "c",
            "metadata": {"tags": ["remove-cell"]},
            "outputs": [],
            "source": "y = 2\nraise ValueError('a removed cell failed')",
        },
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def test_a_failing_removed_cell_fails_the_build_at_its_cell(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "book"
    shutil.copytree(FIXTURES / "celltags", root)
    (root / "docs" / "tags.ipynb").write_text(json.dumps(FAILING), encoding="utf-8")
    site = build_site(root, caplog, strict=True)
    assert site.failed
    assert "docs/tags.ipynb: cell 3, line 2: ValueError: a removed cell failed" in site.messages
