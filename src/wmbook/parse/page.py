"""Parse stage for one page: Markdown text (or a notebook) -> a ``ParsedPage`` of typed blocks.

Fences and ``///`` blocks are found with their file lines, then each is handed, in
page order, to its kind from the registry (``wmbook.kinds``).
"""

from __future__ import annotations

import difflib
from collections.abc import Container

import msgspec

from wmbook.blocks import CodeBlock
from wmbook.book import ParsedPage
from wmbook.chapter.meta import is_chapter, read_chapter_meta
from wmbook.instruments.registry import InstrumentRegistry
from wmbook.kinds import registry
from wmbook.kinds.base import ParseContext
from wmbook.model import Diagnostic, Fence, PageRef, SourceLoc
from wmbook.parse.blocks import RawBlock, claimed_blocks
from wmbook.parse.fences import find_fences, front_matter_lines
from wmbook.parse.frontmatter import front_matter_line, page_execute_mode, read_front_matter
from wmbook.parse.marked import ExecuteMode
from wmbook.parse.notebook import notebook_text
from wmbook.parse.prose import Prose, read_prose
from wmbook.parse.snippets import SnippetReader

# pymdownx.blocks' own block names and admonition types: never taken for misspelt wmbook blocks.
STANDARD_BLOCKS = frozenset(
    [
        "admonition",
        "details",
        "tab",
        "html",
        "caption",
        "figure-caption",
        "table-caption",
        "define",
        "note",
        "attention",
        "caution",
        "danger",
        "error",
        "tip",
        "hint",
        "warning",
        "important",
        "abstract",
        "info",
        "success",
        "question",
        "failure",
        "bug",
        "example",
        "quote",
    ]
)


def page_ref(page: PageRef | str) -> PageRef:
    """A page as its ``PageRef``; text given by a display path alone (not a site's file) is
    the page of that path."""
    return page if isinstance(page, PageRef) else PageRef(page, page)


def parse_notebook_page(
    raw: str,
    page: PageRef | str,
    instruments: InstrumentRegistry | None = None,
    site_mode: ExecuteMode = ExecuteMode.ALL,
    snippets: SnippetReader | None = None,
) -> ParsedPage:
    """Parse a notebook: its cells as one Markdown text, located back to cells.  The
    notebook's metadata may hold its ``wmbook: {execute: …}`` setting.

    Only the code cells' fences are blocks (a fence in a Markdown cell is prose), and
    each code block knows the cell it is.
    """
    ref = page_ref(page)
    path = ref.path
    text, cells, data, problems = notebook_text(raw, path)
    metadata = (data or {}).get("metadata")
    settings = metadata.get("wmbook") if isinstance(metadata, dict) else None
    mode, found = page_execute_mode(settings, site_mode, path)
    problems += found
    parsed = parse_page(text, ref, instruments, mode, snippets, block_fences=cells.block_fences)
    blocks = tuple(
        msgspec.structs.replace(block, cell=cells.code_cell(block.fence.start))
        if isinstance(block, CodeBlock)
        else block
        for block in parsed.blocks
    )
    return msgspec.structs.replace(
        parsed, blocks=blocks, cells=cells, notebook=data, diagnostics=(*problems, *parsed.diagnostics)
    )


def _parse_sources(
    sources: list[Fence | RawBlock], ctx: ParseContext, block_fences: Container[int] | None
) -> list[Diagnostic]:
    """Hand each fence and ``///`` block, in page order, to its kind; the records go into
    ``ctx.blocks``.  A fence in another language (or outside ``block_fences``) is left as it is."""
    kinds = registry()
    diagnostics: list[Diagnostic] = []
    for source in sources:
        if isinstance(source, Fence):
            markdown_cell = block_fences is not None and source.start not in block_fences
            kind = None if markdown_cell else kinds.by_fence.get(source.lang)
            if kind is None:  # another language: shown as it is
                continue
        else:
            if not source.closed:
                message = f"this {source.name} block is never closed; end it with a line '///'"
                diagnostics.append(Diagnostic(SourceLoc(ctx.path, source.start), message))
            kind = kinds.by_block[source.name]
        record, found = kind.parse(source, ctx)
        diagnostics += found
        if record is not None:
            assert type(record) is kind.record
            ctx.blocks.append(record)
    return diagnostics


