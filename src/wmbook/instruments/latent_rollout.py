"""MM5.1 Latent-rollout visualizer: a linear latent rolled forward under a constant push.

The latent follows ``z[t+1] = A z[t] + b`` with ``A = decay * R(theta)`` and
``b = (0, push)``, starting from ``z[0] = (1, 0)``. The eigenvalues of ``A``
have modulus ``decay``, so the rollout spirals into the fixed point
``z* = (I - A)^-1 b`` when decay < 1, circles it on a closed orbit when decay
is exactly 1, and spirals away from it when decay > 1.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from bokeh.layouts import column, row
from bokeh.models import ColumnDataSource
from bokeh.models.annotations import Span

from . import ranges, svg
from .base import Instrument, RenderedInstrument
from .bokeh_kit import C1, C2, C3, C4, NEUTRAL, Kit, callback, finish, fit_equal_aspect, readouts_block
from .prng import fixed, step_index

DECAY_STEP = 0.01
THETA_MIN_DEG = 5.0  # at 0 degrees and decay 1, I - A is singular: no fixed point
DEFAULTS: dict[str, float] = {"decay": 0.95, "theta_deg": 20.0, "push": 0.1, "horizon": 16}
# The phase plot's frame in pixels until the figure is laid out.
PHASE_FRAME = (300, 200)

NAME = "latent_rollout"
TITLE = "Latent-rollout visualizer"
LABEL = "MM5.1"
DESCRIPTION = (
    "A two-dimensional latent state rolled forward by a linear model that shrinks or "
    "grows it by a decay factor and rotates it each step; the left plot traces the "
    "state, the right plot its length over time."
)
CAPTION = (
    "Each step multiplies the latent by <em>decay</em>, rotates it by θ and adds a "
    "constant push. The push alone would leave the state at a fixed point z* "
    "(marked ×), where the rotation and the push cancel. With decay below 1 every "
    "deviation from z* shrinks, so the path spirals in and the rollout is "
    "<strong>stable</strong>. At exactly 1 a deviation keeps its size: the state "
    "circles z* on a closed orbit (<strong>neutral</strong>). Above 1 each step "
    "amplifies whatever deviation is there and the path spirals out "
    "(<strong>unstable</strong>), which is how small one-step errors compound over "
    "a long imagined horizon."
)


@dataclass(frozen=True)
class LatentRollout:
    """Numbers shown by MM5.1 for one slider setting."""

    xs: list[float]
    ys: list[float]
    ts: list[float]
    norms: list[float]
    fixed_x: float
    fixed_y: float
    fixed_norm: float
    final_norm: float
    horizon: int
    regime: str

    def to_dict(self) -> dict[str, Any]:
        """Return the fields under the names the JavaScript model uses."""
        return asdict(self)


def regime(decay: float) -> str:
    """Classify decay on the slider's 0.01 grid, exactly as the JavaScript does."""
    k, one = step_index(decay, DECAY_STEP), step_index(1.0, DECAY_STEP)
    if k < one:
        return "stable"
    if k > one:
        return "unstable"
    return "neutral"


def simulate(decay: float, theta_deg: float, push: float, horizon: int) -> LatentRollout:
    """Roll the latent forward ``horizon`` steps from (1, 0)."""
    theta = (theta_deg * math.pi) / 180.0
    c, s = math.cos(theta), math.sin(theta)
    a00, a01, a10, a11 = decay * c, -decay * s, decay * s, decay * c
    bx, by = 0.0, push
    n = int(horizon) + 1
    traj = np.empty((n, 2), dtype=np.float64)
    x, y = 1.0, 0.0
    # The recursion is inherently sequential; scalar updates keep the exact
    # operation order of the JavaScript twin.
    for t in range(n):
        traj[t] = (x, y)
        x, y = a00 * x + a01 * y + bx, a10 * x + a11 * y + by
    norms = np.sqrt(traj[:, 0] * traj[:, 0] + traj[:, 1] * traj[:, 1])
    m00, m01, m10, m11 = 1.0 - a00, -a01, -a10, 1.0 - a11
    det = m00 * m11 - m01 * m10
    fx = (m11 * bx - m01 * by) / det
    fy = (m00 * by - m10 * bx) / det
    return LatentRollout(
        xs=traj[:, 0].tolist(),
        ys=traj[:, 1].tolist(),
        ts=[float(t) for t in range(n)],
        norms=norms.tolist(),
        fixed_x=fx,
        fixed_y=fy,
        fixed_norm=math.sqrt(fx * fx + fy * fy),
        final_norm=float(norms[-1]),
        horizon=int(horizon),
        regime=regime(decay),
    )


def format_readouts(r: LatentRollout) -> dict[str, str]:
    """Readout texts, formatted as the JavaScript formats them."""
    return {"horizon": str(r.horizon), "final_norm": fixed(r.final_norm, 3), "regime": r.regime}


def norm_ranges(r: LatentRollout) -> tuple[tuple[float, float], tuple[float, float]]:
    """The norm plot's ranges: every step, and every norm with the fixed point's."""
    return ranges.padded(0.0, float(r.horizon)), ranges.padded(*ranges.bounds(r.norms, [r.fixed_norm]))


