"""Labelled display equations: ``/// equation | EQ MM5.1 — Title``.

Parse: the label (``EQ`` and letters, digits and dots: ``EQ 1``, ``EQ A.1``, ``EQ GD2.3``)
and the display math.  Check (page-wide): labels are unique and every link to
``#eq-…`` on the page has its equation.  Render: an anchored box whose math KaTeX
renders with the rest of the page.
"""

from __future__ import annotations

import re

import msgspec

from wmbook.book import ParsedPage
from wmbook.check.labels import first_places, missing_targets
from wmbook.kinds.base import BlockKind, CheckContext, ExportContext, ParseContext, RenderContext, region_of
from wmbook.model import AssetKind, Diagnostic, Region, SourceLoc
from wmbook.notebook.cells import Cell, markdown_cell
from wmbook.parse.block_options import read_options, slugify
from wmbook.parse.blocks import RawBlock
from wmbook.parse.options import LABEL_TEXT
from wmbook.templates import macros

# A label: "EQ" then letters, digits and dots, not ending in a dot ("EQ MM5.1", "EQ A.1", "EQ 7").
_LABEL = re.compile(rf"^(?P<label>EQ\s+{LABEL_TEXT})\s*(?:[—–-]+\s*(?P<title>.*))?$")


class Equation(msgspec.Struct, frozen=True):
    """A validated equation block."""

    region: Region
    loc: SourceLoc
    label: str  # "EQ MM5.1"
    title: str
    anchor: str  # "eq-mm5-1"
    content: tuple[str, ...]  # the math and its caption, Markdown


def equation_anchor(label: str) -> str:
    """'EQ MM5.1' -> 'eq-mm5-1', 'EQ A.1' -> 'eq-a-1'."""
    return slugify(label)


def parse(raw: RawBlock, ctx: ParseContext) -> tuple[Equation | None, list[Diagnostic]]:
    """Validate an equation block: a label, display math, no options."""
    _, problems = read_options(raw, ctx.path, ())
    at = SourceLoc(ctx.path, raw.start)
    match = _LABEL.match(raw.argument)
    if not match:
        message = (
            "an equation needs a label after '|': EQ and letters, digits and dots, "
            "then an optional title ('EQ 3', 'EQ A.1 — Title', 'EQ MM5.1 — Title')"
        )
        problems.append(Diagnostic(at, message))
        return None, problems
    body = "\n".join(raw.content)
    if "$$" not in body and "\\[" not in body:
        problems.append(Diagnostic(at, "an equation block must contain display math between $$ and $$"))
    label = re.sub(r"\s+", " ", match["label"])
    region = region_of(ctx.lines, raw.start, raw.end)
    title = (match["title"] or "").strip()
    return Equation(region, at, label, title, equation_anchor(label), raw.content), problems


def _separate_display_math(lines: tuple[str, ...]) -> list[str]:
    """Blank lines around ``$$ … $$`` so Markdown sees the math as a block of its own,
    even when the caption starts on the line right after it."""
    out: list[str] = []
    inside = False
    for line in lines:
        stripped = line.strip()
        opens = not inside and stripped.startswith("$$")
        if opens:
            out.append("")
            inside = not (len(stripped) > 2 and stripped.endswith("$$"))
            out.append(line)
            if not inside:
                out.append("")
            continue
        out.append(line)
        if inside and stripped.endswith("$$"):
            inside = False
            out.append("")
    return out


def render(equation: Equation, ctx: RenderContext | None = None) -> list[str]:
    """Markdown lines replacing the block."""
    parts = macros("equation.html")
    return [
        str(parts.start(equation.anchor)),
        str(parts.title(equation.anchor, equation.label, equation.title)),
        *_separate_display_math(equation.content),
        "",
        str(parts.end()),
    ]


def check_page(page: ParsedPage, ctx: CheckContext) -> list[Diagnostic]:
    """Equation labels are unique on a page; links to its equations resolve."""
    problems: list[Diagnostic] = []
    seen = first_places(page.blocks_of(Equation), "equation", problems)
    missing_targets(page.equation_links, seen, "equation", problems)
    return problems


def notebook(equation: Equation, ctx: ExportContext) -> list[Cell]:
    """The label and title in bold, then the math and its caption."""
    title = f" — {equation.title}" if equation.title else ""
    return [markdown_cell(ctx.cite("\n".join([f"**{equation.label}**{title}", "", *equation.content])))]


KIND = BlockKind(
    name="equation",
    record=Equation,
    blocks=("equation",),
    parse=parse,
    render=render,
    check_page=check_page,
    notebook=notebook,
    assets=frozenset({AssetKind.MATH}),
)
