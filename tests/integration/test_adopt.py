"""Adopting wmbook on an existing site: execute: marked, page settings, exclude, other
``///`` blocks, and on_error: warn."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import build_site, copy_fixture
from .test_notebooks import NOTEBOOK, _page, _write


def configure(root: Path, **settings: object) -> None:
    """Set wmbook's options in the fixture's mkdocs.yml."""
    path = root / "mkdocs.yml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    for entry in config["plugins"]:
        if isinstance(entry, dict) and "wmbook" in entry:
            entry["wmbook"].update(settings)
    path.write_text(yaml.safe_dump(config), encoding="utf-8")


def _outputs(html: str) -> list[str]:
    found = re.findall(
        r'<div class="wmbook-output[^"]*"[^>]*>.*?<pre><code>(.*?)</code></pre></div>', html, re.S
    )
    return [re.sub(r"<[^>]+>", "", text).strip() for text in found]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = copy_fixture("adopt", tmp_path)
    return root


def test_marked_site_runs_only_marked_fences(site: Path, caplog: pytest.LogCaptureFixture) -> None:
    configure(site, execute="marked")
    built = build_site(site, caplog, strict=True)
    assert not built.failed, built.messages
    home = built.html()
    assert _outputs(home) == ["marked-on 42"]
    # markdown-exec's spellings run too, shown as markdown-exec shows them: what they print,
    # as Markdown, without their code (test_markdown_exec.py compares with markdown-exec).
    for printed in ("marked-yes 5", "inside-admonition", "inside-tab"):
        assert f"<p>{printed}</p>" in home
    assert home.count("marked-yes") == 1  # its code is not shown
    assert home.count("<!--wmbook-slot") == 0
    # Unmarked fences are plain highlighted code; the other /// blocks are pymdownx's.
    assert "fixture_client_that_is_not_installed" in home
    assert 'class="admonition tip"' in home
    assert "<details" in home
    assert "tabbed-set" in home
    marked = built.html("page-marked")
    assert _outputs(marked) == ["page-marked-ran"]
    assert "never.py" in marked  # the unmarked fence keeps its Material title
    assert _outputs(built.html("page-off")) == []
    wip = built.html("drafts/wip")
    assert _outputs(wip) == []
    # Its exec="on" fence is shown as code, without the option Markdown would not understand.
    assert 'class="language-python highlight"' in wip or '<div class="highlight">' in wip
    assert "exec=" not in wip
    assert "wmbook-run" not in home


def test_default_site_runs_every_fence_but_excluded_pages(
    site: Path, caplog: pytest.LogCaptureFixture
) -> None:
    built = build_site(site, caplog)
    assert built.failed
    text = built.messages
    assert (
        "docs/index.md:6: ModuleNotFoundError: No module named 'fixture_client_that_is_not_installed'" in text
    )
    assert 'install the package where the book is built; if it only illustrates, mark it exec="off"' in text
    assert "execute: marked" in text
    assert "_recording_import" not in text
    for never in ("page-off ran", "page-marked ran", "the excluded draft ran"):
        assert never not in text


def test_on_error_warn_builds_and_shows_every_problem(site: Path, caplog: pytest.LogCaptureFixture) -> None:
    configure(site, on_error="warn")
    built = build_site(site, caplog)
    assert not built.failed, built.messages
    text = built.messages
    # Every failing block is reported, not only the first of its session.
    assert "docs/index.md:6: ModuleNotFoundError" in text
    assert "docs/index.md:11: NameError: name 'client' is not defined" in text
    assert "define the name in an earlier block of the same session" in text
    assert "docs/index.md:" in text and "SyntaxError" in text  # top-level async with
    assert "reported as warnings (on_error: warn)" in text
    assert "RuntimeError: wrapped" in text and "No module named 'fixture_module_missing_too'" in text
    assert "_recording_import" not in text  # nor in the exception it was raised from
    assert "docs/index.md:59: urllib.error.URLError" in text and "a build may have no network" in text
    assert "docs/index.md:65: TypeError: 'ellipsis' object is not iterable" in text
    assert "replace the ... placeholder" in text
    home = built.html()
    assert 'class="wmbook-problems"' in home
    assert "marked-on 42" in "".join(_outputs(home))
    strict = build_site(site, caplog, strict=True)
    assert strict.failed


# -- notebooks --

BAD_CELL = {"cell_type": "code", "execution_count": None, "id": "bad", "metadata": {}, "outputs": [],
            "source": ["1 / 0\n"]}  # fmt: skip


def _notebook_with_a_bad_cell(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    root = copy_fixture("notebooks", tmp_path)
    data = json.loads((root / NOTEBOOK).read_text(encoding="utf-8"))
    data["cells"].insert(2, BAD_CELL)
    return root, data


def test_exclude_covers_notebooks(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("mkdocs_jupyter")
    root, data = _notebook_with_a_bad_cell(tmp_path)
    _write(root / NOTEBOOK, data)
    configure(root, exclude=["*.ipynb"])
    built = build_site(root, caplog, strict=True)
    assert not built.failed, built.messages
    assert "ZeroDivisionError" not in built.messages


def test_a_notebook_chooses_its_mode_in_its_metadata(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pytest.importorskip("mkdocs_jupyter")
    root, data = _notebook_with_a_bad_cell(tmp_path)
    data["metadata"]["wmbook"] = {"execute": "marked"}
    data["cells"][1]["metadata"]["wmbook"] = {"exec": "on"}  # the quiz's check needs its names
    data["cells"].append({**BAD_CELL, "id": "marked", "metadata": {"wmbook": {"exec": True}},
                          "source": ["print('the marked cell ran')\n"]})  # fmt: skip
    _write(root / NOTEBOOK, data)
    built = build_site(root, caplog, strict=True)
    assert not built.failed, built.messages
    page = _page(built)
    assert "the marked cell ran" in page
    assert "total momentum: 5.00" in page
    assert "ZeroDivisionError" not in page and "ZeroDivisionError" not in built.messages
