"""The book's BibTeX file (read with pybtex) and the reference list of a page."""

from __future__ import annotations

import codecs
import html
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wmbook.model import Diagnostic, SourceLoc

# Links a reference list may carry: http(s), or a path of the site (DOIs get doi.org links).
_SAFE_URL = re.compile(r"^(?:https?://|/|\.|[^:]*$)", re.IGNORECASE)
CITATION = re.compile(r"\[@([\w:.-]+(?:\s*;\s*@[\w:.-]+)*)\]")
_BRACES = re.compile(r"[{}]")


@dataclass(frozen=True)
class Reference:
    """One bibliography entry, reduced to what a reference list shows."""

    key: str
    authors: tuple[str, ...]  # "Ha, D."
    year: str
    title: str
    venue: str
    doi: str
    arxiv: str
    url: str


def _initials(first: str) -> str:
    parts = [p for p in re.split(r"[\s.]+", first) if p]
    return " ".join(f"{p[0]}." for p in parts)


def _clean(text: str) -> str:
    """BibTeX text as a reader sees it: LaTeX accents decoded (Th{\\'e}orie -> Théorie),
    braces dropped."""
    import latexcodec  # noqa: F401  (registers the "ulatex" codec; only books with a bibliography)

    try:
        text = str(codecs.decode(text, "ulatex"))  # type: ignore[call-overload]  # a text codec
    except ValueError:
        text = text.replace("\\&", "&")
    return _BRACES.sub("", text).strip()


def _reference(key: str, data: Any) -> Reference:
    entry = data.entries[key]
    fields = entry.fields
    people = entry.persons.get("author", [])
    authors = tuple(
        f"{_clean(' '.join(p.prelast_names + p.last_names))}, {_initials(_clean(' '.join(p.first_names + p.middle_names)))}".rstrip(
            ", "
        )
        for p in people
    ) or (_clean(fields.get("organization", fields.get("howpublished", ""))),)
    venue = next(
        (
            _clean(fields[f])
            for f in ("journal", "booktitle", "howpublished", "publisher", "institution")
            if f in fields
        ),
        "",
    )
    arxiv = (
        _clean(fields.get("eprint", ""))
        if fields.get("archiveprefix", fields.get("archivePrefix", "")).lower() == "arxiv"
        else ""
    )
    return Reference(
        key=key,
        authors=authors,
        year=_clean(fields.get("year", "n.d.")),
        title=_clean(fields.get("title", key)),
        venue=venue,
        doi=_clean(fields.get("doi", "")),
        arxiv=arxiv,
        url=_clean(fields.get("url", "")),
    )


def load_bibliography(path: str, display: str) -> tuple[dict[str, Reference], list[Diagnostic]]:
    """All entries of the BibTeX file; a parse error is a diagnostic naming the file."""
    if not os.path.isfile(path):
        return {}, []  # a book without references; citing anything is then an error
    # Imported here: books without a bibliography do not pay for pybtex.
    from pybtex.database import parse_file
    from pybtex.scanner import PybtexError

    try:
        data = parse_file(path, bib_format="bibtex")
    except PybtexError as exc:
        return {}, [Diagnostic(SourceLoc(display, 1), f"cannot read the bibliography: {exc}")]
    references = {key: _reference(key, data) for key in data.entries}
    problems = []
    text = ""
    for key, ref in references.items():
        if ref.url and not _SAFE_URL.match(ref.url):
            if not text:
                with open(path, encoding="utf-8", errors="replace") as file:
                    text = file.read()
            line = next(
                (
                    n
                    for n, t in enumerate(text.split("\n"), 1)
                    if re.search(rf"\{{\s*{re.escape(key)}\s*,", t)
                ),
                1,
            )
            message = f"the url of '{key}' is not an http(s) or relative link ({ref.url!r}); fix or remove it"
            problems.append(Diagnostic(SourceLoc(display, line), message))
            references[key] = Reference(**{**ref.__dict__, "url": ""})
    return references, problems


def _author_list(authors: tuple[str, ...]) -> str:
    if len(authors) > 20:
        # APA: the first 19, an ellipsis, the last author, and no ampersand.
        return ", ".join(authors[:19]) + ", … " + authors[-1]
    if len(authors) == 1:
        return authors[0]
    return ", ".join(authors[:-1]) + ", & " + authors[-1]


def reference_html(ref: Reference) -> str:
    """APA-style list entry with its DOI or arXiv link."""
    text = f"{html.escape(_author_list(ref.authors))} ({html.escape(ref.year)}). {html.escape(ref.title)}."
    if ref.venue:
        text += f" <em>{html.escape(ref.venue)}</em>."
    links = []
    if ref.doi:
        links.append(f'<a href="https://doi.org/{html.escape(ref.doi)}">doi:{html.escape(ref.doi)}</a>')
    if ref.arxiv:
        links.append(
            f'<a href="https://arxiv.org/abs/{html.escape(ref.arxiv)}">arXiv:{html.escape(ref.arxiv)}</a>'
        )
    if not links and ref.url:
        links.append(f'<a href="{html.escape(ref.url)}">{html.escape(ref.url)}</a>')
    return text + (" " + " · ".join(links) if links else "")


@dataclass
class PageCitations:
    """Numbers given to the works a page cites, in order of first citation."""

    numbers: dict[str, int]

    def cite(self, key: str) -> int:
        """The number of ``key`` on this page (a new one on first citation)."""
        return self.numbers.setdefault(key, len(self.numbers) + 1)


def citation_html(keys: list[str], citations: PageCitations) -> str:
    """``[1, 3]`` with each number linking to its entry in the page's reference list."""
    links = [f'<a class="wmbook-citation__link" href="#ref-{k}">{citations.cite(k)}</a>' for k in keys]
    return f'<span class="wmbook-citation">[{", ".join(links)}]</span>'


def references_html(citations: PageCitations, bibliography: Mapping[str, Reference]) -> list[str]:
    """The page's numbered reference list."""
    items = [
        f'<li id="ref-{key}" value="{number}">{reference_html(bibliography[key])}</li>'
        for key, number in sorted(citations.numbers.items(), key=lambda kv: kv[1])
        if key in bibliography
    ]
    return ['<ol class="wmbook-references">', *items, "</ol>"]
