"""Matplotlib figures as inline SVG that follows the page's light or dark palette.

Runs inside a worker process.  Text, axes and ticks are drawn in a sentinel colour
that is swapped for ``currentColor`` in the SVG, so the figure takes the text colour
of the page around it, whichever palette the reader has chosen.
"""

from __future__ import annotations

import hashlib
import io
import re

import matplotlib

from wmbook.execute.mplbackend import NAME as BACKEND

matplotlib.use(BACKEND)
import matplotlib.pyplot as plt
from matplotlib._pylab_helpers import Gcf
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure

from wmbook.model import Display, Figure
from wmbook.plot_helper import INK, STYLE, plot_xy

__all__ = ["INK", "STYLE", "apply_style", "close_all", "collect_figures", "figure_to_svg", "plot_xy"]

_SIZE_ATTRS = re.compile(r'\s(width|height)="[^"]*pt"')


def apply_style() -> None:
    """Reset matplotlib to the book's style (the worker server does, last before it forks sessions)."""
    matplotlib.rcdefaults()
    matplotlib.use(BACKEND)
    plt.rcParams.update(STYLE)  # type: ignore[arg-type]


def _label(fig: MplFigure, fallback: str) -> str:
    suptitle = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""  # type: ignore[attr-defined]
    if suptitle:
        return suptitle
    parts = []
    for ax in fig.get_axes():
        title = ax.get_title()
        if title:
            parts.append(title)
        elif ax.get_ylabel() or ax.get_xlabel():
            parts.append(f"{ax.get_ylabel() or 'value'} against {ax.get_xlabel() or 'x'}")
    return "; ".join(parts) or fallback


_ID = re.compile(r'(\sid=")([^"]+)"')
# A literal to look for first: an optional prefix (``xlink:``) made each position a try.
_REF = re.compile(r'(href="#|url\(#)([^")]+)')
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
# matplotlib's "*{...}" rule would style the whole page once inlined; wmbook.css scopes it.
_GLOBAL_STYLE = re.compile(r"<style[^>]*>\*\{[^}]*\}</style>\s*")


def _scope_ids(svg: str, prefix: str) -> str:
    """Prefix every id (and reference to it) so several inline SVGs can share a page."""
    ids: set[str] = set()

    def scoped(match: re.Match[str]) -> str:
        ids.add(match[2])
        return f'{match[1]}{prefix}{match[2]}"'

    svg = _ID.sub(scoped, svg)  # all ids first: a reference may come before its target
    return _REF.sub(lambda m: m[1] + prefix + m[2] if m[2] in ids else m[0], svg)


def _escape_attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def figure_to_svg(fig: MplFigure, salt: str, fallback_label: str) -> Figure:
    """Render one figure to a self-contained, responsive, accessible SVG string."""
    label = _label(fig, fallback_label)
    buffer = io.StringIO()
    with plt.rc_context({"svg.hashsalt": salt}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype: the SVG is inline
    svg = svg.replace(INK, "currentColor")
    svg = _GLOBAL_STYLE.sub("", _METADATA.sub("", svg))
    svg = _scope_ids(svg, "f" + hashlib.sha1(salt.encode()).hexdigest()[:8] + "-")
    head_end = svg.index(">")
    head = _SIZE_ATTRS.sub("", svg[:head_end])
    head += f' role="img" aria-label="{_escape_attr(label)}" class="wmbook-svg"'
    svg = head + svg[head_end:]
    return Figure(svg=svg, label=label)


def close_all() -> None:
    """Close every figure (after one could not be drawn: the next block starts clean)."""
    plt.close("all")


# The accessible name of a figure with no title and no axis labels.
UNTITLED = "Figure"


def collect_figures(salt: str, fallback_label: str = UNTITLED) -> tuple[Figure, ...]:
    """Render and close every figure still open; one without a title or axis labels is
    named ``fallback_label``.  Nothing is drawn, nor closed, after the block chose another
    backend, nor while no open figure was made with the book's own (Jupyter's inline
    backend then shows nothing either)."""
    if not _inline():
        return ()
    figures = tuple(
        figure_to_svg(plt.figure(n), f"{salt}-{n}", fallback_label)
        for n in plt.get_fignums()
        if _drawn(plt.figure(n))
    )
    plt.close("all")
    return figures


def _inline() -> bool:
    """Whether the open figures are shown now: the book's backend is in use, and (as Jupyter's
    inline backend shows every open figure once one was made with it) one of them is its."""
    # Gcf, not plt.figure(n): a look must not change the current figure of later cells.
    return matplotlib.get_backend() == BACKEND and any(
        isinstance(manager.canvas, FigureCanvasAgg) for manager in Gcf.get_all_fig_managers()
    )


def use_inline_backend() -> None:
    """Draw figures after each block again (``%matplotlib``, as Jupyter's ``%matplotlib
    inline``), after a block chose another backend; the figures open stay open."""
    if matplotlib.get_backend() != BACKEND:
        matplotlib.use(BACKEND)


def _drawn(fig: MplFigure) -> bool:
    """Whether a figure has anything to draw: IPython makes no picture of one without
    axes or lines (``print_figure``), only its text (``<Figure size … with 0 Axes>``)."""
    return bool(fig.axes or fig.lines)


def empty_figures() -> tuple[Display, ...]:
    """The text Jupyter shows for each open figure that has nothing to draw."""
    if not _inline():
        return ()
    return tuple(
        Display((("text/plain", repr(plt.figure(n))),))
        for n in plt.get_fignums()
        if not _drawn(plt.figure(n))
    )