def _preview(r: LatentRollout) -> str:
    xlim = ranges.padded(*ranges.bounds(r.xs, [r.fixed_x]))
    ylim = ranges.padded(*ranges.bounds(r.ys, [r.fixed_y]))
    # One data unit is as long on both axes, as in the live figure.
    phase = svg.Panel(40, 30, 300, 230, *ranges.equal_aspect(xlim, ylim, 300, 230))
    phase.frame("Latent trajectory", "z₁", "z₂")
    phase.polyline(r.xs, r.ys, "c1", width=2)
    for x, y in zip(r.xs, r.ys, strict=True):
        phase.circle(x, y, 2.5, "c1")
    phase.circle(r.xs[0], r.ys[0], 5, "c3", hollow=True)
    phase.cross(r.fixed_x, r.fixed_y, 5, "c4")
    norm = svg.Panel(410, 30, 300, 230, *norm_ranges(r))
    norm.frame("State norm over the rollout", "step t", "‖z‖")
    norm.polyline([0.0, float(r.horizon)], [r.fixed_norm] * 2, "fg", width=1, dash="4 3")
    norm.polyline(r.ts, r.norms, "c2", width=2)
    ro = format_readouts(r)
    label = f"{TITLE}, default state: final norm {ro['final_norm']}, regime {ro['regime']}."
    return svg.document(730, 290, label, [phase, norm])


def build(anchor: str) -> RenderedInstrument:
    """Render MM5.1 into the element ``anchor``."""
    d = DEFAULTS
    r = simulate(d["decay"], d["theta_deg"], d["push"], int(d["horizon"]))
    kit = Kit()
    decay = kit.slider("decay", 0.80, 1.10, d["decay"], DECAY_STEP, "0.00")
    theta = kit.slider("rotation θ (degrees)", THETA_MIN_DEG, 120.0, d["theta_deg"], 1.0, "0")
    push = kit.slider("push magnitude", 0.0, 0.5, d["push"], 0.01, "0.00")
    horizon = kit.slider("horizon (steps)", 1, 64, int(d["horizon"]), 1, "0")

    traj = ColumnDataSource({"x": r.xs, "y": r.ys, "t": r.ts})
    norms = ColumnDataSource({"t": r.ts, "norm": r.norms})
    fixed_pt = ColumnDataSource({"x": [r.fixed_x], "y": [r.fixed_y]})

    phase = kit.figure("Latent trajectory", "z₁", "z₂", x_range=(0, 1), y_range=(0, 1))
    cols = fit_equal_aspect(phase, [(traj, "x", "y"), (fixed_pt, "x", "y")], PHASE_FRAME)
    phase.line("x", "y", source=traj, line_color=C1, line_width=2)
    phase.scatter("x", "y", source=traj, size=5, color=C1)
    phase.scatter([r.xs[0]], [r.ys[0]], size=10, marker="circle", fill_color=None, line_color=C3)
    phase.scatter("x", "y", source=fixed_pt, size=12, marker="x", line_color=C4, line_width=2)

    norm_x, norm_y = norm_ranges(r)
    normfig = kit.figure("State norm over the rollout", "step t", "‖z‖", x_range=norm_x, y_range=norm_y)
    normfig.line("t", "norm", source=norms, line_color=C2, line_width=2)
    normfig.scatter("t", "norm", source=norms, size=4, color=C2)
    span = Span(
        location=r.fixed_norm,
        dimension="width",
        line_color=NEUTRAL,
        line_dash="dashed",
        tags=["wmbook-fg-line"],
    )
    normfig.add_layout(span)

    ro = format_readouts(r)
    html, ids = readouts_block(
        anchor,
        [
            ("horizon", "horizon steps", ro["horizon"]),
            ("final_norm", "final ‖z‖", ro["final_norm"]),
            ("regime", "regime", ro["regime"]),
        ],
    )
    cb = callback(
        ("prng.js", "latent_rollout.js", "ranges.js", "readouts.js", "glue_latent_rollout.js"),
        dict(
            decay=decay,
            theta=theta,
            push=push,
            horizon=horizon,
            traj=traj,
            norms=norms,
            fixed_pt=fixed_pt,
            span=span,
            phase=phase,
            cols=cols,
            normfig=normfig,
            ids=ids,
        ),
    )
    for s in (decay, theta, push, horizon):
        s.js_on_change("value", cb)
    layout = column(
        row(decay, theta, sizing_mode="stretch_width"),
        row(push, horizon, sizing_mode="stretch_width"),
        row(phase, normfig, sizing_mode="stretch_width"),
        sizing_mode="stretch_width",
        stylesheets=[kit.sheet],
    )
    return finish(layout, anchor, _preview(r), html, LABEL, DESCRIPTION)


INSTRUMENT = Instrument(
    name=NAME, title=TITLE, description=DESCRIPTION, label=LABEL, build=build, caption_html=CAPTION
)
