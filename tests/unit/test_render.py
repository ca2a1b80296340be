"""Rendering outputs and placing them into the page."""

from __future__ import annotations

import re

import markdown
import pytest

from wmbook.model import Figure, Outcome, StepResult
from wmbook.parse.fences import front_matter_lines
from wmbook.parse.page import parse_page
from wmbook.render.outputs import render_figures, render_result
from wmbook.render.rewrite import fill_figure_slots, fill_slots, rewrite_markdown, slot_id

SVG = '<svg viewBox="0 0 10 10" role="img" aria-label="A line"><path d="M0 0L10 10"/></svg>'


@pytest.mark.parametrize("outcome", [Outcome.OK, Outcome.RAISED])
def test_output_is_escaped(outcome: Outcome) -> None:
    """Printed HTML is shown as text, never interpreted."""
    html = render_result(StepResult("k", outcome, output="<script>alert(1)</script> & 'q' \"d\"\n"))
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in html
    assert 'class="wmbook-output' in html


@pytest.mark.parametrize(
    ("outcome", "kind", "title"),
    [
        (Outcome.OK, "ok", "Output"),
        (Outcome.RAISED, "error", "Error"),
        (Outcome.TIMEOUT, "error", "Timed out"),
        (Outcome.DIED, "error", "Process ended"),
        (Outcome.NOT_RUN, "error", "Not run"),
    ],
)
def test_output_box_kind_and_title(outcome: Outcome, kind: str, title: str) -> None:
    """The box says how the block ended."""
    html = render_result(StepResult("k", outcome, output="text\n", detail="a note"))
    assert f"wmbook-output--{kind}" in html
    assert f'aria-label="{title}"' in html
    assert f">{title}</span>" in html


@pytest.mark.parametrize(
    ("outcome", "detail", "shown"),
    [
        (Outcome.TIMEOUT, "timed out after 2 s", "[timed out after 2 s]"),
        (Outcome.DIED, "the session's process exited with status 3", "[the session&#x27;s process exited"),
        (Outcome.NOT_RUN, "", "[not run: an earlier block of this session failed]"),
    ],
)
def test_failure_note_is_shown(outcome: Outcome, detail: str, shown: str) -> None:
    """A block that did not finish shows why, even with no output."""
    html = render_result(StepResult("k", outcome, detail=detail))
    assert shown in html


def test_nothing_to_show() -> None:
    """A block that printed nothing and drew nothing renders to nothing."""
    assert render_result(StepResult("k", Outcome.OK)) == ""
    assert render_result(StepResult("k", Outcome.OK, output="\n  \n")) == ""


def test_trailing_newlines_are_dropped() -> None:
    """The box holds the printed text without its final newlines."""
    html = render_result(StepResult("k", Outcome.OK, output="a\n  b\n\n"))
    assert "<pre><code>a\n  b</code></pre>" in html


def test_figures_are_embedded() -> None:
    """Each figure's SVG is inlined in a figure element with an escaped caption."""
    figures = (Figure(SVG, "A line"), Figure(SVG.replace("A line", "B"), "B <&> C"))
    result = StepResult("k", Outcome.OK, output="printed\n", figures=figures)
    html = render_figures(result)
    assert html.count('<figure class="wmbook-figure">') == 2
    assert f'<figure class="wmbook-figure">{SVG}' in html
    assert "B &lt;&amp;&gt; C</figcaption>" in html
    assert html.index("A line") < html.index("B &lt;")
    assert "<svg" not in render_result(result)


def test_no_figures() -> None:
    """A block that drew nothing has no figure HTML."""
    assert render_figures(StepResult("k", Outcome.OK, output="x\n")) == ""


def test_figure_without_output() -> None:
    """A block that only draws gets its figure and no output box."""
    result = StepResult("k", Outcome.OK, figures=(Figure(SVG, "A line"),))
    assert render_result(result) == ""
    assert SVG in render_figures(result)


