"""The reference list: ``/// references`` + ``///`` where a page's cited works are listed.

Parse: a block without options.  Check (page-wide): every ``[@key]`` is in the
bibliography, the bibliography exists, and a page that cites has a reference list.
Render: a slot that the numbered list fills once citations are numbered.
"""

from __future__ import annotations

import msgspec

from wmbook.book import ParsedPage
from wmbook.cite.bibliography import Bibliography, PageCitations
from wmbook.cite.reference_list import reference_html
from wmbook.kinds.base import BlockKind, CheckContext, ExportContext, ParseContext, RenderContext, region_of
from wmbook.model import Diagnostic, Region, SourceLoc
from wmbook.notebook.cells import Cell, markdown_cell
from wmbook.parse.block_options import read_options
from wmbook.parse.blocks import RawBlock
from wmbook.render.slots import REFERENCES

SLOT = REFERENCES  # the slot, as ``wmbook.render.slots`` writes it


class ReferenceList(msgspec.Struct, frozen=True):
    """Where the page's reference list goes."""

    region: Region
    loc: SourceLoc


def parse(raw: RawBlock, ctx: ParseContext) -> tuple[ReferenceList | None, list[Diagnostic]]:
    """A reference list takes no options."""
    problems = read_options(raw, ctx.path, ())[1]
    return ReferenceList(region_of(ctx.lines, raw.start, raw.end), SourceLoc(ctx.path, raw.start)), problems


def render(block: ReferenceList, ctx: RenderContext) -> list[str]:
    """A slot for the list (filled when citations are linked)."""
    return ["", REFERENCES, ""]


def check_page(page: ParsedPage, ctx: CheckContext) -> list[Diagnostic]:
    """Every cited key is in the bibliography; a page that cites has a reference list."""
    if not page.citations:
        return []
    first = page.citations[0][0]
    bibliography = ctx.need(Bibliography)
    if not bibliography.found:
        message = (
            f"this page cites works but there is no bibliography: wmbook looked for {bibliography.path}; "
            "add that BibTeX file or set the plugin's 'bibliography' option"
        )
        return [Diagnostic(first, message)]
    problems = [
        Diagnostic(loc, f"unknown citation key '{key}'; add it to {bibliography.path} or fix the key")
        for loc, keys in page.citations
        for key in keys
        if key not in bibliography.entries
    ]
    if not page.blocks_of(ReferenceList):
        message = "this page cites works but has no reference list; add '/// references' and '///'"
        problems.append(Diagnostic(first, message))
    return problems


def notebook(block: ReferenceList, ctx: ExportContext) -> list[Cell]:
    """The works the page cites, numbered as in its text."""
    numbers = sorted(ctx.need(PageCitations).numbers.items(), key=lambda item: item[1])
    entries = ctx.need(Bibliography).entries
    items = [f"{number}. {reference_html(entries[key])}" for key, number in numbers]
    return [markdown_cell("\n".join(items))] if items else []


KIND = BlockKind(
    name="references",
    record=ReferenceList,
    blocks=("references",),
    parse=parse,
    render=render,
    check_page=check_page,
    notebook=notebook,
)
