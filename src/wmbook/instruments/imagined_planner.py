"""MM5.3 Imagined-trajectory planner: random shooting inside a flawed model.

The model, its scoring by EQ MM5.5 and the two ways of executing a plan (open
loop, or re-planning after every real step) are in ``planner_model``; this
module lays them out as a Bokeh figure with its controls and readouts.
"""

from __future__ import annotations

import math

from bokeh.layouts import column, row
from bokeh.models import ColumnDataSource, CustomJSTickFormatter

from . import ranges, svg
from .base import Instrument, RenderedInstrument
from .bokeh_kit import (
    C1,
    C2,
    C4,
    NEUTRAL,
    Kit,
    callback,
    finish,
    fit_equal_aspect,
    readouts_block,
    reflowing_row,
)
from .planner_model import GOAL, HMAX, START, ImaginedPlan, format_readouts, simulate, split_lines

__all__ = ["INSTRUMENT", "format_readouts", "simulate", "split_lines"]

DEFAULTS: dict[str, float] = {"plans": 64, "model_error": 0.0, "horizon": 16, "batch": 0, "replan": 0}
# The frame's size in the preview, and the live figure's until it is laid out.
FRAME = (620, 250)
FIG_HEIGHT = 300  # short enough that the whole instrument is in view on a phone

NAME = "imagined_planner"
TITLE = "Imagined-trajectory planner"
LABEL = "MM5.3"
DESCRIPTION = (
    "A planner samples random action sequences, imagines each one with a learned model "
    "that may be wrong, scores each by its discounted imagined return and executes the "
    "best, either whole (open loop) or one action at a time, planning again after each "
    "real step; the plot shows all imagined paths faintly, the winner's imagined path "
    "and the path the agent really takes."
)
CAPTION = (
    "Random shooting with a learned model. Every faint line is one imagined plan, scored "
    "by its discounted imagined return, the distance to the goal counted at every step and "
    'beyond the last (<a href="#eq-mm5-5">EQ MM5.5</a>). Open loop, the best plan is '
    "carried out whole, and with an exact model its real return equals its imagined one; "
    "with <em>re-plan each step</em> only its first action is, and the planner searches "
    "again from where the agent really is (model-predictive control), so the real return "
    "then scores another path than the first search's winner. The sliders keep the same "
    "draw of random plans; <em>RE-IMAGINE</em> draws the next. With <em>model error</em>, "
    "the best imagined return stays optimistic, because the search is good at finding plans "
    "that exploit the model's mistakes; the real return and the real miss show what "
    "happened, and re-planning wins much of it back."
)


def _preview(r: ImaginedPlan) -> str:
    w = len(r.imag_x)
    xlim = ranges.padded(*ranges.bounds(r.cand_xs, r.real_x, [START[0], GOAL[0]]))
    ylim = ranges.padded(*ranges.bounds(r.cand_ys, r.real_y, [START[1], GOAL[1]]))
    # One data unit is as long on both axes, as in the live figure.
    xlim, ylim = ranges.equal_aspect(xlim, ylim, *FRAME)
    panel = svg.Panel(50, 30, FRAME[0], FRAME[1], xlim, ylim)
    panel.frame("Imagined plans and the executed one", "x", "y")
    for xs, ys in zip(split_lines(r.cand_xs, w), split_lines(r.cand_ys, w), strict=True):
        panel.polyline(xs, ys, "fg", width=1, opacity=r.cand_alpha)
    panel.polyline(r.imag_x, r.imag_y, "c2", width=2, dash="5 3")
    panel.polyline(r.real_x, r.real_y, "c1", width=2.5)
    panel.circle(START[0], START[1], 5, "fg")
    panel.circle(GOAL[0], GOAL[1], 7, "c4", hollow=True)
    ro = format_readouts(r)
    label = (
        f"{TITLE}, default state: {r.plans} plans, executed {ro['mode']}, best imagined "
        f"return {ro['best_return']}, real return {ro['real_return']}, real miss {ro['real_miss']}."
    )
    return svg.document(700, 310, label, [panel])


