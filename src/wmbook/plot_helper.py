"""The figure helper every session has, ``plot_xy``.

Plain Python with no import of wmbook, and matplotlib imported when it draws, so one
source serves the build's sessions, the downloaded notebooks (their first cell) and
the in-browser runner (Pyodide loads matplotlib only for blocks that draw).
"""

from typing import Any

INK = "#010203"  # sentinel colour; never used on purpose by anyone
# The book's figure style. Ink is drawn in a sentinel colour that is swapped for
# ``currentColor`` in the SVG, so a figure takes the page's text colour in either palette.
STYLE: dict[str, Any] = {
    "figure.figsize": (6.4, 3.6),
    "figure.facecolor": "none",
    "axes.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.transparent": True,
    "text.color": INK,
    "axes.labelcolor": INK,
    "axes.edgecolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.titlecolor": INK,
    "legend.labelcolor": INK,
    "legend.frameon": False,
    "axes.grid": True,
    "grid.color": "#888888",
    "grid.alpha": 0.35,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.fonttype": "none",  # real text in the page's font: smaller, selectable, no font served
    # Fixed margins that fit a title and axis labels: tight_layout would cost a second draw.
    "figure.subplot.left": 0.11,
    "figure.subplot.right": 0.97,
    "figure.subplot.bottom": 0.15,
    "figure.subplot.top": 0.9,
    "font.size": 10,
}


def plot_xy(x: Any, y: Any, *, title: Any = None, xlabel: Any = None, ylabel: Any = None) -> Any:
    """Draw ``y`` against ``x`` as a line; the figure is shown after the block's output."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot(list(x) if not hasattr(x, "shape") else x, y, linewidth=1.8)
    if title:
        ax.set_title(title)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    return fig
