"""A page's reference list: each entry in APA's order (authors, year, title, where it
appeared, links), its other published versions, and its annotation, from one template."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec
from markupsafe import Markup

from wmbook.cite.bibliography import PageCitations, Reference
from wmbook.cite.inline import inline_markdown
from wmbook.templates import macros, template

# Types whose title is the whole work (italic, as APA sets it); the rest appear inside another.
_WHOLE_WORKS = {
    "book", "mvbook", "collection", "mvcollection", "proceedings", "mvproceedings", "booklet",
    "manual", "reference", "mvreference", "report", "techreport", "thesis", "phdthesis", "mastersthesis",
}  # fmt: skip
_IN_WORKS = {"inproceedings", "conference", "incollection", "inbook", "inreference", "bookinbook"}
_REPORTS = {"report": "Report", "techreport": "Technical report"}
_THESES = {"thesis": "Thesis", "phdthesis": "Doctoral dissertation", "mastersthesis": "Master's thesis"}


class Piece(msgspec.Struct, frozen=True):
    """A run of an entry's text, italic or not."""

    text: str
    italic: bool = False


class Link(msgspec.Struct, frozen=True):
    """A link an entry carries (DOI, page, arXiv)."""

    href: str
    label: str


class EntryView(msgspec.Struct, frozen=True):
    """One work as the list shows it: its text, then its links."""

    pieces: tuple[Piece, ...]
    links: tuple[Link, ...]


class RelatedView(msgspec.Struct, frozen=True):
    """'Also published as: …' under an entry."""

    phrase: str
    entry: EntryView


class ReferenceView(msgspec.Struct, frozen=True):
    """A list item: the entry, its related works and its annotation."""

    key: str
    number: int
    entry: EntryView
    related: tuple[RelatedView, ...]
    annotation: Markup


def _author_list(authors: tuple[str, ...]) -> str:
    if len(authors) > 20:
        # APA: the first 19, an ellipsis, the last author, and no ampersand.
        return ", ".join(authors[:19]) + ", … " + authors[-1]
    if len(authors) == 1:
        return authors[0]
    return ", ".join(authors[:-1]) + ", & " + authors[-1]


def _closed(pieces: list[Piece]) -> list[Piece]:
    """``pieces`` closed as a sentence (a title that ends in '?' keeps it)."""
    if pieces and not pieces[-1].text.endswith((".", "?", "!")):
        return [*pieces, Piece(".")]
    return pieces


def _pages(pages: str) -> str:
    return ("pp. " if any(c in pages for c in "–,") else "p. ") + pages


def _volume(ref: Reference) -> list[str]:
    return ([ref.series] if ref.series else []) + ([f"Vol. {ref.volume}"] if ref.volume else [])


def _journal(ref: Reference) -> list[Piece]:
    """``Journal Volume(Number), pages``: only the parts the entry has."""
    issue = f"{ref.volume}({ref.number})" if ref.volume and ref.number else ref.volume
    if not ref.volume and ref.number:
        issue = f"no. {ref.number}"
    numbers = ", ".join(p for p in (issue, ref.pages) if p)
    if not ref.journal:
        return _closed([Piece(numbers)]) if numbers else []
    return _closed(
        [Piece(ref.journal, italic=True), Piece((" " if ref.volume else ", ") + numbers if numbers else "")]
    )


def _where(ref: Reference) -> list[Piece]:
    """Where the work appeared, by its type; only the fields it has, nothing dangling."""
    if ref.entry_type == "article":
        return _journal(ref)
    pieces: list[Piece] = []
    if ref.entry_type in _IN_WORKS:
        inside = ", ".join(_volume(ref) + ([_pages(ref.pages)] if ref.pages else []))
        if ref.booktitle:
            pieces = [
                Piece("In "),
                Piece(ref.booktitle, italic=True),
                Piece(f" ({inside})" if inside else ""),
            ]
        elif inside:
            pieces = [Piece(inside)]
    elif ref.howpublished and ref.authors != (ref.howpublished,):
        pieces = [Piece(ref.howpublished, italic=True)]
    pieces = _closed([p for p in pieces if p.text])
    shown = (ref.howpublished, ref.booktitle, *ref.authors)  # a school is named in the thesis's brackets
    if ref.publisher and ref.publisher not in shown and ref.entry_type not in _THESES:
        pieces += _closed([Piece((" " if pieces else "") + ref.publisher)])
    return pieces


def _described(ref: Reference) -> str:
    """What a report or thesis is, or a book's series and volume, after its title; else ''."""
    kind = ref.entry_type
    if kind in _REPORTS:
        name = ref.report_type or _REPORTS[kind]
        return f" ({name} No. {ref.number})" if ref.number else f" ({name})"
    if kind in _THESES:
        name = ref.report_type or _THESES[kind]
        return f" [{name}, {ref.publisher}]" if ref.publisher else f" [{name}]"
    inside = _volume(ref)
    return f" ({', '.join(inside)})" if kind in _WHOLE_WORKS and inside else ""


def _links(ref: Reference) -> tuple[Link, ...]:
    """The DOI, else the work's page; and its arXiv id."""
    links = []
    if ref.doi:
        links.append(Link(f"https://doi.org/{ref.doi}", f"doi:{ref.doi}"))
    elif ref.url and not (ref.arxiv and "arxiv.org/" in ref.url):
        links.append(Link(ref.url, ref.url))
    if ref.arxiv:
        links.append(Link(f"https://arxiv.org/abs/{ref.arxiv}", f"arXiv:{ref.arxiv}"))
    return tuple(links)


def entry_view(ref: Reference, authors: bool = True) -> EntryView:
    """The text and links of ``ref``; without ``authors``, its title leads, followed by its year."""
    head = [Piece(f"{_author_list(ref.authors)} ({ref.year}). ")] if authors else []
    title = [Piece(ref.title, italic=ref.entry_type in _WHOLE_WORKS), Piece(_described(ref))]
    title += [] if authors else [Piece(f" ({ref.year})")]
    where = _where(ref)
    pieces = [*head, *_closed([p for p in title if p.text]), *([Piece(" "), *where] if where else [])]
    return EntryView(tuple(pieces), _links(ref))


def reference_view(ref: Reference, number: int = 0) -> ReferenceView:
    """A list item for ``ref``; a related work by the same authors is shown without them."""
    related = tuple(
        RelatedView(r.phrase, entry_view(r.work, authors=r.work.authors != ref.authors)) for r in ref.related
    )
    return ReferenceView(ref.key, number, entry_view(ref), related, inline_markdown(ref.annotation))


def reference_html(ref: Reference) -> str:
    """One entry as HTML (no list item around it): for a notebook's Markdown list."""
    return str(macros("cite_entry.html").entry(reference_view(ref)))


def references_html(citations: PageCitations, bibliography: Mapping[str, Reference]) -> list[str]:
    """The page's numbered reference list, one line per item."""
    views = [
        reference_view(bibliography[key], number)
        for key, number in sorted(citations.numbers.items(), key=lambda kv: kv[1])
        if key in bibliography
    ]
    return template("cite_references.html").render(views=views).strip("\n").split("\n")


def citation_html(keys: list[str], citations: PageCitations) -> str:
    """``[1, 3]`` with each number linking to its entry in the page's reference list."""
    numbered = [(key, citations.cite(key)) for key in keys]  # numbers in order of first citation
    return str(macros("cite_inline.html").citation(numbered))
