"""A tiny SVG writer for the static previews of the instruments.

Everything is drawn in ``currentColor`` or in CSS custom properties with
fallbacks, so a preview follows the page's light or dark scheme and prints.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

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


@dataclass
class Panel:
    """A rectangular plot area mapping data coordinates to SVG pixels."""

    x0: float
    y0: float
    width: float
    height: float
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    parts: list[str] = field(default_factory=list)

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
        self.parts.append(
            f'<rect x="{_num(self.x0)}" y="{_num(self.y0)}" width="{_num(self.width)}" '
            f'height="{_num(self.height)}" fill="none" stroke="currentColor" '
            'stroke-opacity="0.35"/>'
        )
        self.text(self.x0, self.y0 - 8, title, anchor="start", weight="600")
        if x_label:
            self.text(self.x0 + self.width / 2, self.y0 + self.height + 16, x_label)
        if y_label:
            cx, cy = self.x0 - 10, self.y0 + self.height / 2
            self.parts.append(
                f'<text x="{_num(cx)}" y="{_num(cy)}" font-size="11" fill="currentColor" '
                f'text-anchor="middle" transform="rotate(-90 {_num(cx)} {_num(cy)})">'
                f"{escape(y_label)}</text>"
            )

    def text(self, x: float, y: float, s: str, anchor: str = "middle", weight: str = "400") -> None:
        """Write a label at pixel coordinates."""
        self.parts.append(
            f'<text x="{_num(x)}" y="{_num(y)}" font-size="11" fill="currentColor" '
            f'text-anchor="{anchor}" font-weight="{weight}">{escape(s)}</text>'
        )

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
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(
            f'<polyline points="{pts}" fill="none" style="stroke:{SERIES[colour]}" '
            f'stroke-width="{width}" stroke-opacity="{opacity}" '
            f'stroke-linejoin="round"{extra}/>'
        )

    def circle(self, x: float, y: float, r: float, colour: str, hollow: bool = False) -> None:
        """Draw a marker at a data point."""
        paint = f"fill:none;stroke:{SERIES[colour]}" if hollow else f"fill:{SERIES[colour]};stroke:none"
        self.parts.append(
            f'<circle cx="{_num(self.px(x))}" cy="{_num(self.py(y))}" r="{r}" '
            f'style="{paint}" stroke-width="1.5"/>'
        )

    def cross(self, x: float, y: float, r: float, colour: str) -> None:
        """Draw an x-shaped marker at a data point."""
        cx, cy = self.px(x), self.py(y)
        self.parts.append(
            f'<path d="M{_num(cx - r)},{_num(cy - r)}L{_num(cx + r)},{_num(cy + r)}'
            f'M{_num(cx - r)},{_num(cy + r)}L{_num(cx + r)},{_num(cy - r)}" '
            f'style="stroke:{SERIES[colour]}" stroke-width="2"/>'
        )

    def bar(self, x_center: float, half_width: float, top: float, colour: str) -> None:
        """Draw a vertical bar from y = 0 up to ``top``."""
        left, right = self.px(x_center - half_width), self.px(x_center + half_width)
        y_top, y_base = self.py(top), self.py(0.0)
        self.parts.append(
            f'<rect x="{_num(left)}" y="{_num(y_top)}" width="{_num(right - left)}" '
            f'height="{_num(max(y_base - y_top, 0.0))}" style="fill:{SERIES[colour]}"/>'
        )


def document(width: int, height: int, label: str, panels: Sequence[Panel]) -> str:
    """Assemble panels into one responsive, accessible SVG element."""
    body = "".join(part for p in panels for part in p.parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(label)}" '
        'class="wmbook-instrument-svg" font-family="inherit">'
        f"<title>{escape(label)}</title>{body}</svg>"
    )
