"""Measure what the world-models chapter's instruments cost in headless Chromium.

Builds the repository's book into a temporary directory, serves it on
127.0.0.1 and opens the chapter. Reports

* the response-body bytes of every request made by the page load, before any
  instrument has loaded, and after all three instruments are live (which adds
  the BokehJS bundles);
* for one slider of each instrument (MM5.3 at 512 plans x horizon 16, open
  loop and re-planning every step), the cost of one keyboard step: keydown ->
  readouts written (slider, Bokeh model update, the instrument's callback,
  data push), the time spent in the figure repaints that follow (the page
  loader runs them as soon as the step's data is in; Bokeh alone would wait
  for an animation frame), their sum ("busy"), the canvas paints per step, and
  keydown -> every figure painted once / -> end of the last paint, once no
  paint has followed for a few frames (any wait for a frame included); and
  the same step driven from page script by setting the slider's value,
  without the keyboard.

Usage: python tests/bench/instrument_bench.py [--steps N] [--warmup W] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import ViewportSize, sync_playwright

from wmbook.instruments import bokeh_version

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.browser.bokeh_page import DOC_OF, FOCUS_CHECKBOX, FOCUS_HANDLE, HANDLES_NAMED
from tests.browser.harness import serve

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOST = "127.0.0.1"
CHAPTER = "/world-models/"
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
LIVE_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class Target:
    """One slider whose steps are timed."""

    label: str
    anchor: str
    slider: str
    replan: bool = False  # MM5.3's "re-plan each step" checkbox


TARGETS = (
    Target("MM5.1 learned decay", "inst-mm5-1", "learned decay"),
    Target("MM5.2 noise", "inst-mm5-2", "noise sd (texture)"),
    Target("MM5.3 model error (512 plans, horizon 16)", "inst-mm5-3", "model error"),
    Target("MM5.3 the same, re-planning every step", "inst-mm5-3", "model error", replan=True),
)

SLIDER = f"""([anchor, title]) => {{
  const doc = ({DOC_OF})(anchor);
  for (const m of doc.all_models) {{
    if (m.type === "Slider" && m.title === title)
      return {{ value: m.value, start: m.start, end: m.end, step: m.step }};
  }}
  return null;
}}"""

# Follows one slider step of the instrument ``anchor``: its start (a keydown,
# caught in the capture phase before the slider sees it, or ``probe.start()``
# called by page script), the first change of the readouts (a MutationObserver
# runs right after the callback that wrote them), and every canvas paint of the
# instrument's figures from the start on (Bokeh's ``_actual_paint``, which a
# repaint may run more than once when it lays the figure out again; a paint may
# come before the observer runs). ``first`` is when every figure has painted at
# least once; the step is over only when the readouts have changed and, after
# that, QUIET_FRAMES animation frames and QUIET_MS have passed without a paint,
# so a paint that Bokeh defers to a later frame is counted. ``work`` is the time
# spent in repaints and in paints outside them.
INSTALL_PROBE = f"""(anchor) => {{
  const QUIET_FRAMES = 4;
  const QUIET_MS = 60;
  if (window.__wmbenchProbe) window.__wmbenchProbe.disconnect();
  const doc = ({DOC_OF})(anchor);
  const views = Array.from(Bokeh.index.query((v) => v.model.type === "Figure" && v.model.document === doc));
  const readouts = document.querySelector("#" + anchor + " .wmbook-instrument-readouts");
  const probe = {{ samples: [], step: null }};
  const finish = (step) => {{
    probe.samples.push({{ readout: step.readout, paint_work: step.work, paints: step.paints,
                          repaints: step.repaints, busy: step.readout + step.work,
                          first: step.first - step.t0, painted: step.last - step.t0 }});
    probe.step = null;
  }};
  const watch = (step) => {{
    let seen = -1;
    let quiet = 0;
    const tick = () => {{
      if (probe.step !== step) return;
      if (step.paints !== seen) {{ seen = step.paints; quiet = 0; }} else {{ quiet += 1; }}
      if (step.readout !== null && step.waiting.size === 0 && quiet >= QUIET_FRAMES &&
          performance.now() - step.last >= QUIET_MS) {{
        finish(step);
        return;
      }}
      requestAnimationFrame(tick);
    }};
    requestAnimationFrame(tick);
  }};
  probe.start = () => {{
    probe.step = {{ t0: performance.now(), readout: null, work: 0.0, paints: 0, repaints: 0,
                    first: null, last: null, waiting: new Set(views) }};
    watch(probe.step);
  }};
  window.addEventListener("keydown", probe.start, true);
  const observer = new MutationObserver(() => {{
    const step = probe.step;
    if (step === null || step.readout !== null) return;
    step.readout = performance.now() - step.t0;
  }});
  observer.observe(readouts, {{ childList: true, characterData: true, subtree: true }});
  let depth = 0;
  const originals = [];
  for (const view of views) {{
    const repaint = view.repaint;
    const actualPaint = view._actual_paint;
    originals.push([view, repaint, actualPaint]);
    view.repaint = function () {{
      const t = performance.now();
      depth += 1;
      try {{ repaint.call(this); }} finally {{ depth -= 1; }}
      const step = probe.step;
      if (step === null) return;
      step.work += performance.now() - t;
      step.repaints += 1;
    }};
    view._actual_paint = function () {{
      const t = performance.now();
      actualPaint.call(this);
      const step = probe.step;
      if (step === null) return;
      const done = performance.now();
      if (depth === 0) step.work += done - t;
      step.paints += 1;
      step.last = done;
      step.waiting.delete(this);
      if (step.waiting.size === 0 && step.first === null) step.first = done;
    }};
  }}
  probe.disconnect = () => {{
    observer.disconnect();
    window.removeEventListener("keydown", probe.start, true);
    probe.step = null;
    for (const [view, repaint, actualPaint] of originals) {{
      view.repaint = repaint;
      view._actual_paint = actualPaint;
    }}
  }};
  window.__wmbenchProbe = probe;
}}"""

SAMPLE_COUNT = "() => window.__wmbenchProbe.samples.length"
SAMPLES = "() => window.__wmbenchProbe.samples"
NEXT_FRAMES = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"

# The same update without the keyboard: set the slider's value from page script.
SET_VALUE = f"""([anchor, title, value]) => {{
  const doc = ({DOC_OF})(anchor);
  for (const m of doc.all_models) {{
    if (m.type === "Slider" && m.title === title) {{
      window.__wmbenchProbe.start();
      m.value = value;
      return true;
    }}
  }}
  return false;
}}"""


# ---- site ---------------------------------------------------------------------


def build_site(target: Path) -> None:
    """Build the repository's book into ``target``."""
    env = {k: v for k, v in os.environ.items() if k != "WMBOOK_ACCEPT"}
    env["NO_MKDOCS_2_WARNING"] = "1"
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(REPO / "mkdocs.yml"), "-d", str(target)],
        check=True,
        env=env,
        cwd=REPO,
    )


