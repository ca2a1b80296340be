"""Time wmbook against plain MkDocs and markdown-exec on the same synthetic book; and
wmbook through a two-worker Dask LocalCluster and from a shared cache on S3 (moto).

Usage: python tests/bench/run_bench.py [PAGES] [BLOCKS] [--runs R] [--local-only] [--out FILE]
       python tests/bench/run_bench.py --growth [--sizes 100,500,2000] [PAGES BLOCKS]  (PAGES unused)

Each run writes its ratios with the commit to bench-results/ and says which moved beyond
the noise band of bench-results/baseline.json (see docs/writing.md for when to update it).
``--growth`` times cold and unchanged builds of plain MkDocs, markdown-exec and wmbook at
several book sizes, with the build process's peak memory, and the per-page cost of each.
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

from baseline import Ratio, compare, compile_wmbook, current_commit, load_baseline, report
from book import edit_first_block, write_book
from remote import local_cluster, s3_bucket

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "bench-results"
MEASURED = Path(__file__).resolve().parent / "measured_mkdocs.py"


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
    """Median wall-clock seconds of each scenario, and the ratios measured in pairs (unchanged
    / floor; (g) and (h) with ``remote``)."""
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
    # Each unchanged build right after a plain one: the ratio is the median of the pairs', so that
    # the machine's speed, which drifts over the minutes between the floor and these, weighs alike.
    unchanged_runs: list[tuple[float, float]] = []
    unchanged_pairs: list[float] = []
    for _ in range(runs):
        floor_now = _build(books["plain"])
        unchanged_runs.append(_build_cpu(wm))
        unchanged_pairs.append(unchanged_runs[-1][0] / floor_now)
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
    paired = {"unchanged": statistics.median(unchanged_pairs)}
    if remote:
        paired |= measure_remote(wm, books["plain"], runs, times)
    if with_peer:
        times["markdown_exec"] = _median(runs, lambda n: _build(books["mdexec"]))
    shutil.rmtree(work, ignore_errors=True)
    return times, paired


def ratios_of(t: dict[str, float], paired: dict[str, float], cores: int) -> dict[str, Ratio]:
    """The benchmark's ratios, by stable names (the baseline is keyed on them)."""
    exec_2 = t["cold"] - t["unchanged"]
    exec_1 = t["cold_1_worker"] - t["unchanged"]
    ideal = max(t["floor"], (t["floor"] + t["session_cpu"]) / cores)
    ratios = {
        "cold_vs_markdown_exec": Ratio("cold / markdown-exec", t["cold"] / t["markdown_exec"], 0.70),
        "unchanged_vs_floor": Ratio(
            "unchanged / floor", paired.get("unchanged", t["unchanged"] / t["floor"]), 1.15
        ),
        "edited_vs_floor_and_session": Ratio(
            "one block edited / (floor + its session)",
            t["one_block_edited"] / (t["floor"] + t["edited_session_exec"]),
            1.00,
        ),
        "speed_up_2_workers": Ratio(
            "execution speed-up, 2 workers vs 1", exec_1 / exec_2 if exec_2 > 0 else float("inf"), 1.70, True
        ),
        "cold_efficiency": Ratio(
            f"(i) efficiency of the cold build on {cores} cores", ideal / t["cold"], 0.90, True
        ),
    }
    if "g" in paired:
        ratios["dask_vs_local"] = Ratio(
            "(g) cold through a 2-worker LocalCluster / local pool", paired["g"], 1.25
        )
        ratios["shared_clone_vs_floor"] = Ratio(
            "(h) fresh clone reading the shared cache / floor", paired["h"], 1.30
        )
    return ratios


