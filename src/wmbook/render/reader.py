"""Markdown edits for reader blocks, and in-text citations."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from wmbook.blocks.equation import render_equation
from wmbook.blocks.quiz import render_quiz
from wmbook.cite.bibliography import CITATION, PageCitations, Reference, citation_html, references_html
from wmbook.parse.fences import INLINE_CODE, find_fences
from wmbook.parse.reader import ReaderPage
from wmbook.render.rewrite import Edit

REFERENCES_SLOT = "<!--wmbook-references-->"


def reader_edits(reader: ReaderPage, instrument_html: Callable[[object], str]) -> list[Edit]:
    """Edits that replace quiz, equation, instrument and references blocks."""
    edits = []
    for number, quiz in enumerate(reader.quizzes, start=1):
        edits.append(Edit(quiz.raw.start, quiz.raw.end, tuple(render_quiz(quiz, number))))
    for equation in reader.equations:
        edits.append(Edit(equation.raw.start, equation.raw.end, tuple(render_equation(equation))))
    for instrument in reader.instruments:
        edits.append(Edit(instrument.raw.start, instrument.raw.end, ("", instrument_html(instrument), "")))
    for raw in reader.reference_lists:
        edits.append(Edit(raw.start, raw.end, ("", REFERENCES_SLOT, "")))
    return edits


def link_citations(markdown: str, citations: PageCitations, known: Mapping[str, Reference]) -> str:
    """Turn ``[@key]`` into numbered links, outside code; fill the reference list."""
    skip: set[int] = set()
    for fence in find_fences(markdown):
        skip.update(range(fence.start, fence.end + 1))
    lines = markdown.split("\n")

    def replace(match: re.Match[str]) -> str:
        keys = [k.strip().lstrip("@") for k in match.group(1).split(";")]
        keys = [k for k in keys if k in known]
        return citation_html(keys, citations) if keys else match.group(0)

    for number, line in enumerate(lines, start=1):
        if number in skip or "[@" not in line:
            continue
        # Citations inside inline code stay literal: only the text between code spans changes.
        codes = [m.group(0) for m in INLINE_CODE.finditer(line)]
        texts = [CITATION.sub(replace, t) for t in INLINE_CODE.sub("\0", line).split("\0")]
        lines[number - 1] = "".join(t + (codes[i] if i < len(codes) else "") for i, t in enumerate(texts))
    result = "\n".join(lines)
    if REFERENCES_SLOT in result:
        result = result.replace(REFERENCES_SLOT, "\n".join(references_html(citations, known)), 1)
    return result
