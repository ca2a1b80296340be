"""The prose of a page, outside code and blocks: headings, citations, equation and figure
links, math."""

from __future__ import annotations

import re

import msgspec

from wmbook.cite.bibliography import CITATION
from wmbook.model import Fence, SourceLoc
from wmbook.parse.fences import INLINE_CODE

_HEADING = re.compile(r"^(#{2})\s+(?P<text>.*?)\s*(?:\{\s*:?[^}#]*#(?P<id>[^\s}]+)[^}]*\})?\s*$")
_H1 = re.compile(r"^#\s+(?P<text>.*?)\s*(?:\{[^}]*\})?\s*#*\s*$")
_EQ_LINK = re.compile(r"\]\(#(eq-[\w-]+)\)")
_FIG_LINK = re.compile(r"\]\(#(fig-[\w-]+)\)")
_MATH_MARK = re.compile(r"\$|\\\(|\\\[")
_CODE_SPAN = re.compile(r"(`+)(.*?)\1")


class Heading(msgspec.Struct, frozen=True):
    """A ``##`` section heading."""

    loc: SourceLoc
    text: str
    anchor: str  # '' when the heading has no explicit {#id}


class Prose(msgspec.Struct, frozen=True):
    """What the prose of a page holds besides text."""

    headings: tuple[Heading, ...] = ()
    citations: tuple[tuple[SourceLoc, tuple[str, ...]], ...] = ()
    equation_links: tuple[tuple[SourceLoc, str], ...] = ()
    figure_links: tuple[tuple[SourceLoc, str], ...] = ()
    has_math: bool = False  # the prose may hold $…$, \(…\) or \[…\]
    h1: str = ""  # the page's first-level title, if it has one


def _prose_lines(text: str, fences: list[Fence], first_line: int) -> list[tuple[int, str]]:
    skip: set[int] = set()
    for fence in fences:
        skip.update(range(fence.start, fence.end + 1))
    lines = text.split("\n")
    return [
        (n, INLINE_CODE.sub("", line)) for n, line in enumerate(lines, 1) if n >= first_line and n not in skip
    ]


def read_prose(text: str, path: str, fences: list[Fence], first_line: int) -> Prose:
    """Headings, citations, equation and figure links and math marks, outside code fences and
    inline code."""
    headings, citations, links, figure_links = [], [], [], []
    has_math = False
    h1 = ""
    raw = text.split("\n")
    for number, line in _prose_lines(text, fences, first_line):
        has_math = has_math or bool(_MATH_MARK.search(line))
        loc = SourceLoc(path, number)
        # Headings keep their inline code (`Code` -> Code): a cited title must not lose words.
        written = _CODE_SPAN.sub(r"\2", raw[number - 1])
        if not h1 and (title := _H1.match(written)):
            h1 = title["text"]
        if match := _HEADING.match(written):
            headings.append(Heading(loc, match["text"], match["id"] or ""))
        for cite in CITATION.finditer(line):
            citations.append((loc, tuple(k.strip().lstrip("@") for k in cite.group(1).split(";"))))
        links += [(loc, anchor) for anchor in _EQ_LINK.findall(line)]
        figure_links += [(loc, anchor) for anchor in _FIG_LINK.findall(line)]
    return Prose(tuple(headings), tuple(citations), tuple(links), tuple(figure_links), has_math, h1)
