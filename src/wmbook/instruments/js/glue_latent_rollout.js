// Glue for MM5.1: read the sliders, run the model, push numbers to the plots.
// Bokeh passes: true_decay, learned_decay, theta, push, horizon (sliders), traj,
// learned, gaps, fixed_pts (data sources), span (the distance between the fixed
// points), phase and cols (the phase figure and the columns its ranges frame),
// gapfig (the gap figure) and ids (readout element ids). Every source gets one
// new data object and the ranges are set with it, so each figure repaints once;
// the page loader paints it as soon as it is complete. The readouts are written
// first, with the numbers, before any figure paints.

const result = computeLatentRollout({
  true_decay: true_decay.value,
  learned_decay: learned_decay.value,
  theta_deg: theta.value,
  push: push.value,
  horizon: Math.round(horizon.value),
});
setReadouts(ids, formatLatentReadouts(result));
traj.data = { x: result.xs, y: result.ys };
learned.data = { x: result.learned_xs, y: result.learned_ys };
gaps.data = { t: result.ts, gap: result.gaps };
fixed_pts.data = {
  x: [result.fixed_x, result.learned_fixed_x],
  y: [result.fixed_y, result.learned_fixed_y],
};
span.location = result.fixed_gap;
rangeFitEqual(phase, cols);
// As latent_rollout.gap_ranges: every step, every gap from zero and the fixed points' distance.
rangeSet(gapfig.x_range, rangePadded(0.0, result.horizon));
const gapBounds = rangeBounds([[0.0], result.gaps, [result.fixed_gap]]);
rangeSet(gapfig.y_range, rangePadded(gapBounds[0], gapBounds[1]));
