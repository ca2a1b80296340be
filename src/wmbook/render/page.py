"""Page-level HTML: chapter header, section cite controls, instruments, meta tags."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import wmbook
from wmbook.blocks.instrument import InstrumentBlock
from wmbook.chapter.header import HeaderLinks, chapter_header, count_words
from wmbook.chapter.meta import ChapterMeta
from wmbook.cite.section import cite_popover, cite_section
from wmbook.instruments.base import RenderedInstrument
from wmbook.parse.reader import ReaderPage

_H1_END = re.compile(r"</h1>")
_H2 = re.compile(r'(<h2 id="(?P<id>[\w-]+)"[^>]*>)(?P<body>.*?)(</h2>)', re.DOTALL)


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


def _instruments_digest() -> str:
    """Hash of the instruments' code (Python and JavaScript) and of the Bokeh version."""
    from wmbook.instruments import bokeh_version

    folder = Path(__file__).resolve().parent.parent / "instruments"
    digest = hashlib.sha256(f"{wmbook.__version__}|{bokeh_version()}".encode())
    for path in sorted([*folder.glob("*.py"), *folder.glob("js/*.js"), *folder.glob("static/*")]):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def _rendered(block: InstrumentBlock, store: Path | None) -> tuple[RenderedInstrument, str, str]:
    """The instrument's Bokeh item, preview and readouts (from ``store`` when unchanged),
    plus its default title and caption."""
    key = hashlib.sha256(f"{_instruments_digest()}|{block.name}|{block.anchor}".encode()).hexdigest()
    path = store / f"{key}.json" if store else None
    if path is not None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return RenderedInstrument(**data["rendered"]), data["title"], data["caption"]
        except (OSError, ValueError, KeyError, TypeError):
            pass
    from wmbook.instruments import REGISTRY

    instrument = REGISTRY[block.name]
    rendered = instrument.render(block.anchor)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "rendered": dataclasses.asdict(rendered),
            "title": instrument.title,
            "caption": instrument.caption_html,
        }
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temp.write_text(json.dumps(payload), encoding="utf-8")
        os.replace(temp, path)
    return rendered, instrument.title, instrument.caption_html


def instrument_markup(
    block: InstrumentBlock, caption_html: Callable[[str], str], bokeh_base: str, store: Path | None = None
) -> str:
    """Render an instrument block with its Bokeh item and preview."""
    from wmbook.instruments import instrument_html

    rendered, title, default_caption = _rendered(block, store)
    rendered = dataclasses.replace(rendered, label=f"Instrument {block.label}")
    caption = caption_html("\n".join(block.raw.content)) or default_caption
    return instrument_html(rendered, block.anchor, block.title or title, caption, bokeh_base=bokeh_base)
