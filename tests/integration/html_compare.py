"""Compare what two builds of one page show: the article's tags and text, with what two
tools may spell differently taken out (generated id prefixes, numbers of tab sets, ``<p>`` wrappers,
whitespace between tags, wmbook's download button)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_GENERATED_PREFIX = re.compile(r"exec-\d+--")
# pymdownx.tabbed numbers the sets of tabs of what it converts: a page, or one result
_TAB_SET = re.compile(r"(__tabbed_|data-tabs=\")\d+")
_DOWNLOAD = re.compile(r'<a href="[^"]*\.ipynb" download=.*?</a>', re.DOTALL)


class _Tokens(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # markdown-exec wraps results in <p> where Markdown would not; wmbook's sanitiser
        # writes the <tbody> a browser infers and marks links rel="noopener noreferrer".
        if tag not in ("p", "tbody"):
            shown = " ".join(f"{k}={v}" for k, v in sorted(attrs) if k not in ("style", "rel"))
            self.tokens.append(f"<{tag} {shown}>".replace(" >", ">"))

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("p", "tbody"):
            self.tokens.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.tokens.append(" ".join(data.split()))


def article(page_html: str) -> str:
    """The page's content: its ``<article>``."""
    return page_html[page_html.index("<article") : page_html.index("</article>")]


def shown_tokens(page_html: str) -> list[str]:
    """The article as a list of normalised tags and texts."""
    body = _DOWNLOAD.sub("", article(page_html))
    parser = _Tokens()
    parser.feed(_TAB_SET.sub(r"\1N", _GENERATED_PREFIX.sub("", body)))
    return parser.tokens


def toc_links(page_html: str) -> list[str]:
    """The anchors the page's table of contents links to."""
    nav = page_html[page_html.find("md-sidebar--secondary") : page_html.find("<article")]
    return re.findall(r'href="(#[^"]*)"', nav)
