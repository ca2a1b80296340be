// Reference model of MM5.2, mirrored by pixel_vs_embedding.py (see its
// docstring for the exact definition of every number).
// Needs prng.js (prngCreate, prngNext, prngNormal, fmtFixed) in the same scope.

const PVE_D = 64;
const PVE_N = 200;
const PVE_K = 3;
const PVE_WIDTH = 0.12;
const PVE_LAG = 0.06;
const PVE_NOISE_UNIT = 0.1;
const PVE_SEED = 52;

function pveBasis() {
  // Orthonormal DCT-II rows on the pixel midpoints: the encoder's read-out.
  const phi = new Float64Array(PVE_K * PVE_D);
  for (let k = 0; k < PVE_K; k++) {
    const scale = Math.sqrt((k === 0 ? 1.0 : 2.0) / PVE_D);
    for (let j = 0; j < PVE_D; j++) {
      const u = (j + 0.5) / PVE_D;
      phi[k * PVE_D + j] = scale * Math.cos(Math.PI * k * u);
    }
  }
  return phi;
}

function computePixelVsEmbedding(p) {
  const s = p.signal;
  const sigma = PVE_NOISE_UNIT * p.noise;
  const twoW2 = 2.0 * PVE_WIDTH * PVE_WIDTH;
  const gen = prngCreate(PVE_SEED);
  const pos = new Float64Array(PVE_N);
  for (let i = 0; i < PVE_N; i++) {
    pos[i] = 0.25 + 0.5 * prngNext(gen);
  }
  const phi = pveBasis();
  const u = new Float64Array(PVE_D);
  for (let j = 0; j < PVE_D; j++) u[j] = (j + 0.5) / PVE_D;

  const resid = new Float64Array(PVE_D);
  const frame = new Float64Array(PVE_D);
  const pred0 = new Float64Array(PVE_D);
  let pix = 0.0;
  let sig = 0.0;
  let noi = 0.0;
  let emb = 0.0;
  for (let i = 0; i < PVE_N; i++) {
    const at = pos[i];
    const guess = pos[i] + PVE_LAG;
    for (let j = 0; j < PVE_D; j++) {
      const d = u[j] - at;
      const e = u[j] - guess;
      const clean = s * Math.exp(-(d * d) / twoW2);
      const pred = s * Math.exp(-(e * e) / twoW2);
      const n = sigma * prngNormal(gen);
      const x = clean + n;
      const r = x - pred;
      const m = clean - pred;
      pix += r * r;
      sig += m * m;
      noi += n * n;
      resid[j] = r;
      if (i === 0) {
        frame[j] = x;
        pred0[j] = pred;
      }
    }
    for (let k = 0; k < PVE_K; k++) {
      let c = 0.0;
      for (let j = 0; j < PVE_D; j++) c += phi[k * PVE_D + j] * resid[j];
      emb += c * c;
    }
  }
  const total = PVE_N * PVE_D;
  const pixelLoss = pix / total;
  const signalPart = sig / total;
  const noisePart = noi / total;
  const embeddingLoss = emb / total;
  const denom = signalPart + noisePart;
  const wasted = denom > 0 ? noisePart / denom : 0.0;

  // What the encoder keeps of example frame 0, mapped back to pixels.
  const view = new Float64Array(PVE_D);
  for (let k = 0; k < PVE_K; k++) {
    let c = 0.0;
    for (let j = 0; j < PVE_D; j++) c += phi[k * PVE_D + j] * frame[j];
    for (let j = 0; j < PVE_D; j++) view[j] += c * phi[k * PVE_D + j];
  }

  return {
    pixel_loss: pixelLoss,
    embedding_loss: embeddingLoss,
    signal_part: signalPart,
    noise_part: noisePart,
    wasted: wasted,
    u: u,
    frame: frame,
    prediction: pred0,
    encoder_view: view,
  };
}

function formatPveReadouts(r) {
  return {
    pixel_loss: fmtFixed(r.pixel_loss, 4),
    embedding_loss: fmtFixed(r.embedding_loss, 4),
    wasted: fmtFixed(100.0 * r.wasted, 1) + " %",
  };
}

if (typeof module !== "undefined" && module.exports) {
  module.exports = { computePixelVsEmbedding, formatPveReadouts };
}
