// Glue for MM5.1: read the sliders, run the model, push numbers to the plots.
// Bokeh passes: decay, theta, push, horizon (sliders), traj, norms, fixed_pt
// (data sources), span (the |z*| reference line), phase and cols (the phase
// figure and the columns its ranges frame), normfig (the norm figure) and ids
// (readout element ids). Every source gets one new data object and the ranges
// are set with it, so each figure repaints once; the page loader paints it as
// soon as it is complete. The readouts are written first, with the numbers,
// before any figure paints.

const result = computeLatentRollout({
  decay: decay.value,
  theta_deg: theta.value,
  push: push.value,
  horizon: Math.round(horizon.value),
});
setReadouts(ids, formatLatentReadouts(result));
traj.data = { x: result.xs, y: result.ys, t: result.ts };
norms.data = { t: result.ts, norm: result.norms };
fixed_pt.data = { x: [result.fixed_x], y: [result.fixed_y] };
span.location = result.fixed_norm;
rangeFitEqual(phase, cols);
// As latent_rollout.norm_ranges: every step, every norm and the fixed point's.
rangeSet(normfig.x_range, rangePadded(0.0, result.horizon));
const normBounds = rangeBounds([result.norms, [result.fixed_norm]]);
rangeSet(normfig.y_range, rangePadded(normBounds[0], normBounds[1]));
