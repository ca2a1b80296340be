"""The HTML of a block's captured output and figures."""

from __future__ import annotations

import pytest

from wmbook.model import Figure, Outcome, StepKey, StepKind, StepResult
from wmbook.render.outputs import figure_min_width, figures_html, render_figures, render_result

KEY = StepKey(StepKind.CODE, 0)

SVG = '<svg viewBox="0 0 10 10" role="img" aria-label="A line"><path d="M0 0L10 10"/></svg>'


@pytest.mark.parametrize("outcome", [Outcome.OK, Outcome.RAISED])
def test_output_is_escaped(outcome: Outcome) -> None:
    """Printed HTML is shown as text, never interpreted."""
    html = render_result(StepResult(KEY, outcome, output="<script>alert(1)</script> & 'q' \"d\"\n"))
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
        (Outcome.UNCACHED, "error", "Not run"),
    ],
)
def test_output_box_kind_and_title(outcome: Outcome, kind: str, title: str) -> None:
    """The box says how the block ended."""
    html = render_result(StepResult(KEY, outcome, output="text\n", detail="a note"))
    assert f"wmbook-output--{kind}" in html
    assert f'aria-label="{title}"' in html
    assert f">{title}</span>" in html


@pytest.mark.parametrize(
    ("outcome", "detail", "shown"),
    [
        (Outcome.TIMEOUT, "timed out after 2 s", "[timed out after 2 s]"),
        (Outcome.DIED, "the session's process exited with status 3", "[the session&#x27;s process exited"),
        (Outcome.NOT_RUN, "", "[not run: an earlier block of this session failed]"),
        (
            Outcome.NOT_RUN,
            "docs/x.md:12",
            "[not run: an earlier block of this session failed (the block at docs/x.md:12)]",
        ),
        (Outcome.UNCACHED, "not in the cache", "[not in the cache]"),
    ],
)
def test_failure_note_is_shown(outcome: Outcome, detail: str, shown: str) -> None:
    """A block that did not finish shows why, even with no output."""
    html = render_result(StepResult(KEY, outcome, detail=detail))
    assert shown in html


def test_nothing_to_show() -> None:
    """A block that printed nothing and drew nothing renders to nothing."""
    assert render_result(StepResult(KEY, Outcome.OK)) == ""
    assert render_result(StepResult(KEY, Outcome.OK, output="\n  \n")) == ""


def test_trailing_newlines_are_dropped() -> None:
    """The box holds the printed text without its final newlines."""
    html = render_result(StepResult(KEY, Outcome.OK, output="a\n  b\n\n"))
    assert "<pre><code>a\n  b</code></pre>" in html


def test_figures_are_embedded() -> None:
    """Each figure's SVG is inlined in a figure element, without a caption (its SVG names it)."""
    figures = (Figure(SVG, "A line"), Figure(SVG.replace("A line", "B"), "B <&> C"))
    result = StepResult(KEY, Outcome.OK, output="printed\n", figures=figures)
    html = render_figures(result)
    assert html.count('<figure class="wmbook-figure">') == 2
    assert f'<figure class="wmbook-figure">{SVG}' in html
    assert "figcaption" not in html and "B &lt;" not in html
    assert html.index('aria-label="A line"') < html.index('aria-label="B"')
    assert "<svg" not in render_result(result)


def test_no_figures() -> None:
    """A block that drew nothing has no figure HTML."""
    assert render_figures(StepResult(KEY, Outcome.OK, output="x\n")) == ""


def test_figure_without_output() -> None:
    """A block that only draws gets its figure and no output box."""
    result = StepResult(KEY, Outcome.OK, figures=(Figure(SVG, "A line"),))
    assert render_result(result) == ""
    assert SVG in render_figures(result)


@pytest.mark.parametrize(
    ("svg", "width"),
    [
        # 9px at 518.4 units wide: the drawing may shrink to 518.4px and no further.
        ('<svg viewBox="0 0 518.4 244.8"><text style="font-size: 9px">a</text></svg>', 519),
        # The smallest text decides: 8.5 units must show as 9px.
        (
            '<svg viewBox="0 0 518.4 244.8"><text x="1" style="font-size: 10px">a</text>'
            '<text style="font: x; font-size: 8.5px">b</text></svg>',
            549,
        ),
        ('<svg viewBox="0 0 100 50"><path d="M0 0"/></svg>', 0),  # no text: no limit
        ('<svg width="100"><text style="font-size: 9px">a</text></svg>', 0),  # no viewBox
    ],
)
def test_figure_min_width_keeps_text_at_nine_pixels(svg: str, width: int) -> None:
    assert figure_min_width(svg) == width


def test_figure_carries_its_min_width() -> None:
    svg = '<svg viewBox="0 0 360 200"><text style="font-size: 6px">a</text></svg>'
    result = StepResult(KEY, Outcome.OK, figures=(Figure(svg=svg, label="x"),))
    assert 'style="--wmbook-min-width: 540px"' in render_figures(result, numbered=True)
    assert 'style="--wmbook-min-width: 540px"' in render_figures(result)


def test_figures_counted_as_they_are_made_safe() -> None:
    """One pass makes each figure safe and counts what it removed."""
    linked = (
        '<svg viewBox="0 0 10 10"><a href="javascript:alert(1)"><path d="M0 0"/></a><use href="#m"/></svg>'
    )
    result = StepResult(KEY, Outcome.OK, figures=(Figure(SVG, "Figure"), Figure(linked, "Figure")))
    html, removed = figures_html(result)
    assert removed == 1 and "javascript:" not in html and 'href="#m"' in html
    assert html == render_figures(result)
    assert figures_html(StepResult(KEY, Outcome.OK, figures=(Figure(SVG, "Figure"),))) == (
        render_figures(StepResult(KEY, Outcome.OK, figures=(Figure(SVG, "Figure"),))),
        0,
    )
