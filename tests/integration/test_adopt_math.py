"""A site's own arithmatex settings, ``math: false``, and TeX errors at their line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .conftest import build_site, copy_fixture
from .test_adopt import configure


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return copy_fixture("adopt_math", tmp_path)


def _drop_arithmatex(root: Path) -> None:
    path = root / "mkdocs.yml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["markdown_extensions"] = [
        e for e in config["markdown_extensions"] if not (isinstance(e, dict) and "pymdownx.arithmatex" in e)
    ]
    path.write_text(yaml.safe_dump(config), encoding="utf-8")


def test_the_sites_arithmatex_settings_are_kept(site: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Dollars are text on this site; its \\( \\) math is rendered; a bad formula is at its line."""
    built = build_site(site, caplog)
    assert built.failed
    assert "docs/index.md:19: math does not render: KaTeX parse error: Double subscript" in built.messages
    assert built.messages.count("math does not render") == 1  # the dollars are no math
    html = (site / "site" / "index.html").read_text(encoding="utf-8")
    assert "$3_a_b$" in html
    assert '<span class="wmbook-math"><span class="katex">' in html


def test_math_false_leaves_the_math_to_the_site(site: Path, caplog: pytest.LogCaptureFixture) -> None:
    configure(site, math=False)
    built = build_site(site, caplog, strict=True)
    assert not built.failed, built.messages
    html = built.html()
    assert 'class="arithmatex"' in html  # the site's arithmatex, left for its own script
    assert "wmbook-math" not in html
    assert "katex.min.css" not in html


def test_math_false_adds_no_arithmatex(site: Path, caplog: pytest.LogCaptureFixture) -> None:
    _drop_arithmatex(site)
    configure(site, math=False)
    built = build_site(site, caplog, strict=True)
    assert not built.failed, built.messages
    assert "arithmatex" not in built.html()


def test_without_its_own_arithmatex_the_site_gets_wmbooks(
    site: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """wmbook's default: dollars are math, so these prices are formulas that KaTeX refuses."""
    _drop_arithmatex(site)
    built = build_site(site, caplog)
    assert built.failed
    assert "docs/index.md:7: math does not render" in built.messages
