// Axis ranges set in the same update as the data they frame, mirrored by
// ranges.py. Bokeh's automatic ranges settle while a figure paints and then
// ask for another paint; ranges set here cost no second one.

const RANGE_PAD = 0.08; // of the data's extent, on each side

function rangePadded(lo, hi) {
  if (hi - lo < 1e-12) {
    lo -= 0.5;
    hi += 0.5;
  }
  const pad = (hi - lo) * RANGE_PAD;
  return [lo - pad, hi + pad];
}

function rangeExtend(acc, values) {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === "number") {
      if (v < acc[0]) acc[0] = v;
      if (v > acc[1]) acc[1] = v;
    } else {
      rangeExtend(acc, v);
    }
  }
  return acc;
}

// Smallest and largest number in a list of arrays (possibly nested).
function rangeBounds(lists) {
  return rangeExtend([Infinity, -Infinity], lists);
}

// Widen one interval about its centre so a data unit is as long on both axes
// of a frame width x height pixels.
function rangeEqualAspect(xlim, ylim, width, height) {
  const perPxX = (xlim[1] - xlim[0]) / width;
  const perPxY = (ylim[1] - ylim[0]) / height;
  if (perPxX > perPxY) {
    const centre = (ylim[0] + ylim[1]) / 2;
    const half = (perPxX * height) / 2;
    return [xlim, [centre - half, centre + half]];
  }
  const centre = (xlim[0] + xlim[1]) / 2;
  const half = (perPxY * width) / 2;
  return [[centre - half, centre + half], ylim];
}

function rangeSet(range, lim) {
  if (range.start !== lim[0] || range.end !== lim[1]) {
    range.setv({ start: lim[0], end: lim[1] });
  }
}

// Fit an equal-aspect figure to columns of its sources: cols is a list of
// [source, x column, y column].
function rangeFitEqual(fig, cols) {
  const xs = [];
  const ys = [];
  for (const [source, x, y] of cols) {
    xs.push(source.data[x]);
    ys.push(source.data[y]);
  }
  const b = rangeBounds(xs);
  const c = rangeBounds(ys);
  let xlim = rangePadded(b[0], b[1]);
  let ylim = rangePadded(c[0], c[1]);
  const w = fig.inner_width;
  const h = fig.inner_height;
  if (w > 0 && h > 0) {
    [xlim, ylim] = rangeEqualAspect(xlim, ylim, w, h);
  }
  rangeSet(fig.x_range, xlim);
  rangeSet(fig.y_range, ylim);
}

if (typeof module !== "undefined" && module.exports) {
  module.exports = { rangePadded, rangeBounds, rangeEqualAspect };
}
