"""Compare what wmbook shows under each code cell of a notebook with what Jupyter shows.

Jupyter's side comes from running the notebook with nbclient and ipykernel, in a copy of
the notebook's folder (the kernel's working directory is that folder, as in Jupyter).
wmbook's side comes from the notebook wmbook writes next to a notebook page's HTML (the
page's *Download notebook* file): it holds, per code cell, the streams, rich outputs,
figures and error of the same results that fill the page, in nbformat's own structure,
so nothing has to be scraped back out of HTML.

Both sides are reduced to a :class:`CellView` per code cell (streams, rich outputs as
MIME types and plain text, images and whether they hold raster content, the exception's
class), normalised where a difference is not a difference (memory addresses in reprs,
timing figures in ``%timeit``/``%time`` cells, trailing whitespace), and compared into a
typed list of :class:`CellDiff`.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
import json
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wmbook.render.outputs import settle_carriage_returns

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml"})
RASTER_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# A raster picture inside an SVG figure (imshow, colorbars, pcolormesh images).
_SVG_RASTER = re.compile(r"<image\b[^>]*href=\"data:image/(?:png|jpeg|gif|webp);base64,", re.IGNORECASE)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # colours, as IPython's ls alias and tracebacks use
_ADDRESS = re.compile(r"\bat 0x[0-9a-fA-F]+")
_TIMING_CELL = re.compile(r"^\s*%{1,2}(?:timeit|time|prun)\b", re.MULTILINE)
_DURATION = re.compile(r"\d[\d.,]*(?:e[+-]?\d+)?\s*(?:ns|[µμu]s|ms|s|min|h)\b")  # 1e+03 µs too
_LOOPS = re.compile(r"[\d,]+ loops? each")
_TIMEIT_NOTES = re.compile(
    r"^(?:The slowest run took .*|This could mean that an intermediate result is being cached\.)$"
)
# mkdocs-jupyter's cells; a cell may come wrapped in an empty div of the same classes.
_HTML_CELL = re.compile(r'<div class="jp-Cell jp-(Code|Markdown|Raw)Cell\b[^"]*"[^>]*>')
_HTML_IMAGE = re.compile(
    r'<figure class="wmbook-figure"|<div class="wmbook-display">\s*<svg\b|<img\b[^>]*\bsrc="data:image/',
    re.IGNORECASE,
)
_PROMPT = re.compile(r'class="jp-InputPrompt[^"]*">\s*In\s*\[([^\]]*)\]:')
# A warning names where it was raised: a kernel's cell file, a page's path and line, or a
# notebook's cell and line (``docs/x.ipynb: cell 3, line 1``).
_WARNING_FILE = re.compile(r"^\S.*?(?::| line )\d+: (\w*Warning): ", re.MULTILINE)


class Kind(enum.StrEnum):
    """What differs in a code cell."""

    MISSING = "missing cell"  # one side has no such code cell
    STDOUT = "stdout"
    STDERR = "stderr"
    STREAM = "stdout+stderr"  # compared merged: wmbook's side does not keep them apart
    VALUE = "value"  # the plain text of a shown value or display
    MIME = "rich output types"
    IMAGE = "image count"
    RASTER = "raster content"
    ERROR = "exception"
    PROMPT = "In [n] prompt"
    COUNT = "execution count"  # the notebook's own In [n] (``exact``)
    OUTPUTS = "output types"  # value (execute_result) or display, in order (``exact``)


@dataclass(frozen=True)
class Display:
    """A value or display that is not an image: its MIME types and plain text."""

    mimes: frozenset[str]
    text: str


@dataclass(frozen=True)
class CellView:
    """What one code cell shows, reduced to what both sides can be compared on."""

    stdout: str
    stderr: str
    separate_streams: bool  # False: the side folds stderr into stdout
    displays: tuple[Display, ...]
    images: int
    rasters: int  # images holding raster content
    error: str  # the exception's class name, '' when the cell raised nothing
    count: int | None = None  # its execution count
    outputs: tuple[str, ...] = ()  # the nbformat types of its outputs other than streams, in order

    @property
    def streams(self) -> str:
        """stdout and stderr together."""
        return "\n".join(part for part in (self.stdout, self.stderr) if part)


@dataclass(frozen=True)
class CellDiff:
    """One difference in one code cell."""

    cell: int  # 1-based number among all cells of the notebook, as wmbook's messages count
    code_cell: int  # 1-based number among code cells
    kind: Kind
    jupyter: str
    wmbook: str

    def __str__(self) -> str:
        return f"cell {self.cell} ({self.kind}): jupyter {self.jupyter!r} / wmbook {self.wmbook!r}"


def _text(value: str | list[str] | None) -> str:
    if value is None:
        return ""
    return "".join(value) if isinstance(value, list) else value


def normalise(text: str, *, timing: bool = False) -> str:
    """Text with what legitimately varies between runs made equal, as a reader reads it."""
    text = _ADDRESS.sub("at 0x…", _ANSI.sub("", settle_carriage_returns(text)))
    text = _WARNING_FILE.sub(lambda m: f"<file>: {m[1]}: ", text)
    lines = [line.rstrip() for line in text.split("\n")]
    if timing:
        lines = [_LOOPS.sub("N loops each", _DURATION.sub("<time>", line)) for line in lines]
        lines = [line for line in lines if not _TIMEIT_NOTES.match(line.strip())]
    return "\n".join(lines).strip("\n")


def is_timing_cell(source: str) -> bool:
    """Whether a cell's output holds timings (``%timeit``, ``%time``, ``%%time`` …)."""
    return _TIMING_CELL.search(source) is not None


