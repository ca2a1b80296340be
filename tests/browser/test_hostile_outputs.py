"""Hostile rich outputs in a real browser: a Bokeh ``Div`` offered by any object through
wmbook's Bokeh MIME type runs no script, and no output covers the page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .harness import LOCAL_HOST, open_tab, serve

CONFIG = """site_name: Hostile
theme:
  name: material
  font: false
plugins:
  - search
  - wmbook
"""

PAGE = r"""# Hostile

```python
import json

class FakeBokeh:
    def _repr_mimebundle_(self, include=None, exclude=None):
        div = {"type": "object", "name": "Div", "id": "p1",
               "attributes": {"text": "<b id='shown'>a div</b><img src=x onerror='window.pwned = 1'>"}}
        doc = {"version": "3.9.2", "title": "", "roots": [div]}
        item = {"target_id": None, "root_id": "p1", "doc": doc, "version": "3.9.2"}
        return {"application/vnd.wmbook.bokeh+json": json.dumps(item), "text/plain": "fake"}

FakeBokeh()
```

```python
class Overlay:
    def _repr_html_(self):
        return ('<a id="overlay" href="https://example.org/" '
                'style="position:fixed;inset:0;z-index:99999;display:block">everywhere</a>')

Overlay()
```
"""


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The page built and served on 127.0.0.1."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    root: Path = tmp_path_factory.mktemp("hostile")
    (root / "docs").mkdir()
    (root / "mkdocs.yml").write_text(CONFIG, encoding="utf-8")
    (root / "docs" / "index.md").write_text(PAGE, encoding="utf-8")
    build(load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(root / "site")))
    with serve(root / "site", LOCAL_HOST) as url:
        yield url


def test_a_bokeh_div_runs_no_script_and_nothing_covers_the_page(browser: Any, hostile_url: str) -> None:
    with open_tab(browser, hostile_url) as (tab, _):
        tab.goto("/", wait_until="networkidle")
        # BokehJS draws the Div in its shadow root once it has loaded.
        tab.wait_for_function(
            "() => [...document.querySelectorAll('.wmbook-display-bokeh *')]"
            ".some(e => e.shadowRoot && e.shadowRoot.innerHTML.includes('a div'))",
            timeout=30_000,
        )
        tab.wait_for_load_state("networkidle")
        assert tab.evaluate("() => window.pwned") is None
        covering = tab.evaluate("() => document.elementFromPoint(640, 450).closest('a')?.textContent ?? ''")
        assert covering != "everywhere"
