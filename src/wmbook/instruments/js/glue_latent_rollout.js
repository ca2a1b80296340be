// Glue for MM5.1: read the sliders, run the model, push numbers to the plots.
// Bokeh passes: decay, theta, push, horizon (sliders), traj, norms, fixed_pt
// (data sources), span (the |z*| reference line) and ids (readout element ids).

const result = computeLatentRollout({
  decay: decay.value,
  theta_deg: theta.value,
  push: push.value,
  horizon: Math.round(horizon.value),
});
traj.data = { x: result.xs, y: result.ys, t: result.ts };
norms.data = { t: result.ts, norm: result.norms };
fixed_pt.data = { x: [result.fixed_x], y: [result.fixed_y] };
span.location = result.fixed_norm;
setReadouts(ids, formatLatentReadouts(result));
