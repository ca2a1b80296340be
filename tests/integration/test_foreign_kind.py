"""A package that is not wmbook adds a block kind through the ``wmbook.kinds`` entry point.

``tests/fixtures/foreign_kind`` is such a package (``/// exercise`` with a hidden solution)
and a book that uses it.  The package is installed with pip into a folder of its own, and
the book is built by ``mkdocs`` in a fresh process that finds the package only through
that folder: wmbook learns of the kind from the installed entry point alone.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import wmbook

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "foreign_kind"
TIMEOUT = 300
# A pip install and builds in processes of their own: the whole suite runs them; the quick
# loop has the same registration in-process (tests/unit/test_kind_registry.py: entry points
# of another package, a failing foreign kind's diagnostic at its block).
SLOW = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture package installed by pip (without its dependencies: wmbook is there)."""
    root = tmp_path_factory.mktemp("foreign_kind")
    shutil.copytree(FIXTURE, root / "package", ignore=shutil.ignore_patterns("book"))
    target = root / "site-packages"
    args = ["--no-deps", "--no-build-isolation", "--no-index", "--target", str(target), str(root / "package")]
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return target


def build(installed: Path, book: Path) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` of ``book`` in a new process that has the package on its path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WMBOOK_")}
    env.update(PYTHONPATH=str(installed), NO_MKDOCS_2_WARNING="1")
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"],
        cwd=book,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


@pytest.fixture(scope="module")
def site(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    book = tmp_path_factory.mktemp("exercise_book") / "book"
    shutil.copytree(FIXTURE / "book", book)
    done = build(installed, book)
    assert done.returncode == 0, done.stdout + done.stderr
    return book / "site"


@SLOW
def test_the_installed_package_declares_the_kind(installed: Path) -> None:
    (entry_points,) = installed.glob("wmbook_exercise-*.dist-info/entry_points.txt")
    assert "[wmbook.kinds]\nexercise = wmbook_exercise:KIND" in entry_points.read_text()


def test_wmbook_knows_nothing_of_the_kind() -> None:
    sources = Path(wmbook.__file__).parent.rglob("*")
    assert not [p for p in sources if p.is_file() and p.suffix != ".pyc" and b"exercise" in p.read_bytes()]


@SLOW
def test_the_page_shows_the_exercise_with_its_solution_folded(site: Path) -> None:
    page = (site / "index.html").read_text()
    found = re.search(r'<div class="exercise" id="exercise-1">(.*?)</details>\s*</div>', page, re.DOTALL)
    assert found is not None, page
    task, _, solution = found[1].partition('<details class="exercise__solution">')
    assert "Exercise 1: Count the tails" in task
    assert "How many tails did the four flips show?" in task
    assert "<summary>Solution</summary>" in solution
    assert "<strong>one tail</strong>" in solution and "one tail" not in task
    assert "///" not in page  # the block is the kind's, not left to Markdown


@SLOW
def test_the_kind_ships_its_stylesheet(site: Path) -> None:
    page = (site / "index.html").read_text()
    assert 'href="assets/wmbook/kinds/exercise/exercise.css"' in page
    assert ".exercise__title" in (site / "assets/wmbook/kinds/exercise/exercise.css").read_text()


@SLOW
def test_a_kind_without_notebook_cells_keeps_its_source_in_the_notebook(site: Path) -> None:
    notebook = json.loads((site / "index.ipynb").read_text())
    sources = ["".join(cell["source"]) for cell in notebook["cells"]]
    page = (FIXTURE / "book" / "docs" / "index.md").read_text()
    written = page[page.index("/// exercise") :].strip()
    assert sources[-1] == written  # as written, solution and all: nothing of the page vanishes


@SLOW
def test_the_kind_check_fails_the_build_at_the_block(installed: Path, tmp_path: Path) -> None:
    book = tmp_path / "book"
    shutil.copytree(FIXTURE / "book", book)
    (book / "docs" / "more.md").write_text("# More\n\n/// exercise | Guess\nGuess a number.\n///\n")
    done = build(installed, book)
    assert done.returncode != 0
    assert (
        "docs/more.md:3: this exercise has no solution; add a line 'Solution:'" in done.stdout + done.stderr
    )
