"""IPython's semantics on real pages: the fixture notebook run by wmbook and by Jupyter
(nbclient with ipykernel) gives the same outputs, code cell by code cell."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from nbcompare import compare_notebooks, run_notebook

from .conftest import FIXTURES, SiteBuild, build_site, build_strict


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    root = tmp_path_factory.mktemp("ipython") / "book"
    shutil.copytree(FIXTURES / "ipython", root)
    return build_strict(root, may_fail=True)


def test_the_fixture_builds_strictly(built: SiteBuild) -> None:
    assert not built.failed, built.messages


def test_every_code_cell_gives_what_jupyter_gives(built: SiteBuild, python3_kernel: None) -> None:
    ours = json.loads((built.site / "cells" / "cells.ipynb").read_text(encoding="utf-8"))
    jupyter = run_notebook(FIXTURES / "ipython" / "docs" / "cells.ipynb")
    diffs = compare_notebooks(jupyter, ours, separate_streams=True, exact=True)
    assert [str(d) for d in diffs] == []


def test_markdown_page_opts_in(built: SiteBuild) -> None:
    page = built.html()
    assert "from the shell" in page  # !echo ran
    assert "[3, 1, 2]" not in page and "[1, 2, 3]" not in page  # the trailing ; hid the value
    assert "plain Python here" in page


def test_a_debugger_magic_fails_the_build_at_its_cell(
    fixture_site: Callable[[str], Path], caplog: pytest.LogCaptureFixture
) -> None:
    root = fixture_site("ipython")
    path = root / "docs" / "cells.ipynb"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["cells"].insert(3, {"cell_type": "code", "execution_count": None, "id": "dbg", "metadata": {},
                             "outputs": [], "source": ["y = 1\n", "%debug\n"]})  # fmt: skip
    path.write_text(json.dumps(data), encoding="utf-8")
    site = build_site(root, caplog)
    assert site.failed
    assert (
        "docs/cells.ipynb: cell 4, line 2: wmbook.execute.ipython.NotInABuild: %debug opens an interactive "
        "debugger, which a build cannot do; remove it, or keep the cell from running (the tag "
        'skip-execution, or exec="off" in Markdown)\n'
    ) in site.messages + "\n"
