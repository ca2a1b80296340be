"""Build fixture sites from tests/fixtures/ into tmp_path with MkDocs' own API."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, BuildError

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"


@dataclass
class SiteBuild:
    """What one fixture build produced."""

    root: Path
    site: Path
    failed: bool
    messages: str  # everything logged at WARNING and above

    def html(self, page: str = "") -> str:
        """The built HTML of ``page`` ('' for the home page, 'other' for other/index.html)."""
        path = self.site / page / "index.html" if page else self.site / "index.html"
        return path.read_text(encoding="utf-8")


def copy_fixture(name: str, dest: Path) -> Path:
    """Copy a fixture site into ``dest``."""
    root = dest / name
    shutil.copytree(FIXTURES / name, root)
    return root


def build_site(root: Path, caplog: pytest.LogCaptureFixture, **overrides: object) -> SiteBuild:
    """Build the site at ``root``; never raises for a failing book."""
    caplog.clear()
    caplog.set_level(logging.INFO)
    site = root / "site"
    failed = False
    try:
        config = load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(site), **overrides)
        build(config)
    except (Abort, BuildError):
        failed = True
    messages = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)
    return SiteBuild(root, site, failed, messages)


@pytest.fixture
def fixture_site(tmp_path: Path) -> Callable[[str], Path]:
    """Copy a named fixture site into the test's tmp_path."""
    return lambda name: copy_fixture(name, tmp_path)
