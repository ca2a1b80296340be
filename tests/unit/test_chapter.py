"""Chapter pages: front matter, header, reading time, cite-this-section and citation meta tags."""

from __future__ import annotations

import re
from pathlib import Path

import msgspec
import pytest
import yaml

from wmbook.blocks import CodeBlock, ExpectedOutput
from wmbook.book import ParsedPage
from wmbook.chapter.header import HeaderLinks, breadcrumb, chapter_header, count_words, reading_minutes
from wmbook.chapter.meta import ChapterMeta, is_chapter, read_chapter_meta
from wmbook.cite.section import CiteSlot, cite_popover, cite_section, highwire_tags, plain_text, section_title
from wmbook.kinds.equation import Equation
from wmbook.kinds.instrument import InstrumentBlock
from wmbook.kinds.quiz import Quiz
from wmbook.model import Diagnostic, SourceLoc
from wmbook.parse.page import parse_page
from wmbook.render.page import add_chapter_header, add_cite_controls

PATH = "docs/ch.md"
FRONT = [
    "---",  # 1
    "title: World Models — JEPA, Genie & Dreamer",  # 2
    "volume: Multimodal & World Models",  # 3
    "chapter: 5",  # 4
    "chapters_in_volume: 6",  # 5
    "level: Advanced",  # 6
    "builds_on: [Multimodal 01–04, RL 05]",  # 7
    "next: Embodied AI",  # 8
    "authors: [wmbook contributors]",  # 9
    "year: 2026",  # 10
    "---",  # 11
]
META = ChapterMeta(
    title="World Models — JEPA, Genie & Dreamer",
    volume="Multimodal & World Models",
    chapter=5,
    chapters_in_volume=6,
    level="Advanced",
    builds_on=("Multimodal 01–04", "RL 05"),
    next="Embodied AI",
    authors=("wmbook contributors",),
    year=2026,
)
PAGE_URL = "https://wmbook.example.org/world-models/"
SITE = "AI Encyclopedia"


def read(front: list[str]) -> tuple[ChapterMeta | None, list[Diagnostic]]:
    text = "\n".join([*front, "", "# Title", ""])
    meta = yaml.safe_load("\n".join(front[1:-1]))
    return read_chapter_meta(meta, text, PATH)


def edited(key: str, line: str | None) -> list[str]:
    """FRONT with the line of ``key`` replaced by ``line`` (or removed when None)."""
    out = []
    for current in FRONT:
        if current.startswith(f"{key}:"):
            if line is not None:
                out.append(line)
        else:
            out.append(current)
    return out


# -- front matter --


def test_valid_front_matter() -> None:
    assert read(FRONT) == (META, [])


def test_next_is_optional() -> None:
    meta, problems = read(edited("next", None))
    assert problems == [] and meta is not None and meta.next == ""


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        (edited("chapter", "chapter: five"), (4, "front matter 'chapter' must be a whole number")),
        (edited("chapter", "chapter: 5.0"), (4, "front matter 'chapter' must be a whole number")),
        (edited("chapter", "chapter: true"), (4, "front matter 'chapter' must be a whole number")),
        (
            edited("chapters_in_volume", "chapters_in_volume: six"),
            (5, "'chapters_in_volume' must be a whole number"),
        ),
        (edited("year", "year: '2026'"), (10, "front matter 'year' must be a whole number")),
        (edited("year", "year: 2026.5"), (10, "front matter 'year' must be a whole number")),
        (edited("title", "title: 5"), (2, "front matter 'title' must be a text")),
        (edited("level", "level: [Advanced]"), (6, "front matter 'level' must be a text")),
        (edited("volume", "volume: ~"), (3, "front matter 'volume' must be a text")),
        (edited("builds_on", "builds_on: RL 05"), (7, "front matter 'builds_on' must be a list of texts")),
        (edited("builds_on", "builds_on: [RL, 5]"), (7, "front matter 'builds_on' must be a list of texts")),
        (
            edited("authors", "authors: wmbook contributors"),
            (9, "front matter 'authors' must be a list of texts"),
        ),
        (edited("authors", "authors: ['']"), (9, "front matter 'authors' must be a list of texts")),
        (edited("next", "next: 6"), (8, "front matter 'next' must be a text")),
        (edited("title", None), (1, "chapter front matter lacks 'title:'")),
        (edited("level", None), (1, "chapter front matter lacks 'level:'")),
        (edited("year", None), (1, "chapter front matter lacks 'year:'")),
        (edited("builds_on", None), (1, "chapter front matter lacks 'builds_on:'")),
        (edited("chapter", "chapter: 7"), (4, "'chapter' must be between 1 and 'chapters_in_volume'")),
        (edited("chapter", "chapter: 0"), (4, "'chapter' must be between 1 and 'chapters_in_volume'")),
    ],
)
def test_invalid_front_matter(front: list[str], expected: tuple[int, str]) -> None:
    meta, problems = read(front)
    assert meta is None
    assert [(p.loc, expected[1] in p.message) for p in problems] == [(SourceLoc(PATH, expected[0]), True)]


