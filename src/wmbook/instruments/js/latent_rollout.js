// Reference model of MM5.1, mirrored by latent_rollout.py.
// z_{t+1} = decay * R(theta) z_t + b, with b = (0, push) and z_0 = (1, 0).
// Needs prng.js (fmtFixed, stepIndex) in the same scope.

const LATENT_DECAY_STEP = 0.01;

function latentRegime(decay) {
  // Compare on the slider's grid so 1.00 typed or dragged is exactly neutral.
  const k = stepIndex(decay, LATENT_DECAY_STEP);
  const one = stepIndex(1.0, LATENT_DECAY_STEP);
  if (k < one) return "stable";
  if (k > one) return "unstable";
  return "neutral";
}

function computeLatentRollout(p) {
  const decay = p.decay;
  const horizon = p.horizon | 0;
  const theta = (p.theta_deg * Math.PI) / 180.0;
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  const a00 = decay * c;
  const a01 = -decay * s;
  const a10 = decay * s;
  const a11 = decay * c;
  const bx = 0.0;
  const by = p.push;

  const n = horizon + 1;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  const norms = new Float64Array(n);
  const ts = new Float64Array(n);
  let x = 1.0;
  let y = 0.0;
  for (let t = 0; t < n; t++) {
    xs[t] = x;
    ys[t] = y;
    norms[t] = Math.sqrt(x * x + y * y);
    ts[t] = t;
    const nx = a00 * x + a01 * y + bx;
    const ny = a10 * x + a11 * y + by;
    x = nx;
    y = ny;
  }

  // Fixed point z* = (I - A)^{-1} b; theta >= 5 degrees keeps I - A invertible.
  const m00 = 1.0 - a00;
  const m01 = -a01;
  const m10 = -a10;
  const m11 = 1.0 - a11;
  const det = m00 * m11 - m01 * m10;
  const fx = (m11 * bx - m01 * by) / det;
  const fy = (m00 * by - m10 * bx) / det;

  return {
    xs: xs,
    ys: ys,
    ts: ts,
    norms: norms,
    fixed_x: fx,
    fixed_y: fy,
    fixed_norm: Math.sqrt(fx * fx + fy * fy),
    final_norm: norms[n - 1],
    horizon: horizon,
    regime: latentRegime(decay),
  };
}

function formatLatentReadouts(r) {
  return {
    horizon: String(r.horizon),
    final_norm: fmtFixed(r.final_norm, 3),
    regime: r.regime,
  };
}

if (typeof module !== "undefined" && module.exports) {
  module.exports = { computeLatentRollout, formatLatentReadouts, latentRegime };
}
