"""MM5.3 Imagined-trajectory planner: random-shooting MPC inside a flawed model.

An agent starts at (0, 0) and wants to reach the goal (1.6, 1.0). The true
dynamics are ``position += action`` with each action component drawn
uniformly from [-0.3, 0.3]. The planner only has a learned model whose step
is ``position += (1 + e) * R(0.9 * e) @ action + e * (0.04, -0.06)``, where
``e`` is the *model error* control; ``e = 0`` gives the true dynamics.

Planning. Each of the ``plans`` candidates is a sequence of random actions
(plan-major, then step, then x before y, from the mulberry32 stream seeded
with ``7 + batch``; every plan draws 24 steps so a shorter horizon uses
prefixes of the same actions). Each candidate is imagined forward through the
learned model for ``horizon`` steps and scored by its imagined return,
``-|imagined final position - goal|``. The highest return wins (the first one
on ties). The winner's actions are then replayed through the true dynamics;
the readout *real miss* is ``|real final position - goal|``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from bokeh.layouts import column, row
from bokeh.models import ColumnDataSource, CustomJSTickFormatter

from . import svg
from .base import Instrument, RenderedInstrument
from .bokeh_kit import C1, C2, C4, NEUTRAL, Kit, callback, finish, readouts_block
from .prng import fixed, uniform_block

HMAX = 24
MAX_STEP = 0.3
START = (0.0, 0.0)
GOAL = (1.6, 1.0)
ROT_PER_ERROR = 0.9
BIAS = (0.04, -0.06)
BASE_SEED = 7
DEFAULTS: dict[str, float] = {"plans": 64, "model_error": 0.0, "horizon": 16, "batch": 0}

NAME = "imagined_planner"
TITLE = "Imagined-trajectory planner"
LABEL = "MM5.3"
DESCRIPTION = (
    "A planner samples random action sequences, imagines each one with a learned model "
    "that may be wrong, and executes the one whose imagined path ends closest to the "
    "goal; the plot shows all imagined paths faintly, the winner's imagined path and "
    "the path it really takes."
)
CAPTION = (
    "Random-shooting model-predictive control. Every faint line is one imagined plan; "
    "the planner keeps the plan whose imagined end lies nearest the goal and then "
    "executes it for real. With a perfect model, sampling more plans brings the real "
    "end closer. With <em>model error</em>, the best imagined return still looks "
    "excellent, because the search is good at finding plans that exploit the model's "
    "mistakes, while the real path misses the goal by more and more."
)


@dataclass(frozen=True)
class ImaginedPlan:
    """Numbers shown by MM5.3 for one slider setting."""

    cand_xs: list[float]
    cand_ys: list[float]
    imag_x: list[float]
    imag_y: list[float]
    real_x: list[float]
    real_y: list[float]
    best_return: float
    real_miss: float
    plans: int
    winner: int
    cand_alpha: float

    def to_dict(self) -> dict[str, Any]:
        """Return the fields under the names the JavaScript model uses."""
        return asdict(self)


def actions(plans: int, batch: int) -> np.ndarray:
    """Candidate actions, shape (plans, HMAX, 2), for one batch."""
    u = uniform_block(BASE_SEED + batch, plans * HMAX * 2).reshape(plans, HMAX, 2)
    return np.asarray(MAX_STEP * (2.0 * u - 1.0), dtype=np.float64)


def candidate_alpha(plans: int) -> float:
    """Line opacity for the candidates: fainter as the batch grows."""
    return min(0.5, max(0.04, 2.0 / math.sqrt(plans)))


def simulate(plans: int, model_error: float, horizon: int, batch: int = 0) -> ImaginedPlan:
    """Sample, imagine, pick and execute one batch of plans."""
    n, h, e = int(plans), int(horizon), model_error
    acts = actions(n, int(batch))
    scale = 1.0 + e
    ang = e * ROT_PER_ERROR
    c, s = math.cos(ang), math.sin(ang)
    m00, m01, m10, m11 = scale * c, -scale * s, scale * s, scale * c
    bx, by = e * BIAS[0], e * BIAS[1]

    xs = np.empty((n, h + 1))
    ys = np.empty((n, h + 1))
    px = np.full(n, START[0])
    py = np.full(n, START[1])
    xs[:, 0], ys[:, 0] = px, py
    # Vectorised over plans, sequential over time, with the JavaScript's
    # operation order, so the ranking of plans cannot differ between the two.
    for t in range(h):
        ax, ay = acts[:, t, 0], acts[:, t, 1]
        px = px + (m00 * ax + m01 * ay) + bx
        py = py + (m10 * ax + m11 * ay) + by
        xs[:, t + 1], ys[:, t + 1] = px, py
    dx, dy = px - GOAL[0], py - GOAL[1]
    returns = -np.sqrt(dx * dx + dy * dy)
    win = int(np.argmax(returns))

    real = np.empty((h + 1, 2))
    rx, ry = START
    real[0] = (rx, ry)
    for t in range(h):
        rx, ry = rx + acts[win, t, 0], ry + acts[win, t, 1]
        real[t + 1] = (rx, ry)
    mx, my = rx - GOAL[0], ry - GOAL[1]
    return ImaginedPlan(
        cand_xs=xs.ravel().tolist(),
        cand_ys=ys.ravel().tolist(),
        imag_x=xs[win].tolist(),
        imag_y=ys[win].tolist(),
        real_x=real[:, 0].tolist(),
        real_y=real[:, 1].tolist(),
        best_return=float(returns[win]),
        real_miss=math.sqrt(mx * mx + my * my),
        plans=n,
        winner=win,
        cand_alpha=candidate_alpha(n),
    )


def format_readouts(r: ImaginedPlan) -> dict[str, str]:
    """Readout texts, formatted as the JavaScript formats them."""
    return {
        "best_return": fixed(r.best_return, 3),
        "real_miss": fixed(r.real_miss, 3),
        "plans": str(r.plans),
    }


def split_lines(flat: list[float], width: int) -> list[list[float]]:
    """Cut a flat plan-major array into one list per plan."""
    return [flat[i : i + width] for i in range(0, len(flat), width)]


def _preview(r: ImaginedPlan) -> str:
    w = len(r.imag_x)
    allx = [*r.cand_xs, *r.real_x, GOAL[0]]
    ally = [*r.cand_ys, *r.real_y, GOAL[1]]
    xlim = svg.padded(min(allx), max(allx))
    ylim = svg.padded(min(ally), max(ally))
    # Keep one data unit the same length on both axes, as the live figure does.
    span = max(xlim[1] - xlim[0], (ylim[1] - ylim[0]) * 620 / 250)
    cx, cy = sum(xlim) / 2, sum(ylim) / 2
    panel = svg.Panel(
        50, 30, 620, 250, (cx - span / 2, cx + span / 2), (cy - span * 125 / 620, cy + span * 125 / 620)
    )
    panel.frame("Imagined plans and the executed one", "x", "y")
    for xs, ys in zip(split_lines(r.cand_xs, w), split_lines(r.cand_ys, w), strict=True):
        panel.polyline(xs, ys, "fg", width=1, opacity=r.cand_alpha)
    panel.polyline(r.imag_x, r.imag_y, "c2", width=2, dash="5 3")
    panel.polyline(r.real_x, r.real_y, "c1", width=2.5)
    panel.circle(START[0], START[1], 5, "fg")
    panel.circle(GOAL[0], GOAL[1], 7, "c4", hollow=True)
    ro = format_readouts(r)
    label = (
        f"{TITLE}, default state: {ro['plans']} plans, best imagined return "
        f"{ro['best_return']}, real miss {ro['real_miss']}."
    )
    return svg.document(700, 310, label, [panel])


def build(anchor: str) -> RenderedInstrument:
    """Render MM5.3 into the element ``anchor``."""
    d = DEFAULTS
    r = simulate(int(d["plans"]), d["model_error"], int(d["horizon"]), int(d["batch"]))
    kit = Kit()
    plans = kit.slider("plans sampled", 0, 9, math.log2(d["plans"]), 1, "0")
    # The slider moves in powers of two so the keyboard can cover 1..512 quickly.
    plans.format = CustomJSTickFormatter(code="return String(Math.pow(2, Math.round(tick)));")
    error = kit.slider("model error", 0.0, 1.0, d["model_error"], 0.05, "0.00")
    horizon = kit.slider("horizon (steps)", 4, HMAX, int(d["horizon"]), 1, "0")
    again = kit.button("RE-IMAGINE")
    again.tags = [int(d["batch"])]

    w = int(d["horizon"]) + 1
    cands = ColumnDataSource({"xs": split_lines(r.cand_xs, w), "ys": split_lines(r.cand_ys, w)})
    imag = ColumnDataSource({"x": r.imag_x, "y": r.imag_y})
    real = ColumnDataSource({"x": r.real_x, "y": r.real_y})

    fig = kit.figure("Imagined plans and the executed one", "x", "y", height=400, match_aspect=True)
    cand_lines = fig.multi_line(
        "xs",
        "ys",
        source=cands,
        line_color=NEUTRAL,
        line_alpha=r.cand_alpha,
        line_width=1,
        tags=["wmbook-fg-line"],
    )
    fig.line(
        "x",
        "y",
        source=imag,
        line_color=C2,
        line_width=2,
        line_dash="dashed",
        legend_label="winner, imagined",
    )
    fig.line("x", "y", source=real, line_color=C1, line_width=3, legend_label="winner, real")
    fig.scatter([START[0]], [START[1]], size=9, color=NEUTRAL, legend_label="start")
    fig.scatter(
        [GOAL[0]],
        [GOAL[1]],
        size=16,
        marker="circle",
        fill_color=None,
        line_color=C4,
        line_width=2,
        legend_label="goal",
    )
    fig.legend.location = "top_left"
    fig.legend.background_fill_alpha = 0.0
    fig.legend.border_line_alpha = 0.0

    ro = format_readouts(r)
    html, ids = readouts_block(
        anchor,
        [
            ("best_return", "best imagined return", ro["best_return"]),
            ("real_miss", "chosen plan's real miss", ro["real_miss"]),
            ("plans", "plans evaluated", ro["plans"]),
        ],
    )
    files = ("prng.js", "imagined_planner.js", "readouts.js", "glue_imagined_planner.js")
    args = dict(
        plans=plans,
        error=error,
        horizon=horizon,
        again=again,
        cands=cands,
        cand_glyph=cand_lines.glyph,
        imag=imag,
        real=real,
        ids=ids,
    )
    on_slide = callback(files, {**args, "bump": False})
    for s in (plans, error, horizon):
        s.js_on_change("value", on_slide)
    again.js_on_event("button_click", callback(files, {**args, "bump": True}))
    layout = column(
        row(plans, error, horizon, sizing_mode="stretch_width"),
        again,
        fig,
        sizing_mode="stretch_width",
        stylesheets=[kit.sheet],
    )
    return finish(layout, anchor, _preview(r), html, LABEL, DESCRIPTION)


INSTRUMENT = Instrument(
    name=NAME, title=TITLE, description=DESCRIPTION, label=LABEL, build=build, caption_html=CAPTION
)
