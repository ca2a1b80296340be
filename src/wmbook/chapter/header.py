"""The header of a chapter page: breadcrumb, chapter number, level, reading time and more."""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser

import msgspec

from wmbook.chapter.meta import ChapterMeta
from wmbook.templates import macros

WORDS_PER_MINUTE = 230
_WORD = re.compile(r"[\w’'-]+")
_SKIPPED_TAGS = {"pre", "svg", "script", "style", "math", "button", "template"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class HeaderLinks(msgspec.Struct, frozen=True):
    """Where the header's links point (already relative to the page)."""

    home: str
    site: str
    instruments: tuple[tuple[str, str, str], ...]  # (label, title, anchor)
    next_url: str | None  # None: the next chapter is not written yet
    builds_on: tuple[tuple[str, str | None], ...] = ()  # (title, link or None: no such page)


class _ReadText(HTMLParser):
    """Collects the text a reader reads: no code, figures, formulas or hidden parts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words = 0
        self._stack: list[bool] = []  # per open element: is its content skipped?

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        skipped = (
            tag in _SKIPPED_TAGS
            or attributes.get("aria-hidden") == "true"
            or "popover" in attributes
            or bool({"arithmatex", "katex", "wmbook-output"} & set(classes))
        )
        self._stack.append(skipped or (bool(self._stack) and self._stack[-1]))

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self._stack and self._stack[-1]):
            self.words += len(_WORD.findall(data))


def count_words(page_html: str) -> int:
    """Words a reader reads: the page's text without code, outputs, figures and formulas."""
    reader = _ReadText()
    reader.feed(page_html)
    reader.close()
    return reader.words


def reading_minutes(words: int) -> int:
    """Minutes at ``WORDS_PER_MINUTE``, at least 1."""
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def breadcrumb(meta: ChapterMeta, links: HeaderLinks) -> str:
    """Where the chapter sits: site, volume, chapter number, title (above the page's title)."""
    parts = macros("chapter_header.html")
    return str(parts.breadcrumb(links.home, links.site, meta.volume, f"{meta.chapter:02d}", meta.title))


def chapter_header(meta: ChapterMeta, links: HeaderLinks, words: int) -> str:
    """The header's HTML (under the page's title; the breadcrumb goes above it)."""
    return str(
        macros("chapter_header.html").header(
            meta,
            f"{meta.chapter:02d}",
            f"{meta.chapters_in_volume:02d}",
            reading_minutes(words),
            links.builds_on,
            links.instruments,
            links.next_url,
        )
    )
