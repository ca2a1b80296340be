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
    "latent_rollout": Instrument(
        name="latent_rollout",
        title=latent_rollout.TITLE,
        description=latent_rollout.DESCRIPTION,
        label=latent_rollout.LABEL,
        build=latent_rollout.build,
        caption_html=latent_rollout.CAPTION,
    ),
    "pixel_vs_embedding": Instrument(
        name="pixel_vs_embedding",
        title=pixel_vs_embedding.TITLE,
        description=pixel_vs_embedding.DESCRIPTION,
        label=pixel_vs_embedding.LABEL,
        build=pixel_vs_embedding.build,
        caption_html=pixel_vs_embedding.CAPTION,
    ),
    "imagined_planner": Instrument(
        name="imagined_planner",
        title=imagined_planner.TITLE,
        description=imagined_planner.DESCRIPTION,
        label=imagined_planner.LABEL,
        build=imagined_planner.build,
        caption_html=imagined_planner.CAPTION,
    ),
}
