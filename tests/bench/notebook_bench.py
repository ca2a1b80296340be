"""Time a book of notebooks: wmbook running them (mkdocs-jupyter rendering) against
mkdocs-jupyter running them itself (``execute: true``), cold and cached.

Usage: python tests/bench/notebook_bench.py [NOTEBOOKS] [--runs R] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from baseline import compile_wmbook

REPO = Path(__file__).resolve().parents[2]

CELLS = [
    "import numpy as np\nimport matplotlib.pyplot as plt",
    "rng = np.random.default_rng({seed})\nm = rng.normal(size=(150, 150))\nprint(f'norm: {{np.linalg.norm(m @ m.T):.3f}}')",
    "walk = np.cumsum(rng.normal(size=300))\nfig, ax = plt.subplots()\nax.plot(walk)\nax.set_title('walk {seed}')",
    "print(sum(range(10_000)))",
]

CONFIG = """site_name: Notebook bench
theme:
  name: material
  font: false
plugins:
  - search
  - mkdocs-jupyter{jupyter_options}
{wmbook}
"""


def _notebook(seed: int) -> str:
    cells = [{"cell_type": "markdown", "id": "m0", "metadata": {}, "source": [f"# Notebook {seed}\n"]}]
    for number, source in enumerate(CELLS, start=1):
        cells.append(
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"c{number}",
                "metadata": {},
                "outputs": [],
                "source": source.format(seed=seed),
            }
        )
    data = {
        "cells": cells,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def write_book(root: Path, notebooks: int, variant: str) -> None:
    """A book of N notebooks, run by wmbook or by mkdocs-jupyter."""
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "index.md").write_text("# Notebook bench\n")
    for n in range(notebooks):
        (root / "docs" / f"nb{n:02d}.ipynb").write_text(_notebook(n))
    if variant == "wmbook":
        text = CONFIG.format(jupyter_options="", wmbook="  - wmbook")
    else:
        text = CONFIG.format(jupyter_options=":\n      execute: true", wmbook="")
    (root / "mkdocs.yml").write_text(text)


def _build(root: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(root / "mkdocs.yml")],
        check=True,
        cwd=root,  # mkdocs-jupyter keeps its cache in .cache/ of the working directory
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"},
    )
    return time.perf_counter() - started


def _clear(root: Path) -> None:
    shutil.rmtree(root / ".cache", ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("notebooks", type=int, nargs="?", default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / "bench-results" / "notebooks.json")
    args = parser.parse_args()
    compile_wmbook()
    work = Path(tempfile.mkdtemp(prefix="wmbook-nbbench-"))
    seconds: dict[str, float] = {}
    roots = {variant: work / variant for variant in ("wmbook", "mkdocs-jupyter")}
    for variant, root in roots.items():
        write_book(root, args.notebooks, variant)
        cold = []
        for _ in range(args.runs):
            _clear(root)
            cold.append(_build(root))
        seconds[f"{variant} cold"] = statistics.median(cold)
    # Cached builds take seconds, so other work on the machine weighs on them: each wmbook
    # build is timed right after a mkdocs-jupyter one, and the ratio is the median of the pairs.
    cached: dict[str, list[float]] = {variant: [] for variant in roots}
    for _ in range(2 * args.runs):
        for variant, root in reversed(roots.items()):
            cached[variant].append(_build(root))
    for variant, times in cached.items():
        seconds[f"{variant} cached"] = statistics.median(times)
    shutil.rmtree(work, ignore_errors=True)
    pairs = [ours / theirs for ours, theirs in zip(cached["wmbook"], cached["mkdocs-jupyter"], strict=True)]
    ratios = {
        "cold: wmbook / mkdocs-jupyter": seconds["wmbook cold"] / seconds["mkdocs-jupyter cold"],
        "cached: wmbook / mkdocs-jupyter": statistics.median(pairs),
    }
    print(
        f"{args.notebooks} notebooks x {len(CELLS)} code cells; median of {args.runs} runs "
        f"({2 * args.runs} alternated pairs of cached builds)"
    )
    for name, value in seconds.items():
        print(f"  {name:24} {value:8.3f} s")
    for name, value in ratios.items():
        print(f"  {name:36} {value:6.2f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"seconds": seconds, "ratios": ratios}, indent=2))


if __name__ == "__main__":
    main()
