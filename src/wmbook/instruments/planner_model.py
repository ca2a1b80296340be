"""The numbers behind MM5.3: random-shooting planning inside a flawed model.

An agent starts at (0, 0) and wants to reach the goal (1.6, 1.0). The true
dynamics are ``position += action`` with each action component drawn
uniformly from [-0.3, 0.3]. The planner only has a learned model whose step
is ``position += (1 + e) * R(0.9 * e) @ action + e * (0.04, -0.06)``, where
``e`` is the *model error* control; ``e = 0`` gives the true dynamics.

Scoring (EQ MM5.5). A plan of ``H`` actions is imagined forward through the
learned model; its imagined reward after step ``k + 1`` is minus the
distance to the goal, ``r_(k+1) = -|z_(k+1) - goal|``, discounted by
``gamma = 0.95``, and a value ``V(z_H) = -|z_H - goal| / (1 - gamma)`` (as if
the last distance were kept for ever) closes the sum with weight
``gamma^H``: ``return = sum_k gamma^k r_(k+1) + gamma^H V(z_H)``. The plan
with the highest imagined return wins (the first one on ties). The same
formula over the positions really reached gives the *real return*. The
*best imagined return* is always the first search's, made at the start: open
loop it scores the path carried out, so with an exact model (``e = 0``) the
two returns are equal; re-planning carries out only that plan's first action,
and the real return then scores a path stitched from ``H`` searches' first
actions, which no single imagined return describes.

Execution. *Open loop* replays the whole winning plan through the true
dynamics. *Re-planning* (receding-horizon MPC) carries out only the winner's
first action, then plans again from the real position with fresh candidates
of the same horizon, ``H`` times in all. Either way the episode has ``H``
real steps and the *real miss* is the real distance to the goal after them.

Random numbers. Re-plan ``j`` (0 for the plan made at the start, the only
one in open loop) draws its candidates from the mulberry32 stream seeded
with ``7 + batch``: action component ``c`` of step ``t`` of plan ``k`` is
draw ``((j * 512 + k) * 24 + t) * 2 + c``. So a shorter horizon uses
prefixes of the same actions, fewer plans are the first ones of more, and
every re-plan has candidates of its own. A slider step keeps the batch (the
*draw*); only the RE-IMAGINE button moves to the next.
"""

from __future__ import annotations

import math
from typing import Any

import msgspec
import numpy as np
from msgspec.structs import asdict
from numpy.typing import NDArray

from .prng import fixed, uniform_block

HMAX = 24
MAX_PLANS = 512  # the plans slider's end: each re-plan reserves this many plans of draws
MAX_STEP = 0.3
START = (0.0, 0.0)
GOAL = (1.6, 1.0)
ROT_PER_ERROR = 0.9
BIAS = (0.04, -0.06)
BASE_SEED = 7
GAMMA = 0.95
MODES = {False: "open loop", True: "re-planned every step"}


class ImaginedPlan(msgspec.Struct, frozen=True):
    """Numbers shown by MM5.3 for one setting of its controls."""

    cand_xs: list[float]
    cand_ys: list[float]
    imag_x: list[float]
    imag_y: list[float]
    real_x: list[float]
    real_y: list[float]
    best_return: float
    real_return: float
    real_miss: float
    plans: int
    evaluated: int
    batch: int
    winner: int
    cand_alpha: float
    replan: bool

    def to_dict(self) -> dict[str, Any]:
        """Return the fields under the names the JavaScript model uses."""
        return asdict(self)


class LearnedModel(msgspec.Struct, frozen=True):
    """One imagined step: ``position += M @ action + bias``."""

    m00: float
    m01: float
    m10: float
    m11: float
    bx: float
    by: float


def learned_model(model_error: float) -> LearnedModel:
    """The planner's model for error ``e``: ``M = (1 + e) R(0.9 e)``, bias ``e * BIAS``."""
    scale = 1.0 + model_error
    ang = model_error * ROT_PER_ERROR
    c, s = math.cos(ang), math.sin(ang)
    return LearnedModel(
        scale * c, -scale * s, scale * s, scale * c, model_error * BIAS[0], model_error * BIAS[1]
    )


def actions(plans: int, batch: int, replan: int = 0) -> NDArray[np.float64]:
    """Candidate actions of re-plan ``replan``, shape (plans, HMAX, 2), for one batch."""
    start = replan * MAX_PLANS * HMAX * 2
    u = uniform_block(BASE_SEED + batch, plans * HMAX * 2, start).reshape(plans, HMAX, 2)
    return np.asarray(MAX_STEP * (2.0 * u - 1.0), dtype=np.float64)


