"""Notebook pages: run by wmbook, rendered by mkdocs-jupyter, first-class like Markdown pages."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import FIXTURES, BuiltCopy, SiteBuild, build_site, build_strict

NOTEBOOK = Path("docs") / "nb" / "momentum.ipynb"


def _write(path: Path, data: dict[str, object]) -> None:
    path.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def _page(site: SiteBuild) -> str:
    return (site.site / "nb" / "momentum" / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    root = tmp_path_factory.mktemp("nb") / "book"
    shutil.copytree(FIXTURES / "notebooks", root)
    return build_strict(root)


def test_notebook_page_has_wmbook_outputs(built: SiteBuild) -> None:
    html = _page(built)
    assert "total momentum: 5.00" in html
    assert html.count('class="wmbook-output wmbook-output--ok"') >= 3
    assert 'aria-label="Momentum over time"' in html  # the figure, drawn by wmbook's plot_xy
    assert "NameError" not in html  # mkdocs-jupyter did not run the notebook itself


def test_notebook_figures_are_put_in_after_search_indexing(built: SiteBuild) -> None:
    html = _page(built)
    assert 'viewBox="' in html  # wmbook's SVG as drawn, not re-serialised on its way through nbconvert
    index = json.loads((built.site / "search" / "search_index.json").read_text(encoding="utf-8"))
    text = next(doc["text"] for doc in index["docs"] if doc["location"] == "nb/momentum/")
    # The title is in the code (shown, and kept for the copy button); not the figure's SVG text too.
    assert text.count("Momentum over time") == 2


def test_markdown_cells_get_reader_blocks_and_katex(built: SiteBuild) -> None:
    html = _page(built)
    assert 'class="wmbook-quiz"' in html
    assert 'id="eq-n-1"' in html and 'href="#eq-n-1"' in html
    assert 'class="wmbook-citation__link" href="#ref-newton1687principia"' in html
    assert '<ol class="wmbook-references">' in html and "Philosophiæ Naturalis" in html
    assert html.count('class="katex"') >= 3
    assert "$p = m v$" not in html and "\\(p = m v\\)" not in html  # no raw TeX left
    assert 'href="#conservation"' in html  # the table of contents still finds the headings


def test_notebook_page_loads_nothing_from_other_hosts(built: SiteBuild) -> None:
    html = _page(built)
    assert not re.findall(r"<script[^>]*\bsrc=\"https?://", html)
    assert "cdnjs" not in html and "cdn.jsdelivr" not in html
    assert not re.search(r"<script[^>]*>[^<]*MathJax", html)


def test_notebook_page_offers_its_executed_notebook(built: SiteBuild) -> None:
    html = _page(built)
    assert 'href="momentum.ipynb"' in html and "wmbook-download" in html
    data = json.loads((built.site / "nb" / "momentum" / "momentum.ipynb").read_text(encoding="utf-8"))
    first = next(c for c in data["cells"] if c["cell_type"] == "code")
    assert "".join(first["outputs"][0]["text"]) == "total momentum: 5.00\n"
    figures = [o for c in data["cells"] for o in c.get("outputs", []) if "image/svg+xml" in o.get("data", {})]
    assert len(figures) == 1


def test_second_build_runs_nothing(built: SiteBuild, caplog: pytest.LogCaptureFixture) -> None:
    again = build_site(built.root, caplog, strict=True)
    assert not again.failed, again.messages
    report = json.loads((built.root / ".cache" / "wmbook" / "last-build.json").read_text())
    assert report["summary"]["executed"] == 0 and report["summary"]["cached"] == 1
    assert "total momentum: 5.00" in _page(again)


# A plugin's view of a notebook page: the HTML search indexing sees, and a minifier's pass over
# the finished page (early: listed before wmbook, it would run first at equal priority).
WATCHING_HOOK = """import re
from pathlib import Path

from mkdocs.plugins import event_priority


def on_page_context(context, page, config, nav):
    if page.file.src_uri.endswith(".ipynb"):
        Path(config.config_file_path).with_name("indexed.html").write_text(page.content)


@event_priority(50)
def on_post_page(output, page, config):
    return re.sub(r"<!--.*?-->", "", output, flags=re.DOTALL)
