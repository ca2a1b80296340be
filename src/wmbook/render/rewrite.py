"""Rewrite a page's Markdown: executed blocks shown plainly with a slot for their output,
reader blocks replaced by their HTML.  Edits are made by file line, bottom-up."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from wmbook.model import CodeBlock

_SLOT = re.compile(r"(?:<p>)?<!--wmbook-slot:([\w-]+)-->(?:</p>)?")
_FIGURE_SLOT = re.compile(r"<!--wmbook-figures:([\w-]+)-->")


@dataclass(frozen=True)
class Edit:
    """Replace file lines ``first``..``last`` (inclusive, 1-based) with ``lines``."""

    first: int
    last: int
    lines: tuple[str, ...]


def slot_id(page_id: str, block: CodeBlock) -> str:
    """Unique id of a block's output slot."""
    return f"{page_id}-{block.index}"


def code_block_edits(blocks: Iterable[CodeBlock], page_id: str) -> list[Edit]:
    """Strip wmbook options from python fences, drop output fences, add output slots."""
    edits = []
    for block in blocks:
        fence = block.fence
        shown = [
            f"{fence.indent}{fence.marker}python",
            *(fence.indent + line if line else line for line in fence.body),
        ]
        if fence.closed:
            shown.append(f"{fence.indent}{fence.marker}")
        if block.options.execute:
            shown += ["", f"{fence.indent}<!--wmbook-slot:{slot_id(page_id, block)}-->", ""]
        edits.append(Edit(fence.start, fence.end, tuple(shown)))
        if block.expected is not None:
            out = block.expected.fence
            edits.append(Edit(out.start, out.end, ()))
    return edits


def apply_edits(markdown: str, line_offset: int, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits; ``line_offset`` file lines precede ``markdown``."""
    lines = markdown.split("\n")
    for edit in sorted(edits, key=lambda e: e.first, reverse=True):
        lines[edit.first - 1 - line_offset : edit.last - line_offset] = list(edit.lines)
    return "\n".join(lines)


def fill_slots(html: str, fragments: Mapping[str, str], figures: Mapping[str, str]) -> str:
    """Replace each output slot in the page's content with its HTML.

    Figures get a slot of their own, filled later by ``fill_figure_slots`` in the
    finished page: search indexing then never has to parse their SVG.
    """

    def fill(match: re.Match[str]) -> str:
        slot = match.group(1)
        tail = f"<!--wmbook-figures:{slot}-->" if slot in figures else ""
        return fragments.get(slot, "") + tail

    return _SLOT.sub(fill, html)


def fill_figure_slots(html: str, figures: Mapping[str, str]) -> str:
    """Put the figures into the finished page."""
    return _FIGURE_SLOT.sub(lambda m: figures.get(m.group(1), ""), html)


def rewrite_markdown(markdown: str, line_offset: int, blocks: Iterable[CodeBlock], page_id: str) -> str:
    """The page's Markdown with only its code blocks rewritten."""
    return apply_edits(markdown, line_offset, code_block_edits(blocks, page_id))
