// Reference model of MM5.2, mirrored by pixel_vs_embedding.py (see its
// docstring for the exact definition of every number): §5.3's first program,
// both routes fitted by ridge regression at every setting.
// Needs prng.js (prngCreate, prngNext, prngNormal, fmtFixed) in the same scope.

const PVE_P = 64;
const PVE_N = 400;
const PVE_TRAIN = 300;
const PVE_WIDTH = 0.12;
const PVE_SPEED = 0.15;
const PVE_POS_LO = -0.8;
const PVE_POS_HI = 0.65;
const PVE_PIXEL_LAM = 10.0;
const PVE_PROBE_LAM = 1e-6;
const PVE_SEED = 3;

// The scene's random numbers, which do not depend on the controls. `store`, an
// object the caller keeps between steps (or undefined), saves drawing them again.
function pveScene(store) {
  if (store !== undefined && store.pveScene !== undefined) return store.pveScene;
  const gen = prngCreate(PVE_SEED);
  const pos = new Float64Array(PVE_N);
  for (let i = 0; i < PVE_N; i++) pos[i] = PVE_POS_LO + (PVE_POS_HI - PVE_POS_LO) * prngNext(gen);
  const now = new Float64Array(PVE_N * PVE_P);
  const next = new Float64Array(PVE_N * PVE_P);
  for (let k = 0; k < now.length; k++) now[k] = prngNormal(gen);
  for (let k = 0; k < next.length; k++) next[k] = prngNormal(gen);
  const scene = { pos: pos, now: now, next: next };
  if (store !== undefined) store.pveScene = scene;
  return scene;
}

function pveGrid() {
  // As np.linspace(-1, 1, P): start + k * step, with the last point exact.
  const g = new Float64Array(PVE_P);
  const step = 2.0 / (PVE_P - 1);
  for (let j = 0; j < PVE_P; j++) g[j] = -1.0 + j * step;
  g[PVE_P - 1] = 1.0;
  return g;
}

// Ridge weights with bias for rows [r0, r1): inputs x (row-major, `cols` wide)
// and targets y (row-major, `outs` wide) -> (cols + 1) x outs weights, the bias
// row last, by Cholesky on X1'X1 + lam I. The sums run over contiguous copies
// of the columns, which is what keeps a 64-pixel fit within a few milliseconds.
function pveRidgeFit(x, cols, r0, r1, y, outs, lam) {
  const m = cols + 1;
  const n = r1 - r0;
  const xt = new Float64Array(m * n);
  const yt = new Float64Array(outs * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < cols; j++) xt[j * n + i] = x[(r0 + i) * cols + j];
    xt[cols * n + i] = 1.0;
    for (let o = 0; o < outs; o++) yt[o * n + i] = y[(r0 + i) * outs + o];
  }
  const a = new Float64Array(m * m);
  const b = new Float64Array(m * outs);
  for (let p = 0; p < m; p++) {
    const po = p * n;
    for (let q = p; q < m; q++) {
      const qo = q * n;
      let s = 0.0;
      for (let i = 0; i < n; i++) s += xt[po + i] * xt[qo + i];
      a[p * m + q] = s;
      a[q * m + p] = s;
    }
    a[p * m + p] += lam;
    for (let o = 0; o < outs; o++) {
      const oo = o * n;
      let s = 0.0;
      for (let i = 0; i < n; i++) s += xt[po + i] * yt[oo + i];
      b[p * outs + o] = s;
    }
  }
  // a = L L' in place (lower triangle), then forward and back substitution.
  for (let j = 0; j < m; j++) {
    let d = a[j * m + j];
    for (let k = 0; k < j; k++) d -= a[j * m + k] * a[j * m + k];
    d = Math.sqrt(d);
    a[j * m + j] = d;
    for (let i = j + 1; i < m; i++) {
      let s = a[i * m + j];
      for (let k = 0; k < j; k++) s -= a[i * m + k] * a[j * m + k];
      a[i * m + j] = s / d;
    }
  }
  for (let o = 0; o < outs; o++) {
    for (let i = 0; i < m; i++) {
      let s = b[i * outs + o];
      for (let k = 0; k < i; k++) s -= a[i * m + k] * b[k * outs + o];
      b[i * outs + o] = s / a[i * m + i];
    }
    for (let i = m - 1; i >= 0; i--) {
      let s = b[i * outs + o];
      for (let k = i + 1; k < m; k++) s -= a[k * m + i] * b[k * outs + o];
      b[i * outs + o] = s / a[i * m + i];
    }
  }
  return b;
}

// Output `o` of the ridge map for row i of x.
function pveRidgeApply(w, x, cols, i, outs, o) {
  let s = w[cols * outs + o];
  for (let j = 0; j < cols; j++) s += x[i * cols + j] * w[j * outs + o];
  return s;
}

function pveVariance(values, r0, r1) {
  let mean = 0.0;
  for (let i = r0; i < r1; i++) mean += values[i];
  mean /= r1 - r0;
  let v = 0.0;
  for (let i = r0; i < r1; i++) v += (values[i] - mean) * (values[i] - mean);
  return v / (r1 - r0);
}

