"""Time wmbook against plain MkDocs and markdown-exec on the same synthetic book; and
wmbook through a two-worker Dask LocalCluster and from a shared cache on S3 (moto).

Usage: python tests/bench/run_bench.py [PAGES] [BLOCKS] [--runs R] [--growth] [--local-only] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from book import edit_first_block, write_book
from remote import local_cluster, s3_bucket

REPO = Path(__file__).resolve().parents[2]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _build_cpu(root: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one build: the CPU of MkDocs, of wmbook's worker server
    and of every session it forked (each is waited for, so the kernel adds it up)."""
    cpu = _children_cpu()
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(root / "mkdocs.yml")],
        check=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})},
    )
    return time.perf_counter() - started, _children_cpu() - cpu


def _build(root: Path, env: dict[str, str] | None = None) -> float:
    return _build_cpu(root, env)[0]


def _median(runs: int, one: Callable[[int], float]) -> float:
    return statistics.median(one(n) for n in range(runs))


def _clear_cache(root: Path) -> None:
    shutil.rmtree(root / ".cache", ignore_errors=True)


def _executed_seconds(root: Path) -> float:
    report = json.loads((root / ".cache" / "wmbook" / "last-build.json").read_text())
    return sum(s["seconds"] for s in report["sessions"] if not s["from_cache"])


def _fresh_clone(root: Path, dest: Path) -> Path:
    """A copy of the book without its cache: a new checkout."""
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(root, dest, ignore=shutil.ignore_patterns(".cache", "site"))
    return dest


def measure_remote(root: Path, floor: Path, runs: int, times: dict[str, float]) -> dict[str, float]:
    """(g) cold builds through a 2-worker LocalCluster; (h) fresh clones reading a shared
    cache that one build with write access filled.  Each is timed right after the build it
    is compared with, and the ratios are the medians of those pairs: other work on the
    machine then weighs on both sides alike."""
    pairs: dict[str, list[float]] = {"g": [], "h": []}
    with local_cluster(2) as address:
        scheduler = {"WMBOOK_SCHEDULER": address}
        _clear_cache(root)
        _build(root, scheduler)  # the cluster is up and its workers warm, as a real one would be
        on_cluster: list[float] = []
        for _ in range(runs):
            _clear_cache(root)
            local = _build(root)
            _clear_cache(root)
            on_cluster.append(_build(root, scheduler))
            pairs["g"].append(on_cluster[-1] / local)
        times["cold_dask_2_workers"] = statistics.median(on_cluster)
    with s3_bucket("bench-cache") as aws:
        shared = {**aws, "WMBOOK_CACHE_URL": "s3://bench-cache/book"}
        _clear_cache(root)
        times["cold_publishing"] = _build(root, shared)
        clone = root.parent / "clone"
        from_shared: list[float] = []
        for _ in range(runs):
            plain = _build(floor)
            from_shared.append(_build(_fresh_clone(root, clone), shared))
            pairs["h"].append(from_shared[-1] / plain)
        times["fresh_clone_shared"] = statistics.median(from_shared)
        report = json.loads((clone / ".cache" / "wmbook" / "last-build.json").read_text())
        times["fresh_clone_sessions_run"] = sum(1 for s in report["sessions"] if not s["from_cache"])
        times["shared_read_per_entry"] = _read_each_entry(root, shared)
    return {name: statistics.median(values) for name, values in pairs.items()}


def _read_each_entry(root: Path, env: dict[str, str]) -> float:
    """Seconds one read of a session's entry from the shared cache takes, one after another."""
    from wmbook.shared_store import SharedStore

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        store = SharedStore(env["WMBOOK_CACHE_URL"])
        store.connect()
        keys = [path.name for path in (root / ".cache" / "wmbook" / "sessions").glob("*/*")]
        started = time.perf_counter()
        found = sum(store.read("sessions", key) is not None for key in keys)
        assert found == len(keys), "every session entry was published"
        return (time.perf_counter() - started) / len(keys)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def measure(
    pages: int, blocks: int, runs: int, with_peer: bool, remote: bool = False
) -> tuple[dict[str, float], dict[str, float]]:
    """Median wall-clock seconds of each scenario, and the paired ratios of the remote rows."""
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

    cold_runs = []
    for _ in range(runs):
        _clear_cache(wm)
        cold_runs.append(_build_cpu(wm))
    times["cold"] = statistics.median(wall for wall, _ in cold_runs)
    times["cold_cpu"] = statistics.median(cpu for _, cpu in cold_runs)
    times["cold_sessions"] = len(
        json.loads((wm / ".cache" / "wmbook" / "last-build.json").read_text())["sessions"]
    )
    unchanged_runs = [_build_cpu(wm) for _ in range(runs)]
    times["unchanged"] = statistics.median(wall for wall, _ in unchanged_runs)
    times["unchanged_cpu"] = statistics.median(cpu for _, cpu in unchanged_runs)
    # What running the sessions adds: their CPU and their worker server's.
    times["session_cpu"] = times["cold_cpu"] - times["unchanged_cpu"]
    edited: list[float] = []
    session_seconds: list[float] = []
    for n in range(runs):
        edit_first_block(wm, blocks, "wmbook", n + 1)
        edited.append(_build(wm))
        session_seconds.append(_executed_seconds(wm))
    times["one_block_edited"] = statistics.median(edited)
    times["edited_session_exec"] = statistics.median(session_seconds)
    times["cold_1_worker"] = _median(runs, lambda n: cold({"WMBOOK_WORKERS": "1"}))
    paired = measure_remote(wm, books["plain"], runs, times) if remote else {}
    if with_peer:
        times["markdown_exec"] = _median(runs, lambda n: _build(books["mdexec"]))
    shutil.rmtree(work, ignore_errors=True)
    return times, paired


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("pages", type=int, nargs="?", default=40)
    parser.add_argument("blocks", type=int, nargs="?", default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--growth", action="store_true", help="also time a cold build of 10x the pages")
    parser.add_argument(
        "--local-only", action="store_true", help="leave out the cluster and shared-cache rows"
    )
    parser.add_argument("--out", type=Path, default=REPO / "bench-results" / "bench.json")
    args = parser.parse_args()

    t, paired = measure(args.pages, args.blocks, args.runs, with_peer=True, remote=not args.local_only)
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
    cores = os.cpu_count() or 1
    ideal = max(t["floor"], (t["floor"] + t["session_cpu"]) / cores)
    ratios[f"(i) efficiency of the cold build, ideal / cold on {cores} cores (target >= 0.90)"] = (
        ideal / t["cold"]
    )
    if not args.local_only:
        ratios["(g) cold through a 2-worker LocalCluster / local pool (target <= 1.25)"] = paired["g"]
        ratios["(h) fresh clone reading the shared cache / floor (target <= 1.30)"] = paired["h"]
    if args.growth:
        big, _ = measure(args.pages * 10, args.blocks, 1, with_peer=False)
        t["cold_10x_pages"] = big["cold"]
        ratios["cold 10x pages / cold (target <= 10.5)"] = big["cold"] / t["cold"]
    print(f"synthetic book: {args.pages} pages x {args.blocks} blocks + 1 figure; median of {args.runs} runs")
    for name, seconds in t.items():
        print(f"  {name:24} {seconds:8.3f} s")
    for name, ratio in ratios.items():
        print(f"  {name:72} {ratio:6.2f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"pages": args.pages, "blocks": args.blocks, "seconds": t, "ratios": ratios}, indent=2)
    )
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