PAGE = """\
---
title: T
---
# Page

```python session="a"
print("<b>")
```

```output
<b>
```

!!! note

    ```python timeout="3"
    x = 1
    ```

    ```output
    1
    ```

```python exec="off"
while True: pass
```

- item

    ```python
    y = 2
    ```
"""


def _rendered() -> tuple[str, str]:
    page = parse_page(PAGE, "docs/page.md")
    assert not page.diagnostics
    offset = front_matter_lines(PAGE)
    body = "\n".join(PAGE.split("\n")[offset:])
    rewritten = rewrite_markdown(body, offset, list(page.blocks), "page")
    html = markdown.markdown(rewritten, extensions=["admonition", "pymdownx.superfences"])
    return rewritten, html


def test_rewrite_markdown() -> None:
    """Options are stripped, output fences dropped, and executed blocks get a slot."""
    rewritten, _ = _rendered()
    assert "```output" not in rewritten
    assert 'session="a"' not in rewritten and 'timeout="3"' not in rewritten and "exec=" not in rewritten
    assert re.findall(r"<!--wmbook-slot:([\w-]+)-->", rewritten) == ["page-0", "page-1", "page-3"]
    assert "    <!--wmbook-slot:page-1-->" in rewritten
    assert "while True: pass" in rewritten
    assert rewritten.count("```python") == 4


def test_slot_ids() -> None:
    """Slot ids combine the page id and the block's index."""
    page = parse_page(PAGE, "docs/page.md")
    assert [slot_id("guide-intro", b) for b in page.blocks] == [f"guide-intro-{i}" for i in range(4)]


def test_fill_slots_round_trip() -> None:
    """After Markdown rendering every slot is replaced by its block's output, then its figures."""
    _, html = _rendered()
    drawn = StepResult("block-1", Outcome.OK, output="1\n", figures=(Figure(SVG, "A line"),))
    fragments = {
        "page-0": render_result(StepResult("block-0", Outcome.OK, output="<b>\n")),
        "page-1": '<div id="one">ONE</div>',
        "page-3": '<div id="three">THREE</div>',
    }
    figures = {"page-1": render_figures(drawn)}
    content = fill_slots(html, fragments, figures)
    assert "wmbook-slot" not in content
    assert "<svg" not in content
    assert content.count("<!--wmbook-figures:page-1-->") == 1
    filled = fill_figure_slots(content, figures)
    assert "wmbook-slot" not in filled and "wmbook-figures" not in filled
    assert "<b>" not in filled
    assert filled.count("&lt;b&gt;</code></pre></div>") == 1
    note = filled[filled.index('<div class="admonition note">') : filled.index("while")]
    assert note.index("x</span>") < note.index('<div id="one">ONE</div>') < note.index(SVG)
    item = filled[filled.index("<li>") : filled.index("</li>")]
    assert '<div id="three">THREE</div>' in item
    first_code = filled.index("print")
    assert first_code < filled.index("wmbook-output") < filled.index('<div class="admonition note">')


def test_fill_slots_without_fragment() -> None:
    """A slot with no output is removed, even when Markdown wrapped it in a paragraph."""
    html = "<p>a</p>\n<p><!--wmbook-slot:x-1--></p>\n<!--wmbook-slot:x-2-->\n<p>b</p>"
    assert fill_slots(html, {"x-2": "<i>2</i>"}, {}) == "<p>a</p>\n\n<i>2</i>\n<p>b</p>"


def test_figure_slot_without_output() -> None:
    """A block with figures but no printed text still gets its figures."""
    html = "<p>a</p>\n<p><!--wmbook-slot:x-1--></p>\n<p>b</p>"
    figures = {"x-1": "<figure>F</figure>"}
    filled = fill_figure_slots(fill_slots(html, {}, figures), figures)
    assert filled == "<p>a</p>\n<figure>F</figure>\n<p>b</p>"