"""
JUPYTERLAB_STYLE = "--jp-cell-prompt-width"  # in mkdocs-jupyter's template part, in no notebook


def test_template_part_is_not_indexed_and_in_the_finished_page_once(
    built_copy: BuiltCopy, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root, first = built_copy("notebooks", tmp_path)
    assert JUPYTERLAB_STYLE in _page(first)
    (root / "watch.py").write_text(WATCHING_HOOK, encoding="utf-8")
    with (root / "mkdocs.yml").open("a", encoding="utf-8") as config:
        config.write("hooks:\n  - watch.py\n")
    site = build_site(root, caplog, strict=True)
    assert not site.failed, site.messages
    indexed = (root / "indexed.html").read_text(encoding="utf-8")
    assert "total momentum: 5.00" in indexed and JUPYTERLAB_STYLE not in indexed
    html = _page(site)
    assert html.count("addEventListener('clipboard-copy'") == 1  # the template part, once
    styles, wrapper = html.index(JUPYTERLAB_STYLE), html.index('<div class="jupyter-wrapper">')
    assert html.index('<article class="md-content__inner') < styles < wrapper  # where mkdocs-jupyter had it
    assert 'aria-label="Momentum over time"' in html  # the figure's slot was filled before the minifier


def _copy(fixture_site: Callable[[str], Path]) -> tuple[Path, dict[str, object]]:
    root = fixture_site("notebooks")
    return root, json.loads((root / NOTEBOOK).read_text(encoding="utf-8"))


def test_failing_cell_is_named_by_notebook_cell_and_line(
    fixture_site: Callable[[str], Path], caplog: pytest.LogCaptureFixture
) -> None:
    root, data = _copy(fixture_site)
    cells = data["cells"]
    assert isinstance(cells, list)
    cells.insert(2, {"cell_type": "code", "execution_count": None, "id": "bad", "metadata": {},
                     "outputs": [], "source": ["x = 1\n", "y = x / 0\n"]})  # fmt: skip
    _write(root / NOTEBOOK, data)
    site = build_site(root, caplog)
    assert site.failed
    assert "wmbook found 1 error in the book:" in site.messages
    assert "docs/nb/momentum.ipynb: cell 3, line 2: ZeroDivisionError: division by zero" in site.messages
    assert 'File "docs/nb/momentum.ipynb", cell 3, line 2' in site.messages


def test_cell_options_from_metadata(
    fixture_site: Callable[[str], Path], caplog: pytest.LogCaptureFixture
) -> None:
    root, data = _copy(fixture_site)
    cells = data["cells"]
    assert isinstance(cells, list)
    cells.append({"cell_type": "code", "execution_count": None, "id": "slow",
                  "metadata": {"wmbook": {"timeout": 1}}, "outputs": [],
                  "source": ["import time\n", "time.sleep(30)\n"]})  # fmt: skip
    cells.append({"cell_type": "code", "execution_count": None, "id": "skip",
                  "metadata": {"tags": ["skip-execution"]}, "outputs": [], "source": ["raise SystemExit(1)\n"]})  # fmt: skip
    _write(root / NOTEBOOK, data)
    site = build_site(root, caplog)
    assert site.failed
    assert "docs/nb/momentum.ipynb: cell 8, line 1: timed out after 1 s" in site.messages
    assert "cell 9" not in site.messages  # skip-execution: shown, not run


def test_check_output_mismatch_and_accept(
    fixture_site: Callable[[str], Path], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, data = _copy(fixture_site)
    cells = data["cells"]
    assert isinstance(cells, list)
    cells[4]["outputs"][0]["text"] = ["kept: 4.0\n"]
    _write(root / NOTEBOOK, data)
    before = (root / NOTEBOOK).read_bytes()
    site = build_site(root, caplog)
    assert site.failed
    assert "docs/nb/momentum.ipynb: cell 5, line 1: the block printed something other" in site.messages
    monkeypatch.setenv("WMBOOK_ACCEPT", "1")
    assert not build_site(root, caplog).failed
    after = (root / NOTEBOOK).read_bytes()
    assert after == before.replace(b'"kept: 4.0\\n"', b'"kept: 5.0\\n"')


JUPYTEXT_PAGE = """---
jupyter:
  kernelspec:
    display_name: Python 3
    language: python
    name: python3
  jupytext:
    text_representation:
      extension: .md
      format_name: markdown
---

# A jupytext notebook

