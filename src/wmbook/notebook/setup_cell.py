# What every session of the book starts with: seeded generators and the figure helper.
import random

import matplotlib.pyplot as plt
import numpy as np

random.seed(0)
np.random.seed(0)


def plot_xy(x, y, *, title=None, xlabel=None, ylabel=None):
    """Draw y against x as a line, as the book's pages do."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    ax.plot(list(x) if not hasattr(x, "shape") else x, y, linewidth=1.8)
    ax.grid(True, alpha=0.3)
    if title:
        ax.set_title(title)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    return fig
