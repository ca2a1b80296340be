"""The chapter on a phone (390 × 844): instrument text that does not collide, figure text that
stays readable, wide equations that fit, and instruments that go live without moving the page."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from .harness import PageLog, is_local

CHAPTER = "/world-models/"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
INSTRUMENTS = ("inst-mm5-1", "inst-mm5-2", "inst-mm5-3")
DIAGRAMS = ("fig-5-3", "fig-5-5", "fig-5-7")  # drawn a second time for narrow columns (narrow="on")
PLOTS = ("fig-5-4", "fig-5-6")  # kept at the width where their text is 9px, scrolling sideways
MIN_TEXT_PX = 9.0
TITLE_GAP_PX = 4.0
LIVE_TIMEOUT_MS = 30_000

# Rectangles of the text of every slider title of an instrument (inside Bokeh's shadow roots),
# in page pixels, with the rectangle of the instrument's stage (its controls and figures).
SLIDER_TITLES = """(anchor) => {
  const box = document.getElementById(anchor);
  const rect = (r) => [r.left, r.top, r.right, r.bottom];
  const titles = [];
  const walk = (node) => {
    for (const el of node.querySelectorAll("*")) {
      if (!el.shadowRoot) continue;
      for (const t of el.shadowRoot.querySelectorAll(".bk-slider-title")) {
        const range = document.createRange();
        range.selectNodeContents(t);
        titles.push({ text: t.textContent, rect: rect(range.getBoundingClientRect()) });
      }
      walk(el.shadowRoot);
    }
  };
  walk(box);
  return { titles, box: rect(box.querySelector(".wmbook-instrument-stage").getBoundingClientRect()) };
}"""

# For every figure of an instrument: its canvas size, its frame, its legends' boxes and the
# boxes of its categorical tick labels, all in the figure's own pixels.
FIGURE_TEXT = """(anchor) => {
  const target = document.getElementById(anchor + "-bokeh");
  // Whether an element is inside the instrument, through the shadow roots BokehJS draws in.
  const inTarget = (el) => {
    for (let n = el; n; ) {
      if (target.contains(n)) return true;
      const root = n.getRootNode();
      n = root instanceof ShadowRoot ? root.host : null;
    }
    return false;
  };
  const ctx = document.createElement("canvas").getContext("2d");
  const out = [];
  for (const plot of Bokeh.index.query((v) => v.model.type === "Figure" && v.frame !== undefined)) {
    if (!inTarget(plot.el)) continue;
    const f = plot.frame.bbox;
    const entry = { title: plot.model.title.text, size: [plot.bbox.width, plot.bbox.height],
                    frame: [f.left, f.top, f.right, f.bottom], legends: [], ticks: [] };
    for (const v of plot.renderer_views.values()) {
      if (v.model.type === "Legend") {
        const b = v.bbox;
        entry.legends.push({ place: plot.model.below.includes(v.model) ? "below" : "center",
                             rect: [b.left, b.top, b.right, b.bottom] });
      }
    }
    const xr = plot.model.x_range;
    if (xr.type === "FactorRange") {
      const axis = plot.model.below.find((m) => m.type === "CategoricalAxis");
      ctx.font = `${axis.major_label_text_font_style} ${axis.major_label_text_font_size} ${axis.major_label_text_font}`;
      for (const factor of xr.factors) {
        const x = plot.frame.x_scale.compute(xr.synthetic(factor));
        const w = ctx.measureText(factor).width;
        entry.ticks.push({ factor, rect: [x - w / 2, 0, x + w / 2, 1] });
      }
    }
    out.push(entry);
  }
  return out;
}"""

# Every <text> of a drawn figure, as the reader sees it: its font size times the drawing's scale.
DIAGRAM_TEXT = """(id) => {
  const figure = document.getElementById(id);
  const sizes = [];
  for (const t of figure.querySelectorAll("svg text")) {
    if (t.getBoundingClientRect().width === 0) continue;
    const scale = t.ownerSVGElement.getScreenCTM().a;
    sizes.push(parseFloat(getComputedStyle(t).fontSize) * scale);
  }
  return sizes;
}"""

# Sum of the layout shifts not caused by input, from the first paint on.
CLS_OBSERVER = """(() => {
  window.wmbookShift = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) window.wmbookShift += e.value;
  }).observe({ type: "layout-shift", buffered: true });
})()"""

ALL_LIVE = "(ids) => ids.every((id) => document.getElementById(id).dataset.state === 'live')"


def _grown(rect: list[float], by: float) -> list[float]:
    return [rect[0] - by, rect[1], rect[2] + by, rect[3]]


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _live(page: Any, anchor: str) -> None:
    page.locator(f"#{anchor}").scroll_into_view_if_needed()
    page.wait_for_function(
        f"() => document.getElementById('{anchor}').dataset.state === 'live'", timeout=LIVE_TIMEOUT_MS
    )
    # Two frames: BokehJS has laid the figure out and painted it.
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("anchor", INSTRUMENTS)
def test_instrument_text_does_not_collide(page: Any, page_log: PageLog, anchor: str, viewport: Any) -> None:
    page.set_viewport_size(viewport)
    page.goto(CHAPTER, wait_until="networkidle")
    _live(page, anchor)
    sliders = page.evaluate(SLIDER_TITLES, anchor)
    assert sliders["titles"], "no slider title found"
    box = sliders["box"]
    for title in sliders["titles"]:
        # Each title is whole inside the stage (Bokeh cuts off what runs past it) ...
        assert box[0] <= title["rect"][0] and title["rect"][2] <= box[2], (title, box)
    for a, b in itertools.combinations(sliders["titles"], 2):
        # ... and at least a space (4px) from every other title.
        assert not _overlap(_grown(a["rect"], TITLE_GAP_PX), b["rect"]), (a, b)
    figures = page.evaluate(FIGURE_TEXT, anchor)
    assert figures, "no figure found"
    for fig in figures:
        width, height = fig["size"]
        for legend in fig["legends"]:
            left, top, right, bottom = legend["rect"]
            # The whole legend is drawn: none of it is cut off at the figure's edge.
            assert left >= 0 and right <= width and top >= 0 and bottom <= height, (fig["title"], legend)
            if legend["place"] == "below":
                assert not _overlap(legend["rect"], fig["frame"]), (fig["title"], legend)
        for a, b in itertools.pairwise(fig["ticks"]):
            assert a["rect"][2] < b["rect"][0], (fig["title"], a, b)
    assert page_log.console_errors == []


def test_planner_is_short_enough_for_a_phone(page: Any) -> None:
    page.set_viewport_size(PHONE)
    page.goto(CHAPTER, wait_until="networkidle")
    _live(page, "inst-mm5-3")
    stage, readouts = page.evaluate(
        "() => ['.wmbook-instrument-stage', '.wmbook-instrument-readouts'].map((s) =>"
        " document.querySelector('#inst-mm5-3 ' + s).getBoundingClientRect().height)"
    )
    # Controls and plot within 480 px, so that with the readouts under them they take about
    # three quarters of the screen and a reader sees both while moving a slider (before:
    # 488 px with three slider titles running into each other, and a 400 px plot).
    assert stage <= 480, stage
    assert stage + readouts <= 0.75 * PHONE["height"], (stage, readouts)
    # The whole box, caption included, fits on the screen (before: 1,710 px, its caption 1,036).
    box = page.evaluate("() => document.getElementById('inst-mm5-3').getBoundingClientRect().height")
    assert box <= PHONE["height"], box


@pytest.mark.parametrize("anchor", INSTRUMENTS)
def test_instrument_captions_are_short_on_a_phone(page: Any, anchor: str) -> None:
    """Each caption names what the instrument shows and leaves the detail to the text above it
    (before: MM5.1's caption took 515 px of a phone's screen, MM5.2's 644 px)."""
    page.set_viewport_size(PHONE)
    page.goto(CHAPTER, wait_until="networkidle")
    _live(page, anchor)
    caption = page.evaluate(
        f"() => document.querySelector('#{anchor} .wmbook-instrument-caption').getBoundingClientRect().height"
    )
    assert caption <= 180, caption


def test_pixel_vs_embedding_uses_a_desktop_s_width(page: Any) -> None:
    """Sliders and figures side by side on a desktop (before: one above the other, 640 px),
    one above the other on a phone, where side by side their text collides."""
    figure_tops = (  # the instrument's two figures, known by their titles
        "() => [...Bokeh.index.query((v) => v.model.type === 'Figure' && v.frame !== undefined)]"
        ".filter((v) => ['Relative test loss', 'A test frame'].includes(v.model.title.text))"
        ".map((v) => Math.round(v.el.getBoundingClientRect().top))"
    )
    stage = (
        "() => document.querySelector('#inst-mm5-2 .wmbook-instrument-stage').getBoundingClientRect().height"
    )
    for viewport, side_by_side, most in ((DESKTOP, True, 330), (PHONE, False, 650)):
        page.set_viewport_size(viewport)
        page.goto(CHAPTER, wait_until="networkidle")
        _live(page, "inst-mm5-2")
        tops = page.evaluate(figure_tops)
        assert len(tops) == 2 and (tops[0] == tops[1]) == side_by_side, (viewport, tops)
        assert page.evaluate(stage) <= most, viewport


# The panels of a figure a reader sees (a figure drawn twice shows one of its layouts).
SHOWN_PANELS = """(id) => [...document.getElementById(id).querySelectorAll('.wmbook-figure__panel')]
  .filter((p) => p.checkVisibility()).map((p) => [p.className, p.scrollWidth, p.clientWidth])"""


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_diagrams_are_redrawn_for_a_phone(page: Any, viewport: Any) -> None:
    page.set_viewport_size(viewport)
    page.goto(CHAPTER, wait_until="networkidle")
    layout = "narrow" if viewport is PHONE else "wide"
    for figure in DIAGRAMS:
        shown = page.evaluate(SHOWN_PANELS, figure)
        # One layout at a time, the one drawn for the column, and it fits without scrolling.
        assert [c.split("--")[-1] for c, _, _ in shown] == [layout], (figure, shown)
        assert all(scroll <= client for _, scroll, client in shown), (figure, shown)
        sizes = page.evaluate(DIAGRAM_TEXT, figure)
        assert sizes and min(sizes) >= MIN_TEXT_PX - 0.05, (figure, sizes)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]