def cell_view(
    outputs: Iterable[Mapping[str, Any]],
    *,
    separate_streams: bool,
    timing: bool = False,
    count: int | None = None,
) -> CellView:
    """A code cell's nbformat outputs (and its execution count) reduced to a :class:`CellView`."""
    outputs = list(outputs)
    stdout: list[str] = []
    stderr: list[str] = []
    displays: list[Display] = []
    images = rasters = 0
    error = ""
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            (stderr if output.get("name") == "stderr" else stdout).append(_text(output.get("text")))
        elif kind in ("display_data", "execute_result"):
            data: Mapping[str, Any] = output.get("data", {})
            shown = IMAGE_TYPES & data.keys()
            if shown:
                images += 1
                svg = _text(data.get("image/svg+xml"))
                rasters += bool(RASTER_TYPES & shown and "image/svg+xml" not in shown) or bool(
                    _SVG_RASTER.search(svg)
                )
            else:
                plain = normalise(_text(data.get("text/plain")), timing=timing)
                displays.append(Display(frozenset(data), plain))
        elif kind == "error":
            error = str(output.get("ename", "")).rsplit(".", 1)[-1]
    out, err = "".join(stdout), "".join(stderr)
    if not separate_streams:
        out, err = out + err, ""
    return CellView(
        normalise(out, timing=timing),
        normalise(err, timing=timing),
        separate_streams,
        tuple(displays),
        images,
        rasters,
        error,
        count,
        tuple(str(o.get("output_type")) for o in outputs if o.get("output_type") != "stream"),
    )


