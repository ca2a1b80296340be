// Glue for MM5.2. Bokeh passes: signal, noise (sliders), bars, lines (data
// sources) and ids (readout element ids).

const result = computePixelVsEmbedding({ signal: signal.value, noise: noise.value });
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
setReadouts(ids, formatPveReadouts(result));
