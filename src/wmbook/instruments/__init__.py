"""Interactive figures ("instruments") that run on a static host.

Each instrument pairs a numpy reference model with a twin written in
JavaScript (``js/``); Bokeh lays out sliders and plots, CustomJS callbacks
recompute in the browser, and a build-time SVG preview stands in until
BokehJS has loaded and in print. Use ``REGISTRY[name].render(anchor)`` and
``instrument_html`` to place one on a page, ``bokehjs_files`` (or
``bokehjs_assets``) and ``static_files`` to ship what it needs.
"""

from __future__ import annotations

from . import imagined_planner, latent_rollout, pixel_vs_embedding
from .base import Instrument, RenderedInstrument
from .page import (
    bokeh_version,
    bokehjs_assets,
    bokehjs_files,
    instrument_html,
    static_files,
)

__all__ = [
    "REGISTRY",
    "Instrument",
    "RenderedInstrument",
    "bokeh_version",
    "bokehjs_assets",
    "bokehjs_files",
    "instrument_html",
    "static_files",
]

REGISTRY: dict[str, Instrument] = {
    module.NAME: Instrument(
        name=module.NAME,
        title=module.TITLE,
        description=module.DESCRIPTION,
        label=module.LABEL,
        build=module.build,
        caption_html=module.CAPTION,
    )
    for module in (latent_rollout, pixel_vs_embedding, imagined_planner)
}
