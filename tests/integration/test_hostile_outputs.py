"""Rich outputs a hostile (or careless) block shows: bounded before anything parses them, and
nothing in them runs script or covers the page, whatever MIME type they claim."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config

from .conftest import SiteBuild, one_page_book, warnings_logged

PAGE = r"""# Hostile outputs

```python
import json

class Huge:
    def _repr_html_(self):
        return "<table>" + "<tr><td>cell</td></tr>" * 600_000 + "</table>"

Huge()
```

```python
class Deep:
    def _repr_html_(self):
        return "<div>" * 200_000 + "deep" + "</div>" * 200_000

Deep()
```

```python
def item(*roots):
    doc = {"version": "3.9.2", "title": "", "roots": list(roots)}
    return json.dumps({"target_id": None, "root_id": "p1", "doc": doc, "version": "3.9.2"})

class FakeBokeh:
    def _repr_mimebundle_(self, include=None, exclude=None):
        div = {"type": "object", "name": "Div", "id": "p1",
               "attributes": {"text": "<img src=x onerror=alert(1)><b>inside the div</b>"}}
        return {"application/vnd.wmbook.bokeh+json": item(div), "text/plain": "fake"}

FakeBokeh()
```

```python
class Scripted:
    def _repr_mimebundle_(self, include=None, exclude=None):
        code = {"type": "object", "name": "CustomJS", "id": "p2", "attributes": {"code": "alert(2)"}}
        button = {"type": "object", "name": "Button", "id": "p1",
                  "attributes": {"label": "go", "js_event_callbacks": {"button_click": [code]}}}
        return {"application/vnd.wmbook.bokeh+json": item(button), "text/plain": "a scripted figure"}

Scripted()
```

```python
class Overlay:
    def _repr_html_(self):
        return ('<a href="https://example.org/" class="md-dialog" '
                'style="position:fixed;inset:0;z-index:99999;color:red">click anywhere</a>')

Overlay()
```
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[SiteBuild, str]:
    """The page built once (not strict: its cut outputs are warnings); it and the warnings."""
    root = one_page_book(
        tmp_path_factory.mktemp("hostile"), PAGE, title="Hostile outputs", plugins=("search",)
    )
    return _build(root)


def _build(root: Path) -> tuple[SiteBuild, str]:
    with warnings_logged() as records:
        build(load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(root / "site")))
    built = SiteBuild(root, root / "site", False, "\n".join(r.getMessage() for r in records))
    return built, built.html()


def test_a_huge_output_is_cut_with_a_warning_at_its_block(site: tuple[SiteBuild, str]) -> None:
    built, page = site
    assert "[rich output cut: the page&#x27;s rich outputs passed 5 MB]" in page
    assert page.count("<td>cell</td>") == 0
    assert (
        "docs/index.md:4: a rich output of 12.6 MB takes the page's rich outputs past max_display_mb (5)"
        in (built.messages)
    )
    index = json.loads((built.site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert "cell cell" not in json.dumps(index)


def test_a_huge_output_never_leaves_its_session(site: tuple[SiteBuild, str]) -> None:
    """The session cuts it: neither the result sent to the build nor the cache entry holds it."""
    built, _ = site
    entries = [p for p in (built.root / ".cache" / "wmbook" / "sessions").rglob("*") if p.is_file()]
    assert entries
    assert not [p for p in entries if b"<td>cell</td>" in p.read_bytes()]


def test_deep_nesting_is_not_parsed(site: tuple[SiteBuild, str]) -> None:
    built, page = site
    assert "&lt;__main__.Deep object at" in page  # its plain-text form instead
    assert "<div><div>" not in page
    assert (
        "docs/index.md:14: a rich output's text/html nests its elements more than 256 deep" in built.messages
    )


def test_a_bokeh_item_from_any_object_is_sanitised(site: tuple[SiteBuild, str]) -> None:
    _, page = site
    items = re.findall(r'<script type="application/json" class="wmbook-instrument-item">(.*?)</script>', page)
    assert len(items) == 1
    text = json.loads(items[0])["doc"]["roots"][0]["attributes"]["text"]
    assert "onerror" not in text and "<b>inside the div</b>" in text


def test_a_bokeh_item_with_a_callback_is_not_embedded(site: tuple[SiteBuild, str]) -> None:
    built, page = site
    items = re.findall(r'<script type="application/json" class="wmbook-instrument-item">(.*?)</script>', page)
    assert not [item for item in items if "CustomJS" in item]
    assert "<pre><code>a scripted figure</code></pre>" in page
    assert "the Bokeh figure holds a 'CustomJS' model, which wmbook does not embed" in built.messages


def test_an_output_cannot_cover_the_page(site: tuple[SiteBuild, str]) -> None:
    _, page = site
    link = re.search(r'<a href="https://example.org/"[^>]*>click anywhere</a>', page)
    assert link is not None
    assert (
        "position" not in link.group(0)
        and "z-index" not in link.group(0)
        and "md-dialog" not in link.group(0)
    )
    assert 'style="color:red"' in link.group(0)
