"""Interactive figures ("instruments") that run on a static host.

Each instrument pairs a numpy reference model with a twin written in
JavaScript (``js/``); Bokeh lays out sliders and plots, CustomJS callbacks
recompute in the browser, and a build-time SVG preview stands in until
BokehJS has loaded and in print. Use ``REGISTRY[name].render(anchor)`` and
``instrument_html`` to place one on a page (``registry`` lists what a book can place), ``bokehjs_files`` (or
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
from .registry import BUILT_IN, InstrumentRegistry

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

# wmbook's own instruments, known without importing them (and so Bokeh); a book finds
# these and any other through ``registry.InstrumentRegistry``.
NAMES = tuple(BUILT_IN)


def _registry() -> dict[str, Instrument]:
    registry = InstrumentRegistry()
    return {name: registry.get(name) for name in NAMES}


def __getattr__(name: str) -> Any:
    # REGISTRY is built on first use: pages without instruments never load Bokeh.
    if name == "REGISTRY":
        registry = _registry()
        globals()["REGISTRY"] = registry
        return registry
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
