"""The matplotlib backend sessions draw with: Agg, under a name of its own.

Jupyter's inline backend shows the figures of a cell when it ends, but only while it is
the backend: a cell that chooses another one (``matplotlib.use("svg")``) has its figures
left unshown, as a script's would be.  Agg under wmbook's own name lets the session tell
its own backend from an author's choice, even of Agg itself.
"""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg

__all__ = ["NAME", "FigureCanvas"]

NAME = "module://wmbook.execute.mplbackend"
FigureCanvas = FigureCanvasAgg
