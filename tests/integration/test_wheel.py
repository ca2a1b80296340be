"""The built wheel, installed into a fresh environment, builds a book that is not this repository's.

The book (tests/fixtures/foreign) uses wmbook only as ``plugins: [search, tags, wmbook]``, keeps its
pages in ``content/`` and has ``use_directory_urls: false``. The rebuilds check the cache key:
a new unrelated distribution runs nothing, another numpy version re-runs exactly the sessions
that imported numpy, and an edit of the installed engine re-runs every session.
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

import pytest

from wheel_book import BookBuild, WheelBook, package_files, parse_page, resolve

pytestmark = pytest.mark.wheel

PAGES = ("index.html", "basics/coins.html", "basics/equations.html", "appendix/sources.html")
NUMPY_SESSIONS = {("content/basics/coins.md", "main"), ("content/basics/equations.md", "main")}
OTHER_SESSIONS = {("content/index.md", "main"), ("content/basics/coins.md", "pure")}
ALL_SESSIONS = NUMPY_SESSIONS | OTHER_SESSIONS
EQUATION_ANCHORS = ("eq-1", "eq-a-1", "eq-gd2-3", "eq-mm5-1")
CITED = ("bernoulli1713", "laplace1812", "kolmogorov1933", "feller1968")
KATEX_CSS = "assets/wmbook/katex/katex.min.css"


def _wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def _tag_with_class(text: str, tag: str, css_class: str) -> list[str]:
    """Opening tags ``<tag ...>`` whose class attribute holds ``css_class``."""
    found = re.findall(rf"<{tag}\b[^>]*>", text)
    return [t for t in found if re.search(rf'class="[^"]*(?<![\w-]){re.escape(css_class)}(?![\w-])', t)]


# --- the wheel -------------------------------------------------------------------------------


def test_wheel_holds_every_file_of_the_package(wheel_book: WheelBook) -> None:
    names = _wheel_names(wheel_book.wheel)
    packaged = {n for n in names if n.startswith("wmbook/")}
    expected = package_files(wheel_book.source / "src" / "wmbook")
    assert not expected - packaged, (
        f"files of src/wmbook missing from the wheel: {sorted(expected - packaged)}"
    )
    assert not packaged - expected, f"files in the wheel that src/wmbook lacks: {sorted(packaged - expected)}"
    assert not [n for n in names if n.endswith(".pyc") or "__pycache__" in n]


def test_wheel_holds_katex_fonts_licence_and_scripts(wheel_book: WheelBook) -> None:
    names = _wheel_names(wheel_book.wheel)
    katex = wheel_book.source / "src" / "wmbook" / "assets" / "katex"
    fonts = sorted(p.name for p in (katex / "fonts").glob("*.woff2"))
    assert len(fonts) >= 20, fonts  # KaTeX's full set of woff2 faces
    for font in fonts:
        assert f"wmbook/assets/katex/fonts/{font}" in names
    for name in ("LICENSE", "katex.min.css", "katex.min.js"):
        assert f"wmbook/assets/katex/{name}" in names
    # Every woff2 face the stylesheet asks for is shipped.
    css = (katex / "katex.min.css").read_text(encoding="utf-8")
    wanted = set(re.findall(r"url\(fonts/([^)]+\.woff2)\)", css))
    assert wanted, "katex.min.css names no woff2 font"
    assert {f"wmbook/assets/katex/fonts/{w}" for w in wanted} <= names
    assert "wmbook/math/katex_render.js" in names
    assert [n for n in names if n.startswith("wmbook/instruments/") and n.endswith(".js")]
    assert [n for n in names if n.startswith("wmbook/instruments/") and n.endswith(".css")]


def test_wheel_carries_its_licence(wheel_book: WheelBook) -> None:
    with zipfile.ZipFile(wheel_book.wheel) as archive:
        names = archive.namelist()
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        text = archive.read(metadata).decode()
        licences = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        assert licences, names
        assert archive.read(licences[0]).decode().startswith("MIT License")
    assert "License-Expression: MIT" in text
    assert "License-File: LICENSE" in text


def test_wheel_declares_the_plugin_and_instruments(wheel_book: WheelBook) -> None:
    with zipfile.ZipFile(wheel_book.wheel) as archive:
        entry_points = next(
            archive.read(n).decode() for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt")
        )
    assert re.search(r"\[mkdocs\.plugins\]\s*wmbook\s*=\s*wmbook\.plugin_entry:WmbookPlugin", entry_points)
    for name in ("latent_rollout", "pixel_vs_embedding", "imagined_planner"):
        assert re.search(rf"^{name}\s*=\s*wmbook\.instruments\.{name}:INSTRUMENT$", entry_points, re.M)
    for name in ("code", "output", "quiz", "equation", "instrument", "references", "tree"):
        assert re.search(rf"^{name}\s*=\s*wmbook\.kinds\.{name}:KIND$", entry_points, re.M)


def test_environment_uses_the_installed_wheel(wheel_book: WheelBook) -> None:
    package = wheel_book.installed_package()
    assert package.is_relative_to(wheel_book.venv), f"wmbook imported from {package}, not the environment"
    assert (package / "assets" / "katex" / "fonts" / "KaTeX_Main-Regular.woff2").is_file()
    code = (
        "from importlib.metadata import entry_points; "
        "plugin = entry_points(group='mkdocs.plugins')['wmbook'].load(); "
        "names = sorted(ep.name for ep in entry_points(group='wmbook.instruments')); "
        "[ep.load() for ep in entry_points(group='wmbook.instruments')]; "
        "print(plugin.__module__, plugin.__name__, *names)"
    )
    assert wheel_book.python_output(code).split() == [
        "wmbook.plugin",
        "WmbookPlugin",
        "imagined_planner",
        "latent_rollout",
        "pixel_vs_embedding",
    ]


# --- the first build -------------------------------------------------------------------------


def test_book_builds_strict(wheel_book: WheelBook) -> None:
    first = wheel_book.first
    first.require_success()
    assert not re.search(r"^(WARNING|ERROR)\b", first.run.output, re.M), first.run.output
    for page in PAGES:
        assert (first.site / page).is_file(), f"{page} was not built"
    assert not (first.site / "basics" / "coins" / "index.html").exists()


def test_first_build_runs_every_session(wheel_book: WheelBook) -> None:
    first = wheel_book.first
    summary = first.summary()
    assert set(first.sessions()) == ALL_SESSIONS
    assert summary["sessions"] == len(ALL_SESSIONS)
    assert summary["executed"] == len(ALL_SESSIONS), summary
    assert summary["cached"] == 0, summary
    assert summary["failed"] == 0, summary
    assert not any(entry["failed"] for entry in first.sessions().values())


def test_outputs_are_embedded(wheel_book: WheelBook) -> None:
    coins = wheel_book.first.html("basics/coins.html")
    boxes = _tag_with_class(coins, "div", "wmbook-output--ok")
    assert len(boxes) >= 4, f"expected an output box per block, found {len(boxes)}"
    assert '<span class="wmbook-output__title">Output</span>' in coins
    assert not _tag_with_class(coins, "div", "wmbook-output--error")
    for text in ("share of heads: 0.5008", "after 100000 flips: 0.501", "= 3/8", "0.375"):
        assert text in coins, f"{text!r} is not on the coins page"
    assert "2 faces: heads, tails" in wheel_book.first.html("index.html")
    assert "P(two heads) ~ 0.25" in wheel_book.first.html("basics/equations.html")


def test_all_three_python_fences_run(wheel_book: WheelBook) -> None:
    coins = wheel_book.first.html("basics/coins.html")
    # ```py gave "share of heads", ```python the running shares, ```python3 the exact count.
    for printed in ("share of heads: 0.5008", "after 10 flips: 0.500", "8 outcomes"):
        position = coins.find(printed)
        assert position >= 0, f"{printed!r} was not printed"
        box_start = coins.rfind("wmbook-output", 0, position)
        assert box_start >= 0 and "<pre" in coins[box_start:position], f"{printed!r} is not in an output box"


def test_figure_is_embedded(wheel_book: WheelBook) -> None:
    coins = wheel_book.first.html("basics/coins.html")
    # A figure may carry a minimum width (so its text stays readable on a phone).
    figures = re.findall(r'<figure class="wmbook-figure"(?: style="[^"]*")?>(.*?)</figure>', coins, re.S)
    assert len(figures) == 1, f"expected the one plot_xy figure, found {len(figures)}"
    assert "<svg" in figures[0]
    assert "Running share of heads" in figures[0]
    assert coins.index("after 100000 flips") < coins.index('<figure class="wmbook-figure"')


def test_math_is_rendered_with_katex(wheel_book: WheelBook) -> None:
    first = wheel_book.first
    equations = first.html("basics/equations.html")
    assert equations.count('<span class="katex">') >= 5  # inline math and four display equations
    assert "katex-display" in equations
    page = "basics/equations.html"
    stylesheets = [url for tag, url in parse_page(equations).urls if tag == "link" and "katex" in url]
    assert any(resolve(page, url) == (KATEX_CSS, "") for url in stylesheets), stylesheets
    css = (first.site / KATEX_CSS).read_text(encoding="utf-8")
    fonts = set(re.findall(r"url\(fonts/([^)]+\.woff2)\)", css))
    assert fonts
    for font in fonts:
        assert (first.site / "assets" / "wmbook" / "katex" / "fonts" / font).is_file(), font


def test_equation_anchors_and_links(wheel_book: WheelBook) -> None:
    equations = wheel_book.first.html("basics/equations.html")
    parsed = parse_page(equations)
    for anchor in EQUATION_ANCHORS:
        assert anchor in parsed.ids, f"no element has id {anchor!r}"
        assert ("a", f"#{anchor}") in parsed.urls, f"no link to #{anchor}"


def test_citations_and_reference_list(wheel_book: WheelBook) -> None:
    sources = wheel_book.first.html("appendix/sources.html")
    assert (
        '<span class="wmbook-citation">[<a class="wmbook-citation__link" href="#ref-bernoulli1713">1</a>]</span>'
        in sources
    )
    assert '<ol class="wmbook-references">' in sources
    listed = re.findall(r'<li id="ref-([\w-]+)"', sources)
    assert listed == list(CITED), listed  # in order of first citation; the uncited work is left out
    parsed = parse_page(sources)
    for key in CITED:
        assert ("a", f"#ref-{key}") in parsed.urls
    assert "Grundbegriffe der Wahrscheinlichkeitsrechnung" in sources
    assert "[@" not in sources


def test_reference_list_decodes_latex_accents(wheel_book: WheelBook) -> None:
    # references.bib writes Laplace's title the BibTeX way: Th{\'e}orie analytique des probabilit{\'e}s.
    sources = wheel_book.first.html("appendix/sources.html")
    entry = re.search(r'<li id="ref-laplace1812"[^>]*>(.*?)</li>', sources, re.S)
    assert entry, "Laplace's work is not in the reference list"
    text = html.unescape(re.sub(r"<[^>]+>", "", entry.group(1)))
    assert "Théorie analytique des probabilités" in text, text
    assert "\\" not in text, text


def test_tags_plugin_still_works(wheel_book: WheelBook) -> None:
    index = wheel_book.first.html("index.html")
    assert "md-tag" in index
    assert "probability" in index and "introduction" in index


def test_chapter_header_links_use_html_urls(wheel_book: WheelBook) -> None:
    page = "basics/coins.html"
    coins = wheel_book.first.html(page)
    header = re.search(r'<header class="wmbook-chapter-header">(.*?)</header>', coins, re.S)
    assert header, "the chapter page has no chapter header"
    # The breadcrumb stands above the title, the rest of the header under it.
    crumbs = re.search(r'<nav class="wmbook-breadcrumb"[^>]*>(.*?)</nav>', coins, re.S)
    assert crumbs, "the chapter page has no breadcrumb"
    links = re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', crumbs.group(1) + header.group(1), re.S)
    targets = {resolve(page, href): re.sub(r"<[^>]+>", "", text).strip() for href, text in links}
    assert ("index.html", "") in targets, f"the breadcrumb does not lead home: {links}"
    assert targets.get(("basics/equations.html", "")) == "The Laws of Chance in Symbols", (
        f"next: does not link the page with that H1: {links}"
    )
    for section in ("sec-1-1", "sec-1-2"):
        assert section in parse_page(coins).ids


def test_every_link_resolves(wheel_book: WheelBook) -> None:
    site = wheel_book.first.site
    pages = wheel_book.first.pages()
    assert set(PAGES) <= set(pages)
    ids = {page: parse_page((site / page).read_text(encoding="utf-8")).ids for page in pages}
    broken: list[str] = []
    for page in pages:
        for tag, url in parse_page((site / page).read_text(encoding="utf-8")).urls:
            target = resolve(page, url)
            if target is None:
                continue
            path, fragment = target
            if not (site / path).is_file():
                broken.append(f"{page}: <{tag}> {url} → {path} is not a file of the site")
            elif fragment and path.endswith(".html") and fragment not in ids.get(path, set()):
                broken.append(f"{page}: <{tag}> {url} → {path} has no id {fragment!r}")
    assert not broken, "\n".join(broken)


# --- rebuilds: what the cache keeps ----------------------------------------------------------


@pytest.fixture(scope="module")
def after_six(wheel_book: WheelBook) -> BookBuild:
    """The book rebuilt after installing a distribution that no session imports."""
    wheel_book.first.require_success()
    before = wheel_book.distributions()
    assert "six" not in before, "six is already installed; pick another unrelated distribution"
    wheel_book.pip("install", "six")
    assert set(wheel_book.distributions()) - set(before) == {"six"}
    return wheel_book.build("site-six")


@pytest.fixture(scope="module")
def after_numpy(wheel_book: WheelBook, after_six: BookBuild) -> tuple[BookBuild, str, str]:
    """The book rebuilt after installing an older numpy: (build, old version, new version)."""
    after_six.require_success()
    before = wheel_book.distributions()
    old = before["numpy"]
    major, minor = (int(part) for part in old.split(".")[:2])
    below = f"{major}.{minor}" if minor else f"{major}"
    wheel_book.pip("install", f"numpy>=1.26,<{below}")
    after = wheel_book.distributions()
    changed = {name for name in set(before) | set(after) if before.get(name) != after.get(name)}
    assert changed == {"numpy"}, f"installing numpy changed {changed}"
    return wheel_book.build("site-numpy"), old, after["numpy"]


@pytest.fixture(scope="module")
def after_engine_edit(wheel_book: WheelBook, after_numpy: tuple[BookBuild, str, str]) -> BookBuild:
    """The book rebuilt after a comment line was appended to the installed engine's child.py."""
    after_numpy[0].require_success()
    child = wheel_book.installed_package() / "execute" / "child.py"
    assert child.is_file(), f"{child} is not installed"
    with child.open("a", encoding="utf-8") as stream:
        stream.write("\n# an edit that changes no behaviour\n")
    return wheel_book.build("site-edited")


