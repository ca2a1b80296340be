"""Numbered figures: ``figure="5.2" caption="…"`` on a python fence wraps what the block
draws in ``<figure id="fig-5-2">`` with "Figure 5.2 — caption"; links to it work, and a
duplicate label, a labelled block that draws nothing and a link to a missing figure fail
the build at their line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .conftest import SiteBuild, build_strict

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


def _site(root: Path, *pages: str) -> Path:
    """A book of ``pages``: index.md, then p1.md, p2.md …"""
    (root / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(CONFIG)
    for n, page in enumerate(pages):
        (root / "docs" / (f"p{n}.md" if n else "index.md")).write_text(page)
    return root


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    """GOOD (index.md) and NARROW (p1.md) in one strict build."""
    return build_strict(_site(tmp_path_factory.mktemp("figures"), GOOD, NARROW))


def test_numbered_figures_are_wrapped_captioned_and_linked(good: SiteBuild) -> None:
    site = good
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


# Each mistake on a page of its own (index.md, p1.md …), all in one strict build: each is
# reported at its page and line.
MISTAKES = [
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
]
ONE_DRAWING = '# P\n\n```python figure="3" narrow="on"\nplot_xy([0, 1], [0, 1])\n```\n'


@pytest.fixture(scope="module")
def mistakes(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    pages = [page for page, _, _ in MISTAKES]
    return build_strict(_site(tmp_path_factory.mktemp("mistakes"), *pages, ONE_DRAWING), may_fail=True)


def _reported(site: SiteBuild, page: int, line: int, fragment: str) -> bool:
    """Whether the build failed with ``fragment`` reported at ``line`` of the ``page``-th page."""
    where = f"docs/p{page}.md:{line}: " if page else f"docs/index.md:{line}: "
    return site.failed and any(
        where in message and fragment in message for message in site.messages.split("\n")
    )


@pytest.mark.parametrize(("page", "line", "fragment"), MISTAKES)
def test_figure_mistakes_fail_at_their_line(mistakes: SiteBuild, page: str, line: int, fragment: str) -> None:
    number = [text for text, _, _ in MISTAKES].index(page)
    assert _reported(mistakes, number, line, fragment), mistakes.messages


NARROW = """# Narrow

```python figure="3" narrow="on" caption="Drawn twice."
import matplotlib.pyplot as plt
for width, name in ((7.2, "wide"), (4.2, "narrow")):
    fig, ax = plt.subplots(figsize=(width, 3))
    ax.set_title(f"Boxes, {name}")
```
"""


def test_a_narrow_layout_is_the_last_panel_of_its_figure(good: SiteBuild) -> None:
    figure = re.search(r'<figure class="([^"]*)" id="fig-3">(.*?)</figure>', good.html("p1"), re.S)
    assert figure is not None and "wmbook-figure--layouts" in figure[1].split()
    panels = re.findall(
        r'<div class="(wmbook-figure__panel[^"]*)"[^>]*><svg[^>]*aria-label="([^"]*)"', figure[2]
    )
    assert panels == [
        ("wmbook-figure__panel wmbook-figure__panel--wide", "Boxes, wide"),
        ("wmbook-figure__panel wmbook-figure__panel--narrow", "Boxes, narrow"),
    ]


def test_a_narrow_layout_needs_a_second_drawing(mistakes: SiteBuild) -> None:
    fragment = 'narrow="on", but the block drew 1 figure(s)'
    assert _reported(mistakes, len(MISTAKES), 3, fragment), mistakes.messages
