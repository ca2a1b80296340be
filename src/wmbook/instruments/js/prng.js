// Seeded mulberry32 stream and readout helpers, mirrored by prng.py.
// Only 32-bit integer arithmetic feeds the uniforms, so they match the
// Python reference bit for bit; Gaussian draws use the same Box-Muller
// formula in the same order.

function prngCreate(seed) {
  return { state: seed >>> 0 };
}

function prngNext(gen) {
  // Wrap the state explicitly: letting it grow as a double would lose
  // integer precision after a few million draws.
  const s = (gen.state + 0x6d2b79f5) >>> 0;
  gen.state = s;
  let t = Math.imul(s ^ (s >>> 15), s | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function prngSeek(gen, seed, index) {
  // The state advances by a constant per draw, so the stream seeded with
  // `seed` can resume at draw `index` (prng.uniform_block's `start`).
  gen.state = (seed + Math.imul(index, 0x6d2b79f5)) >>> 0;
}

function prngNormal(gen) {
  const u1 = prngNext(gen);
  const u2 = prngNext(gen);
  return Math.sqrt(-2.0 * Math.log(1.0 - u1)) * Math.cos(2.0 * Math.PI * u2);
}

function fmtFixed(value, digits) {
  // -0 === 0, so this also drops the sign of negative zero.
  return (value === 0 ? 0 : value).toFixed(digits);
}

function stepIndex(value, step) {
  return Math.floor(value / step + 0.5);
}

if (typeof module !== "undefined" && module.exports) {
  module.exports = { prngCreate, prngSeek, prngNext, prngNormal, fmtFixed, stepIndex };
}
