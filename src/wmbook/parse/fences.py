"""Find fenced code blocks in Markdown source, keeping exact line numbers."""

from __future__ import annotations

import re

from wmbook.model import Fence

_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>`{3,}|~{3,})[ \t]*(?P<info>[^\n]*)$")
# An inline code span: a run of backticks, then anything up to the same run again.
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)*\1")
_FRONT_MATTER = re.compile(r"^-{3}[ \t]*\n.*?\n(?:\.{3}|-{3})[ \t]*\n", re.DOTALL)


def front_matter_lines(text: str) -> int:
    """Number of lines taken by a leading YAML front-matter block (0 when there is none)."""
    match = _FRONT_MATTER.match(text)
    return match.group(0).count("\n") if match else 0


def _is_close(line: str, indent: str, marker: str) -> bool:
    if not line.startswith(indent):
        return False
    rest = line[len(indent) :].rstrip()
    stripped = rest.lstrip(" ")
    if len(rest) - len(stripped) > 3:
        return False
    char = marker[0]
    return len(stripped) >= len(marker) and stripped == char * len(stripped)


def _dedent(line: str, indent: str) -> str:
    if line.startswith(indent):
        return line[len(indent) :]
    return line.lstrip(" \t")


def find_fences(text: str) -> list[Fence]:
    """All top-level fences of a Markdown document, in order.

    Fences nested inside another fence (a ``markdown`` example showing a ``python``
    fence, say) belong to the outer fence's body and are not returned.  Lines are
    1-based and count the front matter, so they are the lines an editor shows.
    """
    lines = text.split("\n")
    fences: list[Fence] = []
    i = front_matter_lines(text)
    while i < len(lines):
        match = _OPEN.match(lines[i])
        if not match or (match["marker"][0] == "`" and "`" in match["info"]):
            i += 1
            continue
        indent, marker = match["indent"], match["marker"]
        info = match["info"].strip()
        lang, _, rest = info.partition(" ")
        j = i + 1
        while j < len(lines) and not _is_close(lines[j], indent, marker):
            j += 1
        closed = j < len(lines)
        body = tuple(_dedent(line, indent) for line in lines[i + 1 : j])
        fences.append(
            Fence(
                start=i + 1,
                end=(j + 1) if closed else len(lines),
                indent=indent,
                marker=marker,
                lang=lang.strip(),
                info=rest.strip(),
                body=body,
                closed=closed,
            )
        )
        i = j + 1
    return fences
