"""HTML for a block's captured output and figures."""

from __future__ import annotations

import math
import re

from wmbook.model import Diagnostic, Outcome, StepResult
from wmbook.render.sanitize import RASTER_IMAGE_TYPES, sanitize_html
from wmbook.templates import Markup, macros, render

_TITLES = {
    Outcome.OK: "Output",
    Outcome.RAISED: "Error",
    Outcome.TIMEOUT: "Timed out",
    Outcome.DIED: "Process ended",
    Outcome.NOT_RUN: "Not run",
    Outcome.UNCACHED: "Not run",
    Outcome.LOST: "Worker lost",
}


_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A figure's SVG, element by element: links it was given (``line.set_url(...)``) may be
# http(s) or relative; an image (``imshow``, a colorbar, ``pcolormesh``) may only be a
# raster embedded in the SVG, so a figure loads nothing and runs nothing.
_TAG = re.compile(r"""<([A-Za-z][\w:.-]*)((?:\s(?:"[^"]*"|'[^']*'|[^'">])*)?)>""")
_HREF = re.compile(r"""\s(?:xlink:)?href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
_SAFE_LINK = re.compile(r"\s*(?:https?:|[#./]|[^:]*$)", re.IGNORECASE)
_EMBEDDED_RASTER = re.compile(
    rf"\s*data:image/(?:{'|'.join(RASTER_IMAGE_TYPES)});base64,[\sA-Za-z0-9+/=]*$", re.IGNORECASE
)
_IMAGE_ELEMENTS = frozenset({"image", "feimage"})
# What settles most figures at once: a figure with no image element, each of whose ``href``s
# is a double-quoted link to an anchor of its own (matplotlib's ``<use xlink:href="#…">``),
# has nothing the element-by-element pass would remove, so that pass is skipped.  Both
# searches are broader than that pass (any ``href`` not so followed, any tag that starts as
# an image's), so a figure they do not settle takes the full pass.  They read the figure's
# UTF-8 bytes with ASCII letters lowered, a quarter of the time of case-blind searches of its
# text and as broad: no other character lowers to an ASCII letter nor has ASCII bytes, and a
# byte's ``\s`` and ``\w`` are narrower, so a lookahead fails (the full pass runs) more often.
_OTHER_HREF = re.compile(rb'href(?!\s*=\s*"#[^"]*")')
_IMAGE_TAG = re.compile(rb"<(?:fe)?image(?![\w:.-])")
# A figure comes from a session, or from the cache: hostile.  One made of the elements a
# matplotlib figure is drawn with (and comments: matplotlib notes each text's source), with
# no event-handler attribute, is kept as drawn (its links and images pass the check below);
# any other goes through the HTML sanitiser first, which keeps only its allow-list (no
# script, style, foreignObject, handler, animation).
_DRAWN_TAGS = frozenset(
    b"svg g defs path use clippath rect text tspan title desc lineargradient radialgradient stop "
    b"image feimage a mask pattern symbol polyline polygon line circle ellipse !--".split()
)
_TAG_NAME = re.compile(rb"</?\s*([^\s/>]*)")
# An event handler's attribute (``onload=``) after a space, a quote or a slash, found from its
# "on": a pattern that begins with a class of characters is tried at every character of a figure.
_HANDLER_NAME = re.compile(rb"on[a-z]+\s*=")
_BEFORE_HANDLER = frozenset(b" \t\n\r\f\v\"'/")  # what ``[\s"'/]`` matches in bytes


def visible_text(text: str) -> str:
    """Printed text safe for a page: ANSI colour codes dropped, carriage returns settled,
    other control characters shown as escapes (``\\x00``), which HTML cannot carry."""
    text = settle_carriage_returns(_ANSI.sub("", text))
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def settle_carriage_returns(text: str) -> str:
    """Text as a terminal (and Jupyter) shows it: ``\\r\\n`` ends a line, a lone ``\\r``
    goes back to the line's start and what follows overwrites it (a progress bar's last
    state is what remains)."""
    text = text.replace("\r\n", "\n")
    if "\r" not in text:
        return text
    lines = []
    for line in text.split("\n"):
        shown = ""
        for part in line.split("\r"):
            shown = part + shown[len(part) :]
        lines.append(shown)
    return "\n".join(lines)


def safe_figure_svg(svg: str) -> tuple[str, int]:
    """A figure's SVG keeping only http(s) and relative links and embedded PNG, JPEG, GIF
    or WebP images; and how many links or images were removed."""
    lowered = svg.encode("utf-8", "surrogatepass").lower()  # bytes.lower: ASCII letters only
    if has_event_handler(lowered) or not set(_TAG_NAME.findall(lowered)) <= _DRAWN_TAGS:
        safe, removed = _safe_links(sanitize_html(svg, id_prefix=""))
        return safe, max(removed, 1)
    if _OTHER_HREF.search(lowered) is None and (b"image" not in lowered or not _IMAGE_TAG.search(lowered)):
        return svg, 0
    return _safe_links(svg)


def has_event_handler(lowered: bytes) -> bool:
    """Whether lower-cased markup holds an event handler's attribute: ``on`` and a name, then
    ``=``, after a space, a quote or a slash."""
    start = 0
    while (found := _HANDLER_NAME.search(lowered, start)) is not None:
        if found.start() > 0 and lowered[found.start() - 1] in _BEFORE_HANDLER:
            return True
        start = found.start() + 1
    return False


def _safe_links(svg: str) -> tuple[str, int]:
    """The element-by-element pass of ``safe_figure_svg``: unsafe links and images removed."""
    removed = 0

    def clean_tag(tag: re.Match[str]) -> str:
        image = tag[1].lower() in _IMAGE_ELEMENTS
        allowed = _EMBEDDED_RASTER if image else _SAFE_LINK

        def clean_href(href: re.Match[str]) -> str:
            nonlocal removed
            if allowed.match(next(v for v in href.groups() if v is not None)):
                return href[0]
            removed += 1
            return ""

        return f"<{tag[1]}{_HREF.sub(clean_href, tag[2])}>" if tag[2] else tag[0]

    return _TAG.sub(clean_tag, svg), removed


def _runs(result: StepResult, note: str) -> list[tuple[str, str]]:
    """The box's text as (stream, text) runs, a note in brackets last."""
    runs = [(s.name, s.text) for s in result.streams] if result.streams else [("stdout", result.output)]
    if note:
        text = "".join(t for _, t in runs)
        runs.append(("note", ("\n" if text.strip() and not text.endswith("\n") else "") + f"[{note}]"))
    while runs and not runs[-1][1].rstrip():
        runs.pop()
    if runs:
        runs[-1] = (runs[-1][0], runs[-1][1].rstrip())
    return runs


