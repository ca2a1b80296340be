"""Rich outputs within bounds before anything parses them: a page's rich outputs together
have a size budget (``max_display_mb``), and markup may not nest deeper than ``MAX_DEPTH``
elements.  An output over either bound is cut, as printed text over its limit is: it is
replaced by a note saying why, and its block gets a warning.  Markdown and LaTeX longer
than ``MAX_CONVERTED`` are not converted (the object's next form is shown).  The page, its notebook and
the search index then all see the bounded outputs, so none of them spends long on one.

The depth is measured by a single scan of the tags, never more than the depth a browser's
parser would reach; a parser's time grows with the square of the depth, so this bound
keeps a page of ``<div>`` nested 200,000 deep from holding the build.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from msgspec.structs import replace

from wmbook.model import Diagnostic, Display, Severity, SourceLoc, StepKey, StepResult

MAX_DEPTH = 256  # pandas tables nest 6 deep, Markdown lists a few more; browsers stop at 512
# Markdown and LaTeX are converted by slower engines (Python-Markdown takes seconds per 100 KB,
# KaTeX as much): longer texts in those forms are not converted.
MAX_CONVERTED = {"text/markdown": 64 * 1024, "text/latex": 64 * 1024}
_MARKUP = ("text/html", "image/svg+xml", "text/markdown")
_TAG = re.compile(r"<(/?)([A-Za-z][^\s/>]*)[^>]*?(/?)>")
_VOID = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "keygen", "basefont", "bgsound", "frame",
})  # fmt: skip
# A start tag that ends the open element of one of these names (a new paragraph, row, cell,
# list item): a parser does so, so this scan does too.
_ENDS = {
    "p": {"p"}, "li": {"li"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"}, "option": {"option"},
    "td": {"td", "th"}, "th": {"td", "th"}, "tr": {"td", "th", "tr"},
}  # fmt: skip
_FOREIGN = frozenset({"svg", "math"})  # inside them, <x/> has no content


def markup_depth(markup: str, limit: int = MAX_DEPTH) -> int:
    """How deep the elements of ``markup`` nest (at least as deep as a browser would nest
    them), counted up to just past ``limit``."""
    stack: list[str] = []
    foreign = 0
    deepest = 0
    for match in _TAG.finditer(markup):
        closing, name, self_closing = match[1], match[2].lower(), match[3]
        if closing:
            if name in stack:
                while stack:
                    top = stack.pop()
                    foreign -= top in _FOREIGN
                    if top == name:
                        break
            continue
        if name in _VOID or (self_closing and foreign):
            continue
        ended = _ENDS.get(name, ())
        while stack and stack[-1] in ended:
            stack.pop()
        stack.append(name)
        foreign += name in _FOREIGN
        deepest = max(deepest, len(stack))
        if deepest > limit:
            break
    return deepest


def display_bytes(shown: Display) -> int:
    """What a rich output weighs: every representation the object offered (for one the
    session cut, what it weighed there)."""
    cut = shown.cut_size()
    return shown.size if cut is None else cut


def _note(text: str) -> Display:
    return Display((("text/plain", f"[{text}]"),))


def bound_displays(
    blocks: Iterable[tuple[StepKey, SourceLoc]],
    results: Mapping[StepKey, StepResult],
    max_bytes: int,
) -> tuple[dict[StepKey, StepResult], list[Diagnostic]]:
    """The steps of ``blocks`` (in page order) whose rich outputs were over a bound, with
    those outputs cut; and a warning at each such block."""
    changed: dict[StepKey, StepResult] = {}
    problems: list[Diagnostic] = []
    used = 0
    for key, loc in blocks:
        result = results.get(key)
        if result is None or not result.displays:
            continue
        kept: list[Display] = []
        for shown in result.displays:
            size = display_bytes(shown)
            if used + size > max_bytes or shown.cut_size() is not None:
                megabytes = max_bytes / 2**20
                kept.append(_note(f"rich output cut: the page's rich outputs passed {megabytes:g} MB"))
                message = (
                    f"a rich output of {size / 2**20:.1f} MB takes the page's rich outputs past "
                    f"max_display_mb ({megabytes:g}), so it is cut; show a smaller object (df.head()), "
                    "or raise max_display_mb"
                )
                problems.append(Diagnostic(loc, message, Severity.WARNING))
                continue
            used += size
            long = [m for m, limit in MAX_CONVERTED.items() if len(shown.get(m) or "") > limit]
            deep = [m for m in _MARKUP if m not in long and markup_depth(shown.get(m) or "") > MAX_DEPTH]
            if not (long or deep):
                kept.append(shown)
                continue
            rest = tuple((mime, value) for mime, value in shown.data if mime not in (*long, *deep))
            kept.append(
                Display(rest) if rest else _note("rich output cut: its markup is too deep or too long")
            )
            if deep:
                message = (
                    f"a rich output's {', '.join(deep)} nests its elements more than {MAX_DEPTH} deep, "
                    "so it is not shown; show the object in another form"
                )
                problems.append(Diagnostic(loc, message, Severity.WARNING))
            if long:
                message = (
                    f"a rich output's {', '.join(long)} is longer than {MAX_CONVERTED[long[0]] // 1024} KB, "
                    "so it is not converted; show the object in another form"
                )
                problems.append(Diagnostic(loc, message, Severity.WARNING))
        if tuple(kept) != result.displays:
            changed[key] = replace(result, displays=tuple(kept))
    return changed, problems
