"""Inline Markdown for one line of a bibliography (an annotation): code, emphasis, links.

Everything else is text, escaped: HTML in a BibTeX field is shown, never interpreted.
A link that is not http(s) or relative keeps its text and loses its target.
"""

from __future__ import annotations

import html
import re

from markupsafe import Markup

from wmbook.templates import macros

_CODE = re.compile(r"(`+)(.+?)\1")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EM = re.compile(r"(?<![\w*])[*_](?=\S)(.+?)(?<=\S)[*_](?![\w*])")
# Links a bibliography may carry: http(s), or a path of the site (DOIs get doi.org links).
SAFE_URL = re.compile(r"^(?:https?://|/|\.|[^:]*$)", re.IGNORECASE)


def unsafe_links(text: str) -> list[str]:
    """The link targets of ``text`` that are not http(s) or relative."""
    prose = _CODE.sub("", text)
    return [target for _, target in _LINK.findall(prose) if not SAFE_URL.match(target)]


def _text(text: str) -> str:
    escaped = html.escape(text, quote=True)

    def link(match: re.Match[str]) -> str:
        label, target = match.group(1), html.unescape(match.group(2))
        if not SAFE_URL.match(target):
            return label
        return str(macros("cite_inline.html").link(target, Markup(label)))

    escaped = _LINK.sub(link, escaped)
    parts = macros("cite_inline.html")  # the text is escaped already
    escaped = _STRONG.sub(lambda match: str(parts.strong(Markup(match[1]))), escaped)
    return _EM.sub(lambda match: str(parts.em(Markup(match[1]))), escaped)


def inline_markdown(text: str) -> Markup:
    """``text`` as HTML: `` `code` ``, ``**strong**``, ``*em*`` or ``_em_``, ``[text](url)``."""
    parts, position = [], 0
    for match in _CODE.finditer(text):
        parts.append(_text(text[position : match.start()]))
        parts.append(str(macros("cite_inline.html").code(match.group(2).strip())))
        position = match.end()
    parts.append(_text(text[position:]))
    return Markup("".join(parts))  # every piece of text above is escaped
