"""Build sites of real notebooks with wmbook and compare every code cell with Jupyter's run.

Usage: python tests/bench/real_notebooks.py SITE [SITE …] [--runs R] [--timeout S] [--out DIR]
       [--jupyter DIR] [--no-build] [--on-error warn]

Each SITE is a folder with an ``mkdocs.yml`` (plugins ``mkdocs-jupyter`` and ``wmbook``) whose
``docs/`` holds the notebooks (``.ipynb``, or MyST ``.md`` with jupytext front matter). The site
is built twice with ``mkdocs build``: once without ``--strict`` (every session run afresh,
``WMBOOK_CACHE=force``) and once with it (from the cache). Then every notebook page is run R times with nbclient + ipykernel (a cell whose output
differs between those runs is *unstable*, random or time-dependent) and compared code cell by
code cell with the notebook wmbook wrote next to the page (see ``tests/nbcompare.py``). Every
differing cell is put down to one cause; a table per site is printed and, with the details,
written to DIR. Nothing is downloaded: the sites and their data must already be on disk.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nbcompare import (
    CellDiff,
    CellView,
    Kind,
    compare_cell,
    compare_notebooks,
    compare_prompts,
    is_timing_cell,
    notebook_views,
    page_images,
    run_notebook,
    site_notebook,
    with_page_images,
)

# Causes, in the order a differing cell is tested against them.
TIMING = "timing cell"
UNSTABLE = "unstable in Jupyter (random or time-dependent)"
JUPYTER_ERROR = "raises in Jupyter too"
SHIFTED = "another cell's output"
IPYTHON_SYNTAX = "IPython syntax is a SyntaxError"
SEMICOLON = "trailing ; not honoured"
RASTER = "raster image lost"
FILE_BESIDE = "file beside the notebook not found"
AFTER_FAILURE = "follows a cell that failed"
STREAMS = "stdout/stderr split"
PRETTY = "value laid out otherwise than IPython's pretty printer"
MPL_VALUE = "matplotlib value hidden"
RICH_TYPE = "rich output of another type (IPython's display formatters)"
DISPLAY_AS_TEXT = "IPython display() printed as text"
NOT_WRITTEN = "page not written"
SKIPPED = "tagged skip-execution (stored outputs)"
OTHER = "other"

_MATPLOTLIB = re.compile(r"matplotlib\.|^\[?<?(?:Text|Line2D|Axes|Figure|Legend|PathCollection|AxesImage)\b")
_IPYTHON = re.compile(
    r"^\s*(?:%|!|\w+\s*=\s*!|.*\?\s*$|(?:ls|cat|pwd|cd|mkdir|rm|cp|mv)\b(?!\s*[=(\[.]))|\bawait\b",
    re.MULTILINE,
)


@dataclass(frozen=True)
class Build:
    """One ``mkdocs build`` of a site."""

    strict: bool
    returncode: int
    seconds: float
    errors: tuple[str, ...]  # the lines wmbook or MkDocs reported as errors or warnings


@dataclass(frozen=True)
class CellResult:
    """One differing code cell and the cause it is put down to."""

    notebook: str
    cell: int
    cause: str
    diffs: tuple[str, ...]
    source: str


def config_file(site: Path, on_error: str | None) -> Path:
    """The site's ``mkdocs.yml``, or a copy beside it with wmbook's ``on_error`` set."""
    original = site / "mkdocs.yml"
    if on_error is None:
        return original
    import yaml

    config = yaml.safe_load(original.read_text(encoding="utf-8"))
    plugins: list[Any] = config.get("plugins", [])
    for index, entry in enumerate(plugins):
        if entry == "wmbook":
            plugins[index] = {"wmbook": {"on_error": on_error}}
        elif isinstance(entry, dict) and "wmbook" in entry:
            entry["wmbook"] = {**(entry["wmbook"] or {}), "on_error": on_error}
    derived = site / f"mkdocs.on-error-{on_error}.yml"
    derived.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return derived


def build(site: Path, *, strict: bool, on_error: str | None = None) -> Build:
    """``mkdocs build`` of one site; never raises."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "-f", str(config_file(site, on_error))]
    if strict:
        command += ["--strict", "-d", str(site / "site-strict")]
    else:
        env["WMBOOK_CACHE"] = "force"
    started = time.perf_counter()
    done = subprocess.run(command, cwd=site, env=env, capture_output=True, text=True, check=False)
    lines = [
        line.strip()
        for line in (done.stdout + done.stderr).splitlines()
        if re.match(r"\s*(?:\x1b\[[0-9;]*m)*(ERROR|WARNING)\b", line) or re.search(r"\.ipynb: cell \d+", line)
    ]
    return Build(strict, done.returncode, time.perf_counter() - started, tuple(dict.fromkeys(lines)))


