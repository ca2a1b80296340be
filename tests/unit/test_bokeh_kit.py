"""The legend helper of the instruments' Bokeh kit."""

from __future__ import annotations

import math

import pytest
from bokeh.models import ColumnDataSource

from wmbook.instruments.bokeh_kit import Kit


def _figure(kit: Kit):
    return kit.figure("t", "x", "y", x_range=(0, 1), y_range=(0, 1))


def test_legend_entries_are_drawn_from_stand_ins_that_no_step_touches() -> None:
    kit = Kit()
    fig = _figure(kit)
    source = ColumnDataSource({"x": [0.0, 1.0], "y": [0.5, 0.25]})
    line = fig.line("x", "y", source=source, line_color="#123456", line_width=3, line_dash="dashed")
    legend = kit.legend(fig, [("a line", line)])
    (item,) = legend.items
    assert item.label.value == "a line"
    (stand_in,) = item.renderers
    assert stand_in is not line and stand_in in fig.renderers
    # The same look, its own source: one row of NaN, which the plot does not draw.
    assert stand_in.data_source is not source
    assert stand_in.glyph.line_color == "#123456" and stand_in.glyph.line_width == 3
    assert list(stand_in.glyph.line_dash) == [6]
    assert all(math.isnan(v) for col in stand_in.data_source.data.values() for v in col)
    assert set(stand_in.data_source.data) == {"x", "y"}
    assert legend in fig.center and legend.location == "top_left"


def test_legend_refuses_a_renderer_with_non_numeric_columns() -> None:
    kit = Kit()
    fig = _figure(kit)
    source = ColumnDataSource({"x": ["a", "b"], "y": [0.5, 0.25]})
    bars = fig.scatter("x", "y", source=source)
    with pytest.raises(TypeError, match="'x' does not hold numbers"):
        kit.legend(fig, [("bars", bars)])


def test_legend_refuses_a_renderer_without_column_data() -> None:
    from bokeh.models import GeoJSONDataSource

    kit = Kit()
    fig = _figure(kit)
    line = fig.line(
        "x", "y", source=GeoJSONDataSource(geojson='{"type": "FeatureCollection", "features": []}')
    )
    with pytest.raises(TypeError, match="'remote': its renderer's data is not a ColumnDataSource"):
        kit.legend(fig, [("remote", line)])


def test_stage_height_adds_a_column_and_takes_a_rows_tallest() -> None:
    from bokeh.layouts import column, row

    from wmbook.instruments.bokeh_kit import CONTROL_HEIGHT, SLIDER_HEIGHT, stage_height

    kit = Kit()
    first, second = (kit.slider(name, 0, 1, 0.5, 0.1, "0.0") for name in ("a", "b"))
    box = kit.checkbox("c", True)
    fig = kit.figure("t", "x", "y", x_range=(0, 1), y_range=(0, 1), height=300)
    layout = column(row(first, box), second, fig)
    # Widgets carry Bokeh's 5px margin on every side; a figure has none.
    assert stage_height(layout) == (SLIDER_HEIGHT + 10) * 2 + 300
    assert stage_height(row(box)) == CONTROL_HEIGHT + 10


def test_stage_height_refuses_a_widget_of_unknown_height() -> None:
    from bokeh.layouts import column
    from bokeh.models import Div

    from wmbook.instruments.bokeh_kit import stage_height

    with pytest.raises(ValueError, match="Div has no fixed height"):
        stage_height(column(Div(text="free")))


def test_a_reflowing_row_adds_its_childrens_heights_on_a_narrow_screen() -> None:
    """Side by side it is as tall as its tallest child; stacked, on a phone, as all of them."""
    from bokeh.layouts import column

    from wmbook.instruments.bokeh_kit import SLIDER_HEIGHT, Kit, reflowing_row, stage_height

    kit = Kit()
    sliders = reflowing_row(
        kit.slider("a", 0, 1, 0, 0.1, "0.0"), kit.slider("b", 0, 1, 0, 0.1, "0.0"), sheet=kit.sheet
    )
    fig = kit.figure("t", "x", "y", x_range=(0, 1), y_range=(0, 1), height=300)
    layout = column(sliders, fig)
    assert stage_height(layout) == SLIDER_HEIGHT + 10 + 300
    assert stage_height(layout, narrow=True) == (SLIDER_HEIGHT + 10) * 2 + 300


def test_the_narrow_width_is_the_same_in_python_and_in_the_page_css() -> None:
    """The page reserves the narrow height below the width at which Bokeh's rows stack."""
    from wmbook.instruments.bokeh_kit import NARROW_MAX_PX
    from wmbook.instruments.page import STATIC_DIR

    css = (STATIC_DIR / "instruments.css").read_text(encoding="utf-8")
    assert f"@media (max-width: {NARROW_MAX_PX}px)" in css


@pytest.mark.parametrize(
    ("height", "narrow", "style"),
    [
        (320, 640, ' style="--wmbook-stage-height: 320px; --wmbook-stage-height-narrow: 640px"'),
        (470, 0, ' style="--wmbook-stage-height: 470px; --wmbook-stage-height-narrow: 470px"'),
        (0, 0, ">"),
    ],
)
def test_the_stage_reserves_the_wide_and_the_narrow_height(height: int, narrow: int, style: str) -> None:
    from wmbook.instruments.base import RenderedInstrument
    from wmbook.instruments.page import instrument_html

    rendered = RenderedInstrument(
        "<svg></svg>", "{}", "inst-x-bokeh", "", height=height, narrow_height=narrow
    )
    markup = instrument_html(rendered, "inst-x", "X", "")
    assert f'<div class="wmbook-instrument-stage"{style}' in markup