def test_every_front_matter_problem_is_reported() -> None:
    front = edited("year", "year: soon")
    front = [line for line in front if not line.startswith("level:")]
    _, problems = read(front)
    assert sorted((p.loc.line, p.message) for p in problems) == [
        (1, "chapter front matter lacks 'level:'"),
        (9, "front matter 'year' must be a whole number"),
    ]


@pytest.mark.parametrize(
    ("meta", "expected"),
    [({"chapter": 1}, True), ({"chapter": None}, True), ({"title": "x"}, False), ({}, False)],
)
def test_is_chapter(meta: dict[str, object], expected: bool) -> None:
    assert is_chapter(meta) is expected


def test_chapter_headings_need_an_id_at_their_line() -> None:
    text = "\n".join(
        [
            *FRONT,  # 1-11
            "",  # 12
            "# Title",  # 13
            "## 5.1 Labelled {#sec-5-1}",  # 14
            "## 5.2 Bare",  # 15
            "```markdown",  # 16
            "## In a fence",  # 17
            "```",  # 18
            "### Level three is fine",  # 19
        ]
    )
    page = parse_page(text, PATH)
    assert page.chapter == META
    assert [(d.loc.line, d.message) for d in page.diagnostics] == [
        (15, "a chapter's ## sections need an explicit id: ## 5.1 Title {#sec-5-1}")
    ]


def test_other_pages_need_no_heading_ids() -> None:
    page = parse_page("---\ntitle: Plain\n---\n\n## Bare\n", PATH)
    assert page.chapter is None and page.diagnostics == ()


# -- cite this section --


@pytest.mark.parametrize(
    ("heading", "title"),
    [
        ("5.1 What a world model is", "§5.1 What a world model is"),
        ("5.2 Latent dynamics — Dreamer", "§5.2 Latent dynamics — Dreamer"),
        ("5.R References", "§5.R References"),
        ("12.3.4 Deep", "§12.3.4 Deep"),
        ("  5 Whole  ", "§5 Whole"),
        ("Next: embodied AI", "Next: embodied AI"),
    ],
)
def test_section_title(heading: str, title: str) -> None:
    assert section_title(heading) == title


def test_cite_section_bibtex() -> None:
    citation = cite_section(META, "5.1 What a world model is", "sec-5-1", PAGE_URL, SITE)
    assert citation.url == "https://wmbook.example.org/world-models/#sec-5-1"
    assert citation.absolute
    # Without script: the known address and no access date (the build's date is not the reader's).
    assert plain_text(citation, citation.bibtex).split("\n") == [
        "@incollection{worldmodels2026sec51,",
        "  author    = {{wmbook contributors}},",
        "  title     = {World Models — JEPA, Genie \\& Dreamer — §5.1 What a world model is},",
        "  booktitle = {AI Encyclopedia: Multimodal \\& World Models},",
        "  publisher = {AI Encyclopedia},",
        "  year      = {2026},",
        "  url       = {https://wmbook.example.org/world-models/#sec-5-1},",
        "}",
    ]
    assert CiteSlot.BIBTEX_DATE in citation.bibtex


