"""The foreign book, built with the installed wheel, in headless Chromium.

Every built page must load everything it asks for from the site itself: no response of
400 or more (a KaTeX font left out of the wheel is one), no request to another host and no
console error. The KaTeX fonts must really be loaded, not just asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from wheel_book import WheelBook

from .harness import FONT_STATE, LOCAL_HOST, open_tab, serve

pytestmark = pytest.mark.wheel


@pytest.fixture(scope="module")
def foreign_url(wheel_book: WheelBook) -> Iterator[str]:
    """The foreign book's site served on 127.0.0.1."""
    wheel_book.first.require_success()
    with serve(wheel_book.first.site, LOCAL_HOST) as url:
        yield url


def test_every_page_loads_only_its_own_resources(
    browser: Any, foreign_url: str, wheel_book: WheelBook
) -> None:
    pages = wheel_book.first.pages()
    assert "basics/equations.html" in pages
    problems: list[str] = []
    for page in pages:
        with open_tab(browser, foreign_url) as (tab, visit):
            response = tab.goto(f"/{page}", wait_until="networkidle")
            assert response is not None and response.status == 200, f"{page}: {response}"
            tab.evaluate("document.fonts.ready.then(() => true)")
            tab.wait_for_load_state("networkidle")
        problems += [f"{page}: {problem}" for problem in visit.problems]
    assert not problems, "\n".join(problems)


def test_katex_fonts_are_loaded(browser: Any, foreign_url: str) -> None:
    with open_tab(browser, foreign_url) as (tab, visit):
        tab.goto("/basics/equations.html", wait_until="networkidle")
        state = tab.evaluate(FONT_STATE)
        tab.wait_for_load_state("networkidle")
    assert not visit.problems, "\n".join(visit.problems)
    family = state["family"]
    assert family, "the page has no .katex element"
    assert family.split(",")[0].strip().strip("\"'") == "KaTeX_Main", family
    katex_faces = [face for face in state["faces"] if face["family"].startswith("KaTeX_")]
    assert katex_faces, "no @font-face of KaTeX reached the page: katex.min.css did not load"
    loaded = {face["family"] for face in katex_faces if face["status"] == "loaded"}
    assert "KaTeX_Main" in loaded, f"KaTeX_Main was not loaded: {katex_faces}"
    assert not [face for face in katex_faces if face["status"] == "error"], katex_faces
    fonts = [(url, status) for url, status in visit.loaded if "/assets/wmbook/katex/fonts/" in url]
    assert fonts and all(status == 200 for _, status in fonts), fonts


def test_chapter_header_links_open_html_pages(browser: Any, foreign_url: str) -> None:
    with open_tab(browser, foreign_url) as (tab, visit):
        tab.goto("/basics/coins.html", wait_until="networkidle")
        header = tab.locator(".wmbook-chapter-header")
        next_link = header.get_by_role("link", name="The Laws of Chance in Symbols")
        with tab.expect_navigation():
            next_link.click(timeout=15000)
        assert tab.url == f"{foreign_url}/basics/equations.html"
        assert tab.locator("h1").first.inner_text() == "The Laws of Chance in Symbols"
        tab.go_back(wait_until="networkidle")
        home = tab.locator(".wmbook-breadcrumb").get_by_role("link", name="A Short Book of Chance")
        with tab.expect_navigation():
            home.click(timeout=15000)
        assert tab.url == f"{foreign_url}/index.html"
        assert tab.locator("h1").first.inner_text() == "A Short Book of Chance"
    assert not visit.problems, "\n".join(visit.problems)