def build(anchor: str) -> RenderedInstrument:
    """Render MM5.3 into the element ``anchor``."""
    d = DEFAULTS
    r = simulate(int(d["plans"]), d["model_error"], int(d["horizon"]), int(d["batch"]), bool(d["replan"]))
    kit = Kit()
    plans = kit.slider("plans sampled", 0, 9, math.log2(d["plans"]), 1, "0")
    # The slider moves in powers of two so the keyboard can cover 1..512 quickly.
    plans.format = CustomJSTickFormatter(code="return String(Math.pow(2, Math.round(tick)));")
    error = kit.slider("model error", 0.0, 1.0, d["model_error"], 0.05, "0.00")
    horizon = kit.slider("horizon (steps)", 4, HMAX, int(d["horizon"]), 1, "0")
    replan = kit.checkbox("re-plan each step", bool(d["replan"]))
    again = kit.button("RE-IMAGINE")
    again.tags = [int(d["batch"])]

    w = int(d["horizon"]) + 1
    cands = ColumnDataSource({"xs": split_lines(r.cand_xs, w), "ys": split_lines(r.cand_ys, w)})
    imag = ColumnDataSource({"x": r.imag_x, "y": r.imag_y})
    real = ColumnDataSource({"x": r.real_x, "y": r.real_y})
    ends = ColumnDataSource({"x": [START[0], GOAL[0]], "y": [START[1], GOAL[1]]})

    fig = kit.figure(
        "Imagined plans and the executed one", "x", "y", x_range=(0, 1), y_range=(0, 1), height=FIG_HEIGHT
    )
    cols = fit_equal_aspect(fig, [(cands, "xs", "ys"), (real, "x", "y"), (ends, "x", "y")], FRAME)
    cand_lines = fig.multi_line(
        "xs",
        "ys",
        source=cands,
        line_color=NEUTRAL,
        line_alpha=r.cand_alpha,
        line_width=1,
        tags=["wmbook-fg-line"],
    )
    winner = fig.line("x", "y", source=imag, line_color=C2, line_width=2, line_dash="dashed")
    executed = fig.line("x", "y", source=real, line_color=C1, line_width=3)
    start = fig.scatter([START[0]], [START[1]], size=9, color=NEUTRAL)
    goal = fig.scatter(
        [GOAL[0]], [GOAL[1]], size=16, marker="circle", fill_color=None, line_color=C4, line_width=2
    )
    kit.legend(
        fig, [("winner, imagined", winner), ("executed, real", executed), ("start", start), ("goal", goal)]
    )

    ro = format_readouts(r)
    html, ids = readouts_block(
        anchor,
        [
            ("best_return", "best imagined return (first search)", ro["best_return"]),
            ("real_return", "real return", ro["real_return"]),
            ("real_miss", "real miss", ro["real_miss"]),
            ("mode", "executed", ro["mode"]),
            ("plans", "plans evaluated", ro["plans"]),
            ("draw", "draw of plans", ro["draw"]),
        ],
    )
    files = ("prng.js", "imagined_planner.js", "ranges.js", "readouts.js", "glue_imagined_planner.js")
    args = dict(
        plans=plans,
        error=error,
        horizon=horizon,
        replan=replan,
        again=again,
        cands=cands,
        cand_glyph=cand_lines.glyph,
        imag=imag,
        real=real,
        fig=fig,
        cols=cols,
        ids=ids,
    )
    on_change = callback(files, {**args, "bump": False})
    for s in (plans, error, horizon):
        s.js_on_change("value", on_change)
    replan.js_on_change("active", on_change)
    again.js_on_event("button_click", callback(files, {**args, "bump": True}))
    layout = column(
        # The three sliders on one line where there is room; on a phone two a line, as three
        # titles side by side run into each other there.
        reflowing_row(row(plans, error, sizing_mode="stretch_width"), horizon, sheet=kit.sheet),
        row(replan, again, sizing_mode="stretch_width"),
        fig,
        sizing_mode="stretch_width",
        stylesheets=[kit.sheet],
    )
    return finish(layout, anchor, _preview(r), html, LABEL, DESCRIPTION)


INSTRUMENT = Instrument(
    name=NAME, title=TITLE, description=DESCRIPTION, label=LABEL, build=build, caption_html=CAPTION
)
