"""Shared pieces for building the instruments' Bokeh layouts."""

from __future__ import annotations

import json
import math
import numbers
from pathlib import Path
from typing import Any, Literal

from bokeh.core.types import ID
from bokeh.embed import json_item
from bokeh.models import (
    Column,
    ColumnDataSource,
    CustomJS,
    InlineStyleSheet,
    LayoutDOM,
    Range,
    Range1d,
    Row,
)
from bokeh.models.annotations import Legend, LegendItem, Title
from bokeh.models.renderers import GlyphRenderer
from bokeh.models.ui import UIElement
from bokeh.models.widgets import Button, Checkbox, Slider
from bokeh.plotting import figure

from wmbook.templates import render

from . import ranges
from .base import RenderedInstrument, readout_id, target_id_for

JS_DIR = Path(__file__).with_name("js")
# Heights of the controls, fixed so that a layout's height is known before BokehJS lays it out:
# the page reserves it for the static preview and nothing below moves when the figure goes live.
SLIDER_HEIGHT = 50
CONTROL_HEIGHT = 40  # a checkbox or a button
# Screens this wide or narrower (phones) get a reflowing row's children one above the other; the
# same width is in static/instruments.css, which reserves the layout's narrow height there.
NARROW_MAX_PX = 700
STACKS_WHEN_NARROW = "wmbook-stacks-when-narrow"  # the tag of a reflowing row
# Where a legend may sit inside the frame.
LegendLocation = Literal[
    "top_left", "top_right", "bottom_left", "bottom_right", "top", "bottom", "left", "right", "center"
]

# Glyph colours; the same mid-tones as the SVG fallbacks in svg.py.
C1 = "#2f7fd8"
C2 = "#e07b1a"
C3 = "#2e9e68"
C4 = "#c9404e"
# Neutral grey for axes and text until the page loader recolours them from
# the theme; it stays legible on light and dark backgrounds meanwhile.
NEUTRAL = "#8a8f98"

# Bokeh draws widgets inside shadow roots with their own colour variables;
# pointing those at Material's variables makes the widgets follow the page
# scheme. Custom properties inherit through shadow boundaries.
THEME_CSS = """
:host {
  --color: var(--md-default-fg-color, #18191d);
  --background-color: var(--md-default-bg-color, #ffffff);
  --border-color: var(--md-default-fg-color--lighter, #bbbbbd);
  --divider-color: var(--md-default-fg-color--lightest, #d7d7d8);
  --hover-color: var(--md-default-fg-color--lightest, #f9f9f9);
  --default: var(--md-default-bg-color, #ffffff);
  --default-border: var(--md-default-fg-color--lighter, #bbbbbd);
  --default-active: var(--md-default-fg-color--lightest, #e6e6e6);
  --default-active-border: var(--md-default-fg-color--light, #adadad);
  --font-size: 13px;
  color: var(--md-default-fg-color, inherit);
}
.noUi-target {
  background: var(--md-default-fg-color--lightest, #f2f2f2);
  border-color: var(--md-default-fg-color--lighter, #d3d3d3);
  box-shadow: none;
}
.noUi-handle {
  background: var(--md-default-bg-color, #ffffff);
  border-color: var(--md-default-fg-color--light, #999999);
  box-shadow: none;
}
.noUi-handle:focus-visible {
  outline: 2px solid var(--md-accent-fg-color, #2f7fd8);
  outline-offset: 2px;
}
.bk-btn:focus-visible {
  outline: 2px solid var(--md-accent-fg-color, #2f7fd8);
  outline-offset: 2px;
}
"""


def _range(value: tuple[float, float] | Range) -> Range:
    return value if isinstance(value, Range) else Range1d(start=value[0], end=value[1])