# ---- measurements ---------------------------------------------------------------


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p90 = statistics.quantiles(ordered, n=10, method="inclusive")[-1] if len(ordered) > 1 else ordered[0]
    return {
        "median_ms": round(statistics.median(ordered), 3),
        "p90_ms": round(p90, 3),
        "min_ms": round(ordered[0], 3),
        "max_ms": round(ordered[-1], 3),
    }


def _bytes(requests: list[Any]) -> dict[str, Any]:
    total = 0
    bundles = 0
    for request in requests:
        size = max(int(request.sizes()["responseBodySize"]), 0)
        total += size
        if "/bokeh/bokeh-" in request.url:
            bundles += size
    return {"requests": len(requests), "body_bytes": total, "bokehjs_bytes": bundles}


def _bounce(start: float, end: float, step: float, value: float, count: int) -> tuple[list[str], list[float]]:
    """Keys (and the values they reach) for ``count`` steps that turn around at either end."""
    last = round((end - start) / step)
    index = round((value - start) / step)
    direction = 1
    keys: list[str] = []
    values: list[float] = []
    for _ in range(count):
        if not 0 <= index + direction <= last:
            direction = -direction
        index += direction
        keys.append("ArrowRight" if direction > 0 else "ArrowLeft")
        values.append(round(start + index * step, 10))
    return keys, values


