"""The header of a chapter page: breadcrumb, chapter number, level, reading time and more."""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass

from wmbook.chapter.meta import ChapterMeta

WORDS_PER_MINUTE = 230
_SKIP = re.compile(r"<(pre|svg|script|style|math)\b.*?</\1>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[\w’'-]+")


@dataclass(frozen=True)
class HeaderLinks:
    """Where the header's links point (already relative to the page)."""

    home: str
    site: str
    instruments: tuple[tuple[str, str, str], ...]  # (label, title, anchor)
    next_url: str | None  # None: the next chapter is not written yet


def count_words(page_html: str) -> int:
    """Words a reader reads: the page's text without code, figures and formulas."""
    text = _TAG.sub(" ", _SKIP.sub(" ", page_html))
    return len(_WORD.findall(html.unescape(text)))


def reading_minutes(words: int) -> int:
    """Minutes at ``WORDS_PER_MINUTE``, at least 1."""
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def chapter_header(meta: ChapterMeta, links: HeaderLinks, words: int) -> str:
    """The header's HTML."""
    number = f"{meta.chapter:02d}"
    crumbs = [
        f'<li><a href="{html.escape(links.home)}">{html.escape(links.site)}</a></li>',
        f"<li>{html.escape(meta.volume)}</li>",
        f"<li>{number}</li>",
        f'<li aria-current="page">{html.escape(meta.title)}</li>',
    ]
    instruments = " · ".join(
        f'<a href="#{html.escape(anchor)}">{html.escape(label)} {html.escape(title)}</a>'
        for label, title, anchor in links.instruments
    )
    if meta.next and links.next_url:
        upcoming = f'<a href="{html.escape(links.next_url)}">{html.escape(meta.next)}</a>'
    elif meta.next:
        upcoming = f'{html.escape(meta.next)} <span class="wmbook-forthcoming">(forthcoming)</span>'
    else:
        upcoming = ""
    facts = [
        ("Level", html.escape(meta.level)),
        ("Reading time", f'<span class="wmbook-reading-time">≈ {reading_minutes(words)} min</span>'),
        ("Builds on", " · ".join(html.escape(b) for b in meta.builds_on)),
        ("Instruments", instruments or "none"),
    ]
    if upcoming:
        facts.append(("Next", upcoming))
    rows = "".join(f"<div><dt>{name}</dt><dd>{value}</dd></div>" for name, value in facts)
    return (
        '<header class="wmbook-chapter-header">'
        f'<nav class="wmbook-breadcrumb" aria-label="Breadcrumb"><ol>{"".join(crumbs)}</ol></nav>'
        f'<p class="wmbook-chapter-number">{html.escape(meta.volume)} · Chapter {number} / '
        f"{meta.chapters_in_volume:02d}</p>"
        f'<dl class="wmbook-chapter-facts">{rows}</dl>'
        "</header>"
    )
