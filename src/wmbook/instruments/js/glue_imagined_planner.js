// Glue for MM5.3. Bokeh passes: plans (log2 slider), error, horizon (sliders),
// replan (the re-plan checkbox), again (the RE-IMAGINE button, whose tags[0]
// holds the batch number), cands, imag, real (data sources), cand_glyph (the
// candidates' multi-line glyph), fig and cols (the figure and the columns its
// ranges frame), ids (readout element ids) and bump (true when the button
// fired). Every source gets one new data object and the ranges are set with
// it, so the figure repaints once; the page loader paints it as soon as it is
// complete. The readouts are written first, with the numbers, before any
// figure paints.

if (bump) {
  again.tags = [(again.tags[0] | 0) + 1];
}
const result = computeImaginedPlanner({
  plans: Math.pow(2, Math.round(plans.value)),
  model_error: error.value,
  horizon: Math.round(horizon.value),
  batch: again.tags[0] | 0,
  replan: replan.active,
});
setReadouts(ids, formatPlannerReadouts(result));
// One flat buffer per axis; each plan's line is a view into it, so no
// per-point copies are made for the multi-line glyph.
const width = result.imag_x.length;
const xs = new Array(result.plans);
const ys = new Array(result.plans);
for (let k = 0; k < result.plans; k++) {
  xs[k] = result.cand_xs.subarray(k * width, (k + 1) * width);
  ys[k] = result.cand_ys.subarray(k * width, (k + 1) * width);
}
cands.data = { xs: xs, ys: ys };
cand_glyph.line_alpha = result.cand_alpha;
imag.data = { x: result.imag_x, y: result.imag_y };
real.data = { x: result.real_x, y: result.real_y };
rangeFitEqual(fig, cols);
