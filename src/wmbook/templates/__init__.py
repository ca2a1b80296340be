"""HTML fragments: the Jinja templates in this folder, rendered through one environment.

Autoescaping is on.  Text is escaped as ``html.escape`` does it (``&#x27;``, ``&quot;``), as
the rest of wmbook's HTML is, so a fragment reads the same whichever module wrote it; markup
that is already HTML (sanitised outputs, rendered captions, SVG) comes in as ``Markup``.
"""

from __future__ import annotations

import functools
import html
from typing import Any

import jinja2
from markupsafe import Markup

__all__ = ["Markup", "into_head", "macros", "render", "script_json", "template"]


def _escaped(value: Any) -> Any:
    """Text escaped as ``html.escape`` does; ``Markup`` and numbers as they are."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return Markup(html.escape(value))
    return value


@functools.cache
def environment() -> jinja2.Environment:
    """The one environment, made on first use."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("wmbook", "templates"),
        autoescape=True,
        finalize=_escaped,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        auto_reload=False,  # the package's own files: no need to look at each one's time at every use
    )


def template(name: str) -> jinja2.Template:
    """A template of this folder, by file name."""
    return environment().get_template(name)


def macros(name: str) -> Any:
    """A template's macros, as attributes (``macros("math.html").formula(...)``); each returns
    ``Markup``."""
    return template(name).module


def render(name: str, **context: Any) -> str:
    """A template rendered with ``context``, as a plain string."""
    return str(template(name).render(**context))


def script_json(text: str) -> Markup:
    """JSON for a ``<script type="application/json">``: "<" only occurs inside JSON strings,
    where \\u003c is an equivalent escape; replacing it rules out a premature </script>."""
    return Markup(text.replace("<", "\\u003c"))


def into_head(page: str, markup: str) -> str:
    """A finished page with ``markup`` at the end of its head (unchanged when it has none)."""
    # One copy of the page (joining its parts would copy it three times: most of a finished
    # page is the site's navigation, which grows with the book).
    return page.replace("</head>", markup + "</head>", 1)
