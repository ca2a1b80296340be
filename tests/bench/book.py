"""Generate the synthetic book the benchmark builds: N pages x K numpy blocks + 1 figure."""

from __future__ import annotations

from pathlib import Path

BLOCK = """```python{options}
rng = np.random.default_rng({seed})
m = rng.normal(size=(120, 120))
print(f"page {page} block {block}: {{np.linalg.norm(m @ m.T):.3f}}")
```
"""

FIRST = """```python{options}
import numpy as np
```
"""

WMBOOK_FIGURE = """```python
walk = np.cumsum(np.random.default_rng({seed}).normal(size=200))
plot_xy(np.arange(walk.size), walk, title="Random walk {page}", xlabel="step", ylabel="position")
```
"""

# markdown-exec has no figure helper: the block draws and prints its own SVG.
MDEXEC_FIGURE = """```python exec="on" html="1" session="page{page}"
import io
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
walk = np.cumsum(np.random.default_rng({seed}).normal(size=200))
fig, ax = plt.subplots()
ax.plot(np.arange(walk.size), walk)
ax.set_title("Random walk {page}")
buffer = io.StringIO()
fig.savefig(buffer, format="svg")
plt.close(fig)
print(buffer.getvalue())
```
"""

MKDOCS_YML = """site_name: Synthetic book
theme:
  name: material
  font: false
markdown_extensions:
{extensions}
{plugins}
"""


def page_text(page: int, blocks: int, variant: str, edit: int = 0) -> str:
    """One page; ``edit`` changes the first numpy block (the 'one block edited' case)."""
    options = f' exec="on" session="page{page}"' if variant == "mdexec" else ""
    parts = [f"# Page {page}\n", "Prose for the page.\n", FIRST.format(options=options)]
    for block in range(blocks):
        seed = page * 1000 + block + (edit * 7919 if block == 0 else 0)
        parts.append(BLOCK.format(options=options, seed=seed, page=page, block=block))
    figure = MDEXEC_FIGURE if variant == "mdexec" else WMBOOK_FIGURE
    parts.append(figure.format(seed=page, page=page))
    return "\n".join(parts)


def write_book(root: Path, pages: int, blocks: int, variant: str) -> None:
    """Write mkdocs.yml and docs/ for a variant: 'plain', 'wmbook' or 'mdexec'."""
    docs = root / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    if variant == "mdexec":
        extensions = "  - pymdownx.superfences:\n      custom_fences:\n        - name: python\n          class: python\n          validator: !!python/name:markdown_exec.validator\n          format: !!python/name:markdown_exec.formatter"
    else:
        extensions = "  - pymdownx.superfences"
    plugins = "plugins:\n  - search\n  - wmbook" if variant == "wmbook" else ""
    (root / "mkdocs.yml").write_text(MKDOCS_YML.format(extensions=extensions, plugins=plugins))
    for page in range(pages):
        (docs / f"page{page:03d}.md").write_text(page_text(page, blocks, variant))
    (docs / "index.md").write_text("# Synthetic book\n")


def edit_first_block(root: Path, blocks: int, variant: str, edit: int) -> None:
    """Change the first numpy block of page 0."""
    (root / "docs" / "page000.md").write_text(page_text(0, blocks, variant, edit))
