"""Links to equations on other pages are checked by the strict build (MkDocs' anchor validation)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import build_site

CONFIG = """site_name: Links
theme:
  name: material
  font: false
plugins:
  - wmbook
markdown_extensions:
  - pymdownx.superfences
validation:
  anchors: warn
"""

EQUATION_PAGE = """# Equations

/// equation | EQ L1.1 — Identity
$$
x = x
$$
Every quantity equals itself.
///
"""


def _site(root: Path, target: str) -> Path:
    (root / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(CONFIG)
    (root / "docs" / "index.md").write_text(f"# Home\n\nSee [the identity](eq.md#{target}).\n")
    (root / "docs" / "eq.md").write_text(EQUATION_PAGE)
    return root


def test_link_to_an_equation_on_another_page_builds(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    site = build_site(_site(tmp_path / "ok", "eq-l1-1"), caplog, strict=True)
    assert not site.failed, site.messages
    assert 'href="eq/#eq-l1-1"' in site.html()


def test_link_to_a_missing_equation_on_another_page_fails(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = build_site(_site(tmp_path / "bad", "eq-l1-9"), caplog, strict=True)
    assert site.failed
    assert "eq-l1-9" in site.messages
