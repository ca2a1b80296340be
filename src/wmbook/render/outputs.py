"""HTML for a block's captured output and figures."""

from __future__ import annotations

import html

from wmbook.model import Outcome, StepResult

_TITLES = {
    Outcome.OK: "Output",
    Outcome.RAISED: "Error",
    Outcome.TIMEOUT: "Timed out",
    Outcome.DIED: "Process ended",
    Outcome.NOT_RUN: "Not run",
    Outcome.UNCACHED: "Not run",
}


def render_result(result: StepResult) -> str:
    """The output box (escaped text); '' when there is nothing."""
    text = result.output
    if result.outcome is Outcome.NOT_RUN:
        cause = f" (the block at {result.detail})" if result.detail else ""
        note = f"not run: an earlier block of this session failed{cause}"
        text = (text.rstrip("\n") + "\n" if text.strip() else "") + f"[{note}]"
    elif result.outcome in (Outcome.TIMEOUT, Outcome.DIED, Outcome.UNCACHED):
        note = result.detail
        text = (text.rstrip("\n") + "\n" if text.strip() else "") + f"[{note}]"
    parts = []
    if text.strip():
        kind = "ok" if result.outcome is Outcome.OK else "error"
        title = _TITLES[result.outcome]
        parts.append(
            f'<div class="wmbook-output wmbook-output--{kind}" role="group" aria-label="{title}">'
            f'<span class="wmbook-output__title">{title}</span>'
            f"<pre><code>{html.escape(text.rstrip())}</code></pre></div>"
        )
    return "\n".join(parts)


def render_figures(result: StepResult) -> str:
    """The block's figures as inline SVG with captions; '' when it drew none."""
    return "\n".join(
        f'<figure class="wmbook-figure">{figure.svg}'
        f'<figcaption class="wmbook-figure__caption">{html.escape(figure.label)}</figcaption></figure>'
        for figure in result.figures
    )