def _source(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _foreign_code(traceback: str, source: str) -> bool:
    """Whether a traceback quotes a line of code that this cell does not hold."""
    quoted = [line.strip() for line in traceback.split("\n") if line.startswith("    ") and line.strip()]
    lines = {line.strip() for line in source.split("\n")}
    return bool(quoted) and not any(q in lines for q in quoted if not set(q) <= set("^~ "))


def _traceback(cell: Mapping[str, Any]) -> str:
    return "\n".join(
        "\n".join(o.get("traceback", [])) for o in cell.get("outputs", []) if o.get("output_type") == "error"
    )


def _layout(text: str) -> str:
    """A value's text without what IPython's pretty printer lays out otherwise than repr()."""
    text = re.sub(r"<class '([\w.]+)'>", r"\1", text.replace(" object at 0x", " at 0x"))
    return re.sub(r"\s", "", text)


def _nonempty(view: CellView) -> bool:
    return bool(view.streams or view.displays or view.images or view.error)


def classify(
    diffs: Sequence[CellDiff],
    source: str,
    index: int,
    jupyter: Sequence[CellView],
    wmbook: Sequence[CellView],
    unstable: bool,
    failed_before: bool,
    traceback: str = "",
) -> str:
    """The cause one differing code cell (``index`` among code cells) is put down to."""
    kinds = {d.kind for d in diffs}
    mine, theirs = wmbook[index], jupyter[index]
    if failed_before and not _nonempty(mine):
        return AFTER_FAILURE  # the session stopped at an earlier cell
    if is_timing_cell(source):
        return TIMING
    if unstable:
        return UNSTABLE
    if theirs.error and Kind.ERROR in kinds:
        return JUPYTER_ERROR
    if kinds == {Kind.RASTER}:
        return RASTER
    # Another cell's output: what wmbook shows is what Jupyter shows under a nearby cell that
    # shows something else than this one.
    neighbours = [
        j
        for j in range(max(0, index - 3), min(len(jupyter), index + 4))
        if j != index and compare_cell(0, 0, jupyter[j], theirs)
    ]
    shown = bool(mine.streams or mine.displays)  # an error or an image alone matches too easily
    if shown and any(not compare_cell(0, 0, jupyter[j], mine) for j in neighbours):
        return SHIFTED
    if mine.error and not theirs.error and _foreign_code(traceback, source):
        return SHIFTED  # the traceback shows code that is not this cell's (a fence in a Markdown cell)
    if mine.error == "SyntaxError" and _IPYTHON.search(source):
        return IPYTHON_SYNTAX
    if source.rstrip().endswith(";") and len(mine.displays) > len(theirs.displays):
        return SEMICOLON
    if mine.error in ("FileNotFoundError", "OSError") and not theirs.error:
        return FILE_BESIDE
    if failed_before and mine.error and not theirs.error:
        return AFTER_FAILURE  # a name the failed cell was to define is missing
    plain_j = [d.text for d in theirs.displays if d.mimes <= {"text/plain"}]
    plain_w = [d.text for d in mine.displays if d.mimes <= {"text/plain"}]
    if (
        Kind.VALUE in kinds
        and len(plain_j) == len(plain_w)
        and list(map(_layout, plain_j)) == list(map(_layout, plain_w))
    ):
        return PRETTY
    if (
        Kind.VALUE in kinds
        and len(plain_j) > len(plain_w)
        and all(_MATPLOTLIB.search(t) for t in plain_j if t not in plain_w)
    ):
        return MPL_VALUE
    if Kind.MIME in kinds and kinds <= {Kind.MIME, Kind.IMAGE, Kind.VALUE, Kind.RASTER}:
        return RICH_TYPE
    if "<IPython.core.display." in mine.streams:
        return DISPLAY_AS_TEXT
    if kinds <= {Kind.STDOUT, Kind.STDERR} and sorted(mine.streams.split("\n")) == sorted(
        theirs.streams.split("\n")
    ):
        return STREAMS
    return OTHER


def reference_runs(notebook: Path, keep: Path, runs: int, timeout: int) -> list[dict[str, Any]]:
    """Jupyter's runs of a notebook, read from ``keep`` when an earlier comparison saved them there."""
    references: list[dict[str, Any]] = []
    for run in range(max(1, runs)):
        saved = keep / f"{notebook.stem}.run{run + 1}.ipynb"
        if not saved.exists():
            saved.parent.mkdir(parents=True, exist_ok=True)
            saved.write_text(json.dumps(run_notebook(notebook, timeout=timeout), ensure_ascii=False))
        references.append(json.loads(saved.read_text(encoding="utf-8")))
    return references


def compare_page(
    references: Sequence[dict[str, Any]], written: Path
) -> tuple[int, list[CellResult], int, int]:
    """(code cells, differing cells with their causes, cells raising in Jupyter, wrong ``In [n]:``
    prompts) of one page."""
    notebook = written
    jupyter = references[0]
    code = [c for c in jupyter["cells"] if c.get("cell_type") == "code"]
    raising = sum(1 for c in code if any(o.get("output_type") == "error" for o in c.get("outputs", [])))
    if not written.exists():
        missing = [CellResult(notebook.name, n + 1, NOT_WRITTEN, (), _source(c)) for n, c in enumerate(code)]
        return len(code), missing, raising, 0
    wmbook = json.loads(written.read_text(encoding="utf-8"))
    # The cell wmbook puts first in a Markdown page's notebook (seeds, figure size) is not the author's.
    wmbook["cells"] = [c for c in wmbook["cells"] if not c.get("metadata", {}).get("wmbook", {}).get("setup")]
    written_code = [c for c in wmbook["cells"] if c.get("cell_type") == "code"]
    unstable = {d.code_cell for other in references[1:] for d in compare_notebooks(jupyter, other)}
    views_j = notebook_views(jupyter, separate_streams=True)
    page = written.with_name("index.html").read_text(encoding="utf-8")
    # A MyST page's HTML has no notebook cells to count images in: its notebook's are counted.
    html = page if page_images(page) else None
    views_w = with_page_images(notebook_views(wmbook), html) if html else notebook_views(wmbook)
    by_cell: dict[int, list[CellDiff]] = {}
    for diff in compare_notebooks(jupyter, wmbook, html):
        by_cell.setdefault(diff.code_cell, []).append(diff)
    results: list[CellResult] = []
    failed_before = False
    for index, cell in enumerate(code):
        diffs = by_cell.get(index + 1, [])
        if diffs and index < len(views_w):
            unstable_cell = index + 1 in unstable
            trace = _traceback(written_code[index])
            cause = classify(
                diffs, _source(cell), index, views_j, views_w, unstable_cell, failed_before, trace
            )
            if "skip-execution" in cell.get("metadata", {}).get("tags", []):
                cause = SKIPPED
            results.append(
                CellResult(notebook.name, diffs[0].cell, cause, tuple(map(str, diffs)), _source(cell))
            )
        elif diffs:
            results.append(
                CellResult(notebook.name, diffs[0].cell, OTHER, tuple(map(str, diffs)), _source(cell))
            )
        if index < len(views_w) and views_w[index].error:
            failed_before = True  # a session stops at its first error; Jupyter's run went on
    return len(code), results, raising, len(compare_prompts(jupyter, html)) if html else 0


def _is_myst_notebook(path: Path) -> bool:
    """Whether a Markdown file is a jupytext MyST notebook (front matter naming the format)."""
    head = path.read_text(encoding="utf-8")[:2000]
    return head.startswith("---") and re.search(r"^\s*format_name:\s*myst\b", head, re.MULTILINE) is not None


def _pages(site: Path) -> list[str]:
    """The notebook pages: ``.ipynb`` files and MyST notebooks (``.md``)."""
    docs = site / "docs"
    found = [*docs.rglob("*.ipynb"), *(p for p in docs.rglob("*.md") if _is_myst_notebook(p))]
    return sorted(str(p.relative_to(docs)) for p in found if ".ipynb_checkpoints" not in p.parts)


def compare_site(
    site: Path, runs: int, timeout: int, keep: Path, *, rebuild: bool = True, on_error: str | None = None
) -> dict[str, Any]:
    """Build one site and compare every notebook page; the summary and details as data."""
    builds = [build(site, strict=s, on_error=on_error) for s in (False, True)] if rebuild else []
    notebooks: dict[str, dict[str, Any]] = {}
    for page in _pages(site):
        started = time.perf_counter()
        written = site_notebook(site / "site", str(Path(page).with_suffix(".ipynb")))
        references = reference_runs(site / "docs" / page, keep / Path(page).parent, runs, timeout)
        cells, results, raising, prompts = compare_page(references, written)
        notebooks[page] = {
            "code_cells": cells,
            "raising_in_jupyter": raising,
            "wrong_prompts": prompts,
            "different": [asdict(r) for r in results],
            "seconds": time.perf_counter() - started,
        }
        print(f"  {page}: {cells} code cells, {len(results)} different", file=sys.stderr)
    return {"site": str(site), "builds": [asdict(b) for b in builds], "notebooks": notebooks}


def table(summary: Mapping[str, Any]) -> str:
    """A Markdown table of one site's comparison."""
    rows = [
        "| notebook | code cells | equal | different | raise in Jupyter | wrong In [n] |",
        "| --- | --: | --: | --: | --: | --: |",
    ]
    causes: Counter[str] = Counter()
    totals = Counter[str]()
    for page, data in summary["notebooks"].items():
        cells, different = data["code_cells"], len(data["different"])
        causes.update(r["cause"] for r in data["different"])
        row = {
            "cells": cells,
            "equal": cells - different,
            "different": different,
            "raising": data["raising_in_jupyter"],
            "prompts": data.get("wrong_prompts", 0),
        }
        totals.update(row)
        rows.append(f"| {page} | " + " | ".join(str(v) for v in row.values()) + " |")
    order = ("cells", "equal", "different", "raising", "prompts")
    rows.append("| **all** | " + " | ".join(f"**{totals[k]}**" for k in order) + " |")
    rows += ["", "| cause | cells |", "| --- | --: |"]
    rows += [f"| {cause} | {count} |" for cause, count in causes.most_common()]
    for b in summary["builds"]:
        kind = "strict" if b["strict"] else "non-strict"
        rows.append(
            f"\n{kind} build: exit {b['returncode']}, {b['seconds']:.0f} s, {len(b['errors'])} messages"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sites", type=Path, nargs="+", help="folders holding mkdocs.yml and docs/")
    parser.add_argument(
        "--runs", type=int, default=2, help="nbclient runs per notebook (2: find unstable cells)"
    )
    parser.add_argument("--timeout", type=int, default=300, help="nbclient's limit per cell, seconds")
    parser.add_argument("--out", type=Path, default=Path("real-notebooks"), help="folder for the results")
    parser.add_argument(
        "--jupyter",
        type=Path,
        help="folder keeping Jupyter's runs for later comparisons (default: OUT/SITE-jupyter)",
    )
    parser.add_argument("--no-build", action="store_true", help="compare the sites as last built")
    parser.add_argument(
        "--on-error",
        choices=["fail", "warn"],
        help="build with wmbook's on_error set so (warn: a session runs on after a failed cell, as Jupyter's run does)",
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for site in args.sites:
        print(f"{site}:", file=sys.stderr)
        name = site.resolve().name
        keep = (args.jupyter or args.out) / f"{name}-jupyter"
        summary = compare_site(
            site.resolve(), args.runs, args.timeout, keep, rebuild=not args.no_build, on_error=args.on_error
        )
        (args.out / f"{name}.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
        text = f"## {name}\n\n{table(summary)}\n"
        (args.out / f"{name}.md").write_text(text)
        print(text)


if __name__ == "__main__":
    main()
