"""Fixtures shared by the test folders: the wheel installed into a fresh environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from wheel_book import WheelBook, make_wheel_book


@pytest.fixture(scope="session")
def wheel_book(tmp_path_factory: pytest.TempPathFactory) -> WheelBook:
    """wmbook's wheel built once per test run, installed into a new virtual environment
    (dependencies from the package index), and the foreign book built with it."""
    return make_wheel_book(Path(tmp_path_factory.mktemp("wheel")))
