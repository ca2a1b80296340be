"""The demo page in a real browser, and the built site's references to other hosts."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .harness import LOCAL_HOST, PageLog

FIGURE_SVG = "figure.wmbook-figure svg[role=img]"
PALETTE_TOGGLE = 'label.md-header__button[for^="__palette"]:visible'

# Computed colour of an element inside the first figure drawn in currentColor.
INK_COLOUR = """() => {
    const svg = document.querySelector('figure.wmbook-figure svg[role=img]');
    const inked = [...svg.querySelectorAll('[style*="currentColor"]')][0];
    const style = getComputedStyle(inked);
    const uses = inked.getAttribute('style').match(/(stroke|fill):\\s*currentColor/)[1];
    return {svg: getComputedStyle(svg).color, ink: style.getPropertyValue(uses)};
}"""


def _open_demo(page: Any, path: str) -> None:
    page.goto(path, wait_until="networkidle")
    page.wait_for_selector(FIGURE_SVG)


def test_demo_page_content(page: Any, page_log: PageLog, demo_path: str) -> None:
    """Outputs and figures are shown; nothing is fetched from elsewhere; no console errors."""
    _open_demo(page, demo_path)

    boxes = page.locator(".wmbook-output")
    assert boxes.count() >= 4
    # Outputs inside a closed disclosure (output="folded") show once the reader opens it.
    folded = page.locator("details:not([open]) .wmbook-output")
    for index in range(folded.count()):
        assert not folded.nth(index).is_visible()
    summaries = page.locator("details:not([open]) > summary")
    while summaries.count():
        summaries.first.click()
    for index in range(boxes.count()):
        assert boxes.nth(index).is_visible()
    texts = boxes.all_inner_texts()
    assert any("mean of 10000 draws" in text for text in texts)

    raises_box = page.locator("div.highlight:has-text('int(\"twelve\")') + .wmbook-run .wmbook-output")
    assert raises_box.count() == 1
    assert "ValueError" in raises_box.inner_text()

    figures = page.locator(FIGURE_SVG)
    assert figures.count() == 3  # plot_xy, a histogram, and the numbered Figure W.1
    labels = [figures.nth(i).get_attribute("aria-label") or "" for i in range(3)]
    assert all(label.strip() for label in labels), labels
    numbered = page.locator("figure#fig-w-1")
    assert numbered.locator("svg[role=img]").count() == 1
    assert numbered.locator("figcaption").inner_text().startswith("Figure W.1 — Ten thousand draws")
    for index in range(3):
        box = figures.nth(index).bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50

    page.wait_for_load_state("networkidle")
    assert page_log.blocked == []
    assert page_log.console_errors == []


def test_figures_follow_the_palette(page: Any, page_log: PageLog, demo_path: str, tmp_path: Path) -> None:
    """Switching Material's palette changes the figures' colour; screenshots are kept for people."""
    from playwright.sync_api import expect

    _open_demo(page, demo_path)
    body = page.locator("body")
    expect(body).to_have_attribute("data-md-color-scheme", "default")
    light = page.evaluate(INK_COLOUR)
    assert light["ink"] == light["svg"]
    page.screenshot(path=str(tmp_path / "demo-default.png"), full_page=True)

    page.locator(PALETTE_TOGGLE).click()
    expect(body).to_have_attribute("data-md-color-scheme", "slate")
    expect(page.locator(FIGURE_SVG).first).not_to_have_css("color", light["svg"])
    dark = page.evaluate(INK_COLOUR)
    assert dark["svg"] != light["svg"]
    assert dark["ink"] == dark["svg"]
    page.screenshot(path=str(tmp_path / "demo-slate.png"), full_page=True)

    page.locator(PALETTE_TOGGLE).click()
    expect(body).to_have_attribute("data-md-color-scheme", "default")
    expect(page.locator(FIGURE_SVG).first).to_have_css("color", light["svg"])

    assert (tmp_path / "demo-default.png").stat().st_size > 0
    assert page_log.blocked == []
    assert page_log.console_errors == []


class _References(HTMLParser):
    """Collects script sources, linked resources and inline styles of one HTML file."""

    LOADING_RELS = frozenset({"stylesheet", "preload", "modulepreload", "icon", "manifest"})

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.links: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "script" and "src" in values:
            self.scripts.append(values["src"])
        elif tag == "link" and set(values.get("rel", "").lower().split()) & self.LOADING_RELS:
            self.links.append(values.get("href", ""))
        elif tag == "style":
            self._in_style = True
            self.styles.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles[-1] += data


_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)""")
_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?["']?([^"')\s;]+)""")
_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}", re.DOTALL)


