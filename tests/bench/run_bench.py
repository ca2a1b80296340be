"""Time wmbook against plain MkDocs and markdown-exec on the same synthetic book.

Usage: python tests/bench/run_bench.py [PAGES] [BLOCKS] [--runs R] [--growth] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from book import edit_first_block, write_book

REPO = Path(__file__).resolve().parents[2]


def _build(root: Path, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(root / "mkdocs.yml")],
        check=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})},
    )
    return time.perf_counter() - started


def _median(runs: int, one: Callable[[int], float]) -> float:
    return statistics.median(one(n) for n in range(runs))


def _clear_cache(root: Path) -> None:
    shutil.rmtree(root / ".cache", ignore_errors=True)


def _executed_seconds(root: Path) -> float:
    report = json.loads((root / ".cache" / "wmbook" / "last-build.json").read_text())
    return sum(s["seconds"] for s in report["sessions"] if not s["from_cache"])


def measure(pages: int, blocks: int, runs: int, with_peer: bool) -> dict[str, float]:
    """Median wall-clock seconds of each scenario."""
    work = Path(tempfile.mkdtemp(prefix="wmbook-bench-"))
    books = {v: work / v for v in ("plain", "wmbook", "mdexec")}
    for variant, root in books.items():
        write_book(root, pages, blocks, variant)
    wm = books["wmbook"]
    times: dict[str, float] = {}
    _build(books["plain"])  # warm the file-system cache and byte-code
    times["floor"] = _median(runs, lambda n: _build(books["plain"]))

    def cold(env: dict[str, str] | None = None) -> float:
        _clear_cache(wm)
        return _build(wm, env)

    times["cold"] = _median(runs, lambda n: cold())
    times["unchanged"] = _median(runs, lambda n: _build(wm))
    edited: list[float] = []
    session_seconds: list[float] = []
    for n in range(runs):
        edit_first_block(wm, blocks, "wmbook", n + 1)
        edited.append(_build(wm))
        session_seconds.append(_executed_seconds(wm))
    times["one_block_edited"] = statistics.median(edited)
    times["edited_session_exec"] = statistics.median(session_seconds)
    times["cold_1_worker"] = _median(runs, lambda n: cold({"WMBOOK_WORKERS": "1"}))
    if with_peer:
        times["markdown_exec"] = _median(runs, lambda n: _build(books["mdexec"]))
    shutil.rmtree(work, ignore_errors=True)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("pages", type=int, nargs="?", default=40)
    parser.add_argument("blocks", type=int, nargs="?", default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--growth", action="store_true", help="also time a cold build of 10x the pages")
    parser.add_argument("--out", type=Path, default=REPO / "bench-results" / "bench.json")
    args = parser.parse_args()

    t = measure(args.pages, args.blocks, args.runs, with_peer=True)
    exec_2 = t["cold"] - t["unchanged"]
    exec_1 = t["cold_1_worker"] - t["unchanged"]
    ratios = {
        "cold / markdown-exec (target <= 0.70)": t["cold"] / t["markdown_exec"],
        "unchanged / floor (target <= 1.15)": t["unchanged"] / t["floor"],
        "one block edited / (floor + its session) (target <= 1.00)": t["one_block_edited"]
        / (t["floor"] + t["edited_session_exec"]),
        "execution speed-up, 2 workers vs 1 (target >= 1.70)": exec_1 / exec_2
        if exec_2 > 0
        else float("inf"),
    }
    if args.growth:
        big = measure(args.pages * 10, args.blocks, 1, with_peer=False)
        t["cold_10x_pages"] = big["cold"]
        ratios["cold 10x pages / cold (target <= 10.5)"] = big["cold"] / t["cold"]
    print(f"synthetic book: {args.pages} pages x {args.blocks} blocks + 1 figure; median of {args.runs} runs")
    for name, seconds in t.items():
        print(f"  {name:24} {seconds:8.3f} s")
    for name, ratio in ratios.items():
        print(f"  {name:60} {ratio:6.2f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"pages": args.pages, "blocks": args.blocks, "seconds": t, "ratios": ratios}, indent=2)
    )
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
