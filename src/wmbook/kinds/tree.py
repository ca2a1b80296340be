"""Tree blocks: markdown-exec's ```` ```tree ```` fences, a list of names drawn as a tree of
files with an icon before each (``wmbook.parse.tree``), shown as a code block highlighted
as ``result=`` says (bash by default).  Nothing runs; the icons' SVG goes in once the page
is HTML (``wmbook.render.tree``)."""

from __future__ import annotations

import msgspec

from wmbook.kinds.base import BlockKind, ExportContext, ParseContext, RenderContext, region_of
from wmbook.model import Diagnostic, Fence, Region, SourceLoc
from wmbook.notebook.cells import Cell, markdown_cell
from wmbook.parse.fences import find_fences
from wmbook.parse.mdexec import PASSED_ON
from wmbook.parse.options import OptionError, split_options
from wmbook.parse.tree import TreeOptionError, draw_tree, is_drawn, read_tree, tree_options
from wmbook.render.mdexec import code_block

TREE_OPTIONS = ("icons", "result", "exec", *PASSED_ON)


class TreeBlock(msgspec.Struct, frozen=True):
    """A ``tree`` fence: its names drawn as a tree."""

    region: Region
    loc: SourceLoc
    fence: Fence
    language: str  # what the drawn tree is highlighted as
    icons: str  # auto, material, zensical, basic or none
    passed_on: tuple[tuple[str, str], ...] = ()  # highlight options (title …)


def parse(fence: Fence, ctx: ParseContext) -> tuple[TreeBlock | None, list[Diagnostic]]:
    """A ``tree`` fence; one with options it cannot take is reported and left as written."""
    loc = SourceLoc(ctx.path, fence.start)
    if is_drawn("\n".join(fence.body)):
        return None, []
    try:
        raw = split_options(fence.info, TREE_OPTIONS)
        language, icons = tree_options(raw)
    except (OptionError, TreeOptionError) as exc:
        return None, [Diagnostic(loc, f"{exc}")]
    passed_on = tuple((key, raw[key]) for key in PASSED_ON if key in raw)
    return TreeBlock(region_of(ctx.lines, fence.start, fence.end), loc, fence, language, icons, passed_on), []


def render(block: TreeBlock, ctx: RenderContext) -> list[str]:
    """The drawn tree as a code block, at the fence's indentation."""
    return drawn_fence(block.fence, block.language, block.icons, block.passed_on)


def drawn_fence(fence: Fence, language: str, icons: str, passed_on: tuple[tuple[str, str], ...]) -> list[str]:
    """A tree fence's names drawn as a code block, at the fence's indentation."""
    drawn = "\n".join(draw_tree(read_tree("\n".join(fence.body)), icons))
    fenced = code_block(language, drawn, passed_on)
    return [fence.indent + line if line else line for line in fenced.split("\n")]


def trees_drawn(markdown: str) -> str:
    """Markdown a block printed, with its ``tree`` fences drawn (as markdown-exec draws the
    fences of what a block prints); a fence with options it cannot take is left."""
    lines = markdown.split("\n")
    for fence in reversed(find_fences(markdown)):
        if fence.lang != "tree" or is_drawn("\n".join(fence.body)):
            continue
        try:
            raw = split_options(fence.info, TREE_OPTIONS)
            language, icons = tree_options(raw)
        except (OptionError, TreeOptionError):
            continue
        passed_on = tuple((key, raw[key]) for key in PASSED_ON if key in raw)
        lines[fence.start - 1 : fence.end] = drawn_fence(fence, language, icons, passed_on)
    return "\n".join(lines)


def notebook(block: TreeBlock, ctx: ExportContext) -> list[Cell]:
    """The tree drawn with emoji (a notebook has no Material icons), as a code block."""
    drawn = draw_tree(read_tree("\n".join(block.fence.body)), "none" if block.icons == "none" else "basic")
    return [markdown_cell(f"```{block.language}\n" + "\n".join(drawn) + "\n```")]


KIND = BlockKind(
    name="tree",
    record=TreeBlock,
    fences=("tree",),
    parse=parse,
    render=render,
    printed=trees_drawn,
    notebook=notebook,
)