```python
%matplotlib inline
print("ran once")
```
"""


def test_jupytext_markdown_notebook_runs_once(
    fixture_site: Callable[[str], Path], caplog: pytest.LogCaptureFixture
) -> None:
    root, _ = _copy(fixture_site)
    (root / "docs" / "jupytext.md").write_text(JUPYTEXT_PAGE, encoding="utf-8")
    site = build_site(root, caplog, strict=True)
    assert not site.failed, site.messages
    report = json.loads((root / ".cache" / "wmbook" / "last-build.json").read_text())
    assert [s["page"] for s in report["sessions"]].count("docs/jupytext.md") == 1
    html = (site.site / "jupytext" / "index.html").read_text(encoding="utf-8")
    assert html.count("ran once") == 2  # the code and its one output box
    assert 'class="wmbook-output wmbook-output--ok"' in html


def test_plugin_order_does_not_matter(
    fixture_site: Callable[[str], Path], caplog: pytest.LogCaptureFixture
) -> None:
    root, _ = _copy(fixture_site)
    config = root / "mkdocs.yml"
    text = config.read_text()
    assert "  - mkdocs-jupyter\n  - wmbook:" in text
    config.write_text(
        text.replace("  - mkdocs-jupyter\n", "").replace(
            "      timeout: 20\n", "      timeout: 20\n  - mkdocs-jupyter\n"
        )
    )
    assert config.read_text().index("wmbook") < config.read_text().index("mkdocs-jupyter")
    site = build_site(root, caplog, strict=True)
    assert not site.failed, site.messages
    html = _page(site)
    assert "total momentum: 5.00" in html and 'class="katex"' in html


SCRIPTED_FIGURE = """import json

class Scripted:
    def _repr_mimebundle_(self, include=None, exclude=None):
        code = {"type": "object", "name": "CustomJS", "id": "p2", "attributes": {"code": "alert(2)"}}
        button = {"type": "object", "name": "Button", "id": "p1",
                  "attributes": {"label": "go", "js_event_callbacks": {"button_click": [code]}}}
        item = {"target_id": None, "root_id": "p1", "doc": {"roots": [button]}}
        return {"application/vnd.wmbook.bokeh+json": json.dumps(item), "text/plain": "a scripted figure"}

Scripted()
"""

LINKED_FIGURE = """import matplotlib.pyplot as plt

fig, ax = plt.subplots()
ax.plot([1, 2, 3]).pop().set_url("javascript:alert(1)")
"""


def test_a_cells_display_and_figure_problems_are_reported_once(
    fixture_site: Callable[[str], Path], caplog: pytest.LogCaptureFixture
) -> None:
    root, data = _copy(fixture_site)
    cells = data["cells"]
    assert isinstance(cells, list)
    cells.append({"cell_type": "code", "execution_count": None, "id": "scripted", "metadata": {},
                  "outputs": [], "source": SCRIPTED_FIGURE})  # fmt: skip
    cells.append({"cell_type": "code", "execution_count": None, "id": "linked", "metadata": {},
                  "outputs": [], "source": LINKED_FIGURE})  # fmt: skip
    _write(root / NOTEBOOK, data)
    site = build_site(root, caplog)
    assert not site.failed, site.messages
    assert site.messages.count("the Bokeh figure holds a 'CustomJS' model") == 1, site.messages
    assert site.messages.count("cell 9, line 1: a figure's link or image was removed") == 1, site.messages
    page = _page(site)
    assert "a scripted figure" in page and 'href="javascript:' not in page


def test_mkdocs_jupyter_does_not_read_markdown_pages(
    fixture_site: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mkdocs.config import load_config
    from mkdocs.structure.files import File
    from mkdocs_jupyter import plugin as jupyter

    from wmbook.plugin import _configure_notebook_plugin

    root, _ = _copy(fixture_site)
    (root / "docs" / "jupytext.md").write_text(JUPYTEXT_PAGE, encoding="utf-8")
    config = load_config(config_file=str(root / "mkdocs.yml"))
    _configure_notebook_plugin(config)
    read: list[str] = []
    monkeypatch.setattr(jupyter.jupytext, "read", lambda path, *args, **kwargs: read.append(path))
    notebooks = config.plugins["mkdocs-jupyter"]
    for name in ("index.md", "jupytext.md", "nb/momentum.ipynb"):
        page = File(name, config.docs_dir, config.site_dir, use_directory_urls=True)
        assert isinstance(notebooks, jupyter.Plugin)
        assert notebooks.should_include(page) is name.endswith(".ipynb")
    assert read == []  # wmbook's pages: never read with jupytext to look for a notebook
