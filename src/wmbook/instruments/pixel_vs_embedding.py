"""MM5.2 Pixel vs embedding prediction: one toy scene scored by two objectives.

The scene. Each of N = 200 samples is a 1-D frame of D = 64 pixels at the
midpoints ``u_j = (j + 0.5) / 64``. It shows a Gaussian blob of width
w = 0.12 centred at a position ``p_i`` drawn uniformly from [0.25, 0.75];
the blob is multiplied by the *signal* control ``s``. On top sits per-pixel
texture noise ``sigma * eps_ij`` with ``eps_ij`` standard normal and
``sigma = 0.1 * noise``. So ``x_ij = s * g(u_j - p_i) + sigma * eps_ij``.

The predictor. It has learned the blob's motion except for a fixed lag of
0.06 frame widths, so it predicts ``xhat_ij = s * g(u_j - p_i - 0.06)``. It
cannot know the texture: no input carries it. The lagged blob is the
learnable part of its error; the texture is the part nothing can learn.

The two losses, both reported as energy per pixel so they share a unit:

* pixel-reconstruction loss = ``mean_ij (x_ij - xhat_ij)^2``;
* embedding-prediction loss = ``(1 / (N * D)) * sum_i |Phi (x_i - xhat_i)|^2``,
  where the encoder ``Phi`` keeps the K = 3 smoothest orthonormal cosine
  components (DCT-II rows 0..2) of a frame. That is the squared distance
  between the embedding of the noisy target frame and the embedding of the
  predicted frame. The blob and its lag live mostly in those smooth
  components, while white texture spreads its energy evenly over all 64, so
  only about 3/64 of the noise energy reaches this loss: it follows ``s^2``
  and barely moves with the noise, while the pixel loss climbs by
  ``sigma^2`` per pixel.

The readout *wasted on noise* is ``N_e / (S_e + N_e)`` with signal-error
energy ``S_e = mean_ij (s * (g(u_j - p_i) - g(u_j - p_i - 0.06)))^2`` and
noise energy ``N_e = mean_ij (sigma * eps_ij)^2``: the share of the pixel
objective's error energy that is unpredictable texture. The pixel loss
equals ``S_e + N_e`` up to a cross term whose mean is zero.

Random numbers: the mulberry32 stream seeded with 52 gives the N positions
first, then the N * D normals row by row (sample-major).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from bokeh.layouts import column, row
from bokeh.models import ColumnDataSource, FactorRange, Range1d

from . import ranges, svg
from .base import Instrument, RenderedInstrument
from .bokeh_kit import C1, C2, C3, Kit, callback, finish, readouts_block
from .prng import fixed, normal_block, uniform_block

D = 64
N = 200
K = 3
WIDTH = 0.12
LAG = 0.06
NOISE_UNIT = 0.1
SEED = 52
DEFAULTS: dict[str, float] = {"signal": 1.0, "noise": 1.0}
BAR_NAMES = ["pixel reconstruction", "embedding prediction"]

NAME = "pixel_vs_embedding"
TITLE = "Pixel vs embedding prediction"
LABEL = "MM5.2"
DESCRIPTION = (
    "Two bars compare the loss of predicting a noisy one-dimensional frame pixel by "
    "pixel with the loss of predicting a smooth three-number embedding of it; a "
    "second plot shows one example frame, the prediction and what the encoder keeps."
)
CAPTION = (
    "A blob moves through a textured frame. The predictor knows where the blob goes, "
    "up to a small lag, but cannot know the texture. Raising <em>noise</em> inflates "
    "the pixel loss with error nobody can remove, so most of the pixel objective is "
    "spent on texture; the embedding loss, computed on a coarse smooth summary of the "
    "frame, hardly notices and keeps tracking the learnable error, which grows with "
    "<em>signal</em>."
)


@dataclass(frozen=True)
class PixelVsEmbedding:
    """Numbers shown by MM5.2 for one slider setting."""

    pixel_loss: float
    embedding_loss: float
    signal_part: float
    noise_part: float
    wasted: float
    u: list[float]
    frame: list[float]
    prediction: list[float]
    encoder_view: list[float]

    def to_dict(self) -> dict[str, Any]:
        """Return the fields under the names the JavaScript model uses."""
        return asdict(self)


def basis() -> np.ndarray:
    """The encoder: K orthonormal DCT-II rows over the D pixel midpoints."""
    u = (np.arange(D) + 0.5) / D
    k = np.arange(K)[:, None]
    scale = np.sqrt(np.where(k == 0, 1.0, 2.0) / D)
    return np.asarray(scale * np.cos(np.pi * k * u[None, :]), dtype=np.float64)


def scene() -> tuple[np.ndarray, np.ndarray]:
    """Blob positions (N,) and unit texture noise (N, D) from the fixed seed."""
    pos = 0.25 + 0.5 * uniform_block(SEED, N)
    eps = normal_block(SEED, N * D, start=N).reshape(N, D)
    return pos, eps


def simulate(signal: float, noise: float) -> PixelVsEmbedding:
    """Score the scene under both objectives for one setting of the controls."""
    pos, eps = scene()
    u = (np.arange(D) + 0.5) / D
    two_w2 = 2.0 * WIDTH * WIDTH
    sigma = NOISE_UNIT * noise
    d = u[None, :] - pos[:, None]
    e = u[None, :] - (pos + LAG)[:, None]
    clean = signal * np.exp(-(d * d) / two_w2)
    pred = signal * np.exp(-(e * e) / two_w2)
    n = sigma * eps
    x = clean + n
    r = x - pred
    m = clean - pred
    total = N * D
    pixel_loss = float(np.sum(r * r)) / total
    signal_part = float(np.sum(m * m)) / total
    noise_part = float(np.sum(n * n)) / total
    phi = basis()
    coef = r @ phi.T
    embedding_loss = float(np.sum(coef * coef)) / total
    denom = signal_part + noise_part
    wasted = noise_part / denom if denom > 0 else 0.0
    view = (phi @ x[0]) @ phi
    return PixelVsEmbedding(
        pixel_loss=pixel_loss,
        embedding_loss=embedding_loss,
        signal_part=signal_part,
        noise_part=noise_part,
        wasted=wasted,
        u=u.tolist(),
        frame=x[0].tolist(),
        prediction=pred[0].tolist(),
        encoder_view=view.tolist(),
    )


def format_readouts(r: PixelVsEmbedding) -> dict[str, str]:
    """Readout texts, formatted as the JavaScript formats them."""
    return {
        "pixel_loss": fixed(r.pixel_loss, 4),
        "embedding_loss": fixed(r.embedding_loss, 4),
        "wasted": fixed(100.0 * r.wasted, 1) + " %",
    }


def frame_range(r: PixelVsEmbedding) -> tuple[float, float]:
    """The example frame's intensity range: the frame, the prediction and the encoder's view."""
    return ranges.padded(*ranges.bounds(r.frame, r.prediction, r.encoder_view))


def _preview(r: PixelVsEmbedding) -> str:
    top = 1.1 * simulate(2.0, 2.0).pixel_loss
    bars = svg.Panel(50, 30, 240, 230, (0.0, 2.0), (0.0, top))
    bars.frame("Loss per pixel", "", "loss")
    bars.bar(0.5, 0.3, r.pixel_loss, "c2")
    bars.bar(1.5, 0.3, r.embedding_loss, "c3")
    bars.text(bars.px(0.5), 276, "pixel")
    bars.text(bars.px(1.5), 276, "embedding")
    frame = svg.Panel(350, 30, 360, 230, (0.0, 1.0), frame_range(r))
    frame.frame("Example frame", "position in frame", "intensity")
    frame.polyline(r.u, r.frame, "c1", width=1, opacity=0.6)
    frame.polyline(r.u, r.prediction, "c2", width=2, dash="5 3")
    frame.polyline(r.u, r.encoder_view, "c3", width=2.5)
    ro = format_readouts(r)
    label = (
        f"{TITLE}, default state: pixel loss {ro['pixel_loss']}, embedding loss "
        f"{ro['embedding_loss']}, {ro['wasted']} of the pixel objective spent on noise."
    )
    return svg.document(730, 290, label, [bars, frame])


def build(anchor: str) -> RenderedInstrument:
    """Render MM5.2 into the element ``anchor``."""
    r = simulate(DEFAULTS["signal"], DEFAULTS["noise"])
    kit = Kit()
    signal = kit.slider("signal (blob amplitude)", 0.2, 2.0, DEFAULTS["signal"], 0.05, "0.00")
    noise = kit.slider("noise (texture amplitude)", 0.0, 2.0, DEFAULTS["noise"], 0.05, "0.00")

    bars = ColumnDataSource({"name": BAR_NAMES, "loss": [r.pixel_loss, r.embedding_loss], "colour": [C2, C3]})
    lines = ColumnDataSource({"u": r.u, "frame": r.frame, "prediction": r.prediction, "view": r.encoder_view})
    # A fixed scale, sized for the largest setting, keeps bar heights comparable
    # while the sliders move.
    worst = simulate(2.0, 2.0)
    barfig = kit.figure(
        "Loss per pixel",
        "",
        "loss",
        x_range=FactorRange(factors=BAR_NAMES),
        y_range=Range1d(start=0.0, end=1.1 * worst.pixel_loss),
    )
    barfig.vbar(x="name", top="loss", width=0.6, source=bars, color="colour")
    barfig.xgrid.visible = False

    framefig = kit.figure(
        "Example frame", "position in frame", "intensity", x_range=(0.0, 1.0), y_range=frame_range(r)
    )
    frame = framefig.line("u", "frame", source=lines, line_color=C1, line_alpha=0.6)
    prediction = framefig.line(
        "u", "prediction", source=lines, line_color=C2, line_width=2, line_dash="dashed"
    )
    view = framefig.line("u", "view", source=lines, line_color=C3, line_width=3)
    kit.legend(framefig, [("frame", frame), ("prediction", prediction), ("what the encoder keeps", view)])

    ro = format_readouts(r)
    html, ids = readouts_block(
        anchor,
        [
            ("pixel_loss", "pixel-recon loss", ro["pixel_loss"]),
            ("embedding_loss", "embedding loss", ro["embedding_loss"]),
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
        row(signal, noise, sizing_mode="stretch_width"),
        row(barfig, framefig, sizing_mode="stretch_width"),
        sizing_mode="stretch_width",
        stylesheets=[kit.sheet],
    )
    return finish(layout, anchor, _preview(r), html, LABEL, DESCRIPTION)


INSTRUMENT = Instrument(
    name=NAME, title=TITLE, description=DESCRIPTION, label=LABEL, build=build, caption_html=CAPTION
)
