"""MM5.1 Latent-rollout visualizer: a true and a learned linear latent, rolled forward side by side.

Both follow ``z[t+1] = A z[t] + b`` with ``A = decay * R(theta)`` and ``b = (0, push)``,
from the same start ``z[0] = (1, 0)``; they differ only in the decay: the world's (*true
decay*) and the model's (*learned decay*), as §5.1's fitted matrix differs from the true
one in its slowest eigenvalue (0.990 against 0.994). The eigenvalues of ``A`` have modulus
``decay``, so each rollout spirals into its fixed point ``z* = (I - A)^-1 b`` when decay
< 1, circles it when decay is exactly 1 and spirals away when decay > 1. The gap
``|zhat[t] - z[t]|`` is the learned model's open-loop error after ``t`` imagined steps.
"""

from __future__ import annotations

import math
from typing import Any

import msgspec
import numpy as np
from bokeh.layouts import column, row
from bokeh.models import ColumnDataSource
from bokeh.models.annotations import Span
from msgspec.structs import asdict

from . import ranges, svg
from .base import Instrument, RenderedInstrument
from .bokeh_kit import C1, C2, C3, C4, NEUTRAL, Kit, callback, finish, fit_equal_aspect, readouts_block
from .prng import fixed, step_index

# Fine enough to set §5.1's pair exactly: 0.994 (true) and 0.990 (learned).
DECAY_STEP = 0.002
DECAY_RANGE = (0.80, 1.10)
THETA_MIN_DEG = 5.0  # at 0 degrees and decay 1, I - A is singular: no fixed point
HORIZON_MAX = 300
DEFAULTS: dict[str, float] = {
    "true_decay": 0.994,
    "learned_decay": 0.990,
    "theta_deg": 20.0,
    "push": 0.1,
    "horizon": 60,
}
# The phase plot's frame in pixels until the figure is laid out.
PHASE_FRAME = (300, 200)

NAME = "latent_rollout"
TITLE = "Latent-rollout visualizer"
LABEL = "MM5.1"
DESCRIPTION = (
    "Two two-dimensional latent states rolled forward from the same start, one by the true "
    "linear transition and one by a learned copy whose decay factor is slightly off; the left "
    "plot traces both, the right plot the distance between them over the imagined steps."
)
CAPTION = (
    "Each step multiplies the latent by a <em>decay</em> factor, rotates it by θ and adds a "
    "constant push; the true world and the learned model differ only in their decay. Both "
    "start from the same state, so the gap between them is the learned model's open-loop "
    "error. It starts tiny and compounds over the horizon, because every step carries the "
    "previous steps' error forward. With both decays below 1 (<strong>stable</strong>) each "
    "rollout forgets its start, the faster the smaller its decay; the gap rises while the two "
    "memories differ, peaks, and only then sinks toward the distance between the two fixed "
    "points (dashed). A learned decay above 1 (<strong>unstable</strong>) makes it grow "
    "without bound."
)


class LatentRollout(msgspec.Struct, frozen=True):
    """Numbers shown by MM5.1 for one slider setting."""

    xs: list[float]
    ys: list[float]
    learned_xs: list[float]
    learned_ys: list[float]
    ts: list[float]
    gaps: list[float]
    fixed_x: float
    fixed_y: float
    learned_fixed_x: float
    learned_fixed_y: float
    fixed_gap: float
    one_step_gap: float
    final_gap: float
    horizon: int
    regime: str
    learned_regime: str

    def to_dict(self) -> dict[str, Any]:
        """Return the fields under the names the JavaScript model uses."""
        return asdict(self)


def regime(decay: float) -> str:
    """Classify decay on the slider's grid, exactly as the JavaScript does."""
    k, one = step_index(decay, DECAY_STEP), step_index(1.0, DECAY_STEP)
    if k < one:
        return "stable"
    if k > one:
        return "unstable"
    return "neutral"


