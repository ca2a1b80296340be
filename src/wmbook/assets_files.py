"""The files wmbook adds to a site: its CSS and script, KaTeX, and BokehJS when needed.

Everything is served from the site itself: nothing is loaded from elsewhere.  A book
without math or instruments ships neither KaTeX nor BokehJS.  What a page needs only
once its code has run (a LaTeX or Bokeh output) is linked from that page alone
(``page_tags``) and copied into the site at the end of the build (``copy_assets``).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec

from wmbook.kinds.base import BlockKind
from wmbook.math.katex import katex_dir
from wmbook.model import AssetKind
from wmbook.templates import render
from wmbook.urls import relative_url

ASSETS = "assets/wmbook"
BASE = ((f"{ASSETS}/wmbook.css",), (f"{ASSETS}/wmbook.js",))
STYLES_AND_SCRIPTS = {
    AssetKind.MATH: ((f"{ASSETS}/katex/katex.min.css",), ()),
    AssetKind.INSTRUMENTS: ((f"{ASSETS}/instruments.css",), (f"{ASSETS}/instruments.js",)),
    # Only the small page script: the worker and Pyodide are fetched on the first Run.
    AssetKind.RUNNER: ((f"{ASSETS}/runner.css",), (f"{ASSETS}/runner.js",)),
}
RUNTIME_DIR = f"{ASSETS}/pyodide"


def needed_markdown_extensions(math: bool = True) -> list[tuple[str, dict[str, Any]]]:
    """Extensions the reader blocks rely on, added to the site's when missing (a site's own
    configuration of them is kept); with ``math`` False, wmbook brings no arithmatex."""
    needed: list[tuple[str, dict[str, Any]]] = [("attr_list", {}), ("md_in_html", {})]
    if math:
        needed.append(("pymdownx.arithmatex", {"generic": True}))
    return needed


def _base_files(runtime: Path | None) -> list[tuple[str, Path]]:
    package = Path(str(resources.files("wmbook.assets")))
    return [(f"{ASSETS}/wmbook.css", package / "wmbook.css"), (f"{ASSETS}/wmbook.js", package / "wmbook.js")]


def _math_files(runtime: Path | None) -> list[tuple[str, Path]]:
    katex = katex_dir()
    fonts = sorted((katex / "fonts").glob("*.woff2"))
    return [(f"{ASSETS}/katex/katex.min.css", katex / "katex.min.css")] + [
        (f"{ASSETS}/katex/fonts/{font.name}", font) for font in fonts
    ]


def _instrument_files(runtime: Path | None) -> list[tuple[str, Path]]:
    from wmbook.instruments import bokehjs_assets

    # The loader is copied from disk: importing the instruments themselves would load Bokeh.
    static = Path(__file__).parent / "instruments" / "static"
    return [
        (f"{ASSETS}/instruments.js", static / "instruments.js"),
        (f"{ASSETS}/instruments.css", static / "instruments.css"),
    ] + [(f"{ASSETS}/bokeh/{name}", path) for name, path in bokehjs_assets().items()]


def _runner_files(runtime: Path | None) -> list[tuple[str, Path]]:
    from wmbook.runner.pyodide import CORE_FILES

    static = Path(__file__).parent / "runner" / "static"
    files = [
        (f"{ASSETS}/{name}", static / name)
        for name in ("runner.js", "runner.css", "runner-worker.js", "runner_setup.py")
    ]
    files.append((f"{ASSETS}/plot_helper.py", Path(__file__).parent / "plot_helper.py"))
    if runtime is not None:
        files += [(f"{RUNTIME_DIR}/{name}", runtime / name) for name in CORE_FILES]
    return files


_SOURCES: dict[AssetKind, Callable[[Path | None], list[tuple[str, Path]]]] = {
    AssetKind.BASE: _base_files,
    AssetKind.MATH: _math_files,
    AssetKind.INSTRUMENTS: _instrument_files,
    AssetKind.RUNNER: _runner_files,
}


def asset_sources(kind: AssetKind, runtime: Path | None = None) -> list[tuple[str, Path]]:
    """(site path, file) of every file a kind of asset needs (the runner's Pyodide files are
    in ``runtime``)."""
    return _SOURCES[kind](runtime)


def kind_files(kind: BlockKind[Any]) -> list[tuple[str, Path]]:
    """(site path, file) of a block kind's own front-end files (``BlockKind.files``)."""
    return [(f"{ASSETS}/kinds/{kind.name}/{path.name}", path) for path in kind.files]


class SiteAssets(msgspec.Struct, frozen=True):
    """What a book adds to its site: the stylesheets and scripts every page links, in order,
    and the files copied in, (site path, file)."""

    styles: tuple[str, ...]
    scripts: tuple[str, ...]
    files: tuple[tuple[str, Path], ...]


def site_assets(
    kinds: set[AssetKind], runtime: Path | None = None, block_kinds: Sequence[BlockKind[Any]] = ()
) -> SiteAssets:
    """The base assets, ``kinds`` and the front-end files of the ``block_kinds`` the book uses."""
    styles: list[str] = []
    scripts: list[str] = []
    files: list[tuple[str, Path]] = []

    def link(more_styles: Iterable[str], more_scripts: Iterable[str]) -> None:
        styles.extend(css for css in more_styles if css not in styles)
        scripts.extend(js for js in more_scripts if js not in scripts)

    link(*BASE)
    for kind in [AssetKind.BASE, *sorted(kinds - {AssetKind.BASE})]:
        if kind is not AssetKind.BASE:
            link(*STYLES_AND_SCRIPTS[kind])
        files += asset_sources(kind, runtime)
    for block_kind in block_kinds:
        own = kind_files(block_kind)
        link(
            (uri for uri, path in own if path.suffix == ".css"),
            (uri for uri, path in own if path.suffix == ".js"),
        )
        files += own
    return SiteAssets(tuple(styles), tuple(scripts), tuple(files))


def page_tags(kind: AssetKind, page_url: str) -> str:
    """``<link>`` and ``<script>`` tags for one page that needs ``kind``."""
    styles, scripts = STYLES_AND_SCRIPTS[kind]
    return render(
        "page_assets.html",
        styles=[relative_url(css, page_url) for css in styles],
        scripts=[relative_url(js, page_url) for js in scripts],
    )


def copy_assets(site_dir: str, kind: AssetKind) -> None:
    """Copy a kind of asset into a built site (for pages that found they need it late)."""
    for uri, path in asset_sources(kind):
        target = Path(site_dir) / uri
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
