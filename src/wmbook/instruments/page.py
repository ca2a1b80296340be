"""Page markup for instruments and the static files a site needs to run them.

Site layout expected by the loader (``static/instruments.js``)::

    <site>/assets/wmbook/instruments.js      <- static_files()
    <site>/assets/wmbook/instruments.css
    <site>/assets/wmbook/bokeh/bokeh-X.Y.Z.min.js            <- bokehjs_assets()
    <site>/assets/wmbook/bokeh/bokeh-widgets-X.Y.Z.min.js

When an instrument carries no ``data-bokeh-base``, the loader looks for the
Bokeh files in ``bokeh/`` next to its own script.
"""

from __future__ import annotations

from importlib import metadata, util
from pathlib import Path

import msgspec

from wmbook.templates import Markup, render, script_json

from .base import RenderedInstrument, clean_anchor

STATIC_DIR = Path(__file__).with_name("static")
BOKEH_BUNDLES = ("bokeh", "bokeh-widgets")


class BokehBase(msgspec.Struct, frozen=True):
    """Where a page finds the site's BokehJS bundles: the folder's URL relative to the page."""

    url: str


def bokeh_version() -> str:
    """Version of the installed Bokeh, which the item JSON and BokehJS must share."""
    # Read from the installed metadata: importing Bokeh costs a build close to half a second.
    return metadata.version("bokeh")


def _bokeh_js_dir() -> Path:
    spec = util.find_spec("bokeh")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the bokeh package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "server" / "static" / "js"


def bokehjs_files() -> list[Path]:
    """The minified BokehJS bundles the instruments need, from the installed Bokeh.

    Only the core and the widgets bundle: no MathJax, tables or WebGL.
    """
    files = [_bokeh_js_dir() / f"{name}.min.js" for name in BOKEH_BUNDLES]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise FileNotFoundError(f"BokehJS bundle not found: {', '.join(missing)}")
    return files


def bokehjs_assets() -> dict[str, Path]:
    """Map the versioned file names the loader requests to the bundles on disk."""
    version = bokeh_version()
    return {
        f"{name}-{version}.min.js": path for name, path in zip(BOKEH_BUNDLES, bokehjs_files(), strict=True)
    }


def static_files() -> list[Path]:
    """The loader script and its style sheet."""
    return [STATIC_DIR / "instruments.js", STATIC_DIR / "instruments.css"]


def instrument_html(
    rendered: RenderedInstrument,
    anchor: str,
    title: str,
    caption_html: str,
    *,
    bokeh_base: str | None = None,
) -> str:
    """Markup for one instrument box, its readouts and its caption.

    Args:
        rendered: output of ``Instrument.render(anchor)`` for the same anchor.
        anchor: element id of the box; must match the one passed to ``render``.
        title: visible title, e.g. ``"Latent-rollout visualizer"``.
        caption_html: trusted caption markup placed after the title.
        bokeh_base: URL of the folder holding the versioned BokehJS bundles;
            when omitted the loader uses ``bokeh/`` beside its own script.
    """
    anchor = clean_anchor(anchor)
    return render(
        "instrument.html",
        extra_class="",
        id=anchor,
        caption_id=f"{anchor}-caption",
        desc_id=f"{anchor}-desc",
        bokeh_version=bokeh_version(),
        bokeh_base=bokeh_base or "",
        # The live layout's height, held from the first paint: the preview sits in it.  A layout
        # that reflows on narrow screens has a second height, chosen by instruments.css.
        height=rendered.height,
        narrow_height=rendered.narrow_height or rendered.height,
        preview=Markup(rendered.preview_svg),
        target_id=rendered.target_id,
        target_label=f"{title}: interactive controls and plots",
        readouts=Markup(rendered.readouts_html),
        description=rendered.description,
        item_json=script_json(rendered.item_json),
        label=rendered.label,
        title=title,
        caption_html=Markup(caption_html),
    )
