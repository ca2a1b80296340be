"""Rich outputs inside a session: ``display(obj)``, the value of a block's last
expression, and Bokeh's ``show(fig)``, each kept as the MIME types the object offers
(the way Jupyter asks for them).  Runs in the worker process."""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Callable
from typing import Any

from wmbook.model import CUT_MIME, Display

BOKEH_MIME = "application/vnd.wmbook.bokeh+json"  # a Bokeh item, embedded with BokehJS from the site
# Text a cell sends to IPython's pager (``%prun``, ``%lprun``, ``obj?``): Jupyter shows it apart
# from the cell's outputs and does not store it in the notebook; a page shows it marked as such.
PAGER_MIME = "application/vnd.wmbook.pager+text"
_REPR_METHODS = (
    ("text/html", "_repr_html_"),
    ("image/svg+xml", "_repr_svg_"),
    ("image/png", "_repr_png_"),
    ("image/jpeg", "_repr_jpeg_"),
    ("text/markdown", "_repr_markdown_"),
    ("text/latex", "_repr_latex_"),
)


def _text(value: object) -> str | None:
    if isinstance(value, tuple) and value:
        value = value[0]  # (data, metadata)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value if isinstance(value, str) else None


def _is_bokeh(obj: object) -> bool:
    if "bokeh.model" not in sys.modules:
        return False
    from bokeh.models import LayoutDOM

    return isinstance(obj, LayoutDOM)


def _bokeh_item(obj: Any) -> str:
    from bokeh.embed import json_item

    return json.dumps(json_item(obj))


def mime_bundle(obj: object) -> Display:
    """Every representation ``obj`` offers, richest first, ``text/plain`` last."""
    data: dict[str, str] = {}
    if _is_bokeh(obj):
        data[BOKEH_MIME] = _bokeh_item(obj)
    bundle = getattr(obj, "_repr_mimebundle_", None)
    if callable(bundle) and not isinstance(obj, type):
        try:
            offered = bundle()
            offered = offered[0] if isinstance(offered, tuple) else offered
            for mime, value in dict(offered or {}).items():
                if (text := _text(value)) is not None:
                    data.setdefault(str(mime), text)
        except Exception:  # noqa: BLE001  (a broken repr falls back to the next one)
            pass
    for mime, name in _REPR_METHODS:
        method = getattr(obj, name, None)
        if mime in data or not callable(method) or isinstance(obj, type):
            continue
        try:
            text = _text(method())
        except Exception:  # noqa: BLE001
            continue
        if text is not None:
            data[mime] = text
    data.setdefault("text/plain", repr(obj))
    return Display(tuple(data.items()))


def shown_value(value: object) -> bool:
    """Whether a block's last expression is shown: not None, and not a matplotlib
    object (its figure is embedded anyway, as in Jupyter's inline backend)."""
    if value is None:
        return False
    module = type(value).__module__ or ""
    if module.startswith("matplotlib"):
        return False
    items = value if isinstance(value, list | tuple) else ()
    return not (items and all((type(v).__module__ or "").startswith("matplotlib") for v in items))


class Displays:
    """The rich outputs of the step that is running."""

    def __init__(self, max_bytes: int = 0) -> None:
        self.shown: list[Display] = []
        self.max_bytes = max_bytes  # what the session may send in all (0: no bound)
        self.sent = 0  # what it has sent so far
        self.before_show: Callable[[], None] = lambda: None  # the capture notes where text stands
        self.on_clear: Callable[[], None] = lambda: None  # the capture forgets the text so far

    def add(self, shown: Display) -> None:
        """Show one rich output (after the text written so far)."""
        self.before_show()
        self.shown.append(self.bounded(shown))

    def bounded(self, shown: Display) -> Display:
        """``shown``, or, past the session's budget, a stand-in that keeps only its size: an
        output the page could not show anyway never crosses to the build nor into the cache
        (the build says it was cut, as for the page's budget)."""
        size = shown.size
        if self.max_bytes and self.sent + size > self.max_bytes:
            return Display(((CUT_MIME, f"{size} {self.max_bytes}"),), shown.result)
        self.sent += size
        return shown

    def clear(self) -> None:
        """Forget what the step has shown and printed so far (Jupyter's ``clear_output``)."""
        self.on_clear()
        self.shown.clear()

    def display(self, *objects: object) -> None:
        """Show each object below the block's output, as Jupyter's ``display`` does."""
        for obj in objects:
            self.add(mime_bundle(obj))

    def take(self) -> tuple[Display, ...]:
        """The step's rich outputs (and start afresh for the next step)."""
        shown, self.shown = tuple(self.shown), []
        return shown

    def patch_bokeh(self) -> None:
        """Make Bokeh's ``show`` embed the figure in the page instead of opening a browser."""
        for name in ("bokeh.io", "bokeh.io.showing", "bokeh.plotting"):
            module = sys.modules.get(name)
            if module is not None and getattr(module, "show", None) not in (None, self._show_bokeh):
                module.show = self._show_bokeh  # type: ignore[attr-defined]

    def _show_bokeh(self, obj: object, *args: object, **kwargs: object) -> None:
        self.add(mime_bundle(obj))
