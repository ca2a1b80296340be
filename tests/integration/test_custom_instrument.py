"""A book on another topic registers an instrument of its own through the plugin's settings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .conftest import build_site

WIDGET = """
import json

from bokeh.embed import json_item
from bokeh.layouts import column
from bokeh.models import ColumnDataSource, CustomJS, Slider
from bokeh.plotting import figure

from wmbook.instruments.base import Instrument, RenderedInstrument, target_id_for


def build(anchor):
    source = ColumnDataSource(data={"x": [0, 1], "y": [0.5, 0.5]})
    plot = figure(height=200, width=300, title="Share of heads")
    plot.line("x", "y", source=source)
    slider = Slider(start=0, end=1, value=0.5, step=0.01, title="p")
    slider.js_on_change("value", CustomJS(args={"s": source, "sl": slider},
                                          code="s.data = {x: [0, 1], y: [sl.value, sl.value]};"))
    target = target_id_for(anchor)
    return RenderedInstrument(
        preview_svg='<svg viewBox="0 0 10 10" role="img" aria-label="Coin preview"></svg>',
        item_json=json.dumps(json_item(column(slider, plot), target)),
        target_id=target,
        readouts_html="",
        description="A line at the chance of heads.",
    )


INSTRUMENT = Instrument(
    name="coin_widget", title="Coin widget", description="A line at the chance of heads.",
    label="C.1", build=build, caption_html="Move p.",
)
"""

CONFIG = """site_name: Coins
theme:
  name: material
  font: false
plugins:
  - search
  - wmbook:
      instruments:
        coin_widget: "coin_widget_module:INSTRUMENT"
"""

PAGE = """# Coins

/// instrument | C.1 — Biased coin
    name: coin_widget
The chance of heads, as a line.
///
"""


def _book(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str, code: str, config: str, page: str
) -> Path:
    """A book at ``tmp_path/book`` whose instruments come from the importable ``module``."""
    modules = tmp_path / "modules"
    modules.mkdir()
    (modules / f"{module}.py").write_text(code)
    monkeypatch.syspath_prepend(str(modules))
    root = tmp_path / "book"
    (root / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(config)
    (root / "docs" / "index.md").write_text(page)
    return root


def test_configured_instrument_is_placed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _book(tmp_path, monkeypatch, "coin_widget_module", WIDGET, CONFIG, PAGE)
    site = build_site(root, caplog, strict=True)
    assert not site.failed, site.messages
    html = site.html()
    assert 'id="inst-c-1"' in html and "Biased coin" in html
    item = re.search(r'<script type="application/json" class="wmbook-instrument-item">(.*?)</script>', html)
    assert item is not None and json.loads(item.group(1))["target_id"] == "inst-c-1-bokeh"
    assert list((site.site / "assets" / "wmbook" / "bokeh").glob("bokeh-*.min.js"))


def test_unknown_instrument_lists_the_configured_ones(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "book"
    (root / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(CONFIG)
    (root / "docs" / "index.md").write_text(PAGE.replace("name: coin_widget", "name: coin_wdget"))
    site = build_site(root, caplog)
    assert site.failed
    assert (
        "docs/index.md:4: unknown instrument 'coin_wdget' (known instruments: coin_widget," in site.messages
    )


BROKEN = """
from wmbook.instruments.base import Instrument


def build(anchor):
    raise ValueError("no data for the coin")


BROKEN = Instrument(
    name="broken_widget", title="Broken", description="Raises.", label="C.2", build=build, caption_html=""
)
"""


def test_an_instrument_that_fails_to_build_is_an_error_at_its_block(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = CONFIG.replace(
        '        coin_widget: "coin_widget_module:INSTRUMENT"\n',
        '        broken_widget: "broken_widget_module:BROKEN"\n        missing_widget: "no_such_module:INSTRUMENT"\n',
    )
    page = (
        "# Coins\n\n/// instrument | C.2 — Broken\n    name: broken_widget\n///\n\n"
        "/// instrument | C.3 — Missing\n    name: missing_widget\n///\n"
    )
    root = _book(tmp_path, monkeypatch, "broken_widget_module", BROKEN, config, page)
    site = build_site(root, caplog)
    assert site.failed
    # Both are reported in one run, each at its block, and the build itself does not crash.
    assert (
        "docs/index.md:3: instrument 'broken_widget' (broken_widget_module:BROKEN) could not be built: "
        "ValueError: no data for the coin; fix the instrument" in site.messages
    )
    assert 'raise ValueError("no data for the coin")' in site.messages  # the traceback's end
    assert (
        "docs/index.md:7: instrument 'missing_widget' (no_such_module:INSTRUMENT) cannot be loaded: "
        "No module named 'no_such_module'" in site.messages
    )
