"""Page-level HTML: the chapter header and the section cite controls."""

from __future__ import annotations

import re
from collections.abc import Sequence

from wmbook.chapter.header import HeaderLinks, chapter_header, count_words
from wmbook.chapter.meta import ChapterMeta
from wmbook.cite.section import cite_popover, cite_section
from wmbook.parse.prose import Heading

_H1_END = re.compile(r"</h1>")
_H2 = re.compile(r'(<h2 id="(?P<id>[\w-]+)"[^>]*>)(?P<body>.*?)(</h2>)', re.DOTALL)


def add_chapter_header(content: str, meta: ChapterMeta, links: HeaderLinks) -> str:
    """Insert the chapter header right after the page title (or at the top)."""
    header = chapter_header(meta, links, count_words(content))
    match = _H1_END.search(content)
    return content[: match.end()] + header + content[match.end() :] if match else header + content


def add_cite_controls(
    content: str, meta: ChapterMeta, headings: Sequence[Heading], page_url: str, site: str, date: str
) -> str:
    """A 'Cite' control after every ## section heading with an explicit id."""
    anchors = {h.anchor: h.text for h in headings if h.anchor}

    def add(match: re.Match[str]) -> str:
        anchor = match["id"]
        if anchor not in anchors:
            return match.group(0)
        citation = cite_section(meta, anchors[anchor], anchor, page_url, site, date)
        return match.group(0) + cite_popover(citation, anchors[anchor])

    return _H2.sub(add, content)