function computePixelVsEmbedding(p, store) {
  const sc = pveScene(store);
  const g = pveGrid();
  const signal = p.signal;
  const sd = p.noise_sd;
  const frameNow = new Float64Array(PVE_N * PVE_P);
  const frameNext = new Float64Array(PVE_N * PVE_P);
  const cleanNext = new Float64Array(PVE_N * PVE_P);
  for (let i = 0; i < PVE_N; i++) {
    for (let j = 0; j < PVE_P; j++) {
      const d = (g[j] - sc.pos[i]) / PVE_WIDTH;
      const e = (g[j] - (sc.pos[i] + PVE_SPEED)) / PVE_WIDTH;
      const k = i * PVE_P + j;
      cleanNext[k] = signal * Math.exp(-0.5 * e * e);
      frameNow[k] = signal * Math.exp(-0.5 * d * d) + sd * sc.now[k];
      frameNext[k] = cleanNext[k] + sd * sc.next[k];
    }
  }
  const nTest = PVE_N - PVE_TRAIN;

  // Route 1 (all 64 pixels of the next frame from the current frame) and route 2's
  // read-out encoder (the blob's position from the current frame) share their inputs
  // and their ridge: one fit, 65 outputs, the position last.
  const W = PVE_P + 1;
  const targets = new Float64Array(PVE_N * W);
  for (let i = 0; i < PVE_N; i++) {
    for (let j = 0; j < PVE_P; j++) targets[i * W + j] = frameNext[i * PVE_P + j];
    targets[i * W + PVE_P] = sc.pos[i];
  }
  const wFit = pveRidgeFit(frameNow, PVE_P, 0, PVE_TRAIN, targets, W, PVE_PIXEL_LAM);
  let pix = 0.0;
  let ideal = 0.0;
  const pred0 = new Float64Array(PVE_P);
  for (let i = PVE_TRAIN; i < PVE_N; i++) {
    for (let o = 0; o < PVE_P; o++) {
      const guess = pveRidgeApply(wFit, frameNow, PVE_P, i, W, o);
      const k = i * PVE_P + o;
      pix += (guess - frameNext[k]) * (guess - frameNext[k]);
      ideal += (cleanNext[k] - frameNext[k]) * (cleanNext[k] - frameNext[k]);
      if (i === PVE_TRAIN) pred0[o] = guess;
    }
  }
  const pixelLoss = pix / (nTest * PVE_P);
  const idealLoss = ideal / (nTest * PVE_P);
  let pixelVar = 0.0;
  const column = new Float64Array(PVE_N);
  for (let j = 0; j < PVE_P; j++) {
    for (let i = PVE_TRAIN; i < PVE_N; i++) column[i] = frameNext[i * PVE_P + j];
    pixelVar += pveVariance(column, PVE_TRAIN, PVE_N);
  }
  pixelVar /= PVE_P;

  // Route 2: a read-out encoder to one number, then this embedding to the next one.
  const sx = new Float64Array(PVE_N);
  const sy = new Float64Array(PVE_N);
  for (let i = 0; i < PVE_N; i++) {
    sx[i] = pveRidgeApply(wFit, frameNow, PVE_P, i, W, PVE_P);
    sy[i] = pveRidgeApply(wFit, frameNext, PVE_P, i, W, PVE_P);
  }
  const wEmb = pveRidgeFit(sx, 1, 0, PVE_TRAIN, sy, 1, PVE_PROBE_LAM);
  let emb = 0.0;
  for (let i = PVE_TRAIN; i < PVE_N; i++) {
    const r = pveRidgeApply(wEmb, sx, 1, i, 1, 0) - sy[i];
    emb += r * r;
  }
  const embeddingLoss = emb / nTest;

  return {
    pixel_loss: pixelLoss,
    ideal_loss: idealLoss,
    embedding_loss: embeddingLoss,
    pixel_relative: pixelLoss / pixelVar,
    ideal_relative: idealLoss / pixelVar,
    embedding_relative: embeddingLoss / pveVariance(sy, PVE_TRAIN, PVE_N),
    wasted: (sd * sd) / pixelLoss,
    grid: g,
    frame: frameNext.slice(PVE_TRAIN * PVE_P, (PVE_TRAIN + 1) * PVE_P),
    prediction: pred0,
    clean: cleanNext.slice(PVE_TRAIN * PVE_P, (PVE_TRAIN + 1) * PVE_P),
  };
}

function formatPveReadouts(r) {
  return {
    pixel_loss: fmtFixed(r.pixel_loss, 4) + " (" + fmtFixed(r.pixel_relative, 3) + ")",
    embedding_loss: fmtFixed(r.embedding_loss, 4) + " (" + fmtFixed(r.embedding_relative, 3) + ")",
    wasted: fmtFixed(100.0 * r.wasted, 1) + " %",
  };
}

if (typeof module !== "undefined" && module.exports) {
  module.exports = { computePixelVsEmbedding, formatPveReadouts };
}
