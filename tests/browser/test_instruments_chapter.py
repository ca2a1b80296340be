"""The three instruments of the built world-models chapter, driven by the keyboard in Chromium.

Every readout the page shows after a slider step is compared with the numpy
reference model of the same instrument, evaluated at the slider values read
back from the page's Bokeh documents.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from wmbook.instruments import bokeh_version, imagined_planner, latent_rollout, pixel_vs_embedding

from .bokeh_page import DOC_OF, FOCUS_CHECKBOX, FOCUS_HANDLE, HANDLES_NAMED
from .harness import PageLog, is_local

sync_api = pytest.importorskip("playwright.sync_api")

CHAPTER = "/world-models/"
LIVE_TIMEOUT_MS = 20_000
# The loader's IntersectionObserver starts loading 200px before a box enters the viewport.
ROOT_MARGIN_PX = 200

IS_LIVE = "(anchor) => document.getElementById(anchor).dataset.state === 'live'"

FOCUS_BUTTON = """([anchor, text]) => {
  const walk = (node) => {
    for (const el of node.querySelectorAll("*")) {
      if (!el.shadowRoot) continue;
      for (const b of el.shadowRoot.querySelectorAll("button")) {
        if (b.textContent.trim() === text) { b.focus(); return true; }
      }
      if (walk(el.shadowRoot)) return true;
    }
    return false;
  };
  return walk(document.getElementById(anchor));
}"""

SLIDERS = f"""(anchor) => {{
  const doc = ({DOC_OF})(anchor);
  const out = {{}};
  for (const m of doc.all_models) {{
    if (m.type === "Slider") out[m.title] = {{ value: m.value, step: m.step, start: m.start, end: m.end }};
  }}
  return out;
}}"""

CHECKBOXES = f"""(anchor) => {{
  const doc = ({DOC_OF})(anchor);
  const out = {{}};
  for (const m of doc.all_models) if (m.type === "Checkbox") out[m.label] = m.active ? 1.0 : 0.0;
  return out;
}}"""

# aria-valuenow of the focused slider handle (inside the instrument's shadow roots).
FOCUSED_HANDLE_VALUENOW = """(anchor) => {
  let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  return el && el.classList.contains("noUi-handle") ? el.getAttribute("aria-valuenow") : null;
}"""

SLIDER_VALUE = f"""([anchor, title]) => {{
  const doc = ({DOC_OF})(anchor);
  for (const m of doc.all_models) if (m.type === "Slider" && m.title === title) return m.value;
  return null;
}}"""

BATCH = f"""(anchor) => {{
  const doc = ({DOC_OF})(anchor);
  for (const m of doc.all_models) if (m.type === "Button") return m.tags[0] | 0;
  return null;
}}"""

CANDIDATES = f"""(anchor) => {{
  const doc = ({DOC_OF})(anchor);
  for (const m of doc.all_models) {{
    if (m.type === "ColumnDataSource" && m.data.xs !== undefined) {{
      return {{ xs: Array.from(m.data.xs, (a) => Array.from(a)),
               ys: Array.from(m.data.ys, (a) => Array.from(a)) }};
    }}
  }}
  return null;
}}"""

READOUTS = """(anchor) => {
  const out = {};
  const prefix = anchor + "-ro-";
  for (const el of document.querySelectorAll("#" + anchor + " .wmbook-instrument-readouts [id]")) {
    if (el.id.startsWith(prefix)) out[el.id.slice(prefix.length)] = el.textContent;
  }
  return out;
}"""

READOUTS_EQUAL = f"""([anchor, expected]) => {{
  const got = ({READOUTS})(anchor);
  return Object.keys(expected).every((k) => got[k] === expected[k]);
}}"""

NEXT_FRAMES = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"


Values = dict[str, float]
Readouts = dict[str, str]


def _latent(values: Values, batch: int) -> Readouts:
    result = latent_rollout.simulate(
        values["true decay"],
        values["learned decay"],
        values["rotation θ (degrees)"],
        values["push magnitude"],
        round(values["horizon (steps)"]),
    )
    return latent_rollout.format_readouts(result)


def _pixel(values: Values, batch: int) -> Readouts:
    result = pixel_vs_embedding.simulate(values["signal (blob amplitude)"], values["noise sd (texture)"])
    return pixel_vs_embedding.format_readouts(result)


def _planner(values: Values, batch: int) -> Readouts:
    result = imagined_planner.simulate(
        2 ** round(values["plans sampled"]),
        values["model error"],
        round(values["horizon (steps)"]),
        batch,
        values["re-plan each step"] == 1.0,
    )
    return imagined_planner.format_readouts(result)


@dataclass(frozen=True)
class Spec:
    """One instrument of the chapter and its numpy reference."""

    anchor: str
    sliders: tuple[str, ...]
    readouts: tuple[str, ...]
    reference: Callable[[Values, int], Readouts]
    checkboxes: tuple[str, ...] = ()


LATENT = Spec(
    "inst-mm5-1",
    ("true decay", "learned decay", "rotation θ (degrees)", "push magnitude", "horizon (steps)"),
    ("one_step_gap", "final_gap", "regime", "learned_regime"),
    _latent,
)
PIXEL = Spec(
    "inst-mm5-2",
    ("signal (blob amplitude)", "noise sd (texture)"),
    ("pixel_loss", "embedding_loss", "wasted"),
    _pixel,
)
PLANNER = Spec(
    "inst-mm5-3",
    ("plans sampled", "model error", "horizon (steps)"),
    ("best_return", "real_return", "real_miss", "mode", "plans", "draw"),
    _planner,
    ("re-plan each step",),
)
SPECS = (LATENT, PIXEL, PLANNER)


# ---- helpers ---------------------------------------------------------------


def _record_requests(page: Any) -> list[str]:
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def _bundle_counts(urls: list[str]) -> dict[str, int]:
    version = re.escape(bokeh_version())
    counts = {"bokeh": 0, "bokeh-widgets": 0}
    for url in urls:
        match = re.search(rf"/(bokeh|bokeh-widgets)-{version}\.min\.js(?:$|\?)", url)
        if match:
            counts[match.group(1)] += 1
    return counts


def _go_live(page: Any, page_log: PageLog, spec: Spec) -> None:
    page.locator(f"#{spec.anchor}").scroll_into_view_if_needed()
    page.wait_for_function(IS_LIVE, arg=spec.anchor, timeout=LIVE_TIMEOUT_MS)
    page.wait_for_function(HANDLES_NAMED, arg=spec.anchor, timeout=LIVE_TIMEOUT_MS)
    assert page.locator(f"#{spec.anchor} .wmbook-instrument-preview").is_hidden()
    assert page_log.console_errors == [], f"{spec.anchor}: {page_log.console_errors}"


def _open(page: Any, page_log: PageLog, *specs: Spec) -> None:
    page.goto(CHAPTER, wait_until="load")
    for spec in specs:
        _go_live(page, page_log, spec)


def _sliders(page: Any, spec: Spec) -> dict[str, dict[str, float]]:
    sliders: dict[str, dict[str, float]] = page.evaluate(SLIDERS, spec.anchor)
    assert sorted(sliders) == sorted(spec.sliders)
    return sliders


def _values(page: Any, spec: Spec) -> Values:
    """Every slider's value and every checkbox's state (1.0 ticked, 0.0 clear)."""
    checkboxes: Values = page.evaluate(CHECKBOXES, spec.anchor)
    assert sorted(checkboxes) == sorted(spec.checkboxes)
    return {**{title: float(s["value"]) for title, s in _sliders(page, spec).items()}, **checkboxes}


def _readouts(page: Any, spec: Spec) -> Readouts:
    readouts: Readouts = page.evaluate(READOUTS, spec.anchor)
    assert sorted(readouts) == sorted(spec.readouts)
    return readouts


def _expect_readouts(page: Any, spec: Spec, expected: Readouts) -> Readouts:
    """Wait briefly for the readouts to show ``expected``; return what they show."""
    # On a timeout the assertion below reports the difference.
    with contextlib.suppress(sync_api.TimeoutError):
        page.wait_for_function(READOUTS_EQUAL, arg=[spec.anchor, expected], timeout=2_000)
    shown = _readouts(page, spec)
    assert shown == expected
    return shown


def _focus_slider(page: Any, spec: Spec, title: str) -> None:
    assert page.evaluate(FOCUS_HANDLE, [spec.anchor, title]), f"no handle named {title!r}"


def _press(page: Any, spec: Spec, title: str, key: str) -> float:
    """Press ``key`` on the focused handle of ``title``; return the slider's new value."""
    before = page.evaluate(SLIDER_VALUE, [spec.anchor, title])
    page.keyboard.press(key)
    page.wait_for_function(
        f"([anchor, title, before]) => ({SLIDER_VALUE})([anchor, title]) !== before",
        arg=[spec.anchor, title, before],
        timeout=2_000,
    )
    return float(page.evaluate(SLIDER_VALUE, [spec.anchor, title]))


