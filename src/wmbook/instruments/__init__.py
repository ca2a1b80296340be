"""Interactive figures ("instruments") that run on a static host.

Each instrument pairs a numpy reference model with a twin written in
JavaScript (``js/``); Bokeh lays out sliders and plots, CustomJS callbacks
recompute in the browser, and a build-time SVG preview stands in until
BokehJS has loaded and in print. Use ``REGISTRY[name].render(anchor)`` and
``instrument_html`` to place one on a page, ``bokehjs_files`` (or
``bokehjs_assets``) and ``static_files`` to ship what it needs.
"""

from __future__ import annotations

from typing import Any

from .base import Instrument, RenderedInstrument
from .page import (
    bokeh_version,
    bokehjs_assets,
    bokehjs_files,
    instrument_html,
    static_files,
)

__all__ = [
    "NAMES",
    "REGISTRY",
    "Instrument",
    "RenderedInstrument",
    "bokeh_version",
    "bokehjs_assets",
    "bokehjs_files",
    "instrument_html",
    "static_files",
]

# The registry's keys, known without importing the instruments (and so Bokeh).
NAMES = ("latent_rollout", "pixel_vs_embedding", "imagined_planner")


def _registry() -> dict[str, Instrument]:
    from . import imagined_planner, latent_rollout, pixel_vs_embedding

    return {
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


def __getattr__(name: str) -> Any:
    # REGISTRY is built on first use: pages without instruments never load Bokeh.
    if name == "REGISTRY":
        registry = _registry()
        globals()["REGISTRY"] = registry
        return registry
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
