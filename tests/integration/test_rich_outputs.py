"""Rich outputs on a built page: a block's last expression and ``display(obj)`` by their richest MIME
type, Bokeh's ``show`` embedded with BokehJS from the site, and the same outputs from the cache."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, BuildError

from .conftest import warnings_logged

CONFIG = """site_name: Rich outputs
theme:
  name: material
  font: false
plugins:
  - search
  - wmbook
nav:
  - Rich: index.md
  - Plain: plain.md
"""

RICH = r"""# Rich outputs

A table:

```python
import pandas as pd

pd.DataFrame({"animal": ["aardvark", "bonobo"], "weight": [61.5, 39.25]})
```

A drawing:

```python
class Square:
    def _repr_svg_(self):
        return '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect class="sq" width="8" height="8"/></svg>'

Square()
```

Markdown:

```python
class Claim:
    def _repr_markdown_(self):
        return "a **bold** claim"

Claim()
```

LaTeX:

```python
class Ratio:
    def _repr_latex_(self):
        return r"$\frac{a}{b}$"

Ratio()
```

Hostile HTML:

```python
class Hostile:
    def _repr_html_(self):
        return '<p id="hostile" onclick="alert(1)">hostile text</p><script>window.pwned = 1</script>'

Hostile()
```

Two displays after printed text:

```python
class Tag:
    def __init__(self, text):
        self.text = text

    def _repr_html_(self):
        return f'<p class="tag">{self.text}</p>'

print("before the displays")
display(Tag("first shown"), Tag("second shown"))
```

Bokeh:

```python
from bokeh.plotting import figure, show

plot = figure(width=300, height=200, title="A Bokeh line")
plot.line([0, 1, 2], [0, 1, 0])
show(plot)
```

A figure, and no text for it:

```python
plot_xy([0, 1, 2, 3], [0, 1, 4, 9], title="Squares")
```

Printed text is what the output fence checks:

```python
print("printed line")
display(Tag("displayed, not printed"))
6 * 7
```

```output
printed line
```
"""

PLAIN = """# Plain

