"""Rewrite a page's Markdown so executed blocks are shown plainly with a slot for their output."""

from __future__ import annotations

import re
from collections.abc import Mapping

from wmbook.model import CodeBlock

_SLOT = re.compile(r"(?:<p>)?<!--wmbook-slot:([\w-]+)-->(?:</p>)?")
_FIGURE_SLOT = re.compile(r"<!--wmbook-figures:([\w-]+)-->")


def slot_id(page_id: str, block: CodeBlock) -> str:
    """Unique id of a block's output slot."""
    return f"{page_id}-{block.index}"


def rewrite_markdown(markdown: str, line_offset: int, blocks: list[CodeBlock], page_id: str) -> str:
    """Strip wmbook options from python fences, drop output fences, add output slots.

    ``line_offset`` is the number of file lines (front matter) before ``markdown``.
    """
    lines = markdown.split("\n")
    for block in reversed(blocks):
        fence = block.fence
        first, last = fence.start - 1 - line_offset, fence.end - 1 - line_offset
        if block.expected is not None:
            out = block.expected.fence
            del lines[out.start - 1 - line_offset : out.end - line_offset]
        shown = [f"{fence.indent}{fence.marker}python", *lines[first + 1 : last]]
        if fence.closed:
            shown.append(lines[last])
        if block.options.execute:
            shown += ["", f"{fence.indent}<!--wmbook-slot:{slot_id(page_id, block)}-->", ""]
        lines[first : last + 1] = shown
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