def test_cite_section_without_the_sites_address() -> None:
    citation = cite_section(META, "5.1 What a world model is", "sec-5-1", "/world-models/", SITE)
    assert not citation.absolute and citation.url == "/world-models/#sec-5-1"
    html = cite_popover(citation, "5.1 What a world model is")
    # The browser puts the page's real address in place of the path; the date is the reader's.
    assert '<span data-wmbook-cite="url" data-wmbook-anchor="sec-5-1">/world-models/#sec-5-1</span>' in html
    assert '<span data-wmbook-cite="bibtex-date"></span>' in html
    assert '<span data-wmbook-cite="apa-date"></span>' in html
    assert "data-wmbook-fixed" not in html and "example.org" not in html


def test_cite_section_apa() -> None:
    citation = cite_section(META, "5.2 Latent dynamics — Dreamer", "sec-5-2", PAGE_URL, SITE)
    assert plain_text(citation, citation.apa) == (
        "wmbook contributors (2026). World Models — JEPA, Genie & Dreamer — §5.2 Latent dynamics — Dreamer. "
        "In AI Encyclopedia: Multimodal & World Models. AI Encyclopedia. "
        "https://wmbook.example.org/world-models/#sec-5-2"
    )
    assert citation.apa[-2:] == (CiteSlot.APA_DATE, CiteSlot.URL)


@pytest.mark.parametrize(
    ("title", "authors", "bib_title", "bib_author"),
    [
        ("Costs 100% & more", ("Ada Lovelace",), "Costs 100\\% \\& more", "Ada Lovelace"),
        (
            "Tags #1 and $x$ and a_b",
            ("Ada Lovelace", "Team X"),
            "Tags \\#1 and \\$x\\$ and a\\_b",
            "Ada Lovelace and Team X",
        ),
        ("Plain", ("wmbook contributors", "Grace Hopper"), "Plain", "{wmbook contributors} and Grace Hopper"),
    ],
)
def test_cite_section_escapes_bibtex(
    title: str, authors: tuple[str, ...], bib_title: str, bib_author: str
) -> None:
    meta = ChapterMeta(title, "Vol", 1, 2, "Intro", (), "", authors, 2025)
    citation = cite_section(meta, "1.1 Start", "sec-1-1", "https://x.org/p/", "Site")
    bibtex = plain_text(citation, citation.bibtex)
    assert f"  title     = {{{bib_title} — §1.1 Start}}," in bibtex
    assert f"  author    = {{{bib_author}}}," in bibtex
    assert "  url       = {https://x.org/p/#sec-1-1}," in bibtex


def test_cite_popover_is_a_native_popover() -> None:
    citation = cite_section(META, "5.1 What a world model is", "sec-5-1", PAGE_URL, SITE)
    html = cite_popover(citation, "5.1 What a world model is")
    assert html.startswith(
        '<button type="button" class="wmbook-cite-button" data-search-exclude popovertarget="cite-sec-5-1" '
        'aria-label="Cite section §5.1 What a world model is">Cite</button>'
    )
    assert '<section class="wmbook-cite" id="cite-sec-5-1" popover data-search-exclude role="dialog"' in html
    assert 'popovertarget="cite-sec-5-1" popovertargetaction="hide" aria-label="Close"' in html
    for name in ("link", "bibtex", "apa"):
        # The theme's own copy icon (Material's "copy" class), and no second copy button.
        assert f'<div class="wmbook-cite__row" id="cite-sec-5-1-{name}-row">' in html
        assert f'<pre class="wmbook-cite__text copy"><code id="cite-sec-5-1-{name}-text">' in html
    assert "data-copy-from" not in html and html.count("<button") == 2
    assert (
        'data-wmbook-anchor="sec-5-1" data-wmbook-fixed="">https://wmbook.example.org/world-models/#sec-5-1<'
        in html
    )
    assert "Genie \\&amp; Dreamer" in html and "Genie \\& Dreamer" not in html