def _go_live(page: Any, anchor: str) -> None:
    page.locator(f"#{anchor}").scroll_into_view_if_needed()
    page.wait_for_function(
        "(a) => document.getElementById(a).dataset.state === 'live'", arg=anchor, timeout=LIVE_TIMEOUT_MS
    )
    page.wait_for_function(HANDLES_NAMED, arg=anchor, timeout=LIVE_TIMEOUT_MS)


def _focus(page: Any, anchor: str, slider: str) -> None:
    if not page.evaluate(FOCUS_HANDLE, [anchor, slider]):
        raise RuntimeError(f"no slider handle {slider!r} in #{anchor}")


def _steps(page: Any, target: Target, steps: int, warmup: int, *, keyboard: bool) -> list[dict[str, float]]:
    """Move ``target`` by ``warmup + steps`` single steps; return the probe's timed samples."""
    slider = page.evaluate(SLIDER, [target.anchor, target.slider])
    keys, values = _bounce(slider["start"], slider["end"], slider["step"], slider["value"], warmup + steps)
    page.evaluate(INSTALL_PROBE, target.anchor)
    if keyboard:
        _focus(page, target.anchor, target.slider)
    for key, value in zip(keys, values, strict=True):
        page.evaluate(NEXT_FRAMES)
        seen = page.evaluate(SAMPLE_COUNT)
        if keyboard:
            page.keyboard.press(key)
        else:
            page.evaluate(SET_VALUE, [target.anchor, target.slider, value])
        # Times out when a step leaves the readouts unchanged or a figure never repaints.
        page.wait_for_function(f"() => ({SAMPLE_COUNT})() > {seen}", timeout=5_000)
        reached = page.evaluate(SLIDER, [target.anchor, target.slider])["value"]
        if abs(reached - value) > 1e-9:
            raise RuntimeError(f"{target.label}: slider at {reached}, expected {value}")
    samples: list[dict[str, float]] = page.evaluate(SAMPLES)
    if len(samples) != len(keys):
        raise RuntimeError(f"{target.label}: {len(samples)} samples for {len(keys)} steps")
    page.evaluate("() => window.__wmbenchProbe.disconnect()")
    return samples[warmup:]


def _prepare_planner(page: Any) -> None:
    """Plans slider to 512 (its end, log2 = 9) and horizon 16, by keyboard."""
    anchor = "inst-mm5-3"
    _focus(page, anchor, "plans sampled")
    page.keyboard.press("End")
    page.wait_for_function("() => document.getElementById('inst-mm5-3-ro-plans').textContent === '512'")
    horizon = page.evaluate(SLIDER, [anchor, "horizon (steps)"])
    if horizon["value"] != 16:
        raise RuntimeError(f"planner horizon is {horizon['value']}, expected 16")
    error = page.evaluate(SLIDER, [anchor, "model error"])
    if error["value"] != 0:
        raise RuntimeError(f"planner model error starts at {error['value']}, expected 0")


def _replan(page: Any, on: bool) -> None:
    """Tick or clear MM5.3's re-plan checkbox by keyboard."""
    mode = "re-planned every step" if on else "open loop"
    shown = "document.getElementById('inst-mm5-3-ro-mode').textContent"
    if page.evaluate(shown) == mode:
        return
    if not page.evaluate(FOCUS_CHECKBOX, ["inst-mm5-3", "re-plan each step"]):
        raise RuntimeError("no checkbox 're-plan each step' in #inst-mm5-3")
    page.keyboard.press("Space")
    page.wait_for_function(f"() => {shown} === {mode!r}")


