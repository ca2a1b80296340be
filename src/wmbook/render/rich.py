"""A block's rich outputs as HTML: the richest MIME type each object offered, the way
Jupyter picks it (Bokeh item, HTML, SVG, PNG, JPEG, Markdown, LaTeX, plain text)."""

from __future__ import annotations

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
        preview=None,  # a Bokeh figure has no static preview: the template says it is loading
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
    return render("display.html", **(_NOTHING | _display_body(shown, prefix, render_tex))), problem


_NOTHING: dict[str, object] = {"pager": None, "image": "", "data": "", "text": None, "markup": ""}


def _display_body(shown: Display, prefix: str, render_tex: Callable[[str, bool], str]) -> dict[str, object]:
    """What ``display.html`` shows of an output: pager text, an image, plain text, or
    sanitised markup."""
    if (paged := shown.get(PAGER_MIME)) is not None:
        # Jupyter shows it in a pager beside the notebook, not as an output of the cell.
        return {"pager": paged}
    if (markup := shown.get("text/html")) is not None:
        return {"markup": Markup(sanitize_html(markup, prefix))}
    if (svg := shown.get("image/svg+xml")) is not None:
        return {"markup": Markup(sanitize_html(svg[svg.find("<svg") :] if "<svg" in svg else svg, prefix))}
    for mime in ("image/png", "image/jpeg"):
        if (data := shown.get(mime)) is not None:
            return {"image": mime, "data": data.strip()}
    if (text := shown.get("text/markdown")) is not None:
        converted = markdown_lib.markdown(text, extensions=["tables", "fenced_code"])
        # Nesting written in Markdown (quotes, lists) shows only once converted.
        return (
            {"markup": Markup(sanitize_html(converted, prefix))}
            if markup_depth(converted) <= MAX_DEPTH
            else {"text": text}
        )
    if (latex := shown.get("text/latex")) is not None and (match := _LATEX.match(latex)):
        return {"markup": Markup(render_tex(match["tex"].strip(), match.group(1) == "$$"))}
    return {"text": shown.get("text/plain") or ""}
