"""A tiny SVG writer for the static previews of the instruments.

Everything is drawn in ``currentColor`` or in CSS custom properties with
fallbacks, so a preview follows the page's light or dark scheme and prints.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import msgspec

from wmbook.templates import Markup, macros

# Series colours, overridable from CSS; the fallbacks are mid-tones that keep
# enough contrast on both white and the dark slate background.
SERIES = {
    "c1": "var(--wmbook-inst-c1, #2f7fd8)",
    "c2": "var(--wmbook-inst-c2, #e07b1a)",
    "c3": "var(--wmbook-inst-c3, #2e9e68)",
    "c4": "var(--wmbook-inst-c4, #c9404e)",
    "fg": "currentColor",
}


def _num(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


class Panel(msgspec.Struct):
    """A rectangular plot area mapping data coordinates to SVG pixels."""

    x0: float
    y0: float
    width: float
    height: float
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    parts: list[str] = msgspec.field(default_factory=list)

    def _add(self, element: str, *values: object) -> None:
        """One element, from its macro in ``preview_svg.svg``."""
        self.parts.append(str(getattr(macros("preview_svg.svg"), element)(*values)))

    def px(self, x: float) -> float:
        """Map a data x to a pixel x."""
        lo, hi = self.xlim
        return self.x0 + (x - lo) / (hi - lo) * self.width

    def py(self, y: float) -> float:
        """Map a data y to a pixel y (SVG's y grows downwards)."""
        lo, hi = self.ylim
        return self.y0 + self.height - (y - lo) / (hi - lo) * self.height

    def frame(self, title: str, x_label: str = "", y_label: str = "") -> None:
        """Draw the border, the panel title and the axis labels."""
        self._add("border", _num(self.x0), _num(self.y0), _num(self.width), _num(self.height))
        self.text(self.x0, self.y0 - 8, title, anchor="start", weight="600")
        if x_label:
            self.text(self.x0 + self.width / 2, self.y0 + self.height + 16, x_label)
        if y_label:
            cx, cy = self.x0 - 10, self.y0 + self.height / 2
            self._add("upright_text", _num(cx), _num(cy), y_label)

    def text(self, x: float, y: float, s: str, anchor: str = "middle", weight: str = "400") -> None:
        """Write a label at pixel coordinates."""
        self._add("text", _num(x), _num(y), s, anchor, weight)

    def polyline(
        self,
        xs: Sequence[float],
        ys: Sequence[float],
        colour: str,
        width: float = 1.5,
        opacity: float = 1.0,
        dash: str = "",
    ) -> None:
        """Draw a line through data points, skipping points that are not finite."""
        pts = " ".join(
            f"{_num(self.px(x))},{_num(self.py(y))}"
            for x, y in zip(xs, ys, strict=True)
            if math.isfinite(x) and math.isfinite(y)
        )
        self._add("polyline", pts, SERIES[colour], width, opacity, dash)

    def circle(self, x: float, y: float, r: float, colour: str, hollow: bool = False) -> None:
        """Draw a marker at a data point."""
        paint = f"fill:none;stroke:{SERIES[colour]}" if hollow else f"fill:{SERIES[colour]};stroke:none"
        self._add("circle", _num(self.px(x)), _num(self.py(y)), r, paint)

    def cross(self, x: float, y: float, r: float, colour: str) -> None:
        """Draw an x-shaped marker at a data point."""
        cx, cy = self.px(x), self.py(y)
        path = (
            f"M{_num(cx - r)},{_num(cy - r)}L{_num(cx + r)},{_num(cy + r)}"
            f"M{_num(cx - r)},{_num(cy + r)}L{_num(cx + r)},{_num(cy - r)}"
        )
        self._add("cross", path, SERIES[colour])

    def bar(self, x_center: float, half_width: float, top: float, colour: str) -> None:
        """Draw a vertical bar from y = 0 up to ``top``."""
        left, right = self.px(x_center - half_width), self.px(x_center + half_width)
        y_top, y_base = self.py(top), self.py(0.0)
        height = _num(max(y_base - y_top, 0.0))
        self._add("bar", _num(left), _num(y_top), _num(right - left), height, SERIES[colour])


def document(width: int, height: int, label: str, panels: Sequence[Panel]) -> str:
    """Assemble panels into one responsive, accessible SVG element."""
    body = "".join(part for p in panels for part in p.parts)
    return str(macros("preview_svg.svg").document(width, height, label, Markup(body)))