def run(steps: int, warmup: int) -> dict[str, Any]:
    """Build, serve and measure; return the results."""
    with tempfile.TemporaryDirectory(prefix="wmbook-instrument-bench-") as tmp:
        site = Path(tmp) / "site"
        build_site(site)
        with serve(site) as base_url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                context = browser.new_context(base_url=base_url, viewport=VIEWPORT, color_scheme="light")
                blocked: list[str] = []
                finished: list[Any] = []
                failed: list[str] = []

                def route(route: Any) -> None:
                    if urlsplit(route.request.url).hostname == HOST:
                        route.continue_()
                    else:
                        blocked.append(route.request.url)
                        route.abort()

                context.route("**/*", route)
                context.on("requestfinished", lambda request: finished.append(request))
                context.on("requestfailed", lambda request: failed.append(request.url))
                page = context.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda error: errors.append(str(error)))
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

                page.goto(CHAPTER, wait_until="load")
                page.wait_for_load_state("networkidle")
                page.evaluate(NEXT_FRAMES)
                if page.evaluate("window.Bokeh !== undefined"):
                    raise RuntimeError("BokehJS loaded before any instrument came near the viewport")
                at_load = _bytes(list(finished))

                for target in TARGETS:
                    _go_live(page, target.anchor)
                page.wait_for_load_state("networkidle")
                all_live = _bytes(list(finished))

                _prepare_planner(page)
                timings: dict[str, Any] = {}
                for target in TARGETS:
                    if target.anchor == "inst-mm5-3":
                        _replan(page, target.replan)
                    keyboard = _steps(page, target, steps, warmup, keyboard=True)
                    direct = _steps(page, target, steps, warmup, keyboard=False)
                    timings[target.label] = {
                        "slider": target.slider,
                        "key_to_readout": _summary([s["readout"] for s in keyboard]),
                        "bokeh_paint_work": _summary([s["paint_work"] for s in keyboard]),
                        "key_busy": _summary([s["busy"] for s in keyboard]),
                        "key_to_first_repaint": _summary([s["first"] for s in keyboard]),
                        "key_to_last_repaint": _summary([s["painted"] for s in keyboard]),
                        "repaints_per_step": statistics.median(s["repaints"] for s in keyboard),
                        "canvas_paints_per_step": statistics.median(s["paints"] for s in keyboard),
                        "set_value_to_readout": _summary([s["readout"] for s in direct]),
                        "set_value_busy": _summary([s["busy"] for s in direct]),
                    }
                chromium_version = browser.version
                context.close()
            finally:
                browser.close()
    if blocked or failed or errors:
        raise RuntimeError(f"blocked: {blocked}, failed: {failed}, console errors: {errors}")
    return {
        "steps": steps,
        "warmup_steps": warmup,
        "viewport": VIEWPORT,
        "chromium": chromium_version,
        "bokeh": bokeh_version(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "bytes": {"at_load": at_load, "all_instruments_live": all_live},
        "timings": timings,
    }


def print_table(results: dict[str, Any]) -> None:
    """Print the results as two small tables."""
    b = results["bytes"]
    print(f"Page bytes, response bodies (chapter {CHAPTER}, viewport 1280x900)")
    print(f"  {'':38} {'requests':>8} {'bytes':>12} {'BokehJS':>12}")
    for name, key in (
        ("at load, before any instrument", "at_load"),
        ("all three instruments live", "all_instruments_live"),
    ):
        row = b[key]
        print(f"  {name:38} {row['requests']:>8} {row['body_bytes']:>12,} {row['bokehjs_bytes']:>12,}")
    print()
    print(
        f"Slider step timings in ms, {results['steps']} steps after {results['warmup_steps']} warm-up steps"
    )
    print(f"  {'slider':44} {'measure':24} {'median':>8} {'p90':>8} {'max':>8}")
    measures = (
        ("key_to_readout", "keydown -> readout"),
        ("bokeh_paint_work", "Bokeh repaints"),
        ("key_busy", "keydown busy (sum)"),
        ("key_to_first_repaint", "keydown -> all painted"),
        ("key_to_last_repaint", "keydown -> last paint"),
        ("set_value_to_readout", "set value -> readout"),
        ("set_value_busy", "set value busy (sum)"),
    )
    for label, row in results["timings"].items():
        for key, name in measures:
            s = row[key]
            print(f"  {label:44} {name:24} {s['median_ms']:>8.2f} {s['p90_ms']:>8.2f} {s['max_ms']:>8.2f}")
            label = ""
        paints = f"{row['canvas_paints_per_step']:g} canvas paints in {row['repaints_per_step']:g} repaints"
        print(f"  {'':44} {'per step (median)':24} {paints}")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50, help="timed slider steps per instrument")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps before them")
    parser.add_argument("--out", type=Path, default=REPO / "bench-results" / "instruments.json")
    args = parser.parse_args(argv)
    results = run(args.steps, args.warmup)
    print_table(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