```python
print("only text here")
```
"""


@dataclass
class Built:
    root: Path
    site: Path
    first: str  # the rich page of the first build
    second: str  # the same page, built again from the cache
    plain: str
    report: dict[str, Any]


def _build(root: Path) -> str:
    """Build the book at ``root`` strictly; what it logged at WARNING and above, or fail the test."""
    with warnings_logged() as records:
        try:
            build(load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(root / "site"), strict=True))
        except (Abort, BuildError):
            pytest.fail("the book does not build:\n" + "\n".join(r.getMessage() for r in records))
    return (root / "site" / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The book built twice: the second build takes every session from the cache."""
    root = tmp_path_factory.mktemp("rich") / "book"
    (root / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(CONFIG, encoding="utf-8")
    (root / "docs" / "index.md").write_text(RICH, encoding="utf-8")
    (root / "docs" / "plain.md").write_text(PLAIN, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        for name in ("WMBOOK_ACCEPT", "WMBOOK_CACHE"):
            patch.delenv(name, raising=False)
        first = _build(root)
        second = _build(root)
    site = root / "site"
    report = json.loads((root / ".cache" / "wmbook" / "last-build.json").read_text(encoding="utf-8"))
    plain = (site / "plain" / "index.html").read_text(encoding="utf-8")
    return Built(root, site, first, second, plain, report)


def _displays(page: str) -> list[str]:
    """Each rich output of the page, from its start to the next one's (at most 4000 characters)."""
    pattern = r'<div class="wmbook-(?:display|instrument wmbook-display-bokeh)"'
    starts = [m.start() for m in re.finditer(pattern, page)]
    ends = [*starts[1:], len(page)]
    return [page[start : min(end, start + 4000)] for start, end in zip(starts, ends, strict=True)]


@pytest.fixture(params=["first", "second"])
def page(request: pytest.FixtureRequest, built: Built) -> str:
    """The rich page as the first build made it, and as the cached second build made it."""
    return str(getattr(built, request.param))


def test_second_build_is_served_from_the_cache(built: Built) -> None:
    sessions = built.report["sessions"]
    assert isinstance(sessions, list) and len(sessions) == 2
    assert all(s["from_cache"] for s in sessions), sessions
    assert built.report["summary"]["failed"] == 0


def test_cached_build_renders_the_same_outputs(built: Built) -> None:
    def outputs(page: str) -> list[str]:
        return re.findall(r'<div class="wmbook-display">.*?</div>', page, re.DOTALL)

    assert outputs(built.first) and outputs(built.first) == outputs(built.second)
    assert _bokeh_item(built.first) == _bokeh_item(built.second)


def test_dataframe_is_an_html_table(page: str) -> None:
    (table,) = [d for d in _displays(page) if "<table" in d]
    body = table[: table.index("</table>")]
    for value in ("animal", "weight", "aardvark", "bonobo", "61.50", "39.25"):
        assert value in body
    assert "<style" not in body  # pandas' scoped style is dropped


def test_svg_repr_is_inline(page: str) -> None:
    assert '<div class="wmbook-display"><svg viewBox="0 0 8 8">' in page
    assert '<rect class="sq" width="8" height="8"></rect>' in page


def test_markdown_repr_is_converted(page: str) -> None:
    assert '<div class="wmbook-display"><p>a <strong>bold</strong> claim</p></div>' in page


def test_latex_repr_is_rendered_by_katex(built: Built, page: str) -> None:
    assert re.search(
        r'<div class="wmbook-display"><span class="wmbook-math"><span class="katex">.*?<mfrac>', page
    )
    assert "Ratio object at" not in page  # not the plain-text fallback
    assert re.search(r'<link rel="stylesheet" href="assets/wmbook/katex/katex\.min\.css">', page)
    assert (built.site / "assets" / "wmbook" / "katex" / "katex.min.css").is_file()
    assert list((built.site / "assets" / "wmbook" / "katex" / "fonts").glob("*.woff2"))


def test_hostile_html_is_sanitised(page: str) -> None:
    assert re.search(
        r'<div class="wmbook-display"><p id="[\w-]+-display-1-hostile">hostile text</p></div>', page
    )
    assert 'onclick="alert(1)"' not in page
    assert "<script>window.pwned" not in page
    assert "window.pwned = 1</script>" not in page


def test_display_shows_each_object_in_order_after_the_printed_text(page: str) -> None:
    printed = page.index("<pre><code>before the displays</code></pre>")
    first = page.index('<div class="wmbook-display"><p class="tag">first shown</p></div>')
    second = page.index('<div class="wmbook-display"><p class="tag">second shown</p></div>')
    assert printed < first < second


def _bokeh_item(page: str) -> dict[str, object]:
    match = re.search(
        r'<div class="wmbook-instrument wmbook-display-bokeh" id="([\w-]+)".*?'
        r'<script type="application/json" class="wmbook-instrument-item">(.*?)</script>',
        page,
        re.DOTALL,
    )
    assert match is not None
    item = json.loads(match.group(2))
    assert item["target_id"] == f"{match.group(1)}-bokeh"
    return dict(item)


def test_bokeh_show_is_embedded(built: Built, page: str) -> None:
    item = _bokeh_item(page)
    assert "A Bokeh line" in json.dumps(item)
    assert re.search(r'id="[\w-]+-bokeh" class="wmbook-instrument-target"', page)
    assert re.search(r'<script src="assets/wmbook/instruments\.js" defer></script>', page)
    assert (built.site / "assets" / "wmbook" / "instruments.js").is_file()
    assert list((built.site / "assets" / "wmbook" / "bokeh").glob("bokeh-*.min.js"))


def test_figure_is_shown_without_its_repr(page: str) -> None:
    start = page.index("Squares")  # the figure's title, in the block's code and in its SVG
    assert '<figure class="wmbook-figure"' in page
    assert "Figure size" not in page[start:]
    assert "&lt;Figure" not in page and "<Figure" not in page


def test_output_fence_compares_printed_text_only(page: str) -> None:
    assert "<pre><code>printed line</code></pre>" in page
    assert '<div class="wmbook-display"><p class="tag">displayed, not printed</p></div>' in page
    assert '<div class="wmbook-display"><pre><code>42</code></pre></div>' in page
    assert "<pre><code>printed line\n" not in page


def test_a_page_without_rich_outputs_links_neither_katex_nor_bokeh(built: Built) -> None:
    assert "only text here" in built.plain
    assert "katex.min.css" not in built.plain
    assert "instruments.js" not in built.plain
    assert "wmbook-display" not in built.plain