def _unlabelled_sections(prose: Prose) -> list[Diagnostic]:
    """A chapter's ``##`` sections are cited by their ids, so each needs one written."""
    return [
        Diagnostic(h.loc, "a chapter's ## sections need an explicit id: ## 5.1 Title {#sec-5-1}")
        for h in prose.headings
        if not h.anchor
    ]


def misspelt_blocks(passed: list[RawBlock], path: str) -> list[Diagnostic]:
    """Errors for blocks whose name looks like a misspelt wmbook block (``/// qiuz``): left to
    pymdownx.blocks, they would fail there or vanish from the page."""
    problems = []
    known = registry().by_block
    for raw in passed:
        if raw.name not in STANDARD_BLOCKS and difflib.get_close_matches(raw.name, known, 1, 0.75):
            message = f"unknown block '{raw.name}' (known blocks: {', '.join(known)})"
            problems.append(Diagnostic(SourceLoc(path, raw.start), message))
    return problems


def parse_page(
    text: str,
    page: PageRef | str,
    instruments: InstrumentRegistry | None = None,
    site_mode: ExecuteMode = ExecuteMode.ALL,
    snippets: SnippetReader | None = None,
    block_fences: Container[int] | None = None,
) -> ParsedPage:
    """Parse one Markdown page (front matter included, so line numbers match the file).

    ``site_mode`` is which fences run by the site's settings; the page's front matter
    (``wmbook: {execute: marked}``) may change it.  Code fences that do not run in the
    page's mode are left to Markdown as they are written.  With ``block_fences`` (a
    notebook's text), only fences opening on those lines can be blocks; any other fence
    is shown as written.
    """
    ref = page_ref(page)
    path = ref.path
    lines = tuple(text.split("\n"))
    front, diagnostics = read_front_matter(text, path, ref.abs_path)
    mode, found = page_execute_mode(
        front.data.get("wmbook"), site_mode, path, lambda key: front_matter_line(text, key)
    )
    diagnostics += found
    runnable = not diagnostics  # code whose declared inputs are wrong would only fail again
    body_start = front_matter_lines(text) + 1
    fences = find_fences(text)
    kinds = registry()
    raw_blocks, passed = claimed_blocks(text, fences, kinds.by_block, body_start)
    diagnostics += misspelt_blocks(passed, path)
    inside_blocks = {n for raw in raw_blocks for n in range(raw.start, raw.end + 1)}
    # Fences inside a wmbook /// block are part of its Markdown content, not blocks of their own.
    sources: list[Fence | RawBlock] = [f for f in fences if f.start not in inside_blocks]
    sources += raw_blocks
    sources.sort(key=lambda s: s.start)
    extras: dict[type, object] = {InstrumentRegistry: instruments or InstrumentRegistry(), ExecuteMode: mode}
    if snippets is not None:
        extras[SnippetReader] = snippets
    ctx = ParseContext(path, lines, extras=extras)
    diagnostics += _parse_sources(sources, ctx, block_fences)
    prose = read_prose(text, path, fences, body_start)
    chapter = None
    if is_chapter(front.data):
        chapter, found = read_chapter_meta(front.data, text, path)
        diagnostics += found + _unlabelled_sections(prose)
    return ParsedPage(
        ref=ref,
        text=text,
        meta=front.data,
        depends_on=front.depends_on,
        blocks=tuple(ctx.blocks),
        assets=frozenset(asset for block in ctx.blocks for asset in kinds.of(block).assets),
        prose=prose,
        chapter=chapter,
        diagnostics=tuple(diagnostics),
        runnable=runnable,
        execute=mode,
    )
