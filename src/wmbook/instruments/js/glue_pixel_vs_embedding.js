// Glue for MM5.2. Bokeh passes: signal, noise (sliders), bars, lines (data
// sources), frame_y (the example frame's intensity range) and ids (readout
// element ids). Every source gets one new data object and the range is set
// with it, so each figure repaints once; the page loader paints it as soon as
// it is complete. The readouts are written first, with the numbers, before any
// figure paints.

// The scene's random draws are kept on the lines source between steps (a plain
// property of the JavaScript object, not a Bokeh property: never synchronised).
if (lines.wmbookStore === undefined) lines.wmbookStore = {};
const result = computePixelVsEmbedding({ signal: signal.value, noise_sd: noise.value }, lines.wmbookStore);
setReadouts(ids, formatPveReadouts(result));
// As pixel_vs_embedding.bar_heights: each route's loss relative to its target's variance.
bars.data = {
  name: bars.data.name,
  loss: [result.pixel_relative, result.ideal_relative, result.embedding_relative],
  colour: bars.data.colour,
};
lines.data = {
  u: result.grid,
  frame: result.frame,
  prediction: result.prediction,
  clean: result.clean,
};
// As pixel_vs_embedding.frame_range.
const frameBounds = rangeBounds([result.frame, result.prediction, result.clean]);
rangeSet(frame_y, rangePadded(frameBounds[0], frameBounds[1]));
