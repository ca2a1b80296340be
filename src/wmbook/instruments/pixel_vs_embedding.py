"""MM5.2 Pixel vs embedding prediction: §5.3's first program, with two of its numbers on sliders.

The scene is the program's. Each of N = 400 frames has P = 64 pixels on the grid
``linspace(-1, 1, 64)`` and shows a Gaussian blob of width 0.12 at a position drawn
uniformly from [-0.8, 0.65); the next frame shows it 0.15 further right. The *signal*
control scales the blob (the program's is 1) and every frame gets fresh per-pixel
texture noise of standard deviation ``noise_sd`` (the program's 0.5). The first 300
pairs train, the last 100 test.

The two routes are the program's, fitted afresh for every setting:

* pixels: a ridge regression (``lam = 10``, bias included) from the 64 pixels of a frame
  to the 64 of the next; its *pixel loss* is the mean squared error per pixel on the
  test pairs, and the *perfect* predictor, which draws the true next blob, is scored too;
* embedding: a read-out encoder fitted by ridge regression from a frame to the blob's
  position, then a ridge regression (``lam = 1e-6``) from this frame's embedding to the
  next one's; its *embedding loss* is the test mean squared error of that number.

Each loss is also given relative to its target's variance on the test pairs (1 means no
better than predicting the average), which is what the bars show. *Wasted on noise* is
the program's "share of the linear pixel loss that is noise": ``noise_sd**2 / pixel loss``.

Random numbers: the mulberry32 stream seeded with 3 gives the N positions, then the N * P
normals of the current frames' noise, then the N * P of the next frames', row by row.
(The program draws from numpy's generator, so its numbers differ a little from these.)
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import msgspec
import numpy as np
from bokeh.layouts import column
from bokeh.models import ColumnDataSource, FactorRange, Range1d
from msgspec.structs import asdict

from . import ranges, svg
from .base import Instrument, RenderedInstrument
from .bokeh_kit import C1, C2, C3, C4, Kit, callback, finish, readouts_block, reflowing_row
from .prng import fixed, normal_block, uniform_block

P = 64
N = 400
TRAIN = 300
WIDTH = 0.12
SPEED = 0.15
POS_RANGE = (-0.8, 0.65)
PIXEL_LAM = 10.0
PROBE_LAM = 1e-6
SEED = 3
DEFAULTS: dict[str, float] = {"signal": 1.0, "noise_sd": 0.5}
SIGNAL_RANGE = (0.25, 2.0)
NOISE_RANGE = (0.0, 1.0)
BAR_NAMES = ["pixels", "perfect", "embedding"]  # short: the bar figure is narrow on a phone
BAR_TOP = 1.4  # relative losses: 1 is "no better than the average"; a test checks every setting fits

NAME = "pixel_vs_embedding"
TITLE = "Pixel vs embedding prediction"
LABEL = "MM5.2"
DESCRIPTION = (
    "Three bars compare, relative to the variance of what each predicts, a linear predictor "
    "of a noisy one-dimensional frame's 64 pixels, a perfect pixel predictor, and a linear "
    "predictor of a one-number embedding of the frame; a second plot shows one test frame, "
    "the pixel prediction and the blob without its noise."
)
CAPTION = (
    "§5.3's first program on sliders: the same frames, the same two routes, fitted again at "
    "every setting. The bars are each route's test loss relative to its target's variance. "
    "Raising the <em>noise sd</em> lifts both pixel bars, since every unit of noise variance "
    "lands in a pixel loss, while the embedding bar rises far less; <em>wasted on noise</em> "
    "is the share of the linear pixel loss that no predictor could remove."
)


class PixelVsEmbedding(msgspec.Struct, frozen=True):
    """Numbers shown by MM5.2 for one slider setting."""

    pixel_loss: float
    ideal_loss: float
    embedding_loss: float
    pixel_relative: float
    ideal_relative: float
    embedding_relative: float
    wasted: float
    grid: list[float]
    frame: list[float]
    prediction: list[float]
    clean: list[float]

    def to_dict(self) -> dict[str, Any]:
        """Return the fields under the names the JavaScript model uses."""
        return asdict(self)


@lru_cache(maxsize=1)
def scene() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Blob positions (N,) and unit noise of the current and the next frames (N, P) each."""
    lo, hi = POS_RANGE
    pos = lo + (hi - lo) * uniform_block(SEED, N)
    now = normal_block(SEED, N * P, start=N).reshape(N, P)
    nxt = normal_block(SEED, N * P, start=N + 2 * N * P).reshape(N, P)
    return pos, now, nxt


