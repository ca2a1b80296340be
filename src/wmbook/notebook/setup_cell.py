# What every session of the book starts with: seeded generators, the page's figure size,
# and the figure helper plot_xy (below, as the book defines it).
import random

import matplotlib.pyplot as plt
import numpy as np

random.seed(0)
np.random.seed(0)
plt.rcParams.update({"figure.figsize": (6.4, 3.6), "axes.grid": True, "grid.alpha": 0.3})
