"""Fixtures shared by the test folders (the wheel installed into a fresh environment), and
the ``slow`` mark: ``nox -s quick`` (``pytest -m "not slow"``) leaves out what it marks.

A test is slow when it lives in a slow folder (the browser tests), uses a fixture that
starts something big (a Dask cluster, an S3 server, a Jupyter kernel, the Nu validator,
the wheel, the whole book), or builds a book in a process of its own.  The mark is given
here from what the test uses, so a new test is sorted without anyone thinking of it; a
test slow for another reason says ``@pytest.mark.slow`` itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from wheel_book import WheelBook, make_wheel_book

ROOT = Path(__file__).resolve().parent  # tests/


@pytest.fixture(scope="session")
def wheel_book(tmp_path_factory: pytest.TempPathFactory) -> WheelBook:
    """wmbook's wheel built once per test run, installed into a new virtual environment
    (dependencies from the package index), and the foreign book built with it."""
    return make_wheel_book(Path(tmp_path_factory.mktemp("wheel")))


SLOW_FOLDERS = frozenset({"browser"})  # Chromium, and the whole book built first
SLOW_FIXTURES = frozenset({
    "wheel_book",  # builds the wheel and installs it into a new virtual environment
    "dask_cluster",  # a two-worker Dask cluster
    "s3_server",  # a moto S3 server
    "python3_kernel",  # real Jupyter kernels (nbclient)
    "vnu",  # the Nu HTML validator (Java)
    "site_dir",  # the repository's whole book
})  # fmt: skip
# Helpers that build a book in a process of its own (an interpreter and every import again),
# or run a notebook in a Jupyter kernel.
SLOW_CALLS = frozenset({"build_in_subprocess", "subprocess_env", "NotebookClient", "run_notebook"})


def is_slow(item: pytest.Item) -> bool:
    """Whether ``item`` belongs to the slow part of the suite (see the module's docstring)."""
    if SLOW_FOLDERS & set(item.path.parts[len(ROOT.parts) :]):
        return True
    if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    code = getattr(getattr(item, "function", None), "__code__", None)
    return code is not None and bool(SLOW_CALLS & set(code.co_names))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if is_slow(item) and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.slow)