def _code_cells(notebook: Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
    return [(n, c) for n, c in enumerate(notebook.get("cells", []), start=1) if c.get("cell_type") == "code"]


def _has_stderr(notebook: Mapping[str, Any]) -> bool:
    return any(
        o.get("output_type") == "stream" and o.get("name") == "stderr"
        for _, cell in _code_cells(notebook)
        for o in cell.get("outputs", [])
    )


def notebook_views(notebook: Mapping[str, Any], *, separate_streams: bool | None = None) -> list[CellView]:
    """Every code cell's view; streams are kept apart when the notebook has any stderr output."""
    separate = _has_stderr(notebook) if separate_streams is None else separate_streams
    return [
        cell_view(
            cell.get("outputs", []),
            separate_streams=separate,
            timing=is_timing_cell(_text(cell["source"])),
            count=cell.get("execution_count"),
        )
        for _, cell in _code_cells(notebook)
    ]


def _show_types(displays: Sequence[Display]) -> str:
    return " | ".join(
        ",".join(sorted(d.mimes - {"text/plain"})) for d in displays if d.mimes - {"text/plain"}
    )


def compare_cell(
    cell: int, code_cell: int, jupyter: CellView, wmbook: CellView, *, exact: bool = False
) -> list[CellDiff]:
    """Every difference between Jupyter's and wmbook's view of one code cell (``exact``: its
    execution count, and whether each output is a value or a display, too)."""
    diffs: list[CellDiff] = []

    def differ(kind: Kind, left: object, right: object) -> None:
        if left != right:
            diffs.append(CellDiff(cell, code_cell, kind, str(left), str(right)))

    if jupyter.separate_streams and wmbook.separate_streams:
        differ(Kind.STDOUT, jupyter.stdout, wmbook.stdout)
        differ(Kind.STDERR, jupyter.stderr, wmbook.stderr)
    else:
        # Merged, the order between the two streams is not known: compare as sorted lines.
        merged_j = sorted(normalise(jupyter.streams).split("\n"))
        merged_w = sorted(normalise(wmbook.streams).split("\n"))
        if merged_j != merged_w:
            diffs.append(CellDiff(cell, code_cell, Kind.STREAM, jupyter.streams, wmbook.streams))
    # An error's traceback is its own output on both sides; only the class is compared.
    differ(Kind.ERROR, jupyter.error, wmbook.error)
    # Rich displays by their types, plain-text ones by their text.
    kinds_j = [d.mimes - {"text/plain"} for d in jupyter.displays if d.mimes - {"text/plain"}]
    kinds_w = [d.mimes - {"text/plain"} for d in wmbook.displays if d.mimes - {"text/plain"}]
    if kinds_j != kinds_w:
        diffs.append(
            CellDiff(cell, code_cell, Kind.MIME, _show_types(jupyter.displays), _show_types(wmbook.displays))
        )
    texts_j = [d.text for d in jupyter.displays if not d.mimes - {"text/plain"}]
    texts_w = [d.text for d in wmbook.displays if not d.mimes - {"text/plain"}]
    if texts_j != texts_w:
        diffs.append(CellDiff(cell, code_cell, Kind.VALUE, "\n---\n".join(texts_j), "\n---\n".join(texts_w)))
    differ(Kind.IMAGE, jupyter.images, wmbook.images)
    if jupyter.images == wmbook.images:
        differ(Kind.RASTER, jupyter.rasters, wmbook.rasters)
    if exact:
        differ(Kind.COUNT, jupyter.count, wmbook.count)
        differ(Kind.OUTPUTS, jupyter.outputs, wmbook.outputs)
    return diffs


def compare_notebooks(
    jupyter: Mapping[str, Any],
    wmbook: Mapping[str, Any],
    page_html: str | None = None,
    *,
    separate_streams: bool | None = None,
    exact: bool = False,
) -> list[CellDiff]:
    """Every difference, code cell by code cell, between two executed copies of one notebook.

    ``jupyter`` is the reference run (see :func:`run_notebook`), ``wmbook`` the notebook wmbook
    wrote (see :func:`site_notebook`); their code cells are paired in order. With the page's
    HTML, wmbook's images are counted there (see :func:`page_images`). ``separate_streams``
    says whether wmbook's side keeps stdout and stderr apart; by default it is taken to when
    any of its cells has stderr output.  ``exact`` compares execution counts and output types
    too (see :func:`compare_cell`).
    """
    cells_j, cells_w = _code_cells(jupyter), _code_cells(wmbook)
    views_j = notebook_views(jupyter, separate_streams=True)
    views_w = notebook_views(wmbook, separate_streams=separate_streams)
    if page_html is not None:
        views_w = with_page_images(views_w, page_html)
    diffs: list[CellDiff] = []
    for index in range(max(len(cells_j), len(cells_w))):
        number = (cells_j if index < len(cells_j) else cells_w)[index][0]
        if index >= len(cells_j) or index >= len(cells_w):
            side = "present" if index < len(cells_j) else "absent"
            other = "absent" if side == "present" else "present"
            diffs.append(CellDiff(number, index + 1, Kind.MISSING, side, other))
            continue
        diffs += compare_cell(number, index + 1, views_j[index], views_w[index], exact=exact)
    return diffs


def run_notebook(path: Path, *, timeout: int = 120, kernel: str = "python3") -> dict[str, Any]:
    """The notebook (``.ipynb``, or a MyST ``.md``) as Jupyter runs it: nbclient + ipykernel in a
    temporary copy of its folder.

    Every cell runs even after an error or a timeout (errors kept as outputs). Figures
    come as PNG and SVG both, so that an image's raster content can be seen (an ``imshow`` is
    an ``<image>`` inside the SVG); the PNG is what Jupyter shows.
    """
    import nbformat
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory(prefix="nbcompare-") as tmp:
        folder = Path(tmp) / path.parent.name
        shutil.copytree(path.parent, folder, ignore=shutil.ignore_patterns(".cache", "site", ".git"))
        if path.suffix == ".md":  # a MyST notebook: its cells as jupytext reads them
            import jupytext

            notebook = jupytext.read(folder / path.name)
        else:
            notebook = nbformat.read(folder / path.name, as_version=4)  # type: ignore[no-untyped-call]
        client = NotebookClient(
            notebook,
            timeout=timeout,
            kernel_name=kernel,
            allow_errors=True,
            interrupt_on_timeout=True,  # a cell over time becomes an error output; the run goes on
            resources={"metadata": {"path": str(folder)}},
            extra_arguments=["--InlineBackend.figure_formats=png", "--InlineBackend.figure_formats=svg"],
        )
        client.execute()
        return copy.deepcopy(dict(notebook))


def _page_code_cells(html: str) -> list[str]:
    """The HTML of each code cell of a notebook page, in order."""
    starts = list(_HTML_CELL.finditer(html))
    if not starts:  # a Markdown page: no notebook cells
        return []
    kept = [
        m
        for m, following in zip(starts, [*starts[1:], None], strict=True)
        if following is None or html[m.end() : following.start()].strip()
    ]
    return [
        html[match.end() : kept[index + 1].start() if index + 1 < len(kept) else len(html)]
        for index, match in enumerate(kept)
        if match[1] == "Code"
    ]


def page_images(html: str) -> list[tuple[int, int]]:
    """(images, images with raster content) under each code cell of a notebook page's HTML.

    This is what a reader gets: figures as the page embeds them, after wmbook made their SVG
    safe (the notebook wmbook writes for download keeps each figure's SVG as drawn).
    """
    counts: list[tuple[int, int]] = []
    for cell in _page_code_cells(html):
        outputs = cell[cell.find("jp-Cell-outputWrapper") :] if "jp-Cell-outputWrapper" in cell else ""
        pieces = [outputs[m.start() :] for m in _HTML_IMAGE.finditer(outputs)]
        # Each piece runs to the end of the cell; cut it at the next image.
        images = [p[: nxt.start() + 1] if (nxt := _HTML_IMAGE.search(p, 1)) else p for p in pieces]
        rasters = sum(
            1 for i in images if _SVG_RASTER.search(i) or re.match(r"<img\b[^>]*src=\"data:image/(?!svg)", i)
        )
        counts.append((len(images), rasters))
    return counts


def page_prompts(html: str) -> list[str]:
    """The number in each code cell's ``In [n]:`` prompt on a notebook page ('' for ``In [ ]:``)."""
    prompts = []
    for cell in _page_code_cells(html):
        found = _PROMPT.search(cell)
        prompts.append(found[1].strip() if found else "")
    return prompts


def compare_prompts(jupyter: Mapping[str, Any], html: str) -> list[CellDiff]:
    """Code cells whose ``In [n]:`` differs from the execution count Jupyter gave them."""
    cells = _code_cells(jupyter)
    shown = page_prompts(html)
    diffs = []
    for index, ((number, cell), prompt) in enumerate(zip(cells, shown, strict=False)):
        if "skip-execution" in cell.get("metadata", {}).get("tags", []):
            continue  # nbclient leaves the stored count of a cell it does not run
        count = cell.get("execution_count")
        expected = "" if count is None else str(count)
        if expected != prompt:
            diffs.append(CellDiff(number, index + 1, Kind.PROMPT, expected, prompt))
    return diffs


def with_page_images(views: Sequence[CellView], html: str) -> list[CellView]:
    """wmbook's views with image counts taken from the page's HTML, as readers see them."""
    counts = page_images(html)
    if len(counts) != len(views):
        raise ValueError(f"the page shows {len(counts)} code cells, its notebook has {len(views)}")
    return [dataclasses.replace(v, images=i, rasters=r) for v, (i, r) in zip(views, counts, strict=True)]


def site_notebook(site: Path, src_uri: str, *, use_directory_urls: bool = True) -> Path:
    """Where wmbook wrote a notebook page's notebook in a built site (``nb/x.ipynb`` -> ``nb/x/x.ipynb``)."""
    page = Path(src_uri)
    folder = site / page.parent / page.stem if use_directory_urls else site / page.parent
    return folder / page.name


def compare_site_page(
    site: Path,
    docs_dir: Path,
    src_uri: str,
    *,
    timeout: int = 120,
    separate_streams: bool | None = None,
    prompts: bool = False,
) -> list[CellDiff]:
    """Run ``docs_dir/src_uri`` with nbclient and compare it with what the built site shows
    (with ``prompts``, the ``In [n]:`` prompts too)."""
    jupyter = run_notebook(docs_dir / src_uri, timeout=timeout)
    written = site_notebook(site, src_uri)
    wmbook = json.loads(written.read_text(encoding="utf-8"))
    html = written.with_name("index.html").read_text(encoding="utf-8")
    diffs = compare_notebooks(jupyter, wmbook, html, separate_streams=separate_streams)
    return diffs + (compare_prompts(jupyter, html) if prompts else [])