def render_result(result: StepResult) -> str:
    """The output box (escaped text, stderr marked as Jupyter marks it); '' when there is nothing."""
    note = ""
    if result.outcome is Outcome.NOT_RUN:
        cause = f" (the block at {result.detail})" if result.detail else ""
        note = f"not run: an earlier block of this session failed{cause}"
    elif result.outcome in (Outcome.TIMEOUT, Outcome.DIED, Outcome.UNCACHED, Outcome.LOST):
        note = result.detail
    runs = _runs(result, note)
    if not "".join(text for _, text in runs).strip():
        return ""
    kind = "ok" if result.outcome is Outcome.OK else "error"
    shown = [(name, visible_text(text)) for name, text in runs]
    return render("output_box.html", kind=kind, title=_TITLES[result.outcome], runs=shown)


# The smallest text a figure may show on screen; a narrower column scrolls it sideways instead.
MIN_TEXT_PX = 9.0
_TEXT_SIZE = re.compile(r'<text\b[^>]*?style="[^"]*?font-size:\s*([0-9.]+)px')
_VIEWBOX_WIDTH = re.compile(r'<svg\b[^>]*?viewBox="[-0-9.]+ [-0-9.]+ ([0-9.]+) [0-9.]+"')


def figure_min_width(svg: str) -> int:
    """The width in pixels at which a figure's smallest text is ``MIN_TEXT_PX``; 0 without text.

    A matplotlib SVG measures text in its own units (points), so its text scales with the
    width the page gives the drawing: below this width the text would be too small to read.
    """
    width = _VIEWBOX_WIDTH.search(svg)
    sizes = [float(size) for size in _TEXT_SIZE.findall(svg) if float(size) > 0]
    if width is None or not sizes:
        return 0
    return math.ceil(float(width[1]) * MIN_TEXT_PX / min(sizes))


def _panel_class(index: int, count: int, narrow: bool) -> str:
    """A numbered figure's panel; with a narrow layout, its last drawing is that layout
    and the others are shown only in wider columns."""
    if not narrow or count < 2:
        return "wmbook-figure__panel"
    return "wmbook-figure__panel wmbook-figure__panel--" + ("narrow" if index == count - 1 else "wide")


def render_figures(result: StepResult, *, numbered: bool = False, narrow: bool = False) -> str:
    """The block's figures as inline SVG; '' when it drew none.

    As in Jupyter, a figure has no caption unless its block numbers it (its SVG carries
    its accessible name).  A numbered figure's ``<figure>`` and caption are in the page
    already: its drawings are its panels, and with ``narrow`` the last one replaces the
    others in a narrow column (a phone's), chosen by CSS.
    """
    return figures_html(result, numbered=numbered, narrow=narrow)[0]


def figures_html(result: StepResult, *, numbered: bool = False, narrow: bool = False) -> tuple[str, int]:
    """``render_figures``, and how many links or images ``safe_figure_svg`` removed from the
    figures (counted in the same pass: a large figure is not scanned a second time)."""
    count = len(result.figures)
    safe = [safe_figure_svg(f.svg) for f in result.figures]
    figures = [
        (Markup(svg), figure_min_width(f.svg), _panel_class(i, count, narrow))
        for i, (f, (svg, _)) in enumerate(zip(result.figures, safe, strict=True))
    ]
    return render("figures.html", figures=figures, numbered=numbered), sum(removed for _, removed in safe)


def problem_box(problems: list[Diagnostic]) -> str:
    """A visible list of a page's errors (shown by ``mkdocs serve`` only)."""
    return str(macros("code.html").problems(problems))
