"""'Cite this section': BibTeX and APA text for a chapter section, and Highwire meta tags."""

from __future__ import annotations

import enum
import re

import msgspec

from wmbook.chapter.meta import ChapterMeta
from wmbook.templates import macros

_NUMBERED = re.compile(r"^(?P<number>\d+(?:\.\d+)*|\d+\.R)\s+(?P<title>.*)$")


class CiteSlot(enum.Enum):
    """A part of a citation text that the reader's browser fills in."""

    URL = "url"  # the section's address: the page's own address when the site's is not known
    BIBTEX_DATE = "bibtex-date"  # the line ``urldate = {…}``: the day the reader copies it
    APA_DATE = "apa-date"  # ``Retrieved Month D, YYYY, from``


CitePart = str | CiteSlot


class SectionCitation(msgspec.Struct, frozen=True):
    """Everything the cite dialog of one section shows.

    ``url`` is absolute when the book sets ``site_url``; otherwise it is the page's path
    from the site's root, and the browser puts the page's real address in its place.  The
    access date of BibTeX and APA is the reader's, never the build's.
    """

    anchor: str
    url: str
    absolute: bool
    bibtex: tuple[CitePart, ...]
    apa: tuple[CitePart, ...]


def section_title(heading: str) -> str:
    """'5.1 What a world model is' -> '§5.1 What a world model is'."""
    match = _NUMBERED.match(heading.strip())
    return f"§{match['number']} {match['title']}" if match else heading.strip()


def _bibtex_escape(text: str) -> str:
    return re.sub(r"([&%$#_])", r"\\\1", text)


def _bibtex_author(name: str) -> str:
    # A group name ("wmbook contributors") is one unit in BibTeX: braced so it is not split.
    return name if re.match(r"^[A-Z][\w.'-]*( [A-Z][\w.'-]*)+$", name) else "{" + name + "}"


def cite_section(meta: ChapterMeta, heading: str, anchor: str, page_url: str, site: str) -> SectionCitation:
    """Citation texts for the section ``heading`` (id ``anchor``) of a chapter.

    ``page_url`` is the page's absolute address, or its path from the site's root when the
    book does not say where it is published.
    """
    url = f"{page_url}#{anchor}"
    title = f"{meta.title} — {section_title(heading)}"
    collection = f"{site}: {meta.volume}"
    key = (
        re.sub(r"[^a-z0-9]+", "", meta.title.lower().split("—")[0])
        + str(meta.year)
        + re.sub(r"\W", "", anchor)
    )
    authors = " and ".join(_bibtex_author(a) for a in meta.authors)
    head = "\n".join(
        [
            f"@incollection{{{key},",
            f"  author    = {{{_bibtex_escape(authors)}}},",
            f"  title     = {{{_bibtex_escape(title)}}},",
            f"  booktitle = {{{_bibtex_escape(collection)}}},",
            f"  publisher = {{{_bibtex_escape(site)}}},",
            f"  year      = {{{meta.year}}},",
            "  url       = {",
        ]
    )
    bibtex = (head, CiteSlot.URL, "},\n", CiteSlot.BIBTEX_DATE, "}")
    apa = (
        f"{', '.join(meta.authors)} ({meta.year}). {title}. In {collection}. {site}. ",
        CiteSlot.APA_DATE,
        CiteSlot.URL,
    )
    return SectionCitation(anchor, url, re.match(r"^https?://", page_url) is not None, bibtex, apa)


def plain_text(citation: SectionCitation, parts: tuple[CitePart, ...]) -> str:
    """A citation text as it reads without script: the known address, no access date."""
    return "".join(
        citation.url if p is CiteSlot.URL else p for p in parts if isinstance(p, str) or p is CiteSlot.URL
    )


def _pieces(parts: tuple[CitePart, ...]) -> list[tuple[str, str]]:
    """A citation text's parts as ``cite_section.html`` takes them."""
    return [
        ("text", p) if isinstance(p, str) else ("url", "") if p is CiteSlot.URL else ("slot", p.value)
        for p in parts
    ]


def cite_popover(citation: SectionCitation, heading: str) -> str:
    """A button and a native popover (no script needed to open it) with copyable texts.

    Each text is copied with the theme's own copy icon, the one every code block of the
    page has: its ``<pre>`` carries Material's ``copy`` class, so the icon is there even in a
    book that turned ``content.code.copy`` off. The theme names each ``<pre>`` after its
    closest ancestor with an id, and its icon copies the ``<pre>`` of that name: each row has
    an id of its own, so each icon copies its own text. The texts' ids are on their ``<code>``. The popover is a ``<section>`` marked
    ``data-search-exclude``: Material's search skips it (its parser tells elements apart by
    tag, so the excluded one must not contain its own tag). Without script it opens in the
    middle of the window; ``wmbook.js`` places it under its section's heading, and fills in
    the page's own address (when the book names none) and the reader's access date.
    """
    rows = [("Link", (CiteSlot.URL,)), ("BibTeX", citation.bibtex), ("APA", citation.apa)]
    shown = [(name, _pieces(parts)) for name, parts in rows]
    return str(
        macros("cite_section.html").popover(
            f"cite-{citation.anchor}", section_title(heading), citation, shown
        )
    )


def highwire_tags(meta: ChapterMeta, page_url: str, site: str) -> str:
    """``citation_*`` meta tags read by reference managers (the public address only when
    the book says where it is published)."""
    tags = [("citation_title", meta.title)]
    tags += [("citation_author", author) for author in meta.authors]
    tags += [("citation_publication_date", str(meta.year))]
    if re.match(r"^https?://", page_url):
        tags += [("citation_public_url", page_url)]
    tags += [
        ("citation_inbook_title", f"{site}: {meta.volume}"),
        ("citation_book_title", f"{site}: {meta.volume}"),
        ("citation_publisher", site),
    ]
    return str(macros("cite_section.html").highwire(tags))