def _batch(page: Any, spec: Spec) -> int:
    return int(page.evaluate(BATCH, spec.anchor))


def _candidates(page: Any, spec: Spec) -> set[tuple[tuple[float, float], ...]]:
    data = page.evaluate(CANDIDATES, spec.anchor)
    return {tuple(zip(xs, ys, strict=True)) for xs, ys in zip(data["xs"], data["ys"], strict=True)}


def _reference_candidates(values: Values, batch: int) -> set[tuple[tuple[float, float], ...]]:
    horizon = round(values["horizon (steps)"])
    result = imagined_planner.simulate(
        2 ** round(values["plans sampled"]), values["model error"], horizon, batch
    )
    width = horizon + 1
    xs = imagined_planner.split_lines(result.cand_xs, width)
    ys = imagined_planner.split_lines(result.cand_ys, width)
    return {tuple(zip(x, y, strict=True)) for x, y in zip(xs, ys, strict=True)}


def _same_lines(
    shown: set[tuple[tuple[float, float], ...]], reference: set[tuple[tuple[float, float], ...]]
) -> bool:
    def rounded(lines: set[tuple[tuple[float, float], ...]]) -> set[tuple[tuple[float, float], ...]]:
        return {tuple((round(x, 9), round(y, 9)) for x, y in line) for line in lines}

    return rounded(shown) == rounded(reference)