def grid() -> np.ndarray:
    """Pixel centres, as the program's ``np.linspace(-1.0, 1.0, P)``."""
    return np.linspace(-1.0, 1.0, P)


def render(pos: np.ndarray, signal: float) -> np.ndarray:
    """A Gaussian blob of amplitude ``signal`` at each position: the predictable content."""
    d = (grid()[None, :] - pos[:, None]) / WIDTH
    out: np.ndarray = signal * np.exp(-0.5 * d * d)
    return out


def ridge_fit(x: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """Weights of a linear map with bias (the last row), fitted by ridge regression."""
    x1 = np.column_stack([x, np.ones(len(x))])
    w: np.ndarray = np.linalg.solve(x1.T @ x1 + lam * np.eye(x1.shape[1]), x1.T @ y)
    return w


def ridge_apply(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Apply ``ridge_fit``'s weights to the rows of ``x``."""
    out: np.ndarray = x @ w[:-1] + w[-1]
    return out


def simulate(signal: float, noise_sd: float) -> PixelVsEmbedding:
    """Fit and score both routes for one setting of the controls."""
    pos, eps_now, eps_next = scene()
    frame_now = render(pos, signal) + noise_sd * eps_now
    clean_next = render(pos + SPEED, signal)
    frame_next = clean_next + noise_sd * eps_next
    train, test = slice(0, TRAIN), slice(TRAIN, N)

    # The pixel predictor and the read-out encoder share inputs and ridge: one solve
    # with the position as a 65th output, as the JavaScript does.
    w_fit = ridge_fit(frame_now[train], np.column_stack([frame_next[train], pos[train]]), PIXEL_LAM)
    w_pix, w_enc = w_fit[:, :P], w_fit[:, P]
    predicted = ridge_apply(w_pix, frame_now[test])
    pixel_var = float(frame_next[test].var(axis=0).mean())
    pixel_loss = float(np.mean((predicted - frame_next[test]) ** 2))
    ideal_loss = float(np.mean((clean_next[test] - frame_next[test]) ** 2))

    s_x, s_y = ridge_apply(w_enc, frame_now), ridge_apply(w_enc, frame_next)
    w_emb = ridge_fit(s_x[train, None], s_y[train], PROBE_LAM)
    embedding_loss = float(np.mean((ridge_apply(w_emb, s_x[test, None]) - s_y[test]) ** 2))
    embedding_var = float(s_y[test].var())
    return PixelVsEmbedding(
        pixel_loss=pixel_loss,
        ideal_loss=ideal_loss,
        embedding_loss=embedding_loss,
        pixel_relative=pixel_loss / pixel_var,
        ideal_relative=ideal_loss / pixel_var,
        embedding_relative=embedding_loss / embedding_var,
        wasted=noise_sd * noise_sd / pixel_loss,
        grid=grid().tolist(),
        frame=frame_next[TRAIN].tolist(),
        prediction=predicted[0].tolist(),
        clean=clean_next[TRAIN].tolist(),
    )


def format_readouts(r: PixelVsEmbedding) -> dict[str, str]:
    """Readout texts, formatted as the JavaScript formats them."""
    return {
        "pixel_loss": f"{fixed(r.pixel_loss, 4)} ({fixed(r.pixel_relative, 3)})",
        "embedding_loss": f"{fixed(r.embedding_loss, 4)} ({fixed(r.embedding_relative, 3)})",
        "wasted": fixed(100.0 * r.wasted, 1) + " %",
    }


def bar_heights(r: PixelVsEmbedding) -> list[float]:
    """The bars: each route's loss relative to its target's variance."""
    return [r.pixel_relative, r.ideal_relative, r.embedding_relative]


def frame_range(r: PixelVsEmbedding) -> tuple[float, float]:
    """The example frame's intensity range: the frame, the prediction and the clean blob."""
    return ranges.padded(*ranges.bounds(r.frame, r.prediction, r.clean))


def _preview(r: PixelVsEmbedding) -> str:
    bars = svg.Panel(50, 30, 240, 230, (0.0, 3.0), (0.0, BAR_TOP))
    bars.frame("Relative test loss", "", "relative loss")
    bars.polyline([0.0, 3.0], [1.0, 1.0], "fg", width=1, dash="4 3")
    for i, (height, colour) in enumerate(zip(bar_heights(r), ("c2", "c4", "c3"), strict=True)):
        bars.bar(i + 0.5, 0.3, height, colour)
    for i, name in enumerate(("pixels", "perfect", "embedding")):
        bars.text(bars.px(i + 0.5), 276, name)
    frame = svg.Panel(350, 30, 360, 230, (-1.0, 1.0), frame_range(r))
    frame.frame("A test frame", "position in frame", "intensity")
    frame.polyline(r.grid, r.frame, "c1", width=1, opacity=0.6)
    frame.polyline(r.grid, r.prediction, "c2", width=2, dash="5 3")
    frame.polyline(r.grid, r.clean, "c3", width=2.5)
    ro = format_readouts(r)
    label = (
        f"{TITLE}, default state: pixel loss {ro['pixel_loss']}, embedding loss "
        f"{ro['embedding_loss']} (relative losses in brackets), {ro['wasted']} of the linear "
        "pixel loss is noise."
    )
    return svg.document(730, 290, label, [bars, frame])


def build(anchor: str) -> RenderedInstrument:
    """Render MM5.2 into the element ``anchor``."""
    r = simulate(DEFAULTS["signal"], DEFAULTS["noise_sd"])
    kit = Kit()
    signal = kit.slider("signal (blob amplitude)", *SIGNAL_RANGE, DEFAULTS["signal"], 0.05, "0.00")
    noise = kit.slider("noise sd (texture)", *NOISE_RANGE, DEFAULTS["noise_sd"], 0.05, "0.00")

    bars = ColumnDataSource({"name": BAR_NAMES, "loss": bar_heights(r), "colour": [C2, C4, C3]})
    lines = ColumnDataSource({"u": r.grid, "frame": r.frame, "prediction": r.prediction, "clean": r.clean})
    barfig = kit.figure(
        "Relative test loss",
        "",
        "relative loss",
        x_range=FactorRange(factors=BAR_NAMES),
        y_range=Range1d(start=0.0, end=BAR_TOP),
    )
    barfig.vbar(x="name", top="loss", width=0.6, source=bars, color="colour")
    barfig.xgrid.visible = False

    framefig = kit.figure(
        "A test frame", "position in frame", "intensity", x_range=(-1.0, 1.0), y_range=frame_range(r)
    )
    frame = framefig.line("u", "frame", source=lines, line_color=C1, line_alpha=0.6)
    prediction = framefig.line(
        "u", "prediction", source=lines, line_color=C2, line_width=2, line_dash="dashed"
    )
    clean = framefig.line("u", "clean", source=lines, line_color=C3, line_width=3)
    kit.legend(
        framefig,
        [("frame", frame), ("pixel prediction", prediction), ("blob without noise", clean)],
        place="below",
    )

    ro = format_readouts(r)
    html, ids = readouts_block(
        anchor,
        [
            ("pixel_loss", "pixel loss (relative)", ro["pixel_loss"]),
            ("embedding_loss", "embedding loss (relative)", ro["embedding_loss"]),
            ("wasted", "wasted on noise", ro["wasted"]),
        ],
    )
    cb = callback(
        ("prng.js", "pixel_vs_embedding.js", "ranges.js", "readouts.js", "glue_pixel_vs_embedding.js"),
        dict(signal=signal, noise=noise, bars=bars, lines=lines, frame_y=framefig.y_range, ids=ids),
    )
    signal.js_on_change("value", cb)
    noise.js_on_change("value", cb)
    layout = column(
        # Side by side where there is room; one above the other on a phone, where the slider
        # titles would run into each other and the bar names into the legend.
        reflowing_row(signal, noise, sheet=kit.sheet),
        # Each figure in a column of its own: a row would line their frames up, and the legend
        # under the frame figure would then squeeze the bars' frame to its height.
        reflowing_row(
            column(barfig, sizing_mode="stretch_width"),
            column(framefig, sizing_mode="stretch_width"),
            sheet=kit.sheet,
        ),
        sizing_mode="stretch_width",
        stylesheets=[kit.sheet],
    )
    return finish(layout, anchor, _preview(r), html, LABEL, DESCRIPTION)


INSTRUMENT = Instrument(
    name=NAME, title=TITLE, description=DESCRIPTION, label=LABEL, build=build, caption_html=CAPTION
)
