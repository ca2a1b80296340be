"""The reader-facing parts of a page: blocks, headings, citations and equation links."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from wmbook.blocks.equation import Equation, parse_equation
from wmbook.blocks.instrument import InstrumentBlock, parse_instrument
from wmbook.blocks.options import read_options
from wmbook.blocks.quiz import Quiz, parse_quiz
from wmbook.cite.bibliography import CITATION
from wmbook.model import Diagnostic, Fence, SourceLoc
from wmbook.parse.blocks import RawBlock, find_blocks
from wmbook.parse.fences import INLINE_CODE

BLOCK_NAMES = ("quiz", "equation", "instrument", "references")
_HEADING = re.compile(r"^(#{2})\s+(?P<text>.*?)\s*(?:\{\s*:?[^}#]*#(?P<id>[^\s}]+)[^}]*\})?\s*$")
_EQ_LINK = re.compile(r"\]\(#(eq-[\w-]+)\)")
_MATH_MARK = re.compile(r"\$|\\\(|\\\[")


@dataclass(frozen=True)
class Heading:
    """A ``##`` section heading."""

    loc: SourceLoc
    text: str
    anchor: str  # '' when the heading has no explicit {#id}


@dataclass(frozen=True)
class ReaderPage:
    """Everything on a page besides its code blocks."""

    quizzes: tuple[Quiz, ...] = ()
    equations: tuple[Equation, ...] = ()
    instruments: tuple[InstrumentBlock, ...] = ()
    reference_lists: tuple[RawBlock, ...] = ()
    headings: tuple[Heading, ...] = ()
    citations: tuple[tuple[SourceLoc, tuple[str, ...]], ...] = ()
    equation_links: tuple[tuple[SourceLoc, str], ...] = ()
    has_math: bool = False  # the page's prose may hold $…$, \(…\) or \[…\]


def _prose_lines(text: str, fences: list[Fence], first_line: int) -> list[tuple[int, str]]:
    skip: set[int] = set()
    for fence in fences:
        skip.update(range(fence.start, fence.end + 1))
    lines = text.split("\n")
    return [
        (n, INLINE_CODE.sub("", line)) for n, line in enumerate(lines, 1) if n >= first_line and n not in skip
    ]


def _unique_quiz_anchors(quizzes: list[Quiz]) -> list[Quiz]:
    """Quizzes whose questions start alike get -2, -3 … so every anchor is unique."""
    used: dict[str, int] = {}
    unique = []
    for quiz in quizzes:
        count = used.get(quiz.anchor, 0) + 1
        used[quiz.anchor] = count
        unique.append(quiz if count == 1 else dataclasses.replace(quiz, anchor=f"{quiz.anchor}-{count}"))
    return unique


def parse_reader(
    text: str, path: str, fences: list[Fence], first_line: int
) -> tuple[ReaderPage, list[Diagnostic]]:
    """Find and validate the reader blocks of a page (front matter excluded)."""
    problems: list[Diagnostic] = []
    quizzes: list[Quiz] = []
    equations: list[Equation] = []
    instruments: list[InstrumentBlock] = []
    references: list[RawBlock] = []
    for raw in find_blocks(text, fences, first_line):
        at = SourceLoc(path, raw.start)
        if not raw.closed:
            problems.append(
                Diagnostic(at, f"this {raw.name} block is never closed; end it with a line '///'")
            )
        if raw.name == "quiz":
            quiz, found = parse_quiz(raw, path, len(quizzes))
            problems += found
            if quiz:
                quizzes.append(quiz)
        elif raw.name == "equation":
            equation, found = parse_equation(raw, path)
            problems += found
            if equation:
                equations.append(equation)
        elif raw.name == "instrument":
            instrument, found = parse_instrument(raw, path)
            problems += found
            if instrument:
                instruments.append(instrument)
        elif raw.name == "references":
            problems += read_options(raw, path, ())[1]
            references.append(raw)
        else:
            problems.append(
                Diagnostic(at, f"unknown block '{raw.name}' (known blocks: {', '.join(BLOCK_NAMES)})")
            )
    quizzes = _unique_quiz_anchors(quizzes)
    headings, citations, links = [], [], []
    has_math = False
    for number, line in _prose_lines(text, fences, first_line):
        has_math = has_math or bool(_MATH_MARK.search(line))
        loc = SourceLoc(path, number)
        if match := _HEADING.match(line):
            headings.append(Heading(loc, match["text"], match["id"] or ""))
        for cite in CITATION.finditer(line):
            citations.append((loc, tuple(k.strip().lstrip("@") for k in cite.group(1).split(";"))))
        links += [(loc, anchor) for anchor in _EQ_LINK.findall(line)]
    page = ReaderPage(
        tuple(quizzes),
        tuple(equations),
        tuple(instruments),
        tuple(references),
        tuple(headings),
        tuple(citations),
        tuple(links),
        has_math,
    )
    return page, problems
