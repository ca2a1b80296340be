"""Axis ranges the instruments compute themselves, mirrored by ``js/ranges.js``.

Bokeh's automatic ranges (``DataRange1d``) settle while a figure paints and then ask for
another paint, so every slider step would repaint each figure twice, a frame or two apart.
The callbacks instead set each range in the same update as the data it frames; the build
uses these functions for the first ranges and for the static previews.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

PAD = 0.08  # of the data's extent, on each side


def padded(lo: float, hi: float, frac: float = PAD) -> tuple[float, float]:
    """Widen a data interval a little so markers do not touch the frame."""
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    pad = (hi - lo) * frac
    return lo - pad, hi + pad


def bounds(*values: Iterable[Any]) -> tuple[float, float]:
    """Smallest and largest number in any of ``values`` (lists, possibly nested)."""
    lo, hi = float("inf"), float("-inf")
    stack = list(values)
    while stack:
        for v in stack.pop():
            if isinstance(v, int | float):
                lo, hi = min(lo, v), max(hi, v)
            else:
                stack.append(v)
    return lo, hi


def equal_aspect(
    xlim: tuple[float, float], ylim: tuple[float, float], width: float, height: float
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Widen one interval about its centre so a data unit is as long on both axes.

    ``width`` and ``height`` are the plot frame's size in pixels.
    """
    per_px_x = (xlim[1] - xlim[0]) / width
    per_px_y = (ylim[1] - ylim[0]) / height
    if per_px_x > per_px_y:
        centre, half = (ylim[0] + ylim[1]) / 2, per_px_x * height / 2
        return xlim, (centre - half, centre + half)
    centre, half = (xlim[0] + xlim[1]) / 2, per_px_y * width / 2
    return (centre - half, centre + half), ylim