def _assert_stayed_local(urls: list[str], page_log: PageLog) -> None:
    assert page_log.blocked == []
    assert [url for url in urls if not is_local(url)] == []
    assert page_log.console_errors == []
    counts = _bundle_counts(urls)
    assert counts["bokeh"] <= 1 and counts["bokeh-widgets"] <= 1, counts


# ---- tests -----------------------------------------------------------------


def test_bokehjs_waits_for_the_first_instrument_and_loads_once(page: Any, page_log: PageLog) -> None:
    urls = _record_requests(page)
    page.goto(CHAPTER, wait_until="load")
    page.wait_for_load_state("networkidle")
    page.evaluate(NEXT_FRAMES)

    viewport_height = page.viewport_size["height"]
    first_top = page.evaluate(f"document.getElementById('{LATENT.anchor}').getBoundingClientRect().top")
    # Precondition: at the top of the page the first instrument is far below the fold.
    assert first_top > viewport_height + ROOT_MARGIN_PX + 1000
    assert _bundle_counts(urls) == {"bokeh": 0, "bokeh-widgets": 0}
    assert page.evaluate("window.Bokeh === undefined")
    for spec in SPECS:
        assert page.evaluate(f"document.getElementById('{spec.anchor}').hasAttribute('data-state')") is False

    # Closer, but still 400px short of the loader's margin: nothing may load yet.
    page.evaluate(
        f"window.scrollTo(0, window.scrollY + {first_top} - {viewport_height + ROOT_MARGIN_PX + 400})"
    )
    page.evaluate(NEXT_FRAMES)
    page.wait_for_timeout(300)
    assert _bundle_counts(urls) == {"bokeh": 0, "bokeh-widgets": 0}
    assert page.evaluate(f"document.getElementById('{LATENT.anchor}').hasAttribute('data-state')") is False

    _go_live(page, page_log, LATENT)
    assert _bundle_counts(urls) == {"bokeh": 1, "bokeh-widgets": 1}
    # The later instruments are still far away and wait.
    for spec in (PIXEL, PLANNER):
        assert page.evaluate(f"document.getElementById('{spec.anchor}').hasAttribute('data-state')") is False

    for spec in (PIXEL, PLANNER):
        _go_live(page, page_log, spec)
    page.wait_for_load_state("networkidle")
    assert _bundle_counts(urls) == {"bokeh": 1, "bokeh-widgets": 1}
    assert page.evaluate("Bokeh.documents.length") == 3
    _assert_stayed_local(urls, page_log)


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.anchor)
def test_every_slider_step_matches_the_numpy_model(page: Any, page_log: PageLog, spec: Spec) -> None:
    urls = _record_requests(page)
    _open(page, page_log, spec)
    values = _values(page, spec)
    batch = _batch(page, spec) if spec is PLANNER else 0
    shown = _expect_readouts(page, spec, spec.reference(values, batch))

    # Right and Up step forward, Down and Left step back: the slider returns to its default.
    moves = (("ArrowRight", 1), ("ArrowUp", 1), ("ArrowDown", -1), ("ArrowLeft", -1))
    for title in spec.sliders:
        step = float(_sliders(page, spec)[title]["step"])
        _focus_slider(page, spec, title)
        for key, direction in moves:
            previous = values[title]
            new_value = _press(page, spec, title, key)
            assert new_value == pytest.approx(previous + direction * step, abs=1e-9), (title, key)
            values[title] = new_value
            assert _values(page, spec) == values  # only the focused slider moved
            expected = spec.reference(values, batch)
            assert expected != shown, f"{title} {key}: the reference itself does not change"
            shown = _expect_readouts(page, spec, expected)
    _assert_stayed_local(urls, page_log)


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.anchor)
def test_slider_ends_match_the_numpy_model(page: Any, page_log: PageLog, spec: Spec) -> None:
    urls = _record_requests(page)
    _open(page, page_log, spec)
    batch = _batch(page, spec) if spec is PLANNER else 0
    # End on every slider in turn, then Home on every slider: the corners of the control space.
    for key, bound in (("End", "end"), ("Home", "start")):
        for title in spec.sliders:
            _focus_slider(page, spec, title)
            assert _press(page, spec, title, key) == pytest.approx(_sliders(page, spec)[title][bound])
            _expect_readouts(page, spec, spec.reference(_values(page, spec), batch))
    _assert_stayed_local(urls, page_log)


