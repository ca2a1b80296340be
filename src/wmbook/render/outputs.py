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
# An SVG link a figure was given (``line.set_url(...)``) that is not http(s) or relative; a
# raster image's data (``imshow`` draws one as ``<image xlink:href="data:image/png;…">``) stays.
_UNSAFE_HREF = re.compile(
    r'\s(?:xlink:)?href="\s*(?![Hh][Tt][Tt][Pp][Ss]?:|[#./]|[^":]*(?:"|$)|data:image/(?:png|jpeg|gif|webp)[;,])[^"]*"'
)


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
    """A figure's SVG without links other than http(s) and relative ones; and how many
    were removed."""
    cleaned, removed = _UNSAFE_HREF.subn("", svg)
    return cleaned, removed


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
    body = "".join(
        f'<span class="wmbook-output__stderr">{html.escape(visible_text(text))}</span>'
        if name == "stderr"
        else html.escape(visible_text(text))
        for name, text in runs
    )
    kind = "ok" if result.outcome is Outcome.OK else "error"
    title = _TITLES[result.outcome]
    return (
        f'<div class="wmbook-output wmbook-output--{kind}" role="group" aria-label="{title}">'
        f'<span class="wmbook-output__title">{title}</span>'
        f"<pre><code>{body}</code></pre></div>"
    )


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
