"""Reader blocks end to end: fixture books with quizzes, equations, instruments, citations and math."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from .conftest import SiteBuild, copy_fixture
from .test_engine import _ModuleCaplog

BUILD_DATE_EPOCH = "1735689600"  # 2025-01-01: the build date (sitemap), which cite texts never show


def _build(name: str, tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    root = copy_fixture(name, tmp_path_factory.mktemp(name))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", BUILD_DATE_EPOCH)
        patch.delenv("WMBOOK_ACCEPT", raising=False)
        return _ModuleCaplog().build(root)


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    return _build("reader_good", tmp_path_factory)


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    return _build("reader_bad", tmp_path_factory)


@pytest.fixture(scope="module")
def chapter(good: SiteBuild) -> str:
    return good.html("chapter")


def _article(html: str) -> str:
    start = html.index("<article")
    return html[start : html.index("</article>", start)]


def _head(html: str) -> str:
    return html[: html.index("</head>")]


def _quizzes(html: str) -> list[str]:
    return re.findall(r'<section [^>]*class="wmbook-quiz".*?</section>', html, re.DOTALL)


def _without_annotations(html: str) -> str:
    return re.sub(r"<annotation\b.*?</annotation>", "", html, flags=re.DOTALL)


# -- the good book --


def test_good_book_builds_without_problems(good: SiteBuild) -> None:
    assert not good.failed, good.messages
    assert "wmbook" not in good.messages, good.messages
    assert "sessions: 1 run" in good.info  # type: ignore[attr-defined]


def test_three_quiz_kinds(chapter: str) -> None:
    quizzes = _quizzes(chapter)
    assert [re.search(r'data-kind="(\w+)"', q)[1] for q in quizzes] == ["truefalse", "numeric", "choice"]  # type: ignore[index]
    truefalse, numeric, choice = quizzes
    assert re.findall(r'<input type="radio" name="value" value="(\w+)"', truefalse) == ["true", "false"]
    assert 'data-answer="true"' in truefalse
    assert 'type="text" inputmode="decimal"' in numeric and 'type="radio"' not in numeric
    assert 'data-answer="2.3"' in numeric and 'data-tol="0.05"' in numeric
    # Graded around the value its check computed, filled in once the session ran.
    assert "data-wmbook-centre" not in chapter
    assert re.findall(r'<input type="radio" name="value" value="(\w+)"', choice) == [
        "pixel",
        "embedding",
        "token",
    ]
    assert 'id="quiz-space"' in choice
    for number, quiz in enumerate(quizzes, start=1):
        assert f">Quiz {number}</a>" in quiz
        assert '<form class="wmbook-quiz__form"' in quiz
        assert '<button type="submit" class="md-button wmbook-quiz__check">Check</button>' in quiz
        assert '<p class="wmbook-quiz__feedback" role="status" aria-live="polite"></p>' in quiz
        assert re.search(r'<details class="wmbook-quiz__explanation">\s*<summary>Explanation</summary>', quiz)


def test_quiz_question_and_explanation_are_markdown(chapter: str) -> None:
    truefalse, numeric, choice = _quizzes(chapter)
    assert "<p>True or false: x is above 2.</p>" in truefalse
    assert "<p>The program computes x = 2.3.</p>" in truefalse
    assert "<strong>embedding</strong>" in choice
    assert 'class="katex"' in numeric.split("<summary>")[1]  # math inside the explanation


def test_equations_have_anchors_and_links(chapter: str) -> None:
    article = _article(chapter)
    for anchor, label in (("eq-t2-1", "EQ T2.1"), ("eq-t2-2", "EQ T2.2")):
        assert f'<div class="wmbook-equation" id="{anchor}">' in article
        assert f'<a class="wmbook-anchor" href="#{anchor}">{label}</a>' in article
        assert f'<a href="#{anchor}">{label}</a>' in article
    assert "— Euler&#x27;s identity</p>" in article
    equation = article[article.index('id="eq-t2-1"') : article.index('id="eq-t2-2"')]
    assert (
        '<div class="wmbook-math wmbook-math--display" tabindex="0"><span class="katex-display">' in equation
    )
    assert "The caption names the legs" in equation


def test_math_is_rendered_at_build_time(good: SiteBuild, chapter: str) -> None:
    article = _article(chapter)
    assert article.count('<span class="katex">') == 6  # 4 inline, 2 display
    assert "arithmatex" not in article
    visible = _without_annotations(article)
    for raw in ("$$", "\\mathrm", "\\(", "\\[", "\\pi"):
        assert raw not in visible, raw
    assert 'href="../assets/wmbook/katex/katex.min.css"' in _head(chapter)
    fonts = good.site / "assets" / "wmbook" / "katex" / "fonts"
    assert (fonts / "KaTeX_Main-Regular.woff2").is_file()
    assert len(list(fonts.glob("*.woff2"))) == 20
    assert (good.site / "assets" / "wmbook" / "katex" / "katex.min.css").is_file()


def test_citations_and_reference_list(chapter: str) -> None:
    article = _article(chapter)
    assert (
        'Engines compute <span class="wmbook-citation">[<a class="wmbook-citation__link" href="#ref-alpha2020">1</a>]</span>'
        in article
    )
    assert (
        '<a class="wmbook-citation__link" href="#ref-beta2021">2</a>, <a class="wmbook-citation__link" href="#ref-alpha2020">1</a>]'
        in article
    )
    assert "<code>[@alpha2020]</code>" in article  # inline code stays literal
    assert "[@alpha2020] and [@not-a-key] are not citations here." in article  # so does a fence
    items = re.findall(r'<li id="ref-([\w-]+)" value="(\d+)">(.*?)</li>', article)
    assert [(key, number) for key, number, _ in items] == [("alpha2020", "1"), ("beta2021", "2")]
    alpha, beta = (text for _, _, text in items)
    assert alpha.startswith(
        "Lovelace, A., &amp; Babbage, C. (2020). Engines of Analysis. <em>Journal of Difference</em>."
    )
    assert '<a href="https://doi.org/10.1234/jd.2020.7">doi:10.1234/jd.2020.7</a>' in alpha
    assert beta == (
        'Turing, A. M. (2021). Computable Numbers, Revisited. <a href="https://arxiv.org/abs/2101.00001">'
        "arXiv:2101.00001</a>"
    )


def test_chapter_header(chapter: str) -> None:
    header = re.search(r'<header class="wmbook-chapter-header">.*?</header>', chapter, re.DOTALL)
    assert header is not None
    text = header[0]
    assert chapter.index("</h1>") < chapter.index('<header class="wmbook-chapter-header">')
    crumbs = re.search(r'<nav class="wmbook-breadcrumb".*?</nav>', chapter, re.DOTALL)
    assert crumbs is not None and crumbs.end() <= chapter.index("<h1")  # above the title
    assert '<li><a href="../">Fixture reader book</a></li><li>Test Volume</li><li>02</li>' in crumbs[0]
    assert '<li aria-current="page">Fixture Worlds — Models &amp; Plans</li>' in crumbs[0]
    assert '<span class="wmbook-chapter-volume">Test Volume · </span>Chapter 02 / 03' in text
    assert "<dt>Level</dt><dd>Intermediate</dd>" in text
    assert re.search(r'<dt>Reading time</dt><dd><span class="wmbook-reading-time">≈ [12] min</span>', text)
    assert '<dt>Builds on</dt><dd>Chapter 01 · <a href="../edge/">Edge cases</a></dd>' in text
    assert '<dt>Instruments</dt><dd><a href="#inst-t2-1">T2.1 Latent rollout</a></dd>' in text
    assert '<dt>Next</dt><dd><a href="../robots/">Robots and Bodies</a></dd>' in text
    assert 'id="inst-t2-1"' in chapter


def test_cite_popover_for_every_section(chapter: str) -> None:
    anchors = ["sec-2-1", "sec-2-2", "sec-2-3", "sec-2-r"]
    assert re.findall(r'<h2 id="(sec-[\w-]+)"', chapter) == anchors
    for anchor in anchors:
        assert (
            f'<button type="button" class="wmbook-cite-button" data-search-exclude popovertarget="cite-{anchor}"'
            in chapter
        )
        assert (
            f'<section class="wmbook-cite" id="cite-{anchor}" popover data-search-exclude role="dialog"'
            in chapter
        )
    bibtex = re.search(r'<code id="cite-sec-2-1-bibtex-text">(.*?)</code>', chapter, re.DOTALL)
    assert bibtex is not None
    # The book names its address, so the link is fixed; the access date is the reader's (filled in
    # by the page's script), never the build's.
    assert (
        '<span data-wmbook-cite="url" data-wmbook-anchor="sec-2-1" data-wmbook-fixed="">'
        "https://book.example.org/chapter/#sec-2-1</span>"
    ) in bibtex[1]
    assert '<span data-wmbook-cite="bibtex-date"></span>' in bibtex[1]
    assert re.sub(r"<[^>]+>", "", bibtex[1]).split("\n") == [
        "@incollection{fixtureworlds2025sec21,",
        "  author    = {Ada Lovelace and {wmbook contributors}},",
        "  title     = {Fixture Worlds — Models \\&amp; Plans — §2.1 Two equations},",
        "  booktitle = {Fixture reader book: Test Volume},",
        "  publisher = {Fixture reader book},",
        "  year      = {2025},",
        "  url       = {https://book.example.org/chapter/#sec-2-1},",
        "}",
    ]
    assert "Cite §2.R References" in chapter


def test_citation_meta_tags_only_on_chapters(good: SiteBuild, chapter: str) -> None:
    tags = re.findall(r'<meta name="(citation_\w+)" content="([^"]*)">', _head(chapter))
    assert tags == [
        ("citation_title", "Fixture Worlds — Models &amp; Plans"),
        ("citation_author", "Ada Lovelace"),
        ("citation_author", "wmbook contributors"),
        ("citation_publication_date", "2025"),
        ("citation_public_url", "https://book.example.org/chapter/"),
        ("citation_inbook_title", "Fixture reader book: Test Volume"),
        ("citation_book_title", "Fixture reader book: Test Volume"),
        ("citation_publisher", "Fixture reader book"),
    ]
    for page in ("", "robots", "edge"):
        html = good.html(page)
        assert "citation_title" not in html
        assert "wmbook-chapter-header" not in html
        assert "wmbook-cite-button" not in html


def test_quiz_checks_ran_in_the_page_session(chapter: str) -> None:
    assert "<pre><code>x = 2.3</code></pre>" in chapter


def test_caption_citations_are_linked(good: SiteBuild) -> None:
    edge = _article(good.html("edge"))
    assert re.search(r'<div class="wmbook-instrument-caption".*?href="#ref-gamma2022"', edge, re.DOTALL)
    assert "Hopper, G. (2022). Compilers &amp; Bugs. <em>Web page</em>." in edge


def test_numbers_follow_first_citation_across_instrument_captions(good: SiteBuild) -> None:
    edge = _article(good.html("edge"))
    assert re.findall(r'<li id="ref-([\w-]+)" value="(\d+)">', edge) == [
        ("alpha2020", "1"),
        ("gamma2022", "2"),
    ]


def test_quiz_ids_are_unique_on_a_page(good: SiteBuild) -> None:
    ids = re.findall(r' id="([^"]+)"', good.html("edge"))
    assert [name for name, count in Counter(ids).items() if count > 1] == []


# -- the bad book: one problem per page, every one reported by one build --

BAD = [
    (
        "quiz_wrong",
        7,
        "the quiz's answer is 2.3 but its check computes 2.4 (tolerance 0.05); fix the answer or the check",
    ),
    ("quiz_typo", 4, "unknown quiz option 'answr' (known options: answer, check, tol, choices, session, id)"),
    ("quiz_typo", 3, "this quiz has no 'answer:' option"),
    ("quiz_nonbool", 3, "the check must compute True or False for a true/false quiz, not 1"),
    ("quiz_raises", 9, "the quiz's check failed: KeyError: 'b'"),
    ("eq_duplicate", 9, "EQ D1 is already the label of the equation at docs/eq_duplicate.md:3"),
    ("eq_link", 10, "link to #eq-l9, but this page has no such equation (equations: eq-l1)"),
    ("cite_unknown", 5, "unknown citation key 'nosuchkey2099'; add it to docs/references.bib or fix the key"),
    ("cite_no_list", 3, "this page cites works but has no reference list"),
    ("block_unknown", 3, "unknown block 'qiuz' (known blocks: quiz, equation, instrument, references)"),
    (
        "instrument_unknown",
        4,
        "unknown instrument 'latent_rolout' (known instruments: imagined_planner, latent_rollout, pixel_vs_embedding)",
    ),
    ("chapter_meta", 4, "front matter 'chapter' must be a whole number"),
    ("chapter_heading", 18, "a chapter's ## sections need an explicit id"),
    ("math_error", 5, "math does not render: KaTeX parse error"),
]


# The bibliography's own problems, at its lines.
BAD_BIB = [
    (
        31,
        "'delta2023' is related to 'epsilon2099', which is not in the bibliography; add an entry with that key or fix related",
    ),
    (32, "unknown relatedtype 'alsoas' of 'delta2023' (known: origpubas, origpubin, reprintas,"),
]


def test_bad_book_fails_with_every_error_counted(bad: SiteBuild) -> None:
    assert bad.failed
    assert f"wmbook found {len(BAD) + len(BAD_BIB)} errors in the book:" in bad.messages


@pytest.mark.parametrize(("line", "message"), BAD_BIB)
def test_bad_bibliography_reports_each_problem_at_its_line(bad: SiteBuild, line: int, message: str) -> None:
    assert f"docs/references.bib:{line}: {message}" in bad.messages


@pytest.mark.parametrize(("page", "line", "message"), BAD, ids=[f"{p}:{n}" for p, n, _ in BAD])
def test_bad_book_reports_each_problem_at_its_line(
    bad: SiteBuild, page: str, line: int, message: str
) -> None:
    assert f"docs/{page}.md:{line}: {message}" in bad.messages


def test_raising_check_shows_its_traceback_at_the_check_line(bad: SiteBuild) -> None:
    report = bad.messages[bad.messages.index("docs/quiz_raises.md:9:") :]
    assert 'File "docs/quiz_raises.md", line 9, in <module>' in report
    assert "KeyError: 'b'" in report.split("Traceback (most recent call last):")[1]


def test_no_error_for_correct_neighbours(bad: SiteBuild) -> None:
    lines = [line for line in bad.messages.splitlines() if re.match(r"docs/[\w]+\.md:\d+: ", line)]
    assert len(lines) == len(BAD)
    assert "docs/cite_unknown.md:3:" not in bad.messages  # the known key on the line before
    assert "docs/eq_link.md:9:" not in bad.messages  # the link to the equation that exists
    assert "docs/chapter_heading.md:14:" not in bad.messages  # the heading that has an id
    assert "docs/math_error.md:3:" not in bad.messages  # the formula that renders


def test_broken_pages_still_render(bad: SiteBuild) -> None:
    assert '<code class="wmbook-math-error">\\frac{1}{</code>' in bad.html("math_error")
    assert "A quiz whose check disagrees" in bad.html("quiz_wrong")
