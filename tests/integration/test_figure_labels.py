"""Numbered figures: ``figure="5.2" caption="…"`` on a python fence wraps what the block
draws in ``<figure id="fig-5-2">`` with "Figure 5.2 — caption"; links to it work, and a
duplicate label, a labelled block that draws nothing and a link to a missing figure fail
the build at their line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .conftest import build_site

CONFIG = """site_name: Figures
theme:
  name: material
  font: false
plugins:
  - wmbook:
      run_in_browser: true
markdown_extensions:
  - pymdownx.superfences
  - pymdownx.arithmatex:
      generic: true
validation:
  anchors: warn
"""

GOOD = """# Figures

[Figure 2.1](#fig-2-1) shows a line; [Figure A.3](#fig-a-3) two panels.

```python figure="2.1" caption="A *rising* line, slope $2$."
plot_xy([0, 1, 2], [0, 2, 4], title="Rising")
```

Prose between.

```python figure="A.3" caption='Two panels, "quoted".'
import matplotlib.pyplot as plt
for name in ("left", "right"):
    fig, ax = plt.subplots()
    ax.set_title(name)
print("drew two")
```

```output
drew two
```
"""


def _site(root: Path, page: str) -> Path:
    (root / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(CONFIG)
    (root / "docs" / "index.md").write_text(page)
    return root


def test_numbered_figures_are_wrapped_captioned_and_linked(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = build_site(_site(tmp_path, GOOD), caplog, strict=True)
    assert not site.failed, site.messages
    html = site.html()
    first = re.search(
        r'<figure class="wmbook-figure wmbook-figure--numbered" id="fig-2-1">(.*?)</figure>', html, re.S
    )
    assert first is not None
    assert first[1].count("<svg") == 1 and 'aria-label="Rising"' in first[1]
    caption = re.search(r"<figcaption[^>]*>(.*?)</figcaption>", first[1], re.S)
    assert caption is not None
    assert '<a class="wmbook-anchor" href="#fig-2-1">Figure 2.1</a> — A <em>rising</em> line' in caption[1]
    assert "katex" in caption[1]  # math in a caption is rendered with the page's
    second = re.search(r'<figure[^>]*id="fig-a-3">(.*?)</figure>', html, re.S)
    assert second is not None and second[1].count("<svg") == 2
    assert "Two panels, &quot;quoted&quot;." in second[1] or 'Two panels, "quoted".' in second[1]
    assert html.count('href="#fig-2-1"') == 2 and html.count('href="#fig-a-3"') == 2
    # The figures sit once on the page, outside the output box, and the runner still has both blocks.
    assert html.count('id="fig-2-1"') == 1 and "wmbook-figures:" not in html
    manifest = json.loads(re.search(r'id="wmbook-runner-data">(.*?)</script>', html, re.S)[1])  # type: ignore[index]
    assert len(manifest["blocks"]) == 2 and "figure=" not in json.dumps(manifest)
    notebook = json.loads((site.site / "index.ipynb").read_text())
    texts = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown"]
    assert '<a id="fig-2-1"></a>**Figure 2.1** — A *rising* line, slope $2$.' in texts


@pytest.mark.parametrize(
    ("page", "line", "fragment"),
    [
        (
            '# P\n\n```python figure="1"\nplot_xy([0, 1], [0, 1])\n```\n\n```python figure="1"\nplot_xy([0, 1], [1, 0])\n```\n',
            7,
            "Figure 1 is already the label of the figure at docs/index.md:3",
        ),
        (
            '# P\n\n```python figure="1" caption="Nothing."\nx = 1\n```\n',
            3,
            'figure="1", but the block drew no figure',
        ),
        (
            '# P\n\nSee [Figure 9](#fig-9).\n\n```python figure="1"\nplot_xy([0, 1], [0, 1])\n```\n',
            3,
            "link to #fig-9, but this page has no such figure (figures: fig-1)",
        ),
        ('# P\n\n```python figure="1."\nx = 1\n```\n', 3, "figure='1.' is not a label"),
        ('# P\n\n```python caption="Alone."\nx = 1\n```\n', 3, 'add figure="LABEL"'),
    ],
)
def test_figure_mistakes_fail_at_their_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, page: str, line: int, fragment: str
) -> None:
    site = build_site(_site(tmp_path, page), caplog, strict=True)
    assert site.failed
    assert f"docs/index.md:{line}: " in site.messages and fragment in site.messages, site.messages


NARROW = """# Narrow

```python figure="3" narrow="on" caption="Drawn twice."
import matplotlib.pyplot as plt
for width, name in ((7.2, "wide"), (4.2, "narrow")):
    fig, ax = plt.subplots(figsize=(width, 3))
    ax.set_title(f"Boxes, {name}")
```
"""


def test_a_narrow_layout_is_the_last_panel_of_its_figure(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = build_site(_site(tmp_path, NARROW), caplog, strict=True)
    assert not site.failed, site.messages
    figure = re.search(r'<figure class="([^"]*)" id="fig-3">(.*?)</figure>', site.html(), re.S)
    assert figure is not None and "wmbook-figure--layouts" in figure[1].split()
    panels = re.findall(
        r'<div class="(wmbook-figure__panel[^"]*)"[^>]*><svg[^>]*aria-label="([^"]*)"', figure[2]
    )
    assert panels == [
        ("wmbook-figure__panel wmbook-figure__panel--wide", "Boxes, wide"),
        ("wmbook-figure__panel wmbook-figure__panel--narrow", "Boxes, narrow"),
    ]


def test_a_narrow_layout_needs_a_second_drawing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    page = '# P\n\n```python figure="3" narrow="on"\nplot_xy([0, 1], [0, 1])\n```\n'
    site = build_site(_site(tmp_path, page), caplog, strict=True)
    assert site.failed
    assert 'docs/index.md:3: narrow="on", but the block drew 1 figure(s)' in site.messages, site.messages
