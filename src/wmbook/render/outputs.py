"""HTML for a block's captured output and figures."""

from __future__ import annotations

import html
import re

from wmbook.model import Outcome, StepResult

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
# An SVG link a figure was given (``line.set_url(...)``) that is not http(s) or relative.
_UNSAFE_HREF = re.compile(r'\s(?:xlink:)?href="\s*(?![Hh][Tt][Tt][Pp][Ss]?:|[#./]|[^":]*(?:"|$))[^"]*"')


def visible_text(text: str) -> str:
    """Printed text safe for a page: ANSI colour codes dropped, other control characters
    shown as escapes (``\\x00``), which HTML cannot carry."""
    text = _ANSI.sub("", text)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def safe_figure_svg(svg: str) -> tuple[str, int]:
    """A figure's SVG without links other than http(s) and relative ones; and how many
    were removed."""
    cleaned, removed = _UNSAFE_HREF.subn("", svg)
    return cleaned, removed


def render_result(result: StepResult) -> str:
    """The output box (escaped text); '' when there is nothing."""
    text = result.output
    if result.outcome is Outcome.NOT_RUN:
        cause = f" (the block at {result.detail})" if result.detail else ""
        note = f"not run: an earlier block of this session failed{cause}"
        text = (text.rstrip("\n") + "\n" if text.strip() else "") + f"[{note}]"
    elif result.outcome in (Outcome.TIMEOUT, Outcome.DIED, Outcome.UNCACHED, Outcome.LOST):
        note = result.detail
        text = (text.rstrip("\n") + "\n" if text.strip() else "") + f"[{note}]"
    parts = []
    if text.strip():
        kind = "ok" if result.outcome is Outcome.OK else "error"
        title = _TITLES[result.outcome]
        parts.append(
            f'<div class="wmbook-output wmbook-output--{kind}" role="group" aria-label="{title}">'
            f'<span class="wmbook-output__title">{title}</span>'
            f"<pre><code>{html.escape(visible_text(text.rstrip()))}</code></pre></div>"
        )
    return "\n".join(parts)


def render_figures(result: StepResult, *, numbered: bool = False) -> str:
    """The block's figures as inline SVG with captions; '' when it drew none.

    A numbered figure's ``<figure>`` and caption are in the page already: its drawings
    are its panels.
    """
    if numbered:
        return "\n".join(
            f'<div class="wmbook-figure__panel">{safe_figure_svg(figure.svg)[0]}</div>'
            for figure in result.figures
        )
    return "\n".join(
        f'<figure class="wmbook-figure">{safe_figure_svg(figure.svg)[0]}'
        f'<figcaption class="wmbook-figure__caption">{html.escape(figure.label)}</figcaption></figure>'
        for figure in result.figures
    )