def test_highwire_tags() -> None:
    meta = ChapterMeta('Say "hi" & go', "Vol", 1, 2, "Intro", (), "", ("Ada Lovelace", "Team X"), 2025)
    tags = re.findall(
        r'<meta name="([^"]+)" content="([^"]*)">', highwire_tags(meta, "https://x.org/p/", "Site")
    )
    assert tags == [
        ("citation_title", "Say &quot;hi&quot; &amp; go"),
        ("citation_author", "Ada Lovelace"),
        ("citation_author", "Team X"),
        ("citation_publication_date", "2025"),
        ("citation_public_url", "https://x.org/p/"),
        ("citation_inbook_title", "Site: Vol"),
        ("citation_book_title", "Site: Vol"),
        ("citation_publisher", "Site"),
    ]
    # Without the site's address there is no public URL to name.
    assert "citation_public_url" not in highwire_tags(meta, "/p/", "Site")


# -- reading time --


@pytest.mark.parametrize(
    ("html", "words"),
    [
        ("", 0),
        ("<p>One two three.</p>", 3),
        ("<p>It's a well-known co-op’s rule</p>", 5),
        ("<p>Fish &amp; chips</p>", 2),
        ("<h1>Title</h1><p>body text</p>", 3),
        (
            '<p>before</p><div class="highlight"><pre><code>x = 1 + 2\nprint(x)</code></pre></div><p>after</p>',
            2,
        ),
        ('<p>a</p><svg role="img"><text>axis label</text></svg><p>b</p>', 2),
        ("<p>a</p><script>var one = two;</script><style>.x { color: red }</style><p>b</p>", 2),
        ("<p>a</p><math><mi>x</mi><mo>+</mo><mi>y</mi></math><p>b</p>", 2),
        ("<p>2.3 and 0.963</p>", 5),
    ],
)
def test_count_words(html: str, words: int) -> None:
    assert count_words(html) == words


def test_count_words_skips_rendered_formulas() -> None:
    katex = (
        '<span class="katex"><span class="katex-mathml"><math><semantics><mrow><mi>x</mi><mo>+</mo><mi>y</mi>'
        '</mrow><annotation encoding="application/x-tex">x+y</annotation></semantics></math></span>'
        '<span class="katex-html" aria-hidden="true"><span class="base"><span class="mord mathnormal">x</span>'
        '<span class="mbin">+</span><span class="mord mathnormal">y</span></span></span></span>'
    )
    assert count_words(f"<p>one {katex} two</p>") == 2


@pytest.mark.parametrize(
    ("words", "minutes"), [(0, 1), (1, 1), (230, 1), (231, 2), (460, 2), (461, 3), (6900, 30), (6901, 31)]
)
def test_reading_minutes(words: int, minutes: int) -> None:
    assert reading_minutes(words) == minutes


# -- the header --

LINKS = HeaderLinks(
    home="..",
    site=SITE,
    instruments=(("MM5.1", "Latent <rollout>", "inst-mm5-1"), ("MM5.2", "Pixels", "inst-mm5-2")),
    next_url="../embodied/",
    builds_on=(("Multimodal 01–04", None), ("RL 05", "../rl-05/")),
)