def _measured_build(root: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (with the build's children) and the build process's own
    peak resident memory in MB of one ``mkdocs build``."""
    rss_file = root / ".peak-rss"
    cpu = _children_cpu()
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(MEASURED), str(rss_file), "build", "-q", "-f", str(root / "mkdocs.yml")],
        check=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    wall, used = time.perf_counter() - started, _children_cpu() - cpu
    return wall, used, int(rss_file.read_text()) / 1024


GROWTH_VARIANTS = ("plain", "mdexec", "wmbook")


def growth(
    sizes: list[int], blocks: int, variants: tuple[str, ...] = GROWTH_VARIANTS
) -> list[dict[str, float | int | str]]:
    """Cold and unchanged builds of each variant at each size (one run each)."""
    rows: list[dict[str, float | int | str]] = []
    for pages in sizes:
        work = Path(tempfile.mkdtemp(prefix="wmbook-growth-"))
        for variant in variants:
            root = work / variant
            write_book(root, pages, blocks, variant)
            _clear_cache(root)
            cold = _measured_build(root)
            unchanged = _measured_build(root)
            rows.append(
                {
                    "pages": pages,
                    "variant": variant,
                    "cold_s": cold[0],
                    "cold_cpu_s": cold[1],
                    "unchanged_s": unchanged[0],
                    "unchanged_cpu_s": unchanged[1],
                    "peak_mb": max(cold[2], unchanged[2]),
                }
            )
            print(_growth_line(rows[-1]), flush=True)
        shutil.rmtree(work, ignore_errors=True)
    return rows


def _growth_line(row: dict[str, float | int | str]) -> str:
    pages = int(row["pages"])
    per_page = 1000 * float(row["unchanged_cpu_s"]) / pages
    return (
        f"  {pages:6d} {row['variant']:8} cold {float(row['cold_s']):7.2f} s ({float(row['cold_cpu_s']):7.2f} CPU)"
        f"  unchanged {float(row['unchanged_s']):7.2f} s ({float(row['unchanged_cpu_s']):7.2f} CPU,"
        f" {per_page:5.1f} ms/page)  peak {float(row['peak_mb']):6.1f} MB"
    )


def growth_summary(rows: list[dict[str, float | int | str]]) -> list[str]:
    """wmbook against plain MkDocs at each size: what each page adds, which should stay flat."""
    by = {(int(r["pages"]), str(r["variant"])): r for r in rows}
    lines = ["  pages  unchanged/plain  peak/plain  wmbook adds per page: unchanged CPU, cold CPU, memory"]
    for pages in sorted({int(r["pages"]) for r in rows}):
        wm, plain = by.get((pages, "wmbook")), by.get((pages, "plain"))
        if wm is None or plain is None:
            continue
        lines.append(
            f"  {pages:5d}  {float(wm['unchanged_s']) / float(plain['unchanged_s']):15.2f}"
            f"  {float(wm['peak_mb']) / float(plain['peak_mb']):10.2f}"
            f"  {1000 * (float(wm['unchanged_cpu_s']) - float(plain['unchanged_cpu_s'])) / pages:8.1f} ms"
            f"  {1000 * (float(wm['cold_cpu_s']) - float(plain['cold_cpu_s'])) / pages:8.1f} ms"
            f"  {1024 * (float(wm['peak_mb']) - float(plain['peak_mb'])) / pages:8.1f} KB"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("pages", type=int, nargs="?", default=40)
    parser.add_argument("blocks", type=int, nargs="?", default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--growth", action="store_true", help="the growth table instead of the ratios")
    parser.add_argument("--sizes", default="100,500,2000", help="book sizes (pages) of the growth table")
    parser.add_argument(
        "--variants",
        default=",".join(GROWTH_VARIANTS),
        help="which builds the growth table times (markdown-exec is the slowest: plain,wmbook leaves it out)",
    )
    parser.add_argument(
        "--local-only", action="store_true", help="leave out the cluster and shared-cache rows"
    )
    parser.add_argument("--out", type=Path, default=None, help="where to write the results as JSON")
    parser.add_argument("--baseline", type=Path, default=RESULTS / "baseline.json")
    args = parser.parse_args()
    compile_wmbook()
    commit = current_commit(REPO)
    load = os.getloadavg()[0]
    if load > 1.0:
        print(f"note: load average {load:.1f} at the start; times of a loaded machine are not comparable")

    if args.growth:
        sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
        print(f"growth: {args.blocks} blocks + 1 figure a page; cold then unchanged, one run each")
        variants = tuple(v.strip() for v in args.variants.split(",") if v.strip())
        unknown = set(variants) - set(GROWTH_VARIANTS)
        if unknown:
            parser.error(
                f"--variants: {', '.join(sorted(unknown))} unknown; choose from {', '.join(GROWTH_VARIANTS)}"
            )
        rows = growth(sizes, args.blocks, variants)
        print("\n".join(growth_summary(rows)))
        out = args.out or RESULTS / f"growth-{commit}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"commit": commit, "blocks": args.blocks, "rows": rows}, indent=2))
        print(f"written to {out}")
        return

    t, paired = measure(args.pages, args.blocks, args.runs, with_peer=True, remote=not args.local_only)
    ratios = ratios_of(t, paired, os.cpu_count() or 1)
    print(f"synthetic book: {args.pages} pages x {args.blocks} blocks + 1 figure; median of {args.runs} runs")
    for name, seconds in t.items():
        print(f"  {name:24} {seconds:8.3f} s")
    for ratio in ratios.values():
        target = f"{'>=' if ratio.higher_is_better else '<='} {ratio.target:.2f}"
        mark = "" if ratio.meets_target() else "  (misses its target)"
        print(f"  {ratio.label:60} {ratio.value:6.2f}  target {target}{mark}")
    baseline = load_baseline(args.baseline, args.pages, args.blocks)
    if baseline:
        worse, better = compare(ratios, baseline)
        print("\n".join(report(worse, better, args.baseline)))
    else:
        print(f"not compared: {args.baseline} is missing or measured another book than this run's")
    out = args.out or RESULTS / f"bench-{commit}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "commit": commit,
        "pages": args.pages,
        "blocks": args.blocks,
        "runs": args.runs,
        "load_average": load,
        "seconds": t,
        "ratios": {name: ratio.value for name, ratio in ratios.items()},
    }
    out.write_text(json.dumps(data, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
