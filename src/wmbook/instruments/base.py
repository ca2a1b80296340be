"""Value types shared by every instrument."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

import msgspec


class RenderedInstrument(msgspec.Struct, frozen=True):
    """Everything a page needs to show one instrument.

    Attributes:
        preview_svg: static SVG of the default state, shown until BokehJS runs and in print.
        item_json: ``json.dumps(bokeh.embed.json_item(layout, target_id))``.
        target_id: id of the ``<div>`` the Bokeh item embeds into.
        readouts_html: the live readouts, pre-filled with the default state, in an
            ``aria-live`` region that the CustomJS callbacks update by element id.
        label: figure label such as ``"MM5.1"``.
        description: accessible description of the figure.
        height: height in pixels of the live layout, reserved for the preview so that
            nothing moves when it goes live; 0 when unknown.
        narrow_height: its height on a narrow screen, where rows made with
            ``bokeh_kit.reflowing_row`` stack their children; 0 when it is ``height``.
    """

    preview_svg: str
    item_json: str
    target_id: str
    readouts_html: str
    label: str = ""
    description: str = ""
    height: int = 0
    narrow_height: int = 0


class Instrument(msgspec.Struct, frozen=True):
    """A registered instrument: metadata plus a function that renders it.

    Attributes:
        name: registry key, e.g. ``"latent_rollout"``.
        title: default title, e.g. ``"Latent-rollout visualizer"``.
        description: accessible description of the figure.
        label: figure label, e.g. ``"MM5.1"``.
        build: renders the instrument for a cleaned anchor.
        caption_html: default caption markup for pages that bring none.
    """

    name: str
    title: str
    description: str
    label: str
    build: Callable[[str], RenderedInstrument]
    caption_html: str = ""

    def render(self, anchor: str) -> RenderedInstrument:
        """Build the Bokeh item, readouts and preview for the element ``anchor``.

        Bokeh numbers its models from a process-wide counter, so an item would differ with
        what the process rendered before; the counter starts from a number derived from
        the anchor instead, and the same input gives the same page, byte for byte.
        """
        import bokeh.util.serialization as bokeh_ids

        base = 1000 * (1 + int(hashlib.sha256(anchor.encode()).hexdigest()[:8], 16) % 1_000_000)
        with bokeh_ids._simple_id_lock:
            bokeh_ids._simple_id = base
        return self.build(clean_anchor(anchor))


_ANCHOR_BAD = re.compile(r"[^A-Za-z0-9_-]+")


def clean_anchor(anchor: str) -> str:
    """Reduce an anchor to characters that are safe in ids and CSS selectors."""
    cleaned = _ANCHOR_BAD.sub("-", anchor).strip("-")
    if not cleaned:
        raise ValueError(f"anchor {anchor!r} has no usable characters")
    if not cleaned[0].isalpha():
        cleaned = "i-" + cleaned
    return cleaned


def target_id_for(anchor: str) -> str:
    """Id of the Bokeh target ``<div>`` inside the instrument ``anchor``."""
    return f"{anchor}-bokeh"


def readout_id(anchor: str, key: str) -> str:
    """Id of the element that shows readout ``key``."""
    return f"{anchor}-ro-{key}"
