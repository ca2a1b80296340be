"""IPython's semantics on real pages: the fixture notebook run by wmbook and by Jupyter
(nbclient with ipykernel) gives the same outputs, code cell by code cell."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest

from wmbook.render.outputs import settle_carriage_returns

from .conftest import FIXTURES, SiteBuild, build_site, build_strict

# Numbers with a unit of time (%timeit, %time): compared by shape, not value.
_DURATION = re.compile(r"\d[\d.,]*\s*(?:ns|µs|μs|us|ms|s|min|h)\b")
_ADDRESS = re.compile(r" at 0x[0-9a-f]+")
# Where a warning was raised: ipykernel names a temporary file, wmbook the notebook's cell.
_JUPYTER_PLACE = re.compile(r"^\S+\.py:(\d+): ", re.MULTILINE)
_WMBOOK_PLACE = re.compile(r"^\S+\.ipynb: cell \d+, line (\d+): ", re.MULTILINE)


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def normalized(text: str) -> str:
    """Printed text as compared: as a terminal shows it, durations and addresses masked,
    a warning's place reduced to its line in the cell."""
    text = settle_carriage_returns(text)
    text = _JUPYTER_PLACE.sub(r"line \1: ", _WMBOOK_PLACE.sub(r"line \1: ", text))
    return _ADDRESS.sub(" at 0x…", _DURATION.sub("<duration>", text))


def cell_outputs(cell: dict[str, Any]) -> list[tuple[str, ...]]:
    """A code cell's outputs as comparable records: stream runs (by name, joined),
    values and displays by kind and text, any image as one 'image', errors by name."""
    records: list[tuple[str, ...]] = []
    for output in cell.get("outputs", []):
        kind = output["output_type"]
        if kind == "stream":
            text = output["text"] if isinstance(output["text"], str) else _text(output["text"])
            if records and records[-1][:2] == ("stream", output["name"]):
                records[-1] = ("stream", output["name"], records[-1][2] + text)
            else:
                records.append(("stream", output["name"], text))
        elif kind == "error":
            records.append(("error", output["ename"]))
        else:
            data = output.get("data", {})
            if any(mime.startswith("image/") for mime in data):
                records.append((kind, "image"))
            else:
                plain = normalized(_text(data.get("text/plain", "")))
                records.append((kind, ",".join(sorted(data)), plain))
    return [(r[0], r[1], normalized(r[2])) if r[0] == "stream" else r for r in records]


def compare_notebooks(ours: dict[str, Any], jupyter: dict[str, Any]) -> list[str]:
    """What differs between two runs of one notebook, code cell by code cell ('' when alike)."""
    problems = []
    mine = [c for c in ours["cells"] if c["cell_type"] == "code"]
    theirs = [c for c in jupyter["cells"] if c["cell_type"] == "code"]
    assert len(mine) == len(theirs)
    for number, (a, b) in enumerate(zip(mine, theirs, strict=True), start=1):
        source = _text(a["source"]).split("\n")[0]
        if a.get("execution_count") != b.get("execution_count"):
            problems.append(
                f"code cell {number} ({source}): In [{a.get('execution_count')}] vs [{b.get('execution_count')}]"
            )
        if cell_outputs(a) != cell_outputs(b):
            problems.append(
                f"code cell {number} ({source}):\n  wmbook:  {cell_outputs(a)}\n  Jupyter: {cell_outputs(b)}"
            )
    return problems


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    root = tmp_path_factory.mktemp("ipython") / "book"
    shutil.copytree(FIXTURES / "ipython", root)
    return build_strict(root, may_fail=True)


def test_the_fixture_builds_strictly(built: SiteBuild) -> None:
    assert not built.failed, built.messages


def test_every_code_cell_gives_what_jupyter_gives(
    built: SiteBuild, python3_kernel: None, tmp_path: Path
) -> None:
    from nbclient import NotebookClient

    ours = json.loads((built.site / "cells" / "cells.ipynb").read_text(encoding="utf-8"))
    notebook = nbformat.read(FIXTURES / "ipython" / "docs" / "cells.ipynb", as_version=4)
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    assert compare_notebooks(ours, notebook) == []


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