def _css_references(css: str) -> list[str]:
    """URLs a stylesheet loads through @import and @font-face."""
    found = _IMPORT.findall(css)
    for block in _FONT_FACE.findall(css):
        found += [next(g for g in groups if g) for groups in _CSS_URL.findall(block) if any(groups)]
    return found


def _is_foreign(url: str) -> bool:
    """True for an absolute http(s) or protocol-relative URL to a host other than 127.0.0.1."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") or url.startswith("//"):
        return parts.hostname != LOCAL_HOST
    return False


def test_site_references_no_other_host(site_dir: Path) -> None:
    """Scripts, stylesheets, fonts and @imports of the built site are all served by the site itself."""
    foreign: list[str] = []
    scripts = links = 0
    for html_file in sorted(site_dir.rglob("*.html")):
        parser = _References()
        parser.feed(html_file.read_text(encoding="utf-8"))
        name = html_file.relative_to(site_dir)
        scripts += len(parser.scripts)
        links += len(parser.links)
        foreign += [f"{name}: <script src={u}>" for u in parser.scripts if _is_foreign(u)]
        foreign += [f"{name}: <link href={u}>" for u in parser.links if _is_foreign(u)]
        for style in parser.styles:
            foreign += [f"{name}: <style> {u}" for u in _css_references(style) if _is_foreign(u)]
    css_files = sorted(site_dir.rglob("*.css"))
    for css_file in css_files:
        css = css_file.read_text(encoding="utf-8", errors="replace")
        foreign += [f"{css_file.relative_to(site_dir)}: {u}" for u in _css_references(css) if _is_foreign(u)]
    assert scripts > 0 and links > 0 and css_files, "nothing was parsed"
    assert foreign == []


def test_reference_scanner_sees_foreign_urls() -> None:
    """The scanner used above does report what it should."""
    parser = _References()
    parser.feed(
        '<script src="https://cdn.example/x.js"></script>'
        '<link rel="stylesheet" href="//fonts.example/css">'
        '<link rel="canonical" href="https://book.example/">'
        "<style>@import url('https://a.example/b.css');"
        " @font-face { src: url(https://f.example/f.woff2) }</style>"
    )
    assert parser.scripts == ["https://cdn.example/x.js"]
    assert parser.links == ["//fonts.example/css"]
    assert _css_references(parser.styles[0]) == ["https://a.example/b.css", "https://f.example/f.woff2"]
    assert all(_is_foreign(u) for u in [*parser.scripts, *parser.links])
    assert not _is_foreign(f"http://{LOCAL_HOST}:8000/x.css")
    assert not _is_foreign("../assets/x.css")
    assert not _is_foreign("data:font/woff2;base64,AAAA")


def test_harness_records_foreign_requests_and_errors(page: Any, page_log: PageLog) -> None:
    """The page fixture aborts and records requests to other hosts, and records console errors."""
    page.goto("/", wait_until="networkidle")
    page.evaluate("() => fetch('https://example.invalid/data.json').catch(() => null)")
    with page.expect_console_message(lambda message: message.text == "reported by the page"):
        page.evaluate("() => console.error('reported by the page')")
    with page.expect_event("pageerror"):
        page.evaluate("() => { setTimeout(() => { throw new Error('uncaught in page'); }, 0); }")
    assert page_log.blocked == ["https://example.invalid/data.json"]
    assert "console: reported by the page" in page_log.console_errors
    assert any("uncaught in page" in error for error in page_log.console_errors)


def test_figures_use_the_width_of_the_text(page: Any, demo_path: str) -> None:
    """A figure spans the text column (up to 40rem), not the few pixels of an unsized SVG."""
    _open_demo(page, demo_path)
    widths = page.evaluate(
        """() => {
      const text = document.querySelector("article.md-content__inner").getBoundingClientRect().width;
      return [...document.querySelectorAll("figure.wmbook-figure svg")].map(
        (svg) => svg.getBoundingClientRect().width / Math.min(text, 40 * 20));
    }"""
    )
    assert widths and all(ratio > 0.9 for ratio in widths), widths
