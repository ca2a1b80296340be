"""Where a code block's parts go on the page.

Numbered figures: ``figure="5.2" caption="…"`` on a python fence wraps what the block draws in
``<figure id="fig-5-2">`` with "Figure 5.2 — caption"; links to it work.  Folded blocks
(``code="folded"``): the source is collapsed behind a ``<details>``, but the block runs, is
checked and is cached like any other, and the in-browser runner gets its whole source.  A
duplicate figure label, a labelled block that draws nothing, a link to a missing figure, a
folded block whose output differs or that raises: each fails the build at its line."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

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

NARROW = """# Narrow

```python figure="3" narrow="on" caption="Drawn twice."
import matplotlib.pyplot as plt
for width, name in ((7.2, "wide"), (4.2, "narrow")):
    fig, ax = plt.subplots(figsize=(width, 3))
    ax.set_title(f"Boxes, {name}")
```
"""

FOLDED = """# Folded

```python code="folded" title="Helpers"
def twice(x):
    return 2 * x
print("helpers ready")
```

```output
helpers ready
```

```python
print(twice(21))
```

```output
42
```

- in a list item

    ```python code="folded"
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    ax.set_title("Folded drawing")
    ```
"""


def _site(root: Path, *pages: str) -> Path:
    """A book with the runner of ``pages``: index.md, then p1.md, p2.md …"""
    (root / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(CONFIG)
    for n, page in enumerate(pages):
        (root / "docs" / (f"p{n}.md" if n else "index.md")).write_text(page)
    return root


def _runner_manifest(html: str) -> Any:
    found = re.search(r'id="wmbook-runner-data">(.*?)</script>', html, re.S)
    assert found is not None, "the page has no runner manifest"
    return json.loads(found[1])


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    """GOOD (index.md), NARROW (p1.md) and FOLDED (p2.md) in one strict build."""
    return build_strict(_site(tmp_path_factory.mktemp("layout"), GOOD, NARROW, FOLDED))


def test_numbered_figures_are_wrapped_captioned_and_linked(good: SiteBuild) -> None:
    html = good.html()
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
    manifest = _runner_manifest(html)
    assert len(manifest["blocks"]) == 2 and "figure=" not in json.dumps(manifest)
    notebook = json.loads((good.site / "index.ipynb").read_text())
    texts = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown"]
    assert '<a id="fig-2-1"></a>**Figure 2.1** — A *rising* line, slope $2$.' in texts


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


def test_folded_block_runs_and_its_code_is_collapsed(good: SiteBuild) -> None:
    html = good.html("p2")
    folds = re.findall(
        r'<details class="wmbook-folded">(.*?)</details>\s*(<div class="wmbook-run"[^>]*>.*?)\n', html, re.S
    )
    assert len(folds) == 2, html
    (first, first_after), (second, second_after) = folds
    assert "<summary" in first and "Helpers · 3 lines" in first and "twice" in first
    assert "helpers ready" in first_after  # its output, outside the fold, under it
    assert (
        "Code · 3 lines" in second and 'aria-label="Folded drawing"' in second_after
    )  # its figure, unfolded
    assert "open" not in re.findall(r"<details[^>]*>", html)[0]  # closed until the reader opens it
    codes = [block["code"] for block in _runner_manifest(html)["blocks"]]
    assert codes[0] == 'def twice(x):\n    return 2 * x\nprint("helpers ready")'  # the whole source


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
    (
        '# P\n\n```python figure="3" narrow="on"\nplot_xy([0, 1], [0, 1])\n```\n',
        3,
        'narrow="on", but the block drew 1 figure(s)',
    ),
    (
        '# P\n\n```python code="folded"\nprint(1)\n```\n\n```output\n2\n```\n',
        7,
        "other than this expected output",
    ),
    ('# P\n\n```python code="folded"\n1 / 0\n```\n', 4, "ZeroDivisionError"),
    ('# P\n\n```python code="hidden"\nx = 1\n```\n', 3, 'code=\'hidden\' must be "shown", "folded"'),
]


@pytest.fixture(scope="module")
def mistakes(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    pages = [page for page, _, _ in MISTAKES]
    return build_strict(_site(tmp_path_factory.mktemp("mistakes"), *pages), may_fail=True)


@pytest.mark.parametrize(("page", "line", "fragment"), MISTAKES)
def test_a_block_mistake_fails_at_its_line(mistakes: SiteBuild, page: str, line: int, fragment: str) -> None:
    number = [text for text, _, _ in MISTAKES].index(page)
    where = f"docs/p{number}.md:{line}: " if number else f"docs/index.md:{line}: "
    found = [message for message in mistakes.messages.split("\n") if where in message and fragment in message]
    assert mistakes.failed and found, mistakes.messages
