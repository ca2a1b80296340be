"""Parse stage for one page: Markdown text (or a notebook) -> a ``ParsedPage`` of typed blocks.

Fences and ``///`` blocks are found with their file lines, then each is handed, in
page order, to its kind from the registry (``wmbook.kinds``).
"""

from __future__ import annotations

import dataclasses

from wmbook.book import ParsedPage
from wmbook.chapter.meta import is_chapter, read_chapter_meta
from wmbook.instruments.registry import InstrumentRegistry
from wmbook.kinds import BY_BLOCK, BY_FENCE, BY_RECORD
from wmbook.kinds.base import ParseContext, region_of
from wmbook.model import Diagnostic, Fence, SourceLoc
from wmbook.parse.blocks import RawBlock, find_blocks
from wmbook.parse.fences import find_fences, front_matter_lines
from wmbook.parse.frontmatter import read_front_matter
from wmbook.parse.notebook import notebook_text
from wmbook.parse.prose import read_prose


def parse_notebook_page(
    raw: str, path: str, abs_path: str = "", instruments: InstrumentRegistry | None = None
) -> ParsedPage:
    """Parse a notebook: its cells as one Markdown text, located back to cells."""
    text, cells, data, problems = notebook_text(raw, path)
    page = parse_page(text, path, abs_path, instruments)
    return dataclasses.replace(page, cells=cells, notebook=data, diagnostics=(*problems, *page.diagnostics))


def parse_page(
    text: str, path: str, abs_path: str = "", instruments: InstrumentRegistry | None = None
) -> ParsedPage:
    """Parse one Markdown page (front matter included, so line numbers match the file)."""
    lines = tuple(text.split("\n"))
    front, diagnostics = read_front_matter(text, path, abs_path)
    runnable = not diagnostics  # code whose declared inputs are wrong would only fail again
    body_start = front_matter_lines(text) + 1
    fences = find_fences(text)
    raw_blocks = find_blocks(text, fences, body_start)
    inside_blocks = {n for raw in raw_blocks for n in range(raw.start, raw.end + 1)}
    # Fences inside a /// block are part of its Markdown content, not blocks of their own.
    sources: list[Fence | RawBlock] = [f for f in fences if f.start not in inside_blocks]
    sources += raw_blocks
    sources.sort(key=lambda s: s.start)
    ctx = ParseContext(path, lines, instruments or InstrumentRegistry())
    for source in sources:
        if isinstance(source, Fence):
            kind = BY_FENCE.get(source.lang)
            if kind is None:  # another language: shown as it is, but it separates blocks
                ctx.previous = region_of(lines, source.start, source.end)
                continue
        else:
            if not source.closed:
                message = f"this {source.name} block is never closed; end it with a line '///'"
                diagnostics.append(Diagnostic(SourceLoc(path, source.start), message))
            kind = BY_BLOCK.get(source.name)
            if kind is None:
                known = ", ".join(BY_BLOCK)
                message = f"unknown block '{source.name}' (known blocks: {known})"
                diagnostics.append(Diagnostic(SourceLoc(path, source.start), message))
                continue
        record, found = kind.parse(source, ctx)
        diagnostics += found
        if record is not None:
            assert type(record) in BY_RECORD
            ctx.blocks.append(record)
            ctx.previous = record.region
        else:
            ctx.previous = region_of(lines, source.start, source.end)
    prose = read_prose(text, path, fences, body_start)
    chapter = None
    if is_chapter(front.data):
        chapter, found = read_chapter_meta(front.data, text, path)
        diagnostics += found
        diagnostics += [
            Diagnostic(h.loc, "a chapter's ## sections need an explicit id: ## 5.1 Title {#sec-5-1}")
            for h in prose.headings
            if not h.anchor
        ]
    return ParsedPage(
        path=path,
        abs_path=abs_path,
        text=text,
        meta=front.data,
        depends_on=front.depends_on,
        blocks=tuple(ctx.blocks),
        prose=prose,
        chapter=chapter,
        diagnostics=tuple(diagnostics),
        runnable=runnable,
    )
