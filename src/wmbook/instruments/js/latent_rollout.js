// Reference model of MM5.1, mirrored by latent_rollout.py: a true and a learned
// rollout of z_{t+1} = decay * R(theta) z_t + b, with b = (0, push) and
// z_0 = (1, 0), that differ only in their decay, and the gap between them.
// Needs prng.js (fmtFixed, stepIndex) in the same scope.

const LATENT_DECAY_STEP = 0.002;

function latentRegime(decay) {
  // Compare on the slider's grid so 1.000 typed or dragged is exactly neutral.
  const k = stepIndex(decay, LATENT_DECAY_STEP);
  const one = stepIndex(1.0, LATENT_DECAY_STEP);
  if (k < one) return "stable";
  if (k > one) return "unstable";
  return "neutral";
}

// Positions from (1, 0) over `horizon` steps, and the fixed point (I - A)^{-1} b.
function latentPath(decay, thetaDeg, push, horizon) {
  const theta = (thetaDeg * Math.PI) / 180.0;
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  const a00 = decay * c;
  const a01 = -decay * s;
  const a10 = decay * s;
  const a11 = decay * c;
  const bx = 0.0;
  const by = push;
  const n = horizon + 1;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  let x = 1.0;
  let y = 0.0;
  for (let t = 0; t < n; t++) {
    xs[t] = x;
    ys[t] = y;
    const nx = a00 * x + a01 * y + bx;
    const ny = a10 * x + a11 * y + by;
    x = nx;
    y = ny;
  }
  // theta >= 5 degrees keeps I - A invertible.
  const m00 = 1.0 - a00;
  const m01 = -a01;
  const m10 = -a10;
  const m11 = 1.0 - a11;
  const det = m00 * m11 - m01 * m10;
  return { xs: xs, ys: ys, fx: (m11 * bx - m01 * by) / det, fy: (m00 * by - m10 * bx) / det };
}

function computeLatentRollout(p) {
  const horizon = p.horizon | 0;
  const t = latentPath(p.true_decay, p.theta_deg, p.push, horizon);
  const l = latentPath(p.learned_decay, p.theta_deg, p.push, horizon);
  const n = horizon + 1;
  const ts = new Float64Array(n);
  const gaps = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const dx = l.xs[i] - t.xs[i];
    const dy = l.ys[i] - t.ys[i];
    ts[i] = i;
    gaps[i] = Math.sqrt(dx * dx + dy * dy);
  }
  const gx = l.fx - t.fx;
  const gy = l.fy - t.fy;
  return {
    xs: t.xs,
    ys: t.ys,
    learned_xs: l.xs,
    learned_ys: l.ys,
    ts: ts,
    gaps: gaps,
    fixed_x: t.fx,
    fixed_y: t.fy,
    learned_fixed_x: l.fx,
    learned_fixed_y: l.fy,
    fixed_gap: Math.sqrt(gx * gx + gy * gy),
    one_step_gap: gaps[1],
    final_gap: gaps[n - 1],
    horizon: horizon,
    regime: latentRegime(p.true_decay),
    learned_regime: latentRegime(p.learned_decay),
  };
}

function formatLatentReadouts(r) {
  return {
    one_step_gap: fmtFixed(r.one_step_gap, 4),
    final_gap: fmtFixed(r.final_gap, 4),
    regime: r.regime,
    learned_regime: r.learned_regime,
  };
}

if (typeof module !== "undefined" && module.exports) {
  module.exports = { computeLatentRollout, formatLatentReadouts, latentRegime };
}
