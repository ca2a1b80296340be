// Reference model of MM5.3 (random shooting, open loop or re-planning),
// mirrored by planner_model.py; see its docstring for the definitions.
// Needs prng.js (prngCreate, prngSeek, prngNext, fmtFixed) in the same scope.
// Written for speed: typed arrays, no allocation inside loops.

const PLAN_HMAX = 24;
const PLAN_MAX_PLANS = 512;
const PLAN_MAX_STEP = 0.3;
const PLAN_START_X = 0.0;
const PLAN_START_Y = 0.0;
const PLAN_GOAL_X = 1.6;
const PLAN_GOAL_Y = 1.0;
const PLAN_ROT_PER_ERROR = 0.9;
const PLAN_BIAS_X = 0.04;
const PLAN_BIAS_Y = -0.06;
const PLAN_BASE_SEED = 7;
const PLAN_GAMMA = 0.95;
const PLAN_MODES = { false: "open loop", true: "re-planned every step" };

function planCandidateAlpha(n) {
  // Fainter lines for bigger batches keep 512 overlapping plans readable.
  return Math.min(0.5, Math.max(0.04, 2.0 / Math.sqrt(n)));
}

// EQ MM5.5's return of the positions xs[off .. off + h] (start first): the
// discounted rewards -|z - goal| after each step, then the value of the last
// position, -|z_H - goal| / (1 - gamma), with weight gamma^H.
function planPathReturn(xs, ys, off, h) {
  let ret = 0.0;
  let disc = 1.0;
  let d = 0.0;
  for (let t = 1; t <= h; t++) {
    const dx = xs[off + t] - PLAN_GOAL_X;
    const dy = ys[off + t] - PLAN_GOAL_Y;
    d = Math.sqrt(dx * dx + dy * dy);
    ret = ret - disc * d;
    disc *= PLAN_GAMMA;
  }
  return ret - (disc * d) / (1.0 - PLAN_GAMMA);
}

// One search: n plans of h steps from (x0, y0), drawn for re-plan j, imagined
// through the model m. Positions go to xs/ys (n rows of h + 1, or one reused
// row when `keep` is false); the first action of the winner to first[0..1].
function planSearch(gen, seed, j, n, h, x0, y0, m, xs, ys, keep, first) {
  const w = h + 1;
  let best = -Infinity;
  let winner = 0;
  for (let k = 0; k < n; k++) {
    prngSeek(gen, seed, ((j * PLAN_MAX_PLANS + k) * PLAN_HMAX) * 2);
    const row = keep ? k * w : 0;
    let px = x0;
    let py = y0;
    xs[row] = px;
    ys[row] = py;
    let ax0 = 0.0;
    let ay0 = 0.0;
    for (let t = 0; t < h; t++) {
      const ax = PLAN_MAX_STEP * (2.0 * prngNext(gen) - 1.0);
      const ay = PLAN_MAX_STEP * (2.0 * prngNext(gen) - 1.0);
      if (t === 0) {
        ax0 = ax;
        ay0 = ay;
      }
      px = px + (m.m00 * ax + m.m01 * ay) + m.bx;
      py = py + (m.m10 * ax + m.m11 * ay) + m.by;
      xs[row + t + 1] = px;
      ys[row + t + 1] = py;
    }
    const ret = planPathReturn(xs, ys, row, h);
    if (ret > best) {
      best = ret;
      winner = k;
      first[0] = ax0;
      first[1] = ay0;
    }
  }
  return { best: best, winner: winner };
}

function computeImaginedPlanner(p) {
  const n = p.plans | 0;
  const h = p.horizon | 0;
  const e = p.model_error;
  const replan = Boolean(p.replan);
  const seed = PLAN_BASE_SEED + (p.batch | 0);
  const w = h + 1;
  const gen = prngCreate(seed);

  // The learned model: step = (1 + e) R(e * k) a + e * bias.
  const scale = 1.0 + e;
  const ang = e * PLAN_ROT_PER_ERROR;
  const c = Math.cos(ang);
  const s = Math.sin(ang);
  const m = { m00: scale * c, m01: -scale * s, m10: scale * s, m11: scale * c, bx: e * PLAN_BIAS_X, by: e * PLAN_BIAS_Y };

  const candXs = new Float64Array(n * w);
  const candYs = new Float64Array(n * w);
  const first = new Float64Array(2);
  const start = planSearch(gen, seed, 0, n, h, PLAN_START_X, PLAN_START_Y, m, candXs, candYs, true, first);
  const winner = start.winner;
  const imagX = candXs.slice(winner * w, winner * w + w);
  const imagY = candYs.slice(winner * w, winner * w + w);

  // Execute in the true dynamics, position += action: the whole winning plan,
  // or each time the first action of a plan made from the real position.
  const realX = new Float64Array(w);
  const realY = new Float64Array(w);
  const rowX = new Float64Array(w);
  const rowY = new Float64Array(w);
  let rx = PLAN_START_X;
  let ry = PLAN_START_Y;
  realX[0] = rx;
  realY[0] = ry;
  for (let t = 0; t < h; t++) {
    let ax;
    let ay;
    if (!replan) {
      // The search keeps no actions; the winner's are read from the stream again.
      prngSeek(gen, seed, (winner * PLAN_HMAX + t) * 2);
      ax = PLAN_MAX_STEP * (2.0 * prngNext(gen) - 1.0);
      ay = PLAN_MAX_STEP * (2.0 * prngNext(gen) - 1.0);
    } else if (t === 0) {
      ax = first[0];
      ay = first[1];
    } else {
      planSearch(gen, seed, t, n, h, rx, ry, m, rowX, rowY, false, first);
      ax = first[0];
      ay = first[1];
    }
    rx = rx + ax;
    ry = ry + ay;
    realX[t + 1] = rx;
    realY[t + 1] = ry;
  }
  const mx = rx - PLAN_GOAL_X;
  const my = ry - PLAN_GOAL_Y;

  return {
    cand_xs: candXs,
    cand_ys: candYs,
    imag_x: imagX,
    imag_y: imagY,
    real_x: realX,
    real_y: realY,
    best_return: start.best,
    real_return: planPathReturn(realX, realY, 0, h),
    real_miss: Math.sqrt(mx * mx + my * my),
    plans: n,
    evaluated: replan ? n * h : n,
    batch: p.batch | 0,
    winner: winner,
    cand_alpha: planCandidateAlpha(n),
    replan: replan,
  };
}

function formatPlannerReadouts(r) {
  return {
    best_return: fmtFixed(r.best_return, 2),
    real_return: fmtFixed(r.real_return, 2),
    real_miss: fmtFixed(r.real_miss, 3),
    mode: PLAN_MODES[r.replan],
    plans: String(r.evaluated),
    draw: String(r.batch + 1),
  };
}

if (typeof module !== "undefined" && module.exports) {
  module.exports = { computeImaginedPlanner, formatPlannerReadouts };
}
