"""Notebook pages show, under every code cell, what Jupyter shows.

Each notebook of ``tests/fixtures/notebooks_real`` reproduces, in a few cells, something
found in public notebook collections (prose that quotes code in a fence, ``imshow`` and
colorbars, magics and shell lines, warnings, data files and modules beside the notebook,
rich values, an error cell tagged ``raises-exception``). The site is built once with
mkdocs-jupyter + wmbook; each notebook is then run with nbclient + ipykernel and compared
code cell by code cell (``tests/nbcompare.py``). A name ending in ``needs_X`` says which
engine behaviour the test depends on: ``notebook_cells`` (outputs tied to their cell,
Markdown fences as prose, raster content in figures), ``ipython`` (IPython's syntax,
display and streams), ``page_files`` (files beside the page readable as in Jupyter).
"""

from __future__ import annotations

import re
import shutil

import pytest

from nbcompare import compare_site_page
from wmbook.execute.namespaces import private_shm_possible

from .conftest import FIXTURES, SiteBuild, build_strict


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    """The fixture site, built strictly once (its pages are written even when the build fails)."""
    root = tmp_path_factory.mktemp("asjupyter") / "book"
    shutil.copytree(FIXTURES / "notebooks_real", root)
    return build_strict(root, may_fail=True)


@pytest.fixture(autouse=True)
def kernel(python3_kernel: None) -> None:
    """Every test here runs its notebook in a Jupyter kernel."""


def _assert_like_jupyter(
    built: SiteBuild, page: str, *, separate_streams: bool | None = None, prompts: bool = False
) -> None:
    diffs = compare_site_page(
        built.site, built.root / "docs", page, timeout=60, separate_streams=separate_streams, prompts=prompts
    )
    assert not diffs, f"{page}: cells differ from Jupyter's run:\n" + "\n".join(map(str, diffs))


def test_rich_values_and_displays_match_jupyter(built: SiteBuild) -> None:
    _assert_like_jupyter(built, "rich_values.ipynb")


def test_in_prompts_count_as_jupyter_counts_needs_notebook_cells(built: SiteBuild) -> None:
    _assert_like_jupyter(built, "rich_values.ipynb", prompts=True)


def test_fences_in_markdown_cells_are_prose_needs_notebook_cells(built: SiteBuild) -> None:
    _assert_like_jupyter(built, "fence_in_markdown.ipynb")


def test_figures_keep_raster_content_needs_notebook_cells(built: SiteBuild) -> None:
    _assert_like_jupyter(built, "raster_figures.ipynb")


def test_magics_shell_await_and_semicolon_match_jupyter_needs_ipython(built: SiteBuild) -> None:
    _assert_like_jupyter(built, "ipython_syntax.ipynb")


def test_values_shown_as_ipython_shows_them_needs_ipython(built: SiteBuild) -> None:
    _assert_like_jupyter(built, "pretty_values.ipynb")


def test_stdout_and_stderr_stay_apart_needs_ipython(built: SiteBuild) -> None:
    _assert_like_jupyter(built, "streams.ipynb", separate_streams=True)


def test_files_beside_the_notebook_are_read_needs_page_files(built: SiteBuild) -> None:
    _assert_like_jupyter(built, "beside/files_beside.ipynb")


def test_shell_lines_read_files_beside_the_notebook_needs_page_files_and_ipython(built: SiteBuild) -> None:
    _assert_like_jupyter(built, "beside/shell_beside.ipynb")


@pytest.mark.xfail(
    not private_shm_possible(),
    strict=True,
    reason="without a mount namespace of its own, a session reaches the page's folder through "
    "links, and IPython's ls alias (ls -F) shows a linked folder as the link itself (data@)",
)
def test_the_ls_alias_lists_a_folder_beside_the_notebook_needs_page_files_and_ipython(
    built: SiteBuild,
) -> None:
    _assert_like_jupyter(built, "beside/alias_beside.ipynb")


@pytest.mark.xfail(
    not private_shm_possible(),
    strict=True,
    reason="this kernel lets no session mount a /dev/shm of its own, so the sandbox refuses the "
    "POSIX semaphore a multiprocessing lock creates there",
)
def test_locks_pools_and_shared_memory_between_processes_needs_ipython(built: SiteBuild) -> None:
    _assert_like_jupyter(built, "shared_memory.ipynb")


def test_empty_figures_and_a_chosen_backend_match_jupyter_needs_ipython(built: SiteBuild) -> None:
    _assert_like_jupyter(built, "figure_backends.ipynb")


def test_pager_text_stays_out_of_the_notebook_and_profilers_quote_cells_needs_ipython(
    built: SiteBuild,
) -> None:
    _assert_like_jupyter(built, "pager_and_profilers.ipynb")


def test_pager_text_is_shown_marked_as_the_pagers(built: SiteBuild) -> None:
    html = (built.site / "pager_and_profilers" / "index.html").read_text(encoding="utf-8")
    paged = re.findall(r'<pre class="wmbook-pager"><code>(.*?)</code></pre>', html, re.DOTALL)
    assert len(paged) == 3, paged  # %prun, total?, %lprun
    assert "function calls" in paged[0]
    assert "Signature: total(n)" in paged[1]
    assert "s += i" in paged[2]  # %lprun quotes the cell's lines


def test_the_strict_build_reports_nothing_needs_all(built: SiteBuild) -> None:
    # No page may have an error or a warning (but shared_memory.ipynb where no session can
    # have a /dev/shm of its own: its own test says so).
    excused = () if private_shm_possible() else ("shared_memory",)
    others = [
        line
        for line in built.messages.splitlines()
        if "docs/" in line and not any(name in line for name in excused)
    ]
    assert not others, built.messages
