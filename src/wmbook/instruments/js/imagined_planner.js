// Reference model of MM5.3 (random-shooting MPC), mirrored by
// imagined_planner.py; see its docstring for the definitions.
// Needs prng.js (prngCreate, prngNext, fmtFixed) in the same scope.
// Written for speed: one pass, typed arrays, no allocation inside loops.

const PLAN_HMAX = 24;
const PLAN_MAX_STEP = 0.3;
const PLAN_START_X = 0.0;
const PLAN_START_Y = 0.0;
const PLAN_GOAL_X = 1.6;
const PLAN_GOAL_Y = 1.0;
const PLAN_ROT_PER_ERROR = 0.9;
const PLAN_BIAS_X = 0.04;
const PLAN_BIAS_Y = -0.06;
const PLAN_BASE_SEED = 7;

function planCandidateAlpha(n) {
  // Fainter lines for bigger batches keep 512 overlapping plans readable.
  return Math.min(0.5, Math.max(0.04, 2.0 / Math.sqrt(n)));
}

function computeImaginedPlanner(p) {
  const n = p.plans | 0;
  const h = p.horizon | 0;
  const e = p.model_error;
  const w = h + 1;
  const gen = prngCreate(PLAN_BASE_SEED + (p.batch | 0));

  // The learned model: step = (1 + e) R(e * k) a + e * bias.
  const scale = 1.0 + e;
  const ang = e * PLAN_ROT_PER_ERROR;
  const c = Math.cos(ang);
  const s = Math.sin(ang);
  const m00 = scale * c;
  const m01 = -scale * s;
  const m10 = scale * s;
  const m11 = scale * c;
  const bx = e * PLAN_BIAS_X;
  const by = e * PLAN_BIAS_Y;

  const actions = new Float64Array(n * PLAN_HMAX * 2);
  const candXs = new Float64Array(n * w);
  const candYs = new Float64Array(n * w);
  let best = -Infinity;
  let winner = 0;
  for (let k = 0; k < n; k++) {
    const base = k * PLAN_HMAX * 2;
    // Every plan draws the full maximum horizon so that changing the horizon
    // keeps the same actions as prefixes.
    for (let i = 0; i < PLAN_HMAX * 2; i++) {
      actions[base + i] = PLAN_MAX_STEP * (2.0 * prngNext(gen) - 1.0);
    }
    let px = PLAN_START_X;
    let py = PLAN_START_Y;
    const row = k * w;
    candXs[row] = px;
    candYs[row] = py;
    for (let t = 0; t < h; t++) {
      const ax = actions[base + 2 * t];
      const ay = actions[base + 2 * t + 1];
      px = px + (m00 * ax + m01 * ay) + bx;
      py = py + (m10 * ax + m11 * ay) + by;
      candXs[row + t + 1] = px;
      candYs[row + t + 1] = py;
    }
    const dx = px - PLAN_GOAL_X;
    const dy = py - PLAN_GOAL_Y;
    const ret = -Math.sqrt(dx * dx + dy * dy);
    if (ret > best) {
      best = ret;
      winner = k;
    }
  }

  // Replay the winning actions through the true dynamics: position += action.
  const imagX = candXs.slice(winner * w, winner * w + w);
  const imagY = candYs.slice(winner * w, winner * w + w);
  const realX = new Float64Array(w);
  const realY = new Float64Array(w);
  let rx = PLAN_START_X;
  let ry = PLAN_START_Y;
  realX[0] = rx;
  realY[0] = ry;
  const base = winner * PLAN_HMAX * 2;
  for (let t = 0; t < h; t++) {
    rx = rx + actions[base + 2 * t];
    ry = ry + actions[base + 2 * t + 1];
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
    best_return: best,
    real_miss: Math.sqrt(mx * mx + my * my),
    plans: n,
    winner: winner,
    cand_alpha: planCandidateAlpha(n),
  };
}

function formatPlannerReadouts(r) {
  return {
    best_return: fmtFixed(r.best_return, 3),
    real_miss: fmtFixed(r.real_miss, 3),
    plans: String(r.plans),
  };
}

if (typeof module !== "undefined" && module.exports) {
  module.exports = { computeImaginedPlanner, formatPlannerReadouts };
}