def rollout(decay: float, theta_deg: float, push: float, horizon: int) -> tuple[np.ndarray, float, float]:
    """Positions from (1, 0) over ``horizon`` steps, shape (horizon + 1, 2), and the fixed point."""
    theta = (theta_deg * math.pi) / 180.0
    c, s = math.cos(theta), math.sin(theta)
    a00, a01, a10, a11 = decay * c, -decay * s, decay * s, decay * c
    bx, by = 0.0, push
    traj = np.empty((int(horizon) + 1, 2), dtype=np.float64)
    x, y = 1.0, 0.0
    # The recursion is inherently sequential; scalar updates keep the exact
    # operation order of the JavaScript twin.
    for t in range(len(traj)):
        traj[t] = (x, y)
        x, y = a00 * x + a01 * y + bx, a10 * x + a11 * y + by
    m00, m01, m10, m11 = 1.0 - a00, -a01, -a10, 1.0 - a11
    det = m00 * m11 - m01 * m10
    return traj, (m11 * bx - m01 * by) / det, (m00 * by - m10 * bx) / det


def simulate(
    true_decay: float, learned_decay: float, theta_deg: float, push: float, horizon: int
) -> LatentRollout:
    """Roll the true and the learned latent forward ``horizon`` steps from (1, 0)."""
    true, fx, fy = rollout(true_decay, theta_deg, push, horizon)
    learned, lx, ly = rollout(learned_decay, theta_deg, push, horizon)
    dx, dy = learned[:, 0] - true[:, 0], learned[:, 1] - true[:, 1]
    gaps = np.sqrt(dx * dx + dy * dy)
    gx, gy = lx - fx, ly - fy
    return LatentRollout(
        xs=true[:, 0].tolist(),
        ys=true[:, 1].tolist(),
        learned_xs=learned[:, 0].tolist(),
        learned_ys=learned[:, 1].tolist(),
        ts=[float(t) for t in range(len(true))],
        gaps=gaps.tolist(),
        fixed_x=fx,
        fixed_y=fy,
        learned_fixed_x=lx,
        learned_fixed_y=ly,
        fixed_gap=math.sqrt(gx * gx + gy * gy),
        one_step_gap=float(gaps[1]),
        final_gap=float(gaps[-1]),
        horizon=int(horizon),
        regime=regime(true_decay),
        learned_regime=regime(learned_decay),
    )


def format_readouts(r: LatentRollout) -> dict[str, str]:
    """Readout texts, formatted as the JavaScript formats them."""
    return {
        "one_step_gap": fixed(r.one_step_gap, 4),
        "final_gap": fixed(r.final_gap, 4),
        "regime": r.regime,
        "learned_regime": r.learned_regime,
    }


def gap_ranges(r: LatentRollout) -> tuple[tuple[float, float], tuple[float, float]]:
    """The gap plot's ranges: every step, and every gap from zero with the fixed points' distance."""
    return ranges.padded(0.0, float(r.horizon)), ranges.padded(*ranges.bounds([0.0], r.gaps, [r.fixed_gap]))


def _preview(r: LatentRollout) -> str:
    xlim = ranges.padded(*ranges.bounds(r.xs, r.learned_xs, [r.fixed_x, r.learned_fixed_x]))
    ylim = ranges.padded(*ranges.bounds(r.ys, r.learned_ys, [r.fixed_y, r.learned_fixed_y]))
    # One data unit is as long on both axes, as in the live figure.
    phase = svg.Panel(40, 30, 300, 230, *ranges.equal_aspect(xlim, ylim, 300, 230))
    phase.frame("True and learned", "z₁", "z₂")
    phase.polyline(r.xs, r.ys, "c1", width=2)
    phase.polyline(r.learned_xs, r.learned_ys, "c2", width=2, dash="5 3")
    phase.circle(r.xs[0], r.ys[0], 5, "c3", hollow=True)
    phase.cross(r.fixed_x, r.fixed_y, 5, "c4")
    phase.cross(r.learned_fixed_x, r.learned_fixed_y, 5, "c2")
    gap = svg.Panel(410, 30, 300, 230, *gap_ranges(r))
    gap.frame("Gap over the steps", "step t", "‖ẑ − z‖")
    gap.polyline([0.0, float(r.horizon)], [r.fixed_gap] * 2, "fg", width=1, dash="4 3")
    gap.polyline(r.ts, r.gaps, "c2", width=2)
    ro = format_readouts(r)
    label = (
        f"{TITLE}, default state: gap {ro['one_step_gap']} after one step and {ro['final_gap']} "
        f"after {r.horizon}; true rollout {ro['regime']}, learned rollout {ro['learned_regime']}."
    )
    return svg.document(730, 290, label, [phase, gap])


