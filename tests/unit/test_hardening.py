"""What a careless or hostile page must not get through: control bytes, script links,
paths out of the page's folder, broken front matter, unclosed fences."""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest

from wmbook.blocks import CodeBlock
from wmbook.cite.bibliography import load_bibliography
from wmbook.kinds import quiz as quiz_kind
from wmbook.kinds.quiz import Quiz
from wmbook.model import Figure, Outcome, PageRef, Severity, StepKey, StepKind, StepResult
from wmbook.parse.page import parse_page
from wmbook.render.outputs import has_event_handler, render_result, safe_figure_svg, visible_text
from wmbook.stages import figure_warnings


@pytest.mark.parametrize(
    ("printed", "shown"),
    [
        ("nul\x00here", "nul\\x00here"),
        ("\x1b[31mred\x1b[0m text", "red text"),  # colour codes dropped
        ("bell\x07", "bell\\x07"),
        ("c1\x85", "c1\\x85"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("del\x7f", "del\\x7f"),
    ],
)
def test_control_bytes_are_shown_as_escapes(printed: str, shown: str) -> None:
    assert visible_text(printed) == shown
    html = render_result(StepResult(StepKey(StepKind.CODE, 0), Outcome.OK, printed))
    assert not any(ord(c) < 32 and c not in "\t\n" for c in html)


@pytest.mark.parametrize(
    ("svg", "removed"),
    [
        ('<a xlink:href="javascript:alert(1)"><path/></a>', 1),
        ('<a href=" JaVaScRiPt:alert(1)"><path/></a>', 1),
        ('<a href="data:text/html,x"><path/></a>', 1),
        ('<a xlink:href="https://example.org/"><path/></a>', 0),
        ('<use xlink:href="#f1-p1"/>', 0),
        ("<a xlink:href='javascript:alert(1)'><path/></a>", 1),
        ('<a title="x>y" href="javascript:alert(1)"><path/></a>', 1),
        ('<a href="other/page.html"><path/></a>', 0),
        ('<a href="data:image/svg+xml,<svg onload=x>"><path/></a>', 1),
    ],
)
def test_figure_links_other_than_http_and_relative_are_removed(svg: str, removed: int) -> None:
    cleaned, count = safe_figure_svg(svg)
    assert count == removed
    assert "javascript" not in cleaned.lower() and "data:" not in cleaned


def test_a_figures_raster_image_is_kept() -> None:
    """imshow draws its pixels as an <image> holding PNG data: the figure keeps them."""
    svg = '<image width="2" height="2" xlink:href="data:image/png;base64,iVBORw0KGgo="/>'
    assert safe_figure_svg(svg) == (svg, 0)


MATPLOTLIB_SVG = (
    '<svg xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 460.8 259.2" role="img">\n'
    '<defs><path id="m1" d="M 0 0 L 0 3.5"/></defs>\n'
    '<g><use xlink:href="#m1" x="57.6" y="230.4"/><use XLINK:HREF = "#m1" x="80"/></g>\n'
    "<text>step</text>\n</svg>"
)


def test_a_figure_whose_links_all_name_its_own_anchors_is_kept_as_it_is() -> None:
    """The figures matplotlib draws: nothing to remove, and the figure is not rebuilt tag by tag."""
    cleaned, count = safe_figure_svg(MATPLOTLIB_SVG)
    assert count == 0
    assert cleaned is MATPLOTLIB_SVG


@pytest.mark.parametrize(
    "svg",
    [
        # Anchor links first, then one that is not: every link is looked at.
        '<use xlink:href="#m1"/><a href="javascript:alert(1)"><path/></a>',
        '<use xlink:href="#m1"/><a href=javascript:alert(1)><path/></a>',
        # An anchor link opened in one tag whose quote closes in the next one.
        '<text x="#"> href="#</text><a href="javascript:alert(1)"><path/></a>',
        # An image may only hold an embedded raster, not even an anchor of the figure.
        '<use xlink:href="#m1"/><image xlink:href="#m1"/>',
        '<feImage href="#m1"/>',
        # Any case, beside text that is not ASCII (matplotlib's minus sign, a lone surrogate).
        '<text>\u22121</text><A HREF="javascript:alert(1)"><path/></A>',
        '<text>\ud800</text><use xlink:href="#m1"/><IMAGE XLINK:HREF="#m1"/>',
        '<text>\u0130</text><FeImage Href="#m1"/>',
    ],
)
def test_a_figure_with_anchor_links_still_loses_every_other_link(svg: str) -> None:
    cleaned, count = safe_figure_svg(svg)
    assert count == 1
    assert "javascript" not in cleaned and "image xlink:href" not in cleaned.lower()
    assert "feimage href" not in cleaned.lower()


PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="


@pytest.mark.parametrize(
    ("svg", "kept"),
    [
        # What matplotlib writes for imshow, a colorbar or pcolormesh (a line break after the comma).
        (f'<image x="0" y="0" width="1" height="1" xlink:href="data:image/png;base64,\n{PNG}"/>', True),
        (f'<image href="data:image/jpeg;base64,{PNG}"/>', True),
        (f'<image href="DATA:image/gif;base64,{PNG}"></image>', True),
        (f'<image href="data:image/webp;base64,{PNG}"/>', True),
        ('<image href="javascript:alert(1)"/>', False),
        ("<image href='javascript:alert(1)'/>", False),
        ("<image HREF=javascript:alert(1) />", False),
        ('<image href="data:image/svg+xml;base64,PHN2Zy8+"/>', False),
        ('<image href="data:image/png,<svg onload=alert(1)>"/>', False),
        (f'<image href="data:text/html;base64,{PNG}"/>', False),
        ('<image xlink:href="https://example.org/tracker.png"/>', False),
        ('<image href="//example.org/tracker.png"/>', False),
        ('<feImage href="https://example.org/x.png"/>', False),
        (f'<a href="data:image/png;base64,{PNG}"><path/></a>', False),
    ],
)
def test_figures_keep_embedded_raster_images_and_nothing_else(svg: str, kept: bool) -> None:
    cleaned, count = safe_figure_svg(svg)
    assert count == (0 if kept else 1)
    assert (cleaned == svg) is kept
    assert ("href" in cleaned) is kept


def test_a_bibliography_url_that_is_not_a_web_link_is_an_error(tmp_path: Path) -> None:
    bib = tmp_path / "references.bib"
    bib.write_text(
        "@misc{good,\n  title = {Good},\n  url = {https://example.org/}\n}\n\n"
        "@misc{evil,\n  title = {Evil},\n  url = {javascript:alert(1)}\n}\n"
    )
    references, problems = load_bibliography(str(bib), "docs/references.bib")
    assert references["good"].url == "https://example.org/"
    assert references["evil"].url == ""
    # At the line of the url field itself (the entry opens at line 6).
    assert [(str(p.loc), "url of 'evil'" in p.message) for p in problems] == [("docs/references.bib:8", True)]


def test_depends_on_cannot_follow_a_link_out_of_the_page_folder(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    outside = tmp_path / "secret.txt"
    outside.write_text("not for pages")
    os.symlink(outside, tmp_path / "docs" / "link.txt")
    page_path = tmp_path / "docs" / "page.md"
    text = "---\ntitle: T\ndepends_on:\n  - link.txt\n---\n\n# T\n"
    page = parse_page(text, PageRef("page.md", "docs/page.md", str(page_path)))
    assert [(d.loc.line, "inside the page's folder" in d.message) for d in page.diagnostics] == [(4, True)]
    assert page.depends_on == () and not page.runnable


def test_an_unclosed_fence_is_reported_and_not_run() -> None:
    page = parse_page("# T\n\n```python\nprint(1)\n", "docs/p.md")
    (block,) = page.blocks_of(CodeBlock)
    assert not block.options.execute
    assert "never closed" in page.diagnostics[0].message


def test_a_quiz_without_explanation_has_no_empty_box() -> None:
    page = parse_page("/// quiz | Is it?\n    answer: true\n///\n", "docs/p.md")
    (quiz,) = page.blocks_of(Quiz)
    assert not any("Explanation" in line for line in quiz_kind.render(quiz))
    page = parse_page("/// quiz | Is it?\n    answer: true\nBecause.\n///\n", "docs/p.md")
    assert any("Explanation" in line for line in quiz_kind.render(page.blocks_of(Quiz)[0]))


def test_a_heading_keeps_its_inline_code() -> None:
    page = parse_page("## 1.1 `Code` here {#sec-1-1}\n", "docs/p.md")
    assert page.headings[0].text == "1.1 Code here"


@pytest.mark.parametrize(
    ("href", "warned"),
    [(f"data:image/png;base64,{PNG}", False), ("https://example.org/x.png", True), ("javascript:x", True)],
)
def test_a_figure_that_lost_an_image_is_warned_about_at_its_block(href: str, warned: bool) -> None:
    (block,) = parse_page("# P\n\n```python\nimshow()\n```\n", "docs/p.md").blocks_of(CodeBlock)
    svg = f'<svg><image xlink:href="{href}"/></svg>'
    found = figure_warnings(block, StepResult(block.key, Outcome.OK, figures=(Figure(svg, "Figure"),)))
    assert [(str(d.loc), d.severity) for d in found] == (
        [("docs/p.md:4", Severity.WARNING)] if warned else []
    )


@pytest.mark.parametrize(
    "svg",
    [
        '<svg onload="alert(1)"><path d="M0 0"/></svg>',
        "<svg><script>alert(1)</script></svg>",
        '<svg><g ONCLICK="alert(1)"/></svg>',
        '<svg><foreignObject><iframe src="x"></iframe></foreignObject></svg>',
        "<svg><style>@import url(https://example.org/x.css)</style></svg>",
        '<svg><animate attributeName="href" to="javascript:alert(1)"/></svg>',
    ],
)
def test_a_figure_that_is_not_only_drawing_is_sanitised(svg: str) -> None:
    safe, removed = safe_figure_svg(svg)
    lowered = safe.lower()
    assert removed >= 1
    for bad in ("script", "onload", "onclick", "foreignobject", "iframe", "style", "animate", "javascript"):
        assert bad not in lowered, (bad, safe)


@pytest.mark.parametrize(
    "svg",
    [
        '<svg><g/onload="alert(1)"/></svg>',  # after a slash
        "<svg><g\tonmouseover\n=\n'alert(1)'/></svg>",  # whitespace around the name
        '<svg><g data-x=""onclick="alert(1)"/></svg>',  # straight after a quote
        '<svg><g aria-label="ononon" onfocus="alert(1)"/></svg>',  # after "on"s that are not one
    ],
)
def test_an_event_handler_anywhere_in_a_figure_is_found(svg: str) -> None:
    safe, removed = safe_figure_svg(svg)
    assert removed >= 1 and "alert" not in safe, safe


# What the handler search in ``safe_figure_svg`` finds: an attribute ``on…=`` after one of these.
HANDLER = re.compile(rb"[\s\"'/]on[a-z]+\s*=")


def test_the_handler_search_finds_what_its_pattern_does() -> None:
    """Markup made of the characters that matter, at random (seeded): the search finds a
    handler exactly where the plain pattern of one does."""
    letters = [
        b"on",
        b"o",
        b"n",
        b"x",
        b"=",
        b" ",
        b"\t",
        b"\n",
        b"\v",
        b'"',
        b"'",
        b"/",
        b"-",
        b"1",
        b"<",
        b"\xc3",
    ]
    rng = random.Random(20261207)
    for _ in range(20_000):
        markup = b"".join(rng.choice(letters) for _ in range(rng.randrange(1, 14)))
        assert has_event_handler(markup) == bool(HANDLER.search(markup)), markup


def test_a_figure_matplotlib_drew_is_kept_as_drawn() -> None:
    import matplotlib

    from wmbook.execute import figures

    figures.apply_style()
    with matplotlib.rc_context({"svg.fonttype": "path"}):  # text as outlines, each noted in a comment
        figures.plot_xy([0, 1, 2], [1, 4, 9], title="Squares <of> x", xlabel="x", ylabel="x squared")
        (figure,) = figures.collect_figures("test")
    assert "<!--" in figure.svg  # matplotlib notes each text's source in a comment
    assert safe_figure_svg(figure.svg) == (figure.svg, 0)