class Kit:
    """Factory for one render: models must not be shared between Bokeh documents."""

    def __init__(self) -> None:
        """Create the style sheet that every widget of this render shares."""
        self.sheet = InlineStyleSheet(css=THEME_CSS)

    def figure(
        self,
        title: str,
        x_label: str,
        y_label: str,
        *,
        x_range: tuple[float, float] | Range,
        y_range: tuple[float, float] | Range,
        height: int = 260,
        **kw: Any,
    ) -> Any:
        """Return a transparent, tool-less figure that stretches to the page width.

        Its ranges are given, never automatic: the callbacks set them with the data
        (see ``ranges``), so that a slider step repaints each figure once.
        """
        fig = figure(
            title=title,
            height=height,
            x_range=_range(x_range),
            y_range=_range(y_range),
            sizing_mode="stretch_width",
            tools="",
            toolbar_location=None,
            background_fill_color=None,
            border_fill_color=None,
            outline_line_color=None,
            stylesheets=[self.sheet],
            **kw,
        )
        if isinstance(fig.title, Title):
            fig.title.text_color = NEUTRAL
            fig.title.text_font_style = "normal"
        fig.xaxis.axis_label = x_label
        fig.yaxis.axis_label = y_label
        for axis in (*fig.xaxis, *fig.yaxis):
            axis.axis_line_color = NEUTRAL
            axis.major_tick_line_color = NEUTRAL
            axis.minor_tick_line_color = NEUTRAL
            axis.major_label_text_color = NEUTRAL
            axis.axis_label_text_color = NEUTRAL
            axis.axis_label_text_font_style = "normal"
        for axis in fig.yaxis:
            # Tick labels along the axis take the same width whatever their text, so a
            # new range never changes the frame's size (which would cost a new layout
            # and a second paint within the step).
            axis.major_label_orientation = "vertical"
        for grid in (*fig.xgrid, *fig.ygrid):
            grid.grid_line_color = NEUTRAL
            grid.grid_line_alpha = 0.2
        return fig

    def legend(
        self,
        fig: Any,
        entries: list[tuple[str, GlyphRenderer[Any]]],
        location: LegendLocation = "top_left",
        place: Literal["center", "below"] = "center",
    ) -> Legend:
        """Give ``fig`` a legend of ``(label, renderer)`` entries that never has to be rebuilt.

        BokehJS rebuilds a legend's items, and lays the page out again to place them,
        whenever anything its renderers refer to changes, their data included. Each
        entry is therefore drawn from a stand-in that no slider step touches: a renderer
        with the same glyph and one row of NaN, which the legend draws and the plot
        does not. So every column of ``renderer`` must hold numbers. ``place="below"`` puts
        the legend under the frame, where long labels do not cover the plot of a narrow figure.
        """
        items = []
        for label, renderer in entries:
            glyph = renderer.glyph
            stand_in = type(glyph)(**glyph.properties_with_values(include_defaults=False))
            source = renderer.data_source
            if not isinstance(source, ColumnDataSource):
                raise TypeError(f"legend entry {label!r}: its renderer's data is not a ColumnDataSource")
            data = source.data
            for name, column in data.items():
                if len(column) and not isinstance(column[0], numbers.Real):
                    raise TypeError(f"legend entry {label!r}: column {name!r} does not hold numbers")
            empty = ColumnDataSource({name: [math.nan] for name in data})
            items.append(LegendItem(label=label, renderers=[fig.add_glyph(empty, stand_in)]))
        legend = Legend(items=items, location=location, background_fill_alpha=0.0, border_line_alpha=0.0)
        if place == "below":
            legend.location = "top_left"
        fig.add_layout(legend, place)
        return legend

    def slider(self, title: str, start: float, end: float, value: float, step: float, fmt: str) -> Slider:
        """Return a themed slider; arrow keys, Page Up/Down, Home and End move it."""
        return Slider(
            title=title,
            start=start,
            end=end,
            value=value,
            step=step,
            format=fmt,
            bar_color=C1,
            height=SLIDER_HEIGHT,
            sizing_mode="stretch_width",
            stylesheets=[self.sheet],
        )

    def button(self, label: str) -> Button:
        """Return a themed push button."""
        return Button(label=label, width=140, height=CONTROL_HEIGHT, stylesheets=[self.sheet])

    def checkbox(self, label: str, active: bool) -> Checkbox:
        """Return a themed checkbox; the page loader names it after its label."""
        return Checkbox(label=label, active=active, height=CONTROL_HEIGHT, stylesheets=[self.sheet])


def reflowing_row(*children: UIElement, sheet: InlineStyleSheet) -> Row:
    """A row on wide screens whose children stand one above the other on narrow ones (at most
    ``NARROW_MAX_PX`` wide): figures side by side where there is room, readable on a phone."""
    stack = InlineStyleSheet(
        # In the row's shadow tree its children are the top-level elements; Bokeh sizes them
        # along the row (flex-basis 0), which in a column would take their height.
        css=f"@media (max-width: {NARROW_MAX_PX}px) {{ :host {{ flex-direction: column !important; }} "
        ":host > *, div { flex: 0 0 auto !important; } }"
    )
    return Row(
        children=list(children),
        sizing_mode="stretch_width",
        stylesheets=[sheet, stack],
        tags=[STACKS_WHEN_NARROW],
    )