def test_latent_regime_follows_the_decay(page: Any, page_log: PageLog) -> None:
    urls = _record_requests(page)
    _open(page, page_log, LATENT)
    values = _values(page, LATENT)
    # The chapter's pair is the default: true 0.994, learned 0.990 (§5.1's slow eigenvalues).
    assert (values["true decay"], values["learned decay"]) == (0.994, 0.99)

    def check(title: str, readout: str, decay: float, regime: str) -> None:
        values = _values(page, LATENT)
        assert values[title] == pytest.approx(decay, abs=1e-9)
        assert latent_rollout.regime(values[title]) == regime
        shown = _expect_readouts(page, LATENT, _latent(values, 0))
        assert shown[readout] == regime
        # What a screen reader announces is the value the slider's title shows.
        now = page.evaluate(FOCUSED_HANDLE_VALUENOW, LATENT.anchor)
        assert now is not None, f"the focused element is not the {title} handle"
        assert float(now) == pytest.approx(decay, abs=1e-9)

    _focus_slider(page, LATENT, "learned decay")
    _press(page, LATENT, "learned decay", "ArrowLeft")
    check("learned decay", "learned_regime", 0.988, "stable")
    for k in range(1, 6):
        _press(page, LATENT, "learned decay", "ArrowRight")
        check("learned decay", "learned_regime", 0.988 + 0.002 * k, "stable")
    _press(page, LATENT, "learned decay", "ArrowRight")
    check("learned decay", "learned_regime", 1.0, "neutral")
    _press(page, LATENT, "learned decay", "ArrowRight")
    check("learned decay", "learned_regime", 1.002, "unstable")
    _press(page, LATENT, "learned decay", "ArrowLeft")
    check("learned decay", "learned_regime", 1.0, "neutral")
    _press(page, LATENT, "learned decay", "End")
    check("learned decay", "learned_regime", 1.10, "unstable")
    _press(page, LATENT, "learned decay", "Home")
    check("learned decay", "learned_regime", 0.80, "stable")

    # The true decay has a regime of its own; the learned one stays where it was.
    _focus_slider(page, LATENT, "true decay")
    for k in range(1, 4):
        _press(page, LATENT, "true decay", "ArrowRight")
        check("true decay", "regime", 0.994 + 0.002 * k, "neutral" if k == 3 else "stable")
    _press(page, LATENT, "true decay", "ArrowRight")
    check("true decay", "regime", 1.002, "unstable")
    assert _values(page, LATENT)["learned decay"] == pytest.approx(0.8)
    _assert_stayed_local(urls, page_log)