def test_header_contents() -> None:
    header = chapter_header(META, LINKS, words=461)
    crumbs = breadcrumb(META, LINKS)
    assert crumbs.startswith(
        '<nav class="wmbook-breadcrumb" aria-label="Breadcrumb"><ol><li><a href="..">AI Encyclopedia</a></li>'
    )
    assert "wmbook-breadcrumb" not in header
    assert (
        '<li>Multimodal &amp; World Models</li><li>05</li><li aria-current="page">World Models — JEPA, Genie &amp; Dreamer</li>'
        in crumbs
    )
    assert "Multimodal &amp; World Models · </span>Chapter 05 / 06" in header
    assert "<dt>Level</dt><dd>Advanced</dd>" in header
    assert '<dt>Reading time</dt><dd><span class="wmbook-reading-time">≈ 3 min</span></dd>' in header
    # A chapter the book has is a link; one not written yet is named without one.
    assert '<dt>Builds on</dt><dd>Multimodal 01–04 · <a href="../rl-05/">RL 05</a></dd>' in header
    assert (
        '<dt>Instruments</dt><dd><a href="#inst-mm5-1">MM5.1 Latent &lt;rollout&gt;</a> · '
        '<a href="#inst-mm5-2">MM5.2 Pixels</a></dd>'
    ) in header
    assert '<dt>Next</dt><dd><a href="../embodied/">Embodied AI</a></dd>' in header


@pytest.mark.parametrize(
    ("next_title", "next_url", "shown"),
    [
        ("Embodied AI", "../embodied/", '<dt>Next</dt><dd><a href="../embodied/">Embodied AI</a></dd>'),
        (
            "Embodied AI",
            None,
            '<dt>Next</dt><dd>Embodied AI <span class="wmbook-forthcoming">(forthcoming)</span></dd>',
        ),
        ("", None, None),
        ("", "../ignored/", None),
    ],
)
def test_header_next_chapter(next_title: str, next_url: str | None, shown: str | None) -> None:
    meta = ChapterMeta(**{**msgspec.structs.asdict(META), "next": next_title})
    header = chapter_header(meta, HeaderLinks("..", SITE, (), next_url), words=10)
    assert "<dt>Instruments</dt><dd>none</dd>" in header
    if shown is None:
        assert "<dt>Next</dt>" not in header
    else:
        assert shown in header


def test_breadcrumb_above_the_title_header_after_it() -> None:
    content = '<p>x</p><h1 id="t">Title</h1>\n<p>word</p>'
    html = add_chapter_header(content, META, LINKS)
    assert html.startswith('<p>x</p><nav class="wmbook-breadcrumb"')
    assert '</ol></nav><h1 id="t">Title</h1><header class="wmbook-chapter-header">' in html
    assert html.endswith("</header>\n<p>word</p>")
    assert add_chapter_header("<p>no title</p>", META, LINKS).startswith('<nav class="wmbook-breadcrumb"')


def test_cite_controls_follow_headings_with_ids_only() -> None:
    text = "\n".join([*FRONT, "", "# T", "## 5.1 One {#sec-5-1}", "## 5.2 Two {#sec-5-2}"])
    page = parse_page(text, PATH)
    content = (
        '<h1 id="t">T</h1><h2 id="sec-5-1">5.1 One</h2><p>a</p>'
        '<h2 id="sec-5-2">5.2 Two<a class="headerlink" href="#sec-5-2">¶</a></h2>'
        '<h2 id="other">Made elsewhere</h2>'
    )
    html = add_cite_controls(content, META, page.headings, PAGE_URL, SITE)
    assert re.findall(r'popovertarget="(cite-[\w-]+)" aria-label', html) == ["cite-sec-5-1", "cite-sec-5-2"]
    assert '¶</a></h2><button type="button" class="wmbook-cite-button"' in html
    assert "cite-other" not in html


# -- the book's chapter, read without running it ------------------------------------------------

REPO_CHAPTER = Path(__file__).resolve().parents[2] / "docs" / "world-models.md"


@pytest.fixture(scope="module")
def chapter() -> ParsedPage:
    return parse_page(REPO_CHAPTER.read_text(encoding="utf-8"), "docs/world-models.md")


def test_chapter_parses_cleanly(chapter: ParsedPage) -> None:
    assert not chapter.diagnostics


