"""In-text citations: ``[@key]`` into numbered links, and the page's reference list."""

from __future__ import annotations

import re
from collections.abc import Mapping

from wmbook.cite.bibliography import CITATION, PageCitations, Reference
from wmbook.cite.reference_list import citation_html, references_html
from wmbook.parse.fences import INLINE_CODE, find_fences
from wmbook.render.slots import REFERENCES, fill_references


def link_citations(markdown: str, citations: PageCitations, known: Mapping[str, Reference]) -> str:
    """Turn ``[@key]`` into numbered links, outside code; fill the reference list."""
    if "[@" not in markdown and REFERENCES not in markdown:
        return markdown  # most pages cite nothing: their fences need not be found
    skip: set[int] = set()
    for fence in find_fences(markdown):
        skip.update(range(fence.start, fence.end + 1))
    lines = markdown.split("\n")

    def replace(match: re.Match[str]) -> str:
        keys = [k.strip().lstrip("@") for k in match.group(1).split(";")]
        keys = [k for k in keys if k in known]
        return citation_html(keys, citations) if keys else match.group(0)

    for number, line in enumerate(lines, start=1):
        if number in skip or "[@" not in line:
            continue
        # Citations inside inline code stay literal: only the text between code spans changes.
        codes = [m.group(0) for m in INLINE_CODE.finditer(line)]
        texts = [CITATION.sub(replace, t) for t in INLINE_CODE.sub("\0", line).split("\0")]
        lines[number - 1] = "".join(t + (codes[i] if i < len(codes) else "") for i, t in enumerate(texts))
    result = "\n".join(lines)
    if REFERENCES in result:
        result = fill_references(result, "\n".join(references_html(citations, known)))
    return result
