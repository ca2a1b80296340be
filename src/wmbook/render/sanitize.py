"""Sanitise HTML that a block's objects produced (``_repr_html_``, ``_repr_svg_``):
no scripts, no event handlers, no ``javascript:`` links, no styles that could restyle
the page.  Everything else (tables, SVG drawings, images) passes through."""

from __future__ import annotations

import html
from html.parser import HTMLParser

_DROPPED = {
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "frame",
    "frameset",
    "base",
    "meta",
    "link",
    "form",
}
# Elements without content or end tag (some of them dropped: they must not open a skip).
_VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param",
    "source", "track", "wbr",
}  # fmt: skip
# Attributes through which SVG animation sets another attribute (an href, say).
_ANIMATION_VALUES = {"values", "to", "from", "by"}
_URL_ATTRS = {"href", "src", "xlink:href", "action", "formaction", "data", "srcset"}
_SAFE_DATA_URL = ("data:image/png", "data:image/jpeg", "data:image/gif", "data:image/webp")


def _normalized(value: str) -> str:
    # Browsers drop whitespace and control characters when they read a URL's scheme.
    return "".join(ch for ch in value if ord(ch) > 0x20).lower()


def _safe_url(value: str) -> bool:
    url = _normalized(value)
    if url.startswith("data:"):
        return url.startswith(_SAFE_DATA_URL)
    return not url.startswith(("javascript:", "vbscript:"))


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self._skipping: list[str] = []  # open dropped elements

    def _attrs(self, attrs: list[tuple[str, str | None]]) -> str:
        kept = []
        for name, value in attrs:
            name = name.lower()
            if name.startswith("on") or (name == "style" and value and "expression(" in value.lower()):
                continue
            if name in _URL_ATTRS and value is not None and not _safe_url(value):
                continue
            if (
                name in _ANIMATION_VALUES
                and value is not None
                and ("javascript:" in _normalized(value) or "vbscript:" in _normalized(value))
            ):
                continue
            kept.append(f' {name}="{html.escape(value, quote=True)}"' if value is not None else f" {name}")
        return "".join(kept)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skipping or tag in _DROPPED:
            if tag not in _VOID:
                self._skipping.append(tag)
            return
        self.out.append(f"<{tag}{self._attrs(attrs)}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._skipping and tag not in _DROPPED:
            self.out.append(f"<{tag}{self._attrs(attrs)}/>")

    def handle_endtag(self, tag: str) -> None:
        if self._skipping:
            if tag == self._skipping[-1]:
                self._skipping.pop()
            return
        if tag not in _DROPPED:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.out.append(html.escape(data, quote=False))

    def handle_entityref(self, name: str) -> None:
        if not self._skipping:
            self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        if not self._skipping:
            self.out.append(f"&#{name};")


def sanitize_html(markup: str) -> str:
    """``markup`` without scripts, event handlers, unsafe URLs or page-wide styles."""
    parser = _Sanitizer()
    parser.feed(markup)
    parser.close()
    return "".join(parser.out)
