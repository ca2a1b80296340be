"""Time the instruments' JavaScript models in Node.js: the heaviest slider step of the
imagined planner (512 plans, horizon 16) and the same step re-planning at horizon 24.

A slider step must also leave Bokeh time to redraw, so the model's share is budgeted:
``PLANNER_MS`` and ``REPLAN_MS``.  The times are reported against them (a busy machine
slows them, which is why this is a benchmark and not a test).

Usage: python tests/bench/model_bench.py [--repeats N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "unit"))
from test_instruments_parity import MODEL_FILES, _node  # the parity test's Node.js and model files

from wmbook.instruments.bokeh_kit import JS_DIR

PLANNER_MS, REPLAN_MS = 4.0, 12.0  # a few milliseconds; re-planning well inside a frame

TIMING = r"""
const b = { plans: 512, model_error: 0.3, horizon: 16, batch: 0, replan: false };
const repeats = Number(process.argv[2]);
for (let i = 0; i < 20; i++) computeImaginedPlanner(b);
const t0 = process.hrtime.bigint();
for (let i = 0; i < repeats; i++) computeImaginedPlanner(b);
const ms = Number(process.hrtime.bigint() - t0) / 1e6 / repeats;
const rb = Object.assign({}, b, { horizon: 24, replan: true });
for (let i = 0; i < 5; i++) computeImaginedPlanner(rb);
const t1 = process.hrtime.bigint();
const few = Math.max(1, Math.floor(repeats / 10));
for (let i = 0; i < few; i++) computeImaginedPlanner(rb);
const replanMs = Number(process.hrtime.bigint() - t1) / 1e6 / few;
process.stdout.write(ms.toFixed(3) + " " + replanMs.toFixed(3));
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wmbook-model-bench-") as temp:
        driver = Path(temp) / "driver.js"
        sources = [(JS_DIR / name).read_text(encoding="utf-8") for name in MODEL_FILES]
        driver.write_text("\n".join([*sources, TIMING]), encoding="utf-8")
        done = subprocess.run(
            [_node(), str(driver), str(args.repeats)], capture_output=True, text=True, check=True
        )
    planner_ms, replan_ms = map(float, done.stdout.split())
    within = planner_ms < PLANNER_MS and replan_ms < REPLAN_MS
    print(f"planner step: {planner_ms:.2f} ms (budget {PLANNER_MS:g})")
    print(f"re-planning step: {replan_ms:.2f} ms (budget {REPLAN_MS:g})")
    print("within budget" if within else "OVER BUDGET")
    return 0 if within else 1


if __name__ == "__main__":
    raise SystemExit(main())
