"""The icons of ``tree`` fences (``wmbook.parse.tree``) put into the page's HTML: each token
the highlighter left becomes Material's SVG icon in a ``twemoji`` span, as Material draws
its own icons."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from wmbook.parse.tree import TOKENS

_TOKEN = re.compile(r"__ICON_[0-9a-f]{32}")


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
    """Each icon token of a drawn tree replaced by its icon (a token no icon has is left)."""
    if "__ICON_" not in html:
        return html

    def icon(match: re.Match[str]) -> str:
        name = TOKENS.get(match[0])
        if name is None:
            return match[0]
        svg = icon_svg(name)
        return f'<span class="twemoji">{svg}</span>' if svg else "📄"

    return _TOKEN.sub(icon, html)
