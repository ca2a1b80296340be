"""Find ``/// name | argument`` blocks (pymdownx.blocks syntax) with their line numbers.

A block is::

    /// quiz | The question
        answer: 2.3          <- options: YAML indented four spaces, right after the header
        check: 0.9 * 2.0 + 0.5
    Markdown content
    ///

wmbook reads every block itself, before Markdown does, so an option typo or a
wrong type is a build error at the block's line rather than text in the page.
"""

from __future__ import annotations

import re
from collections.abc import Collection

import msgspec

from wmbook.model import Fence

_HEADER = re.compile(
    r"^(?P<indent>[ ]{0,3})/{3,}[ \t]*(?P<name>[\w-]+)[ \t]*(?:\|[ \t]*(?P<arg>.*?))?[ \t]*$"
)
_CLOSE = re.compile(r"^[ ]{0,3}/{3,}[ \t]*$")


class RawBlock(msgspec.Struct, frozen=True):
    """A block as written: header, option lines and content, with file line numbers."""

    name: str
    argument: str
    start: int  # header line (1-based)
    end: int  # closing line
    options: tuple[tuple[int, str], ...]  # (line, text without the 4-space indent)
    content: tuple[str, ...]
    content_start: int
    closed: bool


def find_blocks(
    text: str, fences: list[Fence], first_line: int = 1, last_line: int | None = None
) -> list[RawBlock]:
    """Top-level blocks outside code fences, between ``first_line`` and ``last_line``."""
    lines = text.split("\n")[:last_line]
    in_fence: set[int] = set()
    for fence in fences:
        in_fence.update(range(fence.start, fence.end + 1))
    blocks: list[RawBlock] = []
    i = first_line - 1
    while i < len(lines):
        match = _HEADER.match(lines[i]) if (i + 1) not in in_fence else None
        if not match:
            i += 1
            continue
        start = i + 1
        j = i + 1
        options: list[tuple[int, str]] = []
        while j < len(lines) and lines[j].startswith("    ") and lines[j].strip():
            options.append((j + 1, lines[j][4:]))
            j += 1
        content_start = j + 1
        depth = 0
        k = j
        while k < len(lines):
            if (k + 1) not in in_fence:
                if _HEADER.match(lines[k]):
                    depth += 1
                elif _CLOSE.match(lines[k]):
                    if depth == 0:
                        break
                    depth -= 1
            k += 1
        closed = k < len(lines)
        blocks.append(
            RawBlock(
                name=match["name"],
                argument=(match["arg"] or "").strip(),
                start=start,
                end=k + 1 if closed else len(lines),
                options=tuple(options),
                content=tuple(lines[j:k]),
                content_start=content_start,
                closed=closed,
            )
        )
        i = k + 1
    return blocks


def claimed_blocks(
    text: str, fences: list[Fence], names: Collection[str], first: int = 1, last: int | None = None
) -> tuple[list[RawBlock], list[RawBlock]]:
    """The blocks named in ``names`` (wmbook's own), and the others (``admonition``,
    ``details``, ``tab`` …), which pymdownx.blocks renders; blocks of ``names`` inside
    those are found too."""
    claimed: list[RawBlock] = []
    passed: list[RawBlock] = []
    for raw in find_blocks(text, fences, first, last):
        if raw.name in names:
            claimed.append(raw)
            continue
        passed.append(raw)
        inner, inner_passed = claimed_blocks(text, fences, names, raw.content_start, raw.end - 1)
        claimed += inner
        passed += inner_passed
    return claimed, passed
