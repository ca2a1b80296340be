"""A block's rich outputs as HTML: the richest MIME type each object offered, the way
Jupyter picks it (Bokeh item, HTML, SVG, PNG, JPEG, Markdown, LaTeX, plain text)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable

import markdown as markdown_lib

from wmbook.check.displays import MAX_DEPTH, markup_depth
from wmbook.execute.display import BOKEH_MIME, PAGER_MIME
from wmbook.model import Display
from wmbook.render.bokeh_item import UnsafeBokehItem, safe_bokeh_item
from wmbook.render.sanitize import sanitize_html
from wmbook.templates import Markup, render, script_json

_LATEX = re.compile(r"^\s*(\$\$?)(?P<tex>.*?)\1\s*$", re.DOTALL)


def _bokeh(item: dict[str, object], ident: str, bokeh_base: str, version: str) -> str:
    item["target_id"] = f"{ident}-bokeh"
    return render(
        "instrument.html",
        extra_class=" wmbook-display-bokeh",
        id=ident,
        caption_id="",
        desc_id="",
        bokeh_version=version,
        bokeh_base=bokeh_base,
        height=0,
        narrow_height=0,
        preview=Markup('<p class="wmbook-display-loading">Interactive figure: loading…</p>'),
        target_id=item["target_id"],
        target_label="Interactive figure",
        readouts="",
        item_json=script_json(json.dumps(item)),
    )


def display_html(
    shown: Display,
    ident: str,
    *,
    bokeh_base: str,
    bokeh_version: Callable[[], str],
    render_tex: Callable[[str, bool], str],
) -> tuple[str, str]:
    """One rich output as HTML (sanitised; a Bokeh item checked, its HTML fields sanitised),
    and why a Bokeh item was not embedded ("" if it was, or there was none): the object's
    next representation is shown instead."""
    prefix = f"{ident}-"  # the output's ids cannot clash with the page's or another output's
    problem = ""
    if (item_json := shown.get(BOKEH_MIME)) is not None:
        try:
            return _bokeh(safe_bokeh_item(item_json, prefix), ident, bokeh_base, bokeh_version()), ""
        except UnsafeBokehItem as exc:
            problem = f"the Bokeh figure holds {exc}, so it is shown without its interactive part"
    if (paged := shown.get(PAGER_MIME)) is not None:
        # Jupyter shows it in a pager beside the notebook, not as an output of the cell.
        body = (
            '<p class="wmbook-pager-label">Pager</p>'
            f'<pre class="wmbook-pager"><code>{html.escape(paged)}</code></pre>'
        )
    elif (markup := shown.get("text/html")) is not None:
        body = sanitize_html(markup, prefix)
    elif (svg := shown.get("image/svg+xml")) is not None:
        body = sanitize_html(svg[svg.find("<svg") :] if "<svg" in svg else svg, prefix)
    elif (png := shown.get("image/png")) is not None:
        body = f'<img alt="Image output" src="data:image/png;base64,{html.escape(png.strip())}">'
    elif (jpeg := shown.get("image/jpeg")) is not None:
        body = f'<img alt="Image output" src="data:image/jpeg;base64,{html.escape(jpeg.strip())}">'
    elif (text := shown.get("text/markdown")) is not None:
        converted = markdown_lib.markdown(text, extensions=["tables", "fenced_code"])
        # Nesting written in Markdown (quotes, lists) shows only once converted.
        if markup_depth(converted) <= MAX_DEPTH:
            body = sanitize_html(converted, prefix)
        else:
            body = f"<pre><code>{html.escape(text)}</code></pre>"
    elif (latex := shown.get("text/latex")) is not None and (match := _LATEX.match(latex)):
        body = render_tex(match["tex"].strip(), match.group(1) == "$$")
    else:
        body = f"<pre><code>{html.escape(shown.get('text/plain') or '')}</code></pre>"
    return f'<div class="wmbook-display">{body}</div>', problem