def test_latent_gap_grows_with_the_horizon(page: Any, page_log: PageLog) -> None:
    urls = _record_requests(page)
    _open(page, page_log, LATENT)
    _focus_slider(page, LATENT, "horizon (steps)")

    def final_gap() -> float:
        return float(_expect_readouts(page, LATENT, _latent(_values(page, LATENT), 0))["final_gap"])

    at_default = final_gap()
    assert _press(page, LATENT, "horizon (steps)", "Home") == 1.0
    gaps = [final_gap()]
    for _ in range(3):
        _press(page, LATENT, "horizon (steps)", "ArrowRight")
        gaps.append(final_gap())
    # The open-loop error compounds: every imagined step adds to it, and sixty steps
    # (the default) leave it more than thirty times the one-step gap.
    assert all(b > a for a, b in itertools.pairwise(gaps))
    assert at_default > 30 * gaps[0] > 0
    _assert_stayed_local(urls, page_log)


def test_pixel_defaults_read_like_the_program(page: Any, page_log: PageLog) -> None:
    urls = _record_requests(page)
    _open(page, page_log, PIXEL)
    values = _values(page, PIXEL)
    # The program's noise_sd = 0.5 and a blob of amplitude 1.
    assert values == {"signal (blob amplitude)": 1.0, "noise sd (texture)": 0.5}
    shown = _expect_readouts(page, PIXEL, _pixel(values, 0))
    # Its "share of the linear pixel loss that is noise" is 0.777; other random draws here.
    assert float(shown["wasted"].removesuffix(" %")) == pytest.approx(77.7, abs=3.0)
    # Without texture nothing of the pixel loss is noise.
    _focus_slider(page, PIXEL, "noise sd (texture)")
    values["noise sd (texture)"] = _press(page, PIXEL, "noise sd (texture)", "Home")
    assert _expect_readouts(page, PIXEL, _pixel(values, 0))["wasted"] == "0.0 %"
    _assert_stayed_local(urls, page_log)


@pytest.mark.parametrize("key", ["Enter", "Space"])
def test_reimagine_draws_new_candidate_plans(page: Any, page_log: PageLog, key: str) -> None:
    urls = _record_requests(page)
    _open(page, page_log, PLANNER)
    values = _values(page, PLANNER)
    assert _batch(page, PLANNER) == 0
    before = _candidates(page, PLANNER)
    assert _same_lines(before, _reference_candidates(values, 0))

    for batch in (1, 2):
        assert page.evaluate(FOCUS_BUTTON, [PLANNER.anchor, "RE-IMAGINE"])
        page.keyboard.press(key)
        page.wait_for_function(
            f"(anchor) => ({BATCH})(anchor) === {batch}", arg=PLANNER.anchor, timeout=2_000
        )
        after = _candidates(page, PLANNER)
        assert len(after) == len(before) == 2 ** round(values["plans sampled"])
        assert after != before
        assert _same_lines(after, _reference_candidates(values, batch))
        assert _expect_readouts(page, PLANNER, _planner(values, batch))["draw"] == str(batch + 1)
        before = after

    # A slider step keeps the new batch: the same draw of plans, shown as such.
    _focus_slider(page, PLANNER, "model error")
    values["model error"] = _press(page, PLANNER, "model error", "ArrowRight")
    assert _batch(page, PLANNER) == 2
    assert _expect_readouts(page, PLANNER, _planner(values, 2))["draw"] == "3"
    assert _same_lines(_candidates(page, PLANNER), _reference_candidates(values, 2))
    _assert_stayed_local(urls, page_log)