def test_plot_text_is_readable_on_a_phone(page: Any) -> None:
    page.set_viewport_size(PHONE)
    page.goto(CHAPTER, wait_until="networkidle")
    for figure in PLOTS:
        sizes = page.evaluate(DIAGRAM_TEXT, figure)
        assert sizes, f"{figure} has no text"
        assert min(sizes) >= MIN_TEXT_PX - 0.05, (figure, min(sizes))
        # The drawing scrolls inside its figure; the page itself does not get wider.
        panel = page.locator(f"#{figure} .wmbook-figure__panel").first
        assert panel.evaluate("(e) => e.scrollWidth > e.clientWidth")
        assert panel.evaluate("(e) => getComputedStyle(e).overflowX") == "auto"
        # Shadows at the edges say that it scrolls, as for wide display math.
        assert panel.evaluate("(e) => getComputedStyle(e).backgroundImage").count("radial-gradient") == 2
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


def test_jepa_equation_fits_a_phone(page: Any) -> None:
    page.set_viewport_size(PHONE)
    page.goto(CHAPTER, wait_until="networkidle")
    math = page.locator("#eq-mm5-3 .wmbook-math--display")
    assert math.evaluate("(e) => e.scrollWidth <= e.clientWidth + 1"), math.evaluate(
        "(e) => [e.scrollWidth, e.clientWidth]"
    )


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_instruments_go_live_without_moving_the_page(browser: Any, base_url: str, viewport: Any) -> None:
    context = browser.new_context(base_url=base_url, viewport=viewport)
    try:
        page = context.new_page()
        page.route("**/*", lambda route: route.continue_() if is_local(route.request.url) else route.abort())
        page.add_init_script(CLS_OBSERVER)
        page.goto(CHAPTER, wait_until="networkidle")
        # Scroll as a reader does, half a screen at a time, until every instrument is live.
        step = viewport["height"] // 2
        while not page.evaluate(ALL_LIVE, list(INSTRUMENTS)):
            before = page.evaluate("() => scrollY")
            page.mouse.wheel(0, step)
            page.wait_for_function(
                f"() => scrollY !== {before} || innerHeight + scrollY >= "
                "document.documentElement.scrollHeight - 1"
            )
            if page.evaluate("() => innerHeight + scrollY >= document.documentElement.scrollHeight - 1"):
                page.wait_for_function(ALL_LIVE, arg=list(INSTRUMENTS), timeout=LIVE_TIMEOUT_MS)
        page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
        shift = page.evaluate("() => window.wmbookShift")
        assert shift <= 0.05, shift
        # Each box holds exactly the height its live layout takes.
        for anchor in INSTRUMENTS:
            reserved, live = page.evaluate(
                "(id) => { const s = document.querySelector('#' + id + ' .wmbook-instrument-stage');"
                " const t = s.querySelector('.wmbook-instrument-target');"
                " return [parseFloat(getComputedStyle(s).minHeight), t.getBoundingClientRect().height]; }",
                anchor,
            )
            assert abs(reserved - live) < 1, (anchor, reserved, live)
    finally:
        context.close()
