"""Smoke test of the instruments in headless Chromium (skipped when unavailable).

Builds a one-page site with the loader, the BokehJS bundles and all three
instruments, then checks that they go live, answer the keyboard, follow a
colour-scheme flip, that a slider step paints each figure once (its ranges
are set with its data, not caught up a frame later) and before the next
animation frame, that changes within a frame still paint once a frame, and
that one planner
update at 512 plans x horizon 16 (model, data push and Bokeh repaint) stays
far below a 16 ms frame.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wmbook.instruments import REGISTRY, bokehjs_assets, instrument_html, static_files
from wmbook.instruments.bokeh_kit import load_js

from .bokeh_page import DOC_OF, FOCUS_HANDLE
from .harness import serve

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")

PAGE_CSS = """
body { --md-default-fg-color: rgba(0, 0, 0, 0.87); --md-default-bg-color: #fff;
       color: var(--md-default-fg-color); background: var(--md-default-bg-color); }
body[data-md-color-scheme="slate"] { --md-default-fg-color: rgba(226, 228, 233, 0.82);
       --md-default-bg-color: #1e2129; }
"""

AXIS_COLOUR = """() => {
  for (const doc of Bokeh.documents)
    for (const m of doc.all_models)
      if ("axis_line_color" in m.properties) return m.axis_line_color;
  return null;
}"""

TIME_PLANNER = """() => {
  let cds = null;
  for (const doc of Bokeh.documents)
    for (const m of doc.all_models)
      if (m.type === "ColumnDataSource" && m.data.xs !== undefined) cds = m;
  const view = Bokeh.index.query_one((v) => v.model.type === "Figure" &&
      v.model.title && v.model.title.text.startsWith("Imagined"));
  const times = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    const r = computeImaginedPlanner({ plans: 512, model_error: 0.3 + 0.01 * (i % 2),
                                       horizon: 16, batch: 0 });
    const w = r.imag_x.length, xs = new Array(r.plans), ys = new Array(r.plans);
    for (let k = 0; k < r.plans; k++) {
      xs[k] = r.cand_xs.subarray(k * w, (k + 1) * w);
      ys[k] = r.cand_ys.subarray(k * w, (k + 1) * w);
    }
    cds.data = { xs: xs, ys: ys };
    view.repaint();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[15];
}"""


# Counts the canvas paints of every figure of box ``anchor`` from now on.
COUNT_PAINTS = f"""(anchor) => {{
  const doc = ({DOC_OF})(anchor);
  window.__paints = new Map();
  for (const view of Bokeh.index.query((v) => v.model.type === "Figure" && v.model.document === doc)) {{
    const title = view.model.title.text;
    window.__paints.set(title, 0);
    if (view.__wmCounted) continue;
    view.__wmCounted = true;
    const paint = view._actual_paint;
    view._actual_paint = function () {{
      paint.call(this);
      const t = this.model.title.text;
      if (window.__paints.has(t)) window.__paints.set(t, window.__paints.get(t) + 1);
    }};
  }}
}}"""
PAINTS = "() => Object.fromEntries(window.__paints)"
FRAMES = "(n) => new Promise((r) => { const f = (k) => k ? requestAnimationFrame(() => f(k - 1)) : r(true); f(n); })"


def _site(root: Path) -> None:
    bokeh_dir = root / "assets" / "wmbook" / "bokeh"
    bokeh_dir.mkdir(parents=True)
    for name, path in bokehjs_assets().items():
        shutil.copy(path, bokeh_dir / name)
    for path in static_files():
        shutil.copy(path, root / "assets" / "wmbook" / path.name)
    boxes = []
    for i, inst in enumerate(REGISTRY.values(), start=1):
        anchor = f"inst-mm5-{i}"
        boxes.append(instrument_html(inst.render(anchor), anchor, inst.title, inst.caption_html))
    (root / "index.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<style>{PAGE_CSS}</style>"
        "<link rel='stylesheet' href='assets/wmbook/instruments.css'></head><body>"
        + "".join(boxes)
        + "<script src='assets/wmbook/instruments.js'></script></body></html>",
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("site")
    _site(root)
    with serve(root) as base:
        # One Chromium serves the whole test run: the shared ``browser`` fixture.
        tab = browser.new_page(viewport={"width": 1000, "height": 800})
        errors: list[str] = []
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.goto(f"{base}/index.html")
        for i in (1, 2, 3):
            tab.locator(f"#inst-mm5-{i}").scroll_into_view_if_needed()
            tab.wait_for_function(
                f"document.querySelector('#inst-mm5-{i}').dataset.state === 'live'",
                timeout=20000,
            )
        tab.errors = errors
        yield tab
        tab.close()


def test_all_instruments_go_live_and_hide_previews(page: Any) -> None:
    for i in (1, 2, 3):
        assert page.locator(f"#inst-mm5-{i} .wmbook-instrument-preview").is_hidden()
    assert page.errors == []


STYLE_WRITES = """() => {
  const figure = Array.from(Bokeh.index.query((v) => v.renderer_views instanceof Map))[0];
  const sheet = Array.from(figure.renderer_views.values())[0].position;
  const before = sheet.el.textContent;
  let replaced = 0;
  new MutationObserver((records) => { replaced += records.length; }).observe(sheet.el, { childList: true });
  sheet.replace(before);  // the same text: no write
  return new Promise((r) => setTimeout(() => r([sheet.el.textContent === before, replaced]), 0));
}"""


def test_unchanged_position_styles_are_not_rewritten(page: Any) -> None:
    # Bokeh rewrites every renderer's position style sheet on each paint; the loader makes
    # a rewrite with the same text a no-op, so a paint's CSS reads find styles up to date.
    assert page.evaluate(STYLE_WRITES) == [True, 0]


def test_sliders_answer_the_keyboard(page: Any) -> None:
    assert page.evaluate(FOCUS_HANDLE, [None, "learned decay"])
    page.keyboard.press("End")
    ro = "document.getElementById('inst-mm5-1-ro-learned_regime').textContent"
    page.wait_for_function(f"{ro} === 'unstable'")
    page.keyboard.press("Home")
    page.wait_for_function(f"{ro} === 'stable'")
    assert page.evaluate(FOCUS_HANDLE, [None, "plans sampled"])
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.getElementById('inst-mm5-3-ro-plans').textContent === '128'")


@pytest.mark.parametrize(
    ("anchor", "slider", "readout"),
    [
        ("inst-mm5-1", "learned decay", "final_gap"),
        ("inst-mm5-2", "noise sd (texture)", "pixel_loss"),
        ("inst-mm5-3", "model error", "best_return"),
    ],
)
def test_a_slider_step_paints_each_figure_once(page: Any, anchor: str, slider: str, readout: str) -> None:
    page.locator(f"#{anchor}").scroll_into_view_if_needed()
    assert page.evaluate(FOCUS_HANDLE, [anchor, slider])
    for key in ("ArrowRight", "ArrowLeft", "ArrowRight"):
        page.evaluate(FRAMES, 3)
        page.evaluate(COUNT_PAINTS, anchor)
        before = page.evaluate(f"document.getElementById('{anchor}-ro-{readout}').textContent")
        page.keyboard.press(key)
        page.wait_for_function(f"document.getElementById('{anchor}-ro-{readout}').textContent !== {before!r}")
        # Bokeh defers a paint asked for during a paint by a frame or two: wait well past that.
        page.evaluate(FRAMES, 8)
        page.wait_for_timeout(100)
        paints = page.evaluate(PAINTS)
        assert paints and set(paints.values()) == {1}, (key, paints)


# From the next keydown on: how many times each figure of ``anchor`` has painted
# when the first animation frame after the keydown starts, and whether each
# glyph renderer's position sheet then says where its glyphs are.
WATCH_FRAME = f"""(anchor) => {{
  const doc = ({DOC_OF})(anchor);
  const views = Array.from(Bokeh.index.query((v) => v.model.type === "Figure" && v.model.document === doc));
  window.__atFrame = null;
  const counts = new Map(views.map((v) => [v, 0]));
  for (const view of views) {{
    const paint = view._actual_paint;
    view._actual_paint = function () {{ paint.call(this); counts.set(this, counts.get(this) + 1); }};
  }}
  const onKey = () => {{
    window.removeEventListener("keydown", onKey, true);
    for (const view of views) counts.set(view, 0);
    requestAnimationFrame(() => {{
      const sheets = [];
      for (const view of views)
        for (const r of view.renderer_views.values()) {{
          if (typeof r.update_data !== "function" || !r.bbox || !r.bbox.is_valid) continue;
          const text = r.position.el.textContent;
          const px = (name) => Number((new RegExp(name + ": *(-?[0-9.e+-]+)px")).exec(text)[1]);
          sheets.push([px("left") - r.bbox.left, px("top") - r.bbox.top,
                       px("width") - r.bbox.width, px("height") - r.bbox.height]);
        }}
      window.__atFrame = {{ paints: views.map((v) => counts.get(v)), sheets: sheets }};
    }});
  }};
  window.addEventListener("keydown", onKey, true);
}}"""


@pytest.mark.parametrize(
    ("anchor", "slider"),
    [("inst-mm5-1", "learned decay"), ("inst-mm5-2", "noise sd (texture)"), ("inst-mm5-3", "model error")],
)
def test_a_step_is_painted_before_the_next_frame(page: Any, anchor: str, slider: str) -> None:
    # BokehJS alone paints on the animation frame after a change; the loader paints
    # once the step's data is in, in the keydown's own task, so that frame shows it.
    page.locator(f"#{anchor}").scroll_into_view_if_needed()
    assert page.evaluate(FOCUS_HANDLE, [anchor, slider])
    for key in ("ArrowRight", "ArrowLeft"):
        page.evaluate(FRAMES, 3)
        page.evaluate(WATCH_FRAME, anchor)
        page.keyboard.press(key)
        page.wait_for_function("window.__atFrame !== null")
        at_frame = page.evaluate("window.__atFrame")
        assert at_frame["paints"] and set(at_frame["paints"]) == {1}, (key, at_frame)
        # The glyph renderers' position writes wait for the paint to end, then land.
        assert at_frame["sheets"], at_frame
        for offsets in at_frame["sheets"]:
            assert max(abs(x) for x in offsets) < 1e-6, (key, at_frame)


# Two data changes of one figure, in two tasks within a frame: the first paints at
# once, the second waits for the animation frame, as BokehJS's own paints do.
TWO_CHANGES = f"""() => new Promise((resolve) => {{
  const doc = ({DOC_OF})("inst-mm5-1");
  const view = Bokeh.index.query_one((v) => v.model.type === "Figure" && v.model.document === doc &&
                                     v.model.title.text.startsWith("Gap over"));
  const source = view.model.renderers.find((r) => r.data_source && r.data_source.data.gap).data_source;
  let paints = 0;
  const paint = view._actual_paint;
  view._actual_paint = function () {{ paint.call(this); paints += 1; }};
  const log = [];
  const data = source.data;
  const scaled = (f) => ({{ ...data, gap: Array.from(data.gap, (v) => v * f) }});
  requestAnimationFrame(() => {{
    source.data = scaled(1.01);
    setTimeout(() => {{
      log.push(paints);
      source.data = scaled(1.02);
      setTimeout(() => {{
        log.push(paints);
        requestAnimationFrame(() => requestAnimationFrame(() => {{
          log.push(paints);
          view._actual_paint = paint;
          source.data = data;
          resolve(log);
        }}));
      }}, 0);
    }}, 0);
  }});
}})"""


def test_changes_within_a_frame_paint_once_a_frame(page: Any) -> None:
    page.evaluate(FRAMES, 3)
    assert page.evaluate(TWO_CHANGES) == [1, 1, 2]


# A renderer that takes its new data in slowly holds a figure's paint back by one
# animation frame at most: the range change paints on the second frame.
SLOW_DATA = f"""() => new Promise((resolve) => {{
  const doc = ({DOC_OF})("inst-mm5-1");
  const view = Bokeh.index.query_one((v) => v.model.type === "Figure" && v.model.document === doc &&
                                     v.model.title.text.startsWith("Gap over"));
  const rv = Array.from(view.renderer_views.values()).find((r) => r.model.data_source &&
                                                              r.model.data_source.data.gap);
  const source = rv.model.data_source;
  const data = source.data;
  const setData = rv.set_data;
  let release = null;
  rv.set_data = function () {{
    const args = arguments;
    return new Promise((r) => {{ release = r; }}).then(() => setData.apply(this, args));
  }};
  let paints = 0;
  const paint = view._actual_paint;
  view._actual_paint = function () {{ paint.call(this); paints += 1; }};
  const log = [];
  const range = view.model.x_range;
  const end = range.end;
  requestAnimationFrame(() => {{
    source.data = {{ ...data, gap: Array.from(data.gap, (v) => v * 1.01) }};
    range.end = end + 1;
    requestAnimationFrame(() => {{
      log.push(paints);
      requestAnimationFrame(() => {{
        log.push(paints);
        rv.set_data = setData;
        release();
        requestAnimationFrame(() => requestAnimationFrame(() => {{
          log.push(paints);
          view._actual_paint = paint;
          source.data = data;
          range.end = end;
          resolve(log);
        }}));
      }});
    }});
  }});
}})"""


def test_slow_data_holds_a_paint_back_one_frame_at_most(page: Any) -> None:
    page.evaluate(FRAMES, 3)
    # Nothing at the first frame, the range at the second, the data once it is in.
    assert page.evaluate(SLOW_DATA) == [0, 1, 2]


# Counts how often the legends of ``anchor`` rebuild their items from now on, and
# returns each legend's labels.
COUNT_LEGEND_BUILDS = f"""(anchor) => {{
  const doc = ({DOC_OF})(anchor);
  window.__legendBuilds = 0;
  const labels = [];
  for (const view of Bokeh.index.query((v) => v.model.type === "Legend" && v.model.document === doc)) {{
    labels.push(view.model.items.map((item) => item.label.value));
    if (view.__wmCounted) continue;
    view.__wmCounted = true;
    const build = view._render_items;
    view._render_items = function () {{ window.__legendBuilds += 1; return build.apply(this, arguments); }};
  }}
  return labels;
}}"""


@pytest.mark.parametrize(
    ("anchor", "slider", "readout", "labels"),
    [
        ("inst-mm5-1", "learned decay", "final_gap", [["true", "learned"]]),
        (
            "inst-mm5-2",
            "noise sd (texture)",
            "pixel_loss",
            [["frame", "pixel prediction", "blob without noise"]],
        ),
        (
            "inst-mm5-3",
            "model error",
            "best_return",
            [["winner, imagined", "executed, real", "start", "goal"]],
        ),
    ],
)
def test_a_step_leaves_the_legends_as_they_are(
    page: Any, anchor: str, slider: str, readout: str, labels: list[list[str]]
) -> None:
    # A legend whose renderers' data changed would rebuild its items and make the
    # step lay the page out again; the kit's legends are drawn from stand-ins.
    page.locator(f"#{anchor}").scroll_into_view_if_needed()
    assert page.evaluate(COUNT_LEGEND_BUILDS, anchor) == labels
    assert page.evaluate(FOCUS_HANDLE, [anchor, slider])
    for key in ("ArrowRight", "ArrowLeft"):
        before = page.evaluate(f"document.getElementById('{anchor}-ro-{readout}').textContent")
        page.keyboard.press(key)
        page.wait_for_function(f"document.getElementById('{anchor}-ro-{readout}').textContent !== {before!r}")
        page.evaluate(FRAMES, 4)
    assert page.evaluate("window.__legendBuilds") == 0


def test_plots_follow_the_colour_scheme(page: Any) -> None:
    light = page.evaluate(AXIS_COLOUR)
    page.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")
    page.wait_for_function(f"({AXIS_COLOUR})() !== {light!r}")
    dark = page.evaluate(AXIS_COLOUR)
    assert "226" in dark and light != dark


def test_planner_update_fits_in_a_frame(page: Any) -> None:
    page.add_script_tag(content=load_js("prng.js", "imagined_planner.js"))
    median_ms = page.evaluate(TIME_PLANNER)
    print(f"planner update at 512 plans x 16 steps: {median_ms:.2f} ms")
    assert median_ms < 8.0
