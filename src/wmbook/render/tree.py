"""The icons of ``tree`` fences (``wmbook.parse.tree``) put into the page's HTML: each token
the highlighter left becomes Material's SVG icon in a ``twemoji`` span, as Material draws
its own icons."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from wmbook.parse.tree import TOKENS
from wmbook.templates import Markup, macros

_TOKEN = re.compile(r"__ICON_[0-9a-f]{32}")
# What is not text of the page: a tag (its quoted attribute values may hold '>'), a comment,
# or an element whose content is not markup (the runner's and Bokeh's JSON, styles).  A token
# there is left alone: the icon's markup in an attribute or a JSON string would break out of it.
# Every branch matches up to the end at worst (an unclosed quote or tag), never failing after
# a scan: linear time on any page.
_ATTRIBUTES = r"""(?:"[^"]*(?:"|$)|'[^']*(?:'|$)|[^'">])*(?:>|$)"""
_NOT_TEXT = re.compile(
    rf"<!--.*?(?:-->|$)|<(?P<raw>script|style|textarea|title|xmp)\b{_ATTRIBUTES}.*?(?:</(?P=raw)\s*>|$)"
    rf"|<[A-Za-z/!?]{_ATTRIBUTES}",
    re.DOTALL | re.IGNORECASE,
)


@functools.cache
def icon_svg(icon: str) -> str:
    """The SVG of one of Material's bundled icons (``simple/python``), or '' if it has none."""
    try:
        import material  # type: ignore[import-untyped]  # Material ships no type hints
    except ImportError:  # another theme: the token is then shown as the file emoji
        return ""
    path = Path(material.__file__).parent / "templates" / ".icons" / f"{icon}.svg"
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def with_tree_icons(html: str) -> str:
    """Each icon token of a drawn tree replaced by its icon (a token no icon has is left),
    in the page's text only: never inside a tag, a comment or a script's data."""
    if "__ICON_" not in html:
        return html

    def icon(match: re.Match[str]) -> str:
        name = TOKENS.get(match[0])
        if name is None:
            return match[0]
        svg = icon_svg(name)
        return str(macros("markdown.html").icon(Markup(svg))) if svg else "📄"

    parts: list[str] = []
    done = 0
    for skipped in _NOT_TEXT.finditer(html):
        parts += [_TOKEN.sub(icon, html[done : skipped.start()]), skipped[0]]
        done = skipped.end()
    parts.append(_TOKEN.sub(icon, html[done:]))
    return "".join(parts)