def test_planner_misses_more_with_a_wrong_model(page: Any, page_log: PageLog) -> None:
    urls = _record_requests(page)
    _open(page, page_log, PLANNER)
    batch = _batch(page, PLANNER)

    def real_miss() -> float:
        values = _values(page, PLANNER)
        shown = _expect_readouts(page, PLANNER, _planner(values, batch))
        return float(shown["real_miss"])

    assert _values(page, PLANNER)["model error"] == 0.0
    exact_64 = real_miss()
    _focus_slider(page, PLANNER, "model error")
    assert _press(page, PLANNER, "model error", "End") == pytest.approx(1.0)
    wrong_64 = real_miss()
    assert wrong_64 > exact_64

    _focus_slider(page, PLANNER, "plans sampled")
    assert _press(page, PLANNER, "plans sampled", "End") == 9  # 512 plans
    wrong_512 = real_miss()
    _focus_slider(page, PLANNER, "model error")
    assert _press(page, PLANNER, "model error", "Home") == 0.0
    exact_512 = real_miss()
    assert wrong_512 > exact_512
    # With a perfect model, more plans bring the real end closer.
    assert exact_512 < exact_64
    assert _batch(page, PLANNER) == batch
    assert not math.isnan(wrong_512)
    _assert_stayed_local(urls, page_log)


def _toggle(page: Any, spec: Spec, label: str, *, by_label_click: bool = False) -> float:
    """Flip checkbox ``label`` with the keyboard (or a click on its label text); return its state."""
    before = page.evaluate(CHECKBOXES, spec.anchor)[label]
    if by_label_click:
        page.locator(f"#{spec.anchor} .bk-label", has_text=label).click()
    else:
        assert page.evaluate(FOCUS_CHECKBOX, [spec.anchor, label]), f"no checkbox named {label!r}"
        page.keyboard.press("Space")
    page.wait_for_function(
        f"([anchor, label, before]) => ({CHECKBOXES})(anchor)[label] !== before",
        arg=[spec.anchor, label, before],
        timeout=2_000,
    )
    return float(page.evaluate(CHECKBOXES, spec.anchor)[label])


def test_replanning_checkbox_switches_execution(page: Any, page_log: PageLog) -> None:
    urls = _record_requests(page)
    _open(page, page_log, PLANNER)
    batch = _batch(page, PLANNER)
    _focus_slider(page, PLANNER, "model error")
    assert _press(page, PLANNER, "model error", "End") == pytest.approx(1.0)
    values = _values(page, PLANNER)
    assert values["re-plan each step"] == 0.0
    open_loop = _expect_readouts(page, PLANNER, _planner(values, batch))
    assert open_loop["mode"] == "open loop"

    # Space on the named checkbox ticks it: the same first plan, executed one action at a time.
    values["re-plan each step"] = _toggle(page, PLANNER, "re-plan each step")
    assert values["re-plan each step"] == 1.0
    replanned = _expect_readouts(page, PLANNER, _planner(values, batch))
    assert replanned["mode"] == "re-planned every step"
    assert replanned["best_return"] == open_loop["best_return"]
    assert int(replanned["plans"]) == int(open_loop["plans"]) * round(values["horizon (steps)"])
    assert float(replanned["real_miss"]) < float(open_loop["real_miss"])

    # A slider step keeps the mode; a click on the label text clears it again.
    _focus_slider(page, PLANNER, "horizon (steps)")
    values["horizon (steps)"] = _press(page, PLANNER, "horizon (steps)", "ArrowLeft")
    _expect_readouts(page, PLANNER, _planner(values, batch))
    values["re-plan each step"] = _toggle(page, PLANNER, "re-plan each step", by_label_click=True)
    assert values["re-plan each step"] == 0.0
    assert _expect_readouts(page, PLANNER, _planner(values, batch))["mode"] == "open loop"
    _assert_stayed_local(urls, page_log)