def candidate_alpha(plans: int) -> float:
    """Line opacity for the candidates: fainter as the batch grows."""
    return min(0.5, max(0.04, 2.0 / math.sqrt(plans)))


def imagine(
    acts: NDArray[np.float64], horizon: int, x0: float, y0: float, m: LearnedModel
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Positions of every plan through the model, shape (plans, horizon + 1) per axis."""
    n = acts.shape[0]
    xs = np.empty((n, horizon + 1))
    ys = np.empty((n, horizon + 1))
    px, py = np.full(n, x0), np.full(n, y0)
    xs[:, 0], ys[:, 0] = px, py
    # Vectorised over plans, sequential over time, with the JavaScript's
    # operation order, so the ranking of plans cannot differ between the two.
    for t in range(horizon):
        ax, ay = acts[:, t, 0], acts[:, t, 1]
        px = px + (m.m00 * ax + m.m01 * ay) + m.bx
        py = py + (m.m10 * ax + m.m11 * ay) + m.by
        xs[:, t + 1], ys[:, t + 1] = px, py
    return xs, ys


def path_returns(xs: NDArray[np.float64], ys: NDArray[np.float64]) -> NDArray[np.float64]:
    """EQ MM5.5's return of each row of positions (start first), in the JavaScript's order."""
    dx, dy = xs[:, 1:] - GOAL[0], ys[:, 1:] - GOAL[1]
    dist = np.sqrt(dx * dx + dy * dy)
    ret = np.zeros(xs.shape[0])
    disc = 1.0
    for t in range(dist.shape[1]):
        ret = ret - disc * dist[:, t]
        disc *= GAMMA
    out: NDArray[np.float64] = ret - disc * dist[:, -1] / (1.0 - GAMMA)
    return out


def simulate(
    plans: int, model_error: float, horizon: int, batch: int = 0, replan: bool = False
) -> ImaginedPlan:
    """Sample, imagine, pick and execute one batch of plans, open loop or re-planning."""
    n, h, b = int(plans), int(horizon), int(batch)
    model = learned_model(model_error)
    acts = actions(n, b)
    xs, ys = imagine(acts, h, START[0], START[1], model)
    returns = path_returns(xs, ys)
    win = int(np.argmax(returns))

    rx, ry = START
    real = [(rx, ry)]
    for t in range(h):
        if not replan:
            ax, ay = acts[win, t]
        elif t == 0:
            ax, ay = acts[win, 0]
        else:
            # Plan again from where the agent really is, and keep only the first action.
            fresh = actions(n, b, t)
            fx, fy = imagine(fresh, h, rx, ry, model)
            ax, ay = fresh[int(np.argmax(path_returns(fx, fy))), 0]
        rx, ry = rx + ax, ry + ay
        real.append((rx, ry))
    path = np.asarray(real)
    real_return = float(path_returns(path[None, :, 0], path[None, :, 1])[0])
    mx, my = rx - GOAL[0], ry - GOAL[1]
    return ImaginedPlan(
        cand_xs=xs.ravel().tolist(),
        cand_ys=ys.ravel().tolist(),
        imag_x=xs[win].tolist(),
        imag_y=ys[win].tolist(),
        real_x=path[:, 0].tolist(),
        real_y=path[:, 1].tolist(),
        best_return=float(returns[win]),
        real_return=real_return,
        real_miss=math.sqrt(mx * mx + my * my),
        plans=n,
        evaluated=n * h if replan else n,
        batch=b,
        winner=win,
        cand_alpha=candidate_alpha(n),
        replan=bool(replan),
    )


def format_readouts(r: ImaginedPlan) -> dict[str, str]:
    """Readout texts, formatted as the JavaScript formats them."""
    return {
        "best_return": fixed(r.best_return, 2),
        "real_return": fixed(r.real_return, 2),
        "real_miss": fixed(r.real_miss, 3),
        "mode": MODES[r.replan],
        "plans": str(r.evaluated),
        "draw": str(r.batch + 1),
    }


def split_lines(flat: list[float], width: int) -> list[list[float]]:
    """Cut a flat plan-major array into one list per plan."""
    return [flat[i : i + width] for i in range(0, len(flat), width)]
