"""Time the in-browser runner in headless Chromium on the runner fixture book, served from
127.0.0.1: the first Run of a pure-Python block (runtime load included), a second Run, and
the bytes the page load and the runtime fetch.  Medians over fresh browser contexts.

Usage: python tests/bench/runner_bench.py [--runs R] [--out FILE]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "browser"))

from harness import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402


def _build(root: Path) -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    os.environ["NO_MKDOCS_2_WARNING"] = "1"
    build(load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(root / "site")))


def _one(browser: Any, url: str) -> dict[str, float]:
    context = browser.new_context(base_url=url)
    page = context.new_page()
    sizes: dict[str, int] = {}
    page.on("requestfinished", lambda r: sizes.__setitem__(r.url, len(r.response().body() or b"")))
    page.goto("/", wait_until="networkidle")
    at_load = sum(sizes.values())
    bar = page.locator(".wmbook-run__bar").nth(0)
    bar.get_by_role("button", name="Edit").click()
    box = page.locator(".wmbook-run").nth(0)
    started = time.perf_counter()
    bar.get_by_role("button", name="Run").click()
    box.locator(".wmbook-run__yours").wait_for(timeout=180_000)
    first = time.perf_counter() - started
    box.locator(".wmbook-run__yours").evaluate("node => node.remove()")
    started = time.perf_counter()
    bar.get_by_role("button", name="Run").click()
    box.locator(".wmbook-run__yours").wait_for(timeout=60_000)
    second = time.perf_counter() - started
    runtime = sum(size for u, size in sizes.items() if "/pyodide/" in u or "runner" in u)
    context.close()
    return {
        "first_run_s": first,
        "second_run_s": second,
        "page_load_bytes": at_load,
        "runtime_bytes": runtime,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=REPO / "bench-results" / "runner.json")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="wmbook-runner-bench-"))
    root = work / "book"
    shutil.copytree(REPO / "tests" / "fixtures" / "runner", root)
    _build(root)
    site = root / "site"
    load_gz = sum(len(gzip.compress(p.read_bytes())) for p in [site / "index.html"])
    with serve(site) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
        )
        rows = [_one(browser, url) for _ in range(args.runs)]
        browser.close()
    shutil.rmtree(work, ignore_errors=True)
    result = {key: statistics.median(row[key] for row in rows) for key in rows[0]}
    result["page_html_gzip_bytes"] = load_gz
    print(f"in-browser runner, median of {args.runs} fresh contexts")
    for key, value in result.items():
        print(f"  {key:24} {value:14,.3f}" if key.endswith("_s") else f"  {key:24} {value:14,.0f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"runs": rows, "median": result}, indent=2))


if __name__ == "__main__":
    main()