def test_unrelated_install_runs_nothing(after_six: BookBuild) -> None:
    after_six.require_success()
    summary = after_six.summary()
    assert after_six.executed() == set(), f"sessions re-ran after pip install six: {after_six.executed()}"
    assert summary["executed"] == 0, summary
    assert summary["cached"] == len(ALL_SESSIONS), summary
    assert summary["failed"] == 0, summary
    assert "share of heads: 0.5008" in after_six.html("basics/coins.html")


def test_other_numpy_reruns_exactly_the_numpy_sessions(after_numpy: tuple[BookBuild, str, str]) -> None:
    build, old, new = after_numpy
    assert old != new
    build.require_success()
    assert build.executed() == NUMPY_SESSIONS, f"numpy {old} → {new} re-ran {sorted(build.executed())}"
    summary = build.summary()
    assert summary["executed"] == len(NUMPY_SESSIONS), summary
    assert summary["cached"] == len(OTHER_SESSIONS), summary
    assert summary["failed"] == 0, summary
    for key in OTHER_SESSIONS:
        assert build.sessions()[key]["from_cache"], f"{key} imports no numpy yet was re-run"
    assert "share of heads: 0.5008" in build.html("basics/coins.html")


def test_engine_edit_reruns_every_session(after_engine_edit: BookBuild) -> None:
    after_engine_edit.require_success()
    assert after_engine_edit.executed() == ALL_SESSIONS
    summary = after_engine_edit.summary()
    assert summary["executed"] == len(ALL_SESSIONS), summary
    assert summary["cached"] == 0, summary
    assert summary["failed"] == 0, summary