def test_chapter_has_numbered_figures_each_linked_from_the_prose(chapter: ParsedPage) -> None:
    figures = [b.figure for b in chapter.blocks_of(CodeBlock) if b.figure is not None]
    assert len(figures) >= 6
    assert [f.label for f in figures] == [f"Figure 5.{n}" for n in range(1, len(figures) + 1)]
    assert all(b.options.caption for b in chapter.blocks_of(CodeBlock) if b.figure is not None)
    linked = {anchor for _, anchor in chapter.figure_links}
    assert {f.anchor for f in figures} <= linked


@pytest.mark.parametrize(
    ("label", "equation"), [("MM5.1", "eq-mm5-1"), ("MM5.2", "eq-mm5-3"), ("MM5.3", "eq-mm5-5")]
)
def test_every_instrument_caption_links_the_equation_it_shows(
    chapter: ParsedPage, label: str, equation: str
) -> None:
    (instrument,) = [i for i in chapter.blocks_of(InstrumentBlock) if i.label == label]
    assert f"](#{equation})" in "\n".join(instrument.content)
    assert equation in {e.anchor for e in chapter.blocks_of(Equation)}


def test_every_section_has_a_quiz_and_most_quizzes_are_checked(chapter: ParsedPage) -> None:
    starts = [
        (h.loc.line, h.anchor)
        for h in chapter.headings
        if h.anchor.startswith("sec-5-") and h.anchor != "sec-5-r"
    ]
    bounds = [*(line for line, _ in starts[1:]), 10**9]
    for (start, anchor), end in zip(starts, bounds, strict=True):
        assert any(start < q.loc.line < end for q in chapter.blocks_of(Quiz)), anchor
    assert sum(q.check is not None for q in chapter.blocks_of(Quiz)) >= len(chapter.blocks_of(Quiz)) - 3


def _expected(chapter: ParsedPage) -> str:
    return "\n".join(o.text for o in chapter.blocks_of(ExpectedOutput))


@pytest.mark.parametrize(
    "line",
    [
        # 5.1: the true system contracts; the learned slow mode is too small, not too large
        "|eigenvalues| of A_true: 0.994 0.904 0.904",
        "|eigenvalues| of A_hat : 0.990 0.910 0.910",
        "over seeds 0-19: min 1.14, median 1.73, max 5.65",
        # 5.2: learning in imagination; with the learned model the real return turns after H = 20
        " 20 |                 -10.649  -7.709 |                -6.718  -7.677",
        " 40 |                 -21.029  -7.865 |                -6.614  -7.644",
        # 5.3: the read-out's own error, with and without noise
        "read-out RMSE on the test frames: noisy 0.206, noise-free 0.175",
        # 5.5: open loop gets worse with N at eps = 0.4; re-planning does not
        " 0.4    64 |               -19.6   -31.5   11.9  1.57 |             -15.9  0.54",
        " 0.4   512 |               -13.9   -33.4   19.5  1.77 |             -13.4  0.48",
        # 5.5: the model is pessimistic about random plans
        "19200 random plans: mean imagined -62.4, mean real -55.8",
    ],
)
def test_corrected_numbers_are_pinned_by_expected_outputs(chapter: ParsedPage, line: str) -> None:
    assert line in _expected(chapter).split("\n")


@pytest.mark.parametrize(
    ("wrong", "right"),
    [
        ("as likely to be underrated", "*not* as likely to be underrated"),
        ("amplified by the dynamics", "the learned model is not amplifying anything"),
        ("about 200,000 hours", "over 200,000 hours"),
        ("over 20 frames per second", "at 20 frames per second"),
        ("part of every working JEPA", "SIGReg"),
        ("heads toward 100%", "is the program's share of the linear pixel loss that is noise"),
        ("a better training signal", "measures it for one fixed encoder"),
    ],
)
def test_corrected_claims(wrong: str, right: str) -> None:
    text = REPO_CHAPTER.read_text(encoding="utf-8")
    assert right in text
    assert wrong not in text.replace(right, "")
