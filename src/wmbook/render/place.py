"""Put rendered blocks into the Markdown that MkDocs hands over, found by their text.

The Markdown may differ from the file the blocks were parsed from: MkDocs drops the
front matter, and a plugin that runs earlier (a macros plugin, say) may change any
line.  So blocks are not placed by line number: the fences and ``///`` blocks of the
Markdown are found again and matched, in order, with the parsed blocks by their exact
text.  A parsed block whose text is not found is reported, not guessed at.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

import msgspec

from wmbook.kinds import registry
from wmbook.kinds.base import RenderContext, top_level
from wmbook.model import Block, Region
from wmbook.parse.blocks import claimed_blocks
from wmbook.parse.fences import find_fences


class Placement(msgspec.Struct, frozen=True):
    """A rendered block and the region of the parsed file it came from."""

    region: Region
    lines: tuple[str, ...]


def placements(ctx: RenderContext, blocks: Iterable[Block]) -> list[Placement]:
    """Each block with its kind's rendering."""
    # A block inside another (a fence in a markdown-exec ``md`` block) is rendered by it.
    kinds = registry()
    return [Placement(b.region, tuple(kinds.of(b).render(b, ctx))) for b in top_level(list(blocks))]


def _regions(markdown: str) -> list[Region]:
    lines = markdown.split("\n")
    fences = find_fences(markdown)
    blocks, _ = claimed_blocks(markdown, fences, registry().by_block)
    inside = {n for b in blocks for n in range(b.start, b.end + 1)}
    spans = [(f.start, f.end) for f in fences if f.start not in inside] + [(b.start, b.end) for b in blocks]
    return [Region(s, e, "\n".join(lines[s - 1 : e])) for s, e in sorted(spans)]


def place_blocks(
    markdown: str, placements: Sequence[Placement], parsed_from: str | None = None
) -> tuple[str, list[Placement]]:
    """The Markdown with every block found replaced by its rendering, and the blocks
    that were not found (changed or removed by another plugin).  Markdown that is the text
    the blocks were parsed from (``parsed_from``: no front matter, no plugin changed it) has
    each block at its parsed lines, and is not searched again."""
    lines = markdown.split("\n")
    edits: list[tuple[Region, Placement]]
    missing: list[Placement]
    if markdown == parsed_from and all(_at(lines, p.region) for p in placements):
        edits, missing = [(p.region, p) for p in placements], []
    else:
        edits, missing = _matched(markdown, placements)
    for region, placement in sorted(edits, key=lambda e: e[0].start, reverse=True):
        lines[region.start - 1 : region.end] = list(placement.lines)
    return "\n".join(lines), missing


def _at(lines: list[str], region: Region) -> bool:
    """Whether the region's text is at its lines."""
    return "\n".join(lines[region.start - 1 : region.end]) == region.text


def _matched(
    markdown: str, placements: Sequence[Placement]
) -> tuple[list[tuple[Region, Placement]], list[Placement]]:
    """The regions of the Markdown the placements go to, matched in order by their text; the
    placements whose text is not found."""
    found = _regions(markdown)
    wanted = [p.region.text for p in placements]
    matcher = difflib.SequenceMatcher(a=wanted, b=[r.text for r in found], autojunk=False)
    edits: list[tuple[Region, Placement]] = []
    matched: set[int] = set()
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            edits.append((found[block.b + offset], placements[block.a + offset]))
            matched.add(block.a + offset)
    return edits, [p for i, p in enumerate(placements) if i not in matched]
