"""A Bokeh item a block showed (``application/vnd.wmbook.bokeh+json``), checked before it is
embedded: BokehJS runs it in the page, so it must be a plain Bokeh document and nothing more.

The item must have the shape ``bokeh.embed.json_item`` gives, and every object in it must
be one of Bokeh's own models, except those that run code or reach out of the figure:
callbacks (``CustomJS`` and every ``CustomJS*`` model, ``OpenURL`` …), style sheets and
``styles`` (which can fix an element over the page), DOM templates, HTML annotations,
``HTMLTemplateFormatter``, ``Markdown``, ``SVGIcon``, web data sources and custom models.
The fields that BokehJS renders as HTML are sanitised like any other HTML output: a
``Div``'s text, a ``TableColumn``'s title, a tooltip's content and a ``HoverTool``'s
tooltips (whose ``{safe}`` fields, which would show data as HTML, are made plain).
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from wmbook.render.sanitize import sanitize_html

_DENIED_NAMES = {
    "CustomLabelingPolicy", "HTMLTemplateFormatter", "Markdown", "SVGIcon", "WebDataSource",
    "AjaxDataSource", "ServerSentDataSource", "DataModel",
}  # fmt: skip
_DENIED_MODULES = (
    "bokeh.models.css",
    "bokeh.models.dom",
    "bokeh.models.callbacks",
    "bokeh.models.annotations.html",
)
_DROPPED_ATTRIBUTES = ("styles", "stylesheets")
_UNSAFE_URL = re.compile(r"^\s*(?:javascript|vbscript|data\s*:\s*text)\s*:", re.IGNORECASE)
_SAFE_FORMAT = re.compile(r"\{safe\}")
_ITEM_KEYS = {"target_id", "root_id", "doc", "version"}
_DOC_KEYS = {"version", "title", "roots", "config", "defs", "callbacks"}


class UnsafeBokehItem(ValueError):
    """The item is not a plain Bokeh document; the message says what it holds."""


@functools.cache
def allowed_models() -> frozenset[str]:
    """The names of the Bokeh models a shown item may use."""
    import bokeh.models
    import bokeh.plotting  # noqa: F401
    from bokeh.model import Model

    allowed = set()
    for name, cls in Model.model_class_reverse_map.items():
        module = cls.__module__
        if not module.startswith("bokeh.") or module.startswith(_DENIED_MODULES):
            continue
        if name in _DENIED_NAMES or "CustomJS" in name or "CustomCode" in name:
            continue
        allowed.add(name)
    return frozenset(allowed)


def _tooltips(value: object, prefix: str) -> object:
    if isinstance(value, str):
        return sanitize_html(_SAFE_FORMAT.sub("", value), prefix)
    if isinstance(value, list):
        return [[str(label), _SAFE_FORMAT.sub("", str(field))] for label, field in value]
    return value


def _clean_object(node: dict[str, Any], prefix: str) -> None:
    name = node.get("name")
    if not isinstance(name, str) or name not in allowed_models():
        raise UnsafeBokehItem(f"a {name!r} model, which wmbook does not embed")
    attributes = node.get("attributes")
    if attributes is None:
        return
    if not isinstance(attributes, dict):
        raise UnsafeBokehItem(f"the attributes of a {name} are not a mapping")
    for key in _DROPPED_ATTRIBUTES:
        attributes.pop(key, None)
    if name == "Div" and isinstance(attributes.get("text"), str) and not attributes.get("render_as_text"):
        attributes["text"] = sanitize_html(attributes["text"], prefix)
    elif name == "TableColumn" and isinstance(attributes.get("title"), str):
        attributes["title"] = sanitize_html(attributes["title"], prefix)
    elif name == "Tooltip" and isinstance(attributes.get("content"), str):
        attributes["content"] = sanitize_html(attributes["content"], prefix)
    elif name == "HoverTool" and "tooltips" in attributes:
        attributes["tooltips"] = _tooltips(attributes["tooltips"], prefix)


def _walk(node: object, prefix: str) -> None:
    # Iterative: a deeply nested item must not exhaust the interpreter's stack.
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            if current.get("type") == "object":
                _clean_object(current, prefix)
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
        elif isinstance(current, str) and _UNSAFE_URL.match(current):
            raise UnsafeBokehItem("a script or document URL")


def safe_bokeh_item(item_json: str, prefix: str) -> dict[str, Any]:
    """The item, with its HTML fields sanitised; ``UnsafeBokehItem`` if it holds anything
    but Bokeh's plain models."""
    try:
        item = json.loads(item_json)
    except (ValueError, RecursionError) as exc:
        raise UnsafeBokehItem(f"no valid JSON ({exc})") from exc
    if not isinstance(item, dict) or not set(item) <= _ITEM_KEYS or not isinstance(item.get("doc"), dict):
        raise UnsafeBokehItem("not the shape of bokeh.embed.json_item")
    doc = item["doc"]
    if not set(doc) <= _DOC_KEYS or not isinstance(doc.get("roots"), list):
        raise UnsafeBokehItem("a document of another shape than Bokeh's")
    if doc.get("defs"):
        raise UnsafeBokehItem("custom model definitions")
    _walk(item, prefix)
    return item
