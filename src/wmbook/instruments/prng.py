"""Seeded mulberry32 generator and readout formatting shared with ``js/prng.js``.

The JavaScript twin uses only 32-bit integer arithmetic (``Math.imul`` and
``>>> 0``), so the uniform draws agree bit for bit. Gaussian draws go through
``math.log``/``math.cos`` one element at a time, the same formula in the same
order as in JavaScript; libm and V8 may still differ in the last ulp, which
is why parity is checked to 1e-9 relative rather than exactly.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from numpy.typing import NDArray

_MASK = 0xFFFFFFFF
_GOLDEN = 0x6D2B79F5
_TWO32 = 4294967296.0


def _imul(a: int, b: int) -> int:
    return (a * b) & _MASK


def _mix(state: int) -> float:
    t = state
    t = _imul(t ^ (t >> 15), t | 1)
    t ^= (t + _imul(t ^ (t >> 7), t | 61)) & _MASK
    return ((t ^ (t >> 14)) & _MASK) / _TWO32


class Mulberry32:
    """Sequential mulberry32 stream of uniforms in [0, 1) and standard normals."""

    def __init__(self, seed: int) -> None:
        """Start the stream at ``seed`` (taken modulo 2**32)."""
        self.state = seed & _MASK

    def next_float(self) -> float:
        """Return the next uniform double in [0, 1)."""
        self.state = (self.state + _GOLDEN) & _MASK
        return _mix(self.state)

    def normal(self) -> float:
        """Return a standard normal from two uniforms (Box-Muller, cosine branch)."""
        u1 = self.next_float()
        u2 = self.next_float()
        return box_muller(u1, u2)


def box_muller(u1: float, u2: float) -> float:
    """Map two uniforms to one normal; ``1 - u1`` keeps the log argument positive."""
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)


def uniform_block(seed: int, count: int, start: int = 0) -> NDArray[np.float64]:
    """Return draws ``start .. start+count-1`` of the stream seeded with ``seed``.

    mulberry32 advances its state by a constant, so draw ``k`` depends only on
    ``seed + (k + 1) * 0x6D2B79F5``; that lets numpy produce a whole block at
    once and still match the sequential generator exactly.
    """
    k = np.arange(start + 1, start + count + 1, dtype=np.uint64)
    mask = np.uint64(_MASK)
    t = (np.uint64(seed & _MASK) + k * np.uint64(_GOLDEN)) & mask
    # uint64 products of two 32-bit values wrap mod 2**64, which keeps the low
    # 32 bits that Math.imul returns.
    t = ((t ^ (t >> np.uint64(15))) * (t | np.uint64(1))) & mask
    t ^= (t + (((t ^ (t >> np.uint64(7))) * (t | np.uint64(61))) & mask)) & mask
    t = (t ^ (t >> np.uint64(14))) & mask
    out: NDArray[np.float64] = t.astype(np.float64) / _TWO32
    return out


def normal_block(seed: int, count: int, start: int = 0) -> NDArray[np.float64]:
    """Return ``count`` normals that consume uniforms ``start .. start+2*count-1``."""
    u = uniform_block(seed, 2 * count, start).tolist()
    out = [box_muller(u[2 * i], u[2 * i + 1]) for i in range(count)]
    return np.asarray(out, dtype=np.float64)


def fixed(value: float, digits: int) -> str:
    """Format like JavaScript's ``Number.prototype.toFixed`` (ties away from zero)."""
    if value == 0.0:
        value = 0.0  # drop the sign of -0.0, as toFixed does
    quantum = Decimal(1).scaleb(-digits)
    return str(Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP))


def step_index(value: float, step: float) -> int:
    """Snap a slider value to its integer step count, as ``js/prng.js`` does."""
    return math.floor(value / step + 0.5)
