"""The figure helper every session has, ``plot_xy``.

Plain Python with no import of wmbook, and matplotlib imported when it draws, so one
source serves the build's sessions, the downloaded notebooks (their first cell) and
the in-browser runner (Pyodide loads matplotlib only for blocks that draw).
"""

from typing import Any


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
