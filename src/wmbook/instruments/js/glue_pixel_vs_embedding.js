// Glue for MM5.2. Bokeh passes: signal, noise (sliders), bars, lines (data
// sources), frame_y (the example frame's intensity range) and ids (readout
// element ids). Every source gets one new data object and the range is set
// with it, so each figure repaints once; the page loader paints it as soon as
// it is complete. The readouts are written first, with the numbers, before any
// figure paints.

const result = computePixelVsEmbedding({ signal: signal.value, noise: noise.value });
setReadouts(ids, formatPveReadouts(result));
bars.data = {
  name: bars.data.name,
  loss: [result.pixel_loss, result.embedding_loss],
  colour: bars.data.colour,
};
lines.data = {
  u: result.u,
  frame: result.frame,
  prediction: result.prediction,
  view: result.encoder_view,
};
// As pixel_vs_embedding.frame_range.
const frameBounds = rangeBounds([result.frame, result.prediction, result.encoder_view]);
rangeSet(frame_y, rangePadded(frameBounds[0], frameBounds[1]));