def build(anchor: str) -> RenderedInstrument:
    """Render MM5.1 into the element ``anchor``."""
    d = DEFAULTS
    r = simulate(d["true_decay"], d["learned_decay"], d["theta_deg"], d["push"], int(d["horizon"]))
    kit = Kit()
    true_decay = kit.slider("true decay", *DECAY_RANGE, d["true_decay"], DECAY_STEP, "0.000")
    learned_decay = kit.slider("learned decay", *DECAY_RANGE, d["learned_decay"], DECAY_STEP, "0.000")
    theta = kit.slider("rotation θ (degrees)", THETA_MIN_DEG, 120.0, d["theta_deg"], 1.0, "0")
    push = kit.slider("push magnitude", 0.0, 0.5, d["push"], 0.01, "0.00")
    horizon = kit.slider("horizon (steps)", 1, HORIZON_MAX, int(d["horizon"]), 1, "0")

    traj = ColumnDataSource({"x": r.xs, "y": r.ys})
    learned = ColumnDataSource({"x": r.learned_xs, "y": r.learned_ys})
    gaps = ColumnDataSource({"t": r.ts, "gap": r.gaps})
    fixed_pts = ColumnDataSource({"x": [r.fixed_x, r.learned_fixed_x], "y": [r.fixed_y, r.learned_fixed_y]})

    phase = kit.figure("True and learned", "z₁", "z₂", x_range=(0, 1), y_range=(0, 1))
    cols = fit_equal_aspect(
        phase, [(traj, "x", "y"), (learned, "x", "y"), (fixed_pts, "x", "y")], PHASE_FRAME
    )
    true_line = phase.line("x", "y", source=traj, line_color=C1, line_width=2)
    learned_line = phase.line("x", "y", source=learned, line_color=C2, line_width=2, line_dash="dashed")
    phase.scatter([r.xs[0]], [r.ys[0]], size=10, marker="circle", fill_color=None, line_color=C3)
    phase.scatter("x", "y", source=fixed_pts, size=12, marker="x", line_color=C4, line_width=2)
    kit.legend(phase, [("true", true_line), ("learned", learned_line)])

    gap_x, gap_y = gap_ranges(r)
    gapfig = kit.figure("Gap over the steps", "step t", "‖ẑ − z‖", x_range=gap_x, y_range=gap_y)
    gapfig.line("t", "gap", source=gaps, line_color=C2, line_width=2)
    span = Span(
        location=r.fixed_gap,
        dimension="width",
        line_color=NEUTRAL,
        line_dash="dashed",
        tags=["wmbook-fg-line"],
    )
    gapfig.add_layout(span)

    ro = format_readouts(r)
    html, ids = readouts_block(
        anchor,
        [
            ("one_step_gap", "gap after 1 step", ro["one_step_gap"]),
            ("final_gap", "gap at the horizon", ro["final_gap"]),
            ("regime", "true rollout", ro["regime"]),
            ("learned_regime", "learned rollout", ro["learned_regime"]),
        ],
    )
    cb = callback(
        ("prng.js", "latent_rollout.js", "ranges.js", "readouts.js", "glue_latent_rollout.js"),
        dict(
            true_decay=true_decay,
            learned_decay=learned_decay,
            theta=theta,
            push=push,
            horizon=horizon,
            traj=traj,
            learned=learned,
            gaps=gaps,
            fixed_pts=fixed_pts,
            span=span,
            phase=phase,
            cols=cols,
            gapfig=gapfig,
            ids=ids,
        ),
    )
    for s in (true_decay, learned_decay, theta, push, horizon):
        s.js_on_change("value", cb)
    layout = column(
        row(true_decay, learned_decay, sizing_mode="stretch_width"),
        row(theta, push, sizing_mode="stretch_width"),
        horizon,
        row(phase, gapfig, sizing_mode="stretch_width"),
        sizing_mode="stretch_width",
        stylesheets=[kit.sheet],
    )
    return finish(layout, anchor, _preview(r), html, LABEL, DESCRIPTION)


INSTRUMENT = Instrument(
    name=NAME, title=TITLE, description=DESCRIPTION, label=LABEL, build=build, caption_html=CAPTION
)