def stage_height(layout: UIElement, *, narrow: bool = False) -> int:
    """Height in pixels of ``layout`` once laid out: a column adds its children's, a row takes the tallest
    (on a narrow screen a reflowing row adds them), and a widget counts its margins (Bokeh gives
    widgets 5px all round).

    Raises:
        ValueError: a leaf of the layout has no fixed height.
    """
    if isinstance(layout, Column) or (
        isinstance(layout, Row) and narrow and STACKS_WHEN_NARROW in layout.tags
    ):
        heights = [stage_height(child, narrow=narrow) for child in layout.children]
        return sum(heights)
    if isinstance(layout, Row):
        return max([stage_height(child, narrow=narrow) for child in layout.children], default=0)
    if not isinstance(layout, LayoutDOM) or layout.height is None:
        raise ValueError(f"{type(layout).__name__} has no fixed height: its layout's height is unknown")
    return int(layout.height) + _vertical_margin(layout.margin)


def _vertical_margin(margin: Any) -> int:
    """Top plus bottom of a Bokeh margin: one number, (vertical, horizontal) or (top, right, bottom, left)."""
    if margin is None:
        return 0
    if isinstance(margin, int):
        return 2 * margin
    values = tuple(margin)
    return 2 * int(values[0]) if len(values) == 2 else int(values[0]) + int(values[2])


def fit_equal_aspect(
    fig: Any, cols: list[tuple[ColumnDataSource, str, str]], frame: tuple[int, int]
) -> list[Any]:
    """Give an equal-aspect figure ranges that frame ``cols`` and follow its size.

    ``cols`` lists ``(source, x column, y column)``; ``frame`` is the frame's expected size
    in pixels, used until the figure is laid out. Returns ``cols`` in the form the
    callbacks take (``rangeFitEqual`` in ``js/ranges.js``).
    """
    xlim = ranges.padded(*ranges.bounds(*(src.data[x] for src, x, _ in cols)))
    ylim = ranges.padded(*ranges.bounds(*(src.data[y] for src, _, y in cols)))
    xlim, ylim = ranges.equal_aspect(xlim, ylim, *frame)
    fig.x_range.update(start=xlim[0], end=xlim[1])
    fig.y_range.update(start=ylim[0], end=ylim[1])
    js_cols = [[src, x, y] for src, x, y in cols]
    refit = callback(("ranges.js", "glue_equal_aspect.js"), {"fig": fig, "cols": js_cols})
    # Bokeh sets the frame's size on every layout: the first one and each resize.
    fig.js_on_change("inner_width", refit)
    fig.js_on_change("inner_height", refit)
    return js_cols


def load_js(*names: str) -> str:
    """Concatenate files from ``js/`` into one CustomJS body."""
    chunks = [(JS_DIR / name).read_text(encoding="utf-8") for name in names]
    return "\n".join(chunks)


def callback(files: tuple[str, ...], args: dict[str, Any]) -> CustomJS:
    """Build a CustomJS whose body is the model files followed by a glue file."""
    return CustomJS(args=args, code=load_js(*files))


def readouts_block(anchor: str, rows: list[tuple[str, str, str]]) -> tuple[str, dict[str, str]]:
    """Render ``(key, label, text)`` rows as a polite live region.

    Returns:
        The HTML and a map from readout key to element id for the callbacks.
    """
    ids = {key: readout_id(anchor, key) for key, _, _ in rows}
    html = render("readouts.html", rows=[(ids[key], label, text) for key, label, text in rows])
    return html, ids


def finish(
    layout: LayoutDOM,
    anchor: str,
    preview_svg: str,
    readouts_html: str,
    label: str,
    description: str,
) -> RenderedInstrument:
    """Serialise ``layout`` for ``Bokeh.embed.embed_item`` and bundle the parts."""
    target = target_id_for(anchor)
    item = json_item(layout, ID(target))
    return RenderedInstrument(
        preview_svg=preview_svg,
        item_json=json.dumps(item, separators=(",", ":")),
        target_id=target,
        readouts_html=readouts_html,
        label=label,
        description=description,
        height=stage_height(layout),
        narrow_height=stage_height(layout, narrow=True),
    )
