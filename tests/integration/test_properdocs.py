"""ProperDocs, the continuation of MkDocs 1.x, builds a book with wmbook as MkDocs does."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import copy_fixture

pytestmark = pytest.mark.slow  # builds with the properdocs command, in processes of its own

pytest.importorskip("properdocs")


def _properdocs(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "properdocs", "build", "-f", str(root / "mkdocs.yml"), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_properdocs_builds_a_book(tmp_path: Path) -> None:
    root = copy_fixture("good", tmp_path)
    done = _properdocs(root, "--strict", "-d", str(root / "site"))
    assert done.returncode == 0, done.stderr
    page = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<meta name="generator" content="[^"]*ProperDocs', page)  # not built by MkDocs
    assert "value=42" in page
    assert "wmbook-output" in page
    assert "sessions:" in done.stderr  # wmbook's summary, through ProperDocs' log


def test_properdocs_reports_a_broken_block(tmp_path: Path) -> None:
    root = copy_fixture("adopt", tmp_path)
    done = _properdocs(root, "-d", str(root / "site"))
    assert done.returncode != 0
    assert "docs/index.md:6: ModuleNotFoundError" in done.stderr
