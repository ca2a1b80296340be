"""Sanitise HTML that a block's objects produced (``_repr_html_``, ``_repr_svg_``, Markdown),
with Ammonia (the ``nh3`` package), a sanitiser made for this job.

What survives is an allow-list: the usual text and table elements (a pandas DataFrame keeps
its classes), SVG drawings (no ``foreignObject``, no animation, no ``style`` element), and
images from ``http(s)``, relative or ``data:image/png|jpeg|gif|webp`` URLs.  Scripts, event
handlers, forms, frames and ``javascript:`` links are gone.  Nothing can cover the page:

* ``style`` attributes keep only the properties in ``STYLE_PROPERTIES`` (colours, fonts,
  alignment, borders, padding, widths); ``position``, ``inset``, ``top``, ``z-index``,
  ``transform``, ``margin`` and every other property are dropped;
* class names of the site's own styles (``md-*``, ``wmbook-*``) are dropped, since some of
  them fix an element over the page;
* ``id``s get a prefix of the output's own, and the SVG references to them (``href="#x"``,
  ``url(#x)``) with them: an output can neither take an id the page's scripts look up nor
  clash with another output.
"""

from __future__ import annotations

import re

import nh3

_SVG_TAGS = {
    "svg", "g", "defs", "symbol", "use", "path", "rect", "circle", "ellipse", "line", "polyline",
    "polygon", "text", "tspan", "textPath", "title", "desc", "image", "clipPath", "mask", "pattern",
    "marker", "linearGradient", "radialGradient", "stop", "filter", "feBlend", "feColorMatrix",
    "feComposite", "feFlood", "feGaussianBlur", "feMerge", "feMergeNode", "feOffset",
}  # fmt: skip
_HTML_TAGS = {"tfoot", "figure", "figcaption", "caption", "details", "summary", "abbr", "font"}
TAGS = frozenset(nh3.ALLOWED_TAGS | _HTML_TAGS | _SVG_TAGS)
# Dropped with everything inside them (the others lose their tags and keep their text).
_DROPPED_WITH_CONTENT = {
    "script", "style", "iframe", "object", "embed", "noscript", "template", "textarea", "select",
    "metadata", "foreignObject", "frameset", "noembed", "noframes", "xmp",
}  # fmt: skip
_SVG_ATTRIBUTES = {
    "viewBox", "preserveAspectRatio", "width", "height", "x", "y", "x1", "x2", "y1", "y2", "cx", "cy",
    "r", "rx", "ry", "fx", "fy", "d", "points", "transform", "fill", "fill-opacity", "fill-rule",
    "stroke", "stroke-width", "stroke-opacity", "stroke-linecap", "stroke-linejoin", "stroke-dasharray",
    "stroke-dashoffset", "stroke-miterlimit", "opacity", "font-family", "font-size", "font-weight",
    "font-style", "text-anchor", "dominant-baseline", "alignment-baseline", "letter-spacing", "dx",
    "dy", "rotate", "textLength", "lengthAdjust", "clip-path", "clip-rule", "clipPathUnits", "mask",
    "maskUnits", "maskContentUnits", "marker-start", "marker-mid", "marker-end", "markerWidth",
    "markerHeight", "markerUnits", "refX", "refY", "orient", "patternUnits", "patternContentUnits",
    "patternTransform", "gradientUnits", "gradientTransform", "spreadMethod", "offset", "stop-color",
    "stop-opacity", "href", "visibility", "color", "filter", "in", "in2", "result", "stdDeviation",
    "mode", "operator", "values", "type", "flood-color", "flood-opacity", "k1", "k2", "k3", "k4",
    "version",
}  # fmt: skip
_GENERIC_ATTRIBUTES = {"class", "id", "title", "lang", "dir", "style", "align", "valign", "width", "height"}
ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()},
    "*": _GENERIC_ATTRIBUTES,
    "table": {*nh3.ALLOWED_ATTRIBUTES["table"], "border", "cellpadding", "cellspacing"},
    "th": {*nh3.ALLOWED_ATTRIBUTES["th"], "nowrap"},
    "td": {*nh3.ALLOWED_ATTRIBUTES["td"], "nowrap"},
    "details": {"open"},
    "font": {"color", "face", "size"},
    **{tag: _SVG_ATTRIBUTES for tag in _SVG_TAGS},
}
# The CSS properties a style attribute keeps: none of them can take an element out of
# the flow of the page, so none can cover other content.
STYLE_PROPERTIES = frozenset({
    "color", "background-color", "font-family", "font-size", "font-style", "font-weight",
    "font-variant", "text-align", "text-decoration", "text-transform", "vertical-align",
    "white-space", "word-break", "line-height", "letter-spacing", "border", "border-color",
    "border-style", "border-width", "border-collapse", "border-spacing", "border-top", "border-bottom",
    "border-left", "border-right", "border-radius", "padding", "padding-top", "padding-bottom",
    "padding-left", "padding-right", "width", "min-width", "max-width", "opacity", "fill",
    "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity", "stroke-linecap",
    "stroke-linejoin", "stroke-dasharray", "stroke-dashoffset", "stroke-miterlimit", "text-anchor",
    "dominant-baseline", "stop-color", "stop-opacity",
})  # fmt: skip
_URL_SCHEMES = frozenset(nh3.ALLOWED_URL_SCHEMES | {"data"})
# Images a page may carry inline (in outputs and figures): rasters, never SVG (it can script).
RASTER_IMAGE_TYPES = ("png", "jpeg", "gif", "webp")
_SAFE_DATA_URL = re.compile(rf"data:image/(?:{'|'.join(RASTER_IMAGE_TYPES)})[;,]")
_SITE_CLASS = re.compile(r"^(?:md|wmbook)-", re.IGNORECASE)
_URL_REFERENCE = re.compile(r"url\(\s*(['\"]?)#")


def _normalized(value: str) -> str:
    # Browsers drop whitespace and control characters when they read a URL's scheme.
    return "".join(ch for ch in value if ord(ch) > 0x20).lower()


class _Attributes:
    """The attribute filter of one output: data URLs, site classes, prefixed ids."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def __call__(self, tag: str, name: str, value: str) -> str | None:
        if name in ("href", "src"):
            url = _normalized(value)
            if url.startswith("data:") and not _SAFE_DATA_URL.match(url):
                return None
            if value.lstrip().startswith("#"):
                return "#" + self.prefix + value.lstrip()[1:]
            return value
        if name == "class":
            kept = [word for word in value.split() if not _SITE_CLASS.match(word)]
            return " ".join(kept) if kept else None
        if name == "id":
            return self.prefix + value
        if "url(" in value:  # fill="url(#gradient)", clip-path="url(#clip)"
            return _URL_REFERENCE.sub(lambda m: f"url({m[1]}#{self.prefix}", value)
        return value


def sanitize_html(markup: str, id_prefix: str = "wmbook-output-") -> str:
    """``markup`` with only what the allow-lists keep (see the module's description);
    every ``id`` in it starts with ``id_prefix``."""
    return nh3.clean(
        markup,
        tags=set(TAGS),
        clean_content_tags=_DROPPED_WITH_CONTENT,
        attributes=ATTRIBUTES,
        attribute_filter=_Attributes(id_prefix),
        url_schemes=set(_URL_SCHEMES),
        filter_style_properties=set(STYLE_PROPERTIES),
        strip_comments=True,
    )
