// Refit an equal-aspect figure when its frame is laid out or resized.
// Bokeh passes: fig (the figure) and cols (its [source, x, y] columns).

rangeFitEqual(fig, cols);
