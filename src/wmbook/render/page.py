"""Page-level HTML: the chapter header and the section cite controls."""

from __future__ import annotations

import re
from collections.abc import Sequence

from wmbook.chapter.header import HeaderLinks, breadcrumb, chapter_header, count_words
from wmbook.chapter.meta import ChapterMeta
from wmbook.cite.section import cite_popover, cite_section
from wmbook.parse.prose import Heading

_H1_START = re.compile(r"<h1\b")
_H1_END = re.compile(r"</h1>")
_H2 = re.compile(r'(<h2 id="(?P<id>[\w-]+)"[^>]*>)(?P<body>.*?)(</h2>)', re.DOTALL)


def add_chapter_header(content: str, meta: ChapterMeta, links: HeaderLinks) -> str:
    """The breadcrumb above the page title, the chapter header right after it (both at the
    top when the page has no title)."""
    header = chapter_header(meta, links, count_words(content))
    crumbs = breadcrumb(meta, links)
    start, end = _H1_START.search(content), _H1_END.search(content)
    if start is None or end is None:
        return crumbs + header + content
    return (
        content[: start.start()] + crumbs + content[start.start() : end.end()] + header + content[end.end() :]
    )


def add_cite_controls(
    content: str, meta: ChapterMeta, headings: Sequence[Heading], page_url: str, site: str
) -> str:
    """A 'Cite' control after every ## section heading with an explicit id."""
    anchors = {h.anchor: h.text for h in headings if h.anchor}

    def add(match: re.Match[str]) -> str:
        anchor = match["id"]
        if anchor not in anchors:
            return match.group(0)
        citation = cite_section(meta, anchors[anchor], anchor, page_url, site)
        return match.group(0) + cite_popover(citation, anchors[anchor])

    return _H2.sub(add, content)
