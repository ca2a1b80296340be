"""The book's BibTeX file (read with pybtex), reduced to typed records, and checked.

Every problem is a diagnostic at ``references.bib:LINE`` that says what to change: a
``related`` key that is not in the file, a ``relatedtype`` wmbook has no words for, a DOI
or arXiv id it cannot link, a link that is not http(s).
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import msgspec
from msgspec.structs import replace

from wmbook.cite.bibfile import BibLines
from wmbook.cite.inline import SAFE_URL, unsafe_links
from wmbook.model import Diagnostic, SourceLoc

# ``[@key]`` or ``[@a; @b]``; not the text of a link (``[@user](https://…)``, ``[@user][ref]``,
# ``[@user]: https://…``), which sites use for people's handles.
CITATION = re.compile(r"\[@([\w:.-]+(?:\s*;\s*@[\w:.-]+)*)\](?![(\[:])")
_BRACES = re.compile(r"[{}]")
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_PREFIX = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)
_ARXIV = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")
_RANGE = re.compile(r"(?<=\w)\s*[-‐‑–—]+\s*(?=\w)")  # 604--609, 604-609, 604 – 609 -> 604–609

# BibLaTeX's relation types, in the words a reader sees; no relatedtype: another published version.
RELATED_PHRASES = {
    "": "Also published as",
    "origpubas": "Originally published as",
    "origpubin": "Originally published in",
    "reprintas": "Reprinted as",
    "reprintof": "Reprint of",
    "reprintfrom": "Reprinted from",
    "translationas": "Translated as",
    "translationof": "Translation of",
    "translationfrom": "Translated from",
    "reviewof": "Review of",
}


class Related(msgspec.Struct, frozen=True):
    """Another work an entry points to (BibLaTeX's ``related``), with the words that join them."""

    phrase: str  # "Also published as"
    work: Reference


class Reference(msgspec.Struct, frozen=True):
    """One bibliography entry, reduced to what a reference list shows."""

    key: str
    authors: tuple[str, ...]  # "Ha, D."
    year: str
    title: str
    entry_type: str = "misc"  # the BibTeX type, lower case ("article", "inproceedings" …)
    journal: str = ""
    booktitle: str = ""
    howpublished: str = ""
    publisher: str = ""  # also organization, institution or school, by type
    series: str = ""
    volume: str = ""
    number: str = ""
    pages: str = ""  # ranges with an en dash: "604–609"
    report_type: str = ""  # the ``type`` field of a report or thesis
    doi: str = ""
    arxiv: str = ""
    url: str = ""
    annotation: str = ""  # one line of inline Markdown: what the reader finds in the work
    related: tuple[Related, ...] = ()


class Bibliography(msgspec.Struct, frozen=True):
    """The book's bibliography as the checks see it: its entries, where it is (or was looked
    for), as displayed, and whether it was there."""

    entries: Mapping[str, Reference]
    path: str
    found: bool


class PageCitations(msgspec.Struct):
    """Numbers given to the works a page cites, in order of first citation."""

    numbers: dict[str, int]

    @classmethod
    def numbered(
        cls, cited: Iterable[tuple[object, tuple[str, ...]]], entries: Mapping[str, Reference]
    ) -> PageCitations:
        """The numbers of a page's citations (``ParsedPage.citations``: where, keys), in order of
        first citation; a key the bibliography lacks gets none."""
        citations = cls({})
        for _, keys in cited:
            for key in keys:
                if key in entries:
                    citations.cite(key)
        return citations

    def cite(self, key: str) -> int:
        """The number of ``key`` on this page (a new one on first citation)."""
        return self.numbers.setdefault(key, len(self.numbers) + 1)


def _initials(first: str) -> str:
    parts = [p for p in re.split(r"[\s.]+", first) if p]
    return " ".join(f"{p[0]}." for p in parts)


def _clean(text: str) -> str:
    """BibTeX text as a reader sees it: LaTeX accents decoded (Th{\\'e}orie -> Théorie),
    braces dropped, ``--`` an en dash, white space collapsed."""
    import latexcodec  # noqa: F401  (registers the "ulatex" codec; only books with a bibliography)

    try:
        text = str(codecs.decode(text, "ulatex"))  # type: ignore[call-overload]  # a text codec
    except ValueError:
        text = text.replace("\\&", "&")
    return " ".join(_BRACES.sub("", text).split())


def _first(fields: Any, *names: str) -> str:
    return next((_clean(fields[name]) for name in names if name in fields), "")


def _person(person: Any) -> str:
    last = _clean(" ".join(person.prelast_names + person.last_names))
    first = _initials(_clean(" ".join(person.first_names + person.middle_names)))
    return f"{last}, {first}".rstrip(", ")


def _reference(key: str, entry: Any) -> Reference:
    fields = entry.fields
    authors = tuple(_person(p) for p in entry.persons.get("author", [])) or (
        _first(fields, "organization", "howpublished"),
    )
    year = _first(fields, "year") or _first(fields, "date")[:4] or "n.d."
    return Reference(
        key=key,
        authors=authors,
        year=year,
        title=_first(fields, "title") or key,
        entry_type=entry.type.lower(),
        journal=_first(fields, "journal", "journaltitle"),
        booktitle=_first(fields, "booktitle"),
        howpublished=_first(fields, "howpublished"),
        publisher=_first(fields, "publisher", "organization", "institution", "school"),
        series=_first(fields, "series"),
        volume=_first(fields, "volume"),
        number=_first(fields, "number", "issue"),
        pages=_RANGE.sub("–", _first(fields, "pages")),
        report_type=_first(fields, "type"),
        doi=_DOI_PREFIX.sub("", _first(fields, "doi")),
        arxiv=re.sub(r"^arxiv:\s*", "", _first(fields, "eprint"), flags=re.IGNORECASE),
        url=_first(fields, "url"),
        annotation=_first(fields, "annotation", "annote"),
    )


Report = Callable[[str, str, str], None]  # (entry key, field, message)


def _check_links(ref: Reference, eprint_type: str, report: Report) -> Reference:
    """The entry with every link it cannot carry reported and left out."""
    if ref.url and not SAFE_URL.match(ref.url):
        report(
            ref.key,
            "url",
            f"the url of '{ref.key}' is not an http(s) or relative link ({ref.url!r}); fix or remove it",
        )
        ref = replace(ref, url="")
    if ref.doi and not _DOI.match(ref.doi):
        message = f"the doi of '{ref.key}' is not a DOI ({ref.doi!r}); write it as 10.NNNN/suffix, e.g. 10.1038/s41586-020-03051-4"
        report(ref.key, "doi", message)
        ref = replace(ref, doi="")
    if ref.arxiv:
        if eprint_type.lower() != "arxiv":
            named = f"archivePrefix {eprint_type!r}" if eprint_type else "no archivePrefix"
            message = (
                f"the eprint of '{ref.key}' has {named}; wmbook links arXiv eprints: "
                "write archivePrefix = {arXiv}, or remove eprint and give the link in url"
            )
            report(ref.key, "eprint", message)
            ref = replace(ref, arxiv="")
        elif not _ARXIV.match(ref.arxiv):
            message = f"the eprint of '{ref.key}' is not an arXiv id ({ref.arxiv!r}); write it as 2301.04104 or hep-th/9901001"
            report(ref.key, "eprint", message)
            ref = replace(ref, arxiv="")
    for target in unsafe_links(ref.annotation):
        message = f"the annotation of '{ref.key}' links to {target!r}, which is not an http(s) or relative link; fix or remove it"
        report(ref.key, "annotation", message)
    return ref


def _relations(key: str, fields: Any, known: dict[str, Reference], report: Report) -> tuple[Related, ...]:
    """The works ``key`` names in ``related``, each with its phrase; bad names reported."""
    targets = [t.strip() for t in _first(fields, "related").split(",") if t.strip()]
    kind = _first(fields, "relatedtype").lower()
    if not targets:
        for name in ("relatedtype", "relatedstring"):
            if name in fields:
                report(
                    key, name, f"'{key}' has {name} but no related; add related = {{key}} or remove {name}"
                )
        return ()
    if kind not in RELATED_PHRASES:
        known_types = ", ".join(k for k in RELATED_PHRASES if k)
        message = (
            f"unknown relatedtype {kind!r} of '{key}' (known: {known_types}); use one of them, "
            "leave relatedtype out for 'Also published as', or give the words in relatedstring"
        )
        report(key, "relatedtype", message)
        kind = ""
    phrase = _first(fields, "relatedstring") or RELATED_PHRASES[kind]
    related = []
    for target in targets:
        if target == key:
            report(key, "related", f"'{key}' names itself in related; name the key of the other version")
        elif target not in known:
            message = f"'{key}' is related to '{target}', which is not in the bibliography; add an entry with that key or fix related"
            report(key, "related", message)
        else:
            related.append(Related(phrase, known[target]))
    return tuple(related)


def load_bibliography(path: str, display: str) -> tuple[dict[str, Reference], list[Diagnostic]]:
    """All entries of the BibTeX file; every problem a diagnostic at its line."""
    if not os.path.isfile(path):
        return {}, []  # a book without references; citing anything is then an error
    with open(path, encoding="utf-8", errors="replace") as file:
        text = file.read()
    # Imported here: books without a bibliography do not pay for pybtex.
    from pybtex.database import parse_string
    from pybtex.scanner import PybtexError

    try:
        data = parse_string(text, bib_format="bibtex")
    except PybtexError as exc:
        return {}, [Diagnostic(SourceLoc(display, 1), f"cannot read the bibliography: {exc}")]
    lines = BibLines(text)
    problems: list[Diagnostic] = []

    def report(key: str, field: str, message: str) -> None:
        problems.append(Diagnostic(SourceLoc(display, lines.field_line(key, field)), message))

    def eprint_type(fields: Any) -> str:
        return _first(fields, "archiveprefix", "eprinttype")

    works = {
        key: _check_links(_reference(key, entry), eprint_type(entry.fields), report)
        for key, entry in data.entries.items()
    }
    references = {
        key: replace(work, related=_relations(key, data.entries[key].fields, works, report))
        for key, work in works.items()
    }
    return references, sorted(problems, key=lambda d: d.loc.line)
