"""'Cite this section': BibTeX and APA text for a chapter section, and Highwire meta tags."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from wmbook.chapter.meta import ChapterMeta

_NUMBERED = re.compile(r"^(?P<number>\d+(?:\.\d+)*|\d+\.R)\s+(?P<title>.*)$")


@dataclass(frozen=True)
class SectionCitation:
    """Everything the cite dialog of one section shows."""

    anchor: str
    url: str
    bibtex: str
    apa: str


def section_title(heading: str) -> str:
    """'5.1 What a world model is' -> '§5.1 What a world model is'."""
    match = _NUMBERED.match(heading.strip())
    return f"§{match['number']} {match['title']}" if match else heading.strip()


def _bibtex_escape(text: str) -> str:
    return re.sub(r"([&%$#_])", r"\\\1", text)


def _bibtex_author(name: str) -> str:
    # A group name ("wmbook contributors") is one unit in BibTeX: braced so it is not split.
    return name if re.match(r"^[A-Z][\w.'-]*( [A-Z][\w.'-]*)+$", name) else "{" + name + "}"


def cite_section(
    meta: ChapterMeta, heading: str, anchor: str, page_url: str, site: str, date: str
) -> SectionCitation:
    """Citation texts for the section ``heading`` (id ``anchor``) of a chapter."""
    url = f"{page_url}#{anchor}"
    title = f"{meta.title} — {section_title(heading)}"
    collection = f"{site}: {meta.volume}"
    key = (
        re.sub(r"[^a-z0-9]+", "", meta.title.lower().split("—")[0])
        + str(meta.year)
        + re.sub(r"\W", "", anchor)
    )
    authors = " and ".join(_bibtex_author(a) for a in meta.authors)
    bibtex = "\n".join(
        [
            f"@incollection{{{key},",
            f"  author    = {{{_bibtex_escape(authors)}}},",
            f"  title     = {{{_bibtex_escape(title)}}},",
            f"  booktitle = {{{_bibtex_escape(collection)}}},",
            f"  publisher = {{{_bibtex_escape(site)}}},",
            f"  year      = {{{meta.year}}},",
            f"  url       = {{{url}}},",
            f"  urldate   = {{{date}}},",
            "}",
        ]
    )
    apa = f"{', '.join(meta.authors)} ({meta.year}). {title}. In {collection}. {site}. Retrieved {date}, from {url}"
    return SectionCitation(anchor, url, bibtex, apa)


def cite_popover(citation: SectionCitation, heading: str) -> str:
    """A button and a native popover (no script needed to open it) with copyable texts.

    Each text is copied with the theme's own copy icon, the one every code block of the
    page has: its ``<pre>`` carries Material's ``copy`` class, so the icon is there even in a
    book that turned ``content.code.copy`` off. The theme names each ``<pre>`` after its
    closest ancestor with an id, and its icon copies the ``<pre>`` of that name: each row has
    an id of its own, so each icon copies its own text. The texts' ids are on their ``<code>``. The popover is a ``<section>`` marked
    ``data-search-exclude``: Material's search skips it (its parser tells elements apart by
    tag, so the excluded one must not contain its own tag). Without script it opens in the
    middle of the window; ``wmbook.js`` places it under its section's heading.
    """
    pid = f"cite-{citation.anchor}"
    rows = [("Link", citation.url), ("BibTeX", citation.bibtex), ("APA", citation.apa)]
    blocks = "".join(
        f'<div class="wmbook-cite__row" id="{pid}-{name.lower()}-row"><p class="wmbook-cite__label" id="{pid}-{name.lower()}">{name}</p>'
        f'<pre class="wmbook-cite__text copy"><code id="{pid}-{name.lower()}-text">{html.escape(text)}</code></pre></div>'
        for name, text in rows
    )
    return (
        f'<button type="button" class="wmbook-cite-button" data-search-exclude popovertarget="{pid}" '
        f'aria-label="Cite section {html.escape(section_title(heading))}">Cite</button>'
        f'<section class="wmbook-cite" id="{pid}" popover data-search-exclude role="dialog" aria-label="Cite {html.escape(section_title(heading))}">'
        f'<p class="wmbook-cite__heading">Cite {html.escape(section_title(heading))}</p>'
        f'<button type="button" class="wmbook-cite__close" popovertarget="{pid}" popovertargetaction="hide" '
        'aria-label="Close" title="Close">×</button>'
        f"{blocks}</section>"
    )


def highwire_tags(meta: ChapterMeta, page_url: str, site: str) -> str:
    """``citation_*`` meta tags read by reference managers."""
    tags = [("citation_title", meta.title)]
    tags += [("citation_author", author) for author in meta.authors]
    tags += [
        ("citation_publication_date", str(meta.year)),
        ("citation_public_url", page_url),
        ("citation_inbook_title", f"{site}: {meta.volume}"),
        ("citation_book_title", f"{site}: {meta.volume}"),
        ("citation_publisher", site),
    ]
    return "\n".join(f'<meta name="{name}" content="{html.escape(value)}">' for name, value in tags)
