"""A notebook as Jupyter shows it: only code cells run, each cell shows its own output,
figures keep their images and get no caption, prompts number the cells that ran; and
every code cell matches what nbclient + ipykernel give for the same notebook."""

from __future__ import annotations

import html as html_module
import json
import re
import shutil
from pathlib import Path

import pytest

from nbcompare import compare_notebooks, notebook_views, run_notebook

from .conftest import FIXTURES, SiteBuild, build_strict, session_report

PROMPT = re.compile(r'class="jp-InputPrompt jp-InputArea-prompt">In\xa0\[([^\]]*)\]:')
IMAGE = re.compile(r'<image\b[^>]*href="data:image/png;base64,')


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    root = tmp_path_factory.mktemp("cells") / "book"
    shutil.copytree(FIXTURES / "nbcells", root)
    return build_strict(root)


def _cells(site: SiteBuild) -> list[str]:
    """The notebook page's cells, each one's HTML (input and outputs)."""
    html = (site.site / "cells" / "index.html").read_text(encoding="utf-8")
    return html.split('<div class="jp-Cell ')[1:]


def _copied(cell: str) -> str:
    """The code of a code cell, as its copy button copies it ('' for other cells)."""
    found = re.search(r'<div class="clipboard-copy-txt"[^>]*>(.*?)</div>', cell, re.S)
    return html_module.unescape(found[1]) if found else ""


def _cell(site: SiteBuild, code: str) -> str:
    (found,) = [cell for cell in _cells(site) if code in _copied(cell)]
    return found


def test_the_build_warns_about_nothing(built: SiteBuild) -> None:
    assert built.messages == ""


@pytest.mark.parametrize("letter", "ABCD")
def test_each_cell_shows_its_own_output(built: SiteBuild, letter: str) -> None:
    printed = re.findall(r"<pre><code>([^<]*)</code></pre>", _cell(built, f'print("{letter}")'))
    assert printed == [letter]


def test_a_fence_in_a_markdown_cell_is_shown_not_run(built: SiteBuild) -> None:
    (prose,) = [cell for cell in _cells(built) if "never run" in cell]
    assert "jp-MarkdownCell" in prose and '<div class="highlight">' in prose
    assert "wmbook-output" not in prose
    notebook = json.loads((built.site / "cells" / "cells.ipynb").read_text(encoding="utf-8"))
    kinds = [(cell["cell_type"], "never run" in "".join(cell["source"])) for cell in notebook["cells"]]
    assert ("markdown", True) in kinds and ("code", True) not in kinds


def test_a_skipped_cell_shows_nothing(built: SiteBuild) -> None:
    assert "wmbook-output" not in _cell(built, 'print("skipped")')


def test_the_runner_offers_each_code_cell_under_its_own_output(built: SiteBuild) -> None:
    html = (built.site / "cells" / "index.html").read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="wmbook-runner-data">(.*?)</script>', html, re.S)
    assert found is not None
    manifest = json.loads(found[1])
    assert not any("never run" in code for code in manifest["code"].values())
    offered = [block["id"] for block in manifest["blocks"]]
    assert len(offered) == 9  # every code cell but the skipped one
    for ident in offered:
        code = manifest["code"][ident]
        (cell,) = [c for c in _cells(built) if f'data-wmbook-block="{ident}"' in c]
        assert _copied(cell).strip() == code.strip()


def test_imshow_and_colorbar_keep_their_images_without_a_caption(built: SiteBuild) -> None:
    cell = _cell(built, "plt.colorbar(image)")
    assert len(IMAGE.findall(cell)) == 2  # the image and the colorbar's gradient
    assert 'aria-label="Figure"' in cell  # no title, no axis labels: a neutral name
    assert "figcaption" not in cell and "Figure from" not in cell


def test_pcolormesh_keeps_its_image_and_is_named_by_its_title(built: SiteBuild) -> None:
    cell = _cell(built, "ax.pcolormesh(grid, rasterized=True)")
    assert IMAGE.search(cell) and 'aria-label="Mesh"' in cell and "figcaption" not in cell


def test_markdown_page_figures_keep_their_images(built: SiteBuild) -> None:
    html = built.html("figures")
    assert len(IMAGE.findall(html)) >= 3 and "figcaption" not in html
    assert 'aria-label="Figure"' in html and 'aria-label="Mesh"' in html


def test_prompts_number_the_cells_that_ran(built: SiteBuild) -> None:
    html = (built.site / "cells" / "index.html").read_text(encoding="utf-8")
    assert PROMPT.findall(html) == ["1", "2", "\xa0", "3", "4", "5", "6", "\xa0", "7", "8"]


def test_a_cached_build_numbers_the_cells_the_same(built: SiteBuild, tmp_path: Path) -> None:
    root = tmp_path / "book"
    shutil.copytree(built.root, root)
    shutil.rmtree(root / "site")
    again = build_strict(root)
    assert session_report(root)[("docs/cells.ipynb", "main")] is True
    html = (again.site / "cells" / "index.html").read_text(encoding="utf-8")
    assert PROMPT.findall(html) == ["1", "2", "\xa0", "3", "4", "5", "6", "\xa0", "7", "8"]


def test_every_code_cell_matches_jupyter(built: SiteBuild, python3_kernel: None) -> None:
    ours = json.loads((built.site / "cells" / "cells.ipynb").read_text(encoding="utf-8"))
    jupyter = run_notebook(FIXTURES / "nbcells" / "docs" / "cells.ipynb")
    assert [str(d) for d in compare_notebooks(jupyter, ours, exact=True)] == []
    assert [cell.streams for cell in notebook_views(ours)][:4] == ["A", "B", "", "C"]
