"""Page-level HTML: chapter header, section cite controls, instruments, meta tags."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from wmbook.blocks.instrument import InstrumentBlock
from wmbook.chapter.header import HeaderLinks, chapter_header, count_words
from wmbook.chapter.meta import ChapterMeta
from wmbook.cite.section import cite_popover, cite_section
from wmbook.parse.reader import ReaderPage

_H1_END = re.compile(r"</h1>")
_H2 = re.compile(r'(<h2 id="(?P<id>[\w-]+)"[^>]*>)(?P<body>.*?)(</h2>)', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def add_chapter_header(content: str, meta: ChapterMeta, links: HeaderLinks) -> str:
    """Insert the chapter header right after the page title (or at the top)."""
    header = chapter_header(meta, links, count_words(content))
    match = _H1_END.search(content)
    return content[: match.end()] + header + content[match.end() :] if match else header + content


def add_cite_controls(
    content: str, meta: ChapterMeta, reader: ReaderPage, page_url: str, site: str, date: str
) -> str:
    """A 'Cite' control after every ## section heading with an explicit id."""
    anchors = {h.anchor: h.text for h in reader.headings if h.anchor}

    def add(match: re.Match[str]) -> str:
        anchor = match["id"]
        if anchor not in anchors:
            return match.group(0)
        citation = cite_section(meta, anchors[anchor], anchor, page_url, site, date)
        return match.group(0) + cite_popover(citation, anchors[anchor])

    return _H2.sub(add, content)


def instrument_markup(block: InstrumentBlock, caption_html: Callable[[str], str], bokeh_base: str) -> str:
    """Render an instrument block with the registry's Bokeh item and preview."""
    from wmbook.instruments import REGISTRY, instrument_html

    instrument = REGISTRY[block.name]
    rendered = dataclasses.replace(instrument.render(block.anchor), label=f"Instrument {block.label}")
    caption = caption_html("\n".join(block.raw.content)) or instrument.caption_html
    return instrument_html(
        rendered, block.anchor, block.title or instrument.title, caption, bokeh_base=bokeh_base
    )


def strip_tags(text: str) -> str:
    """Text of an HTML fragment."""
    return _TAG.sub("", text)
