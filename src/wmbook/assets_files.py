"""The files wmbook adds to every site: its CSS and script, KaTeX, and BokehJS when needed."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

from wmbook.math.katex import katex_dir

ASSETS = "assets/wmbook"
BASE = ((f"{ASSETS}/wmbook.css",), (f"{ASSETS}/wmbook.js",))
MATH = ((f"{ASSETS}/katex/katex.min.css",), ())
INSTRUMENTS = ((f"{ASSETS}/instruments.css",), (f"{ASSETS}/instruments.js",))


def needed_markdown_extensions() -> list[tuple[str, dict[str, Any]]]:
    """Extensions the reader blocks rely on, added to the site's when missing."""
    return [
        ("attr_list", {}),
        ("md_in_html", {}),
        ("pymdownx.arithmatex", {"generic": True}),
    ]


def _add(files: Files, config: MkDocsConfig, uri: str, path: Path) -> None:
    files.append(File.generated(config, uri, abs_src_path=str(path)))


def _reference(config: MkDocsConfig, styles: tuple[str, ...], scripts: tuple[str, ...]) -> None:
    for css in styles:
        if css not in config.extra_css:
            config.extra_css.append(css)
    for script in scripts:
        if script not in [str(s) for s in config.extra_javascript]:
            config.extra_javascript.append(script)


def add_site_assets(files: Files, config: MkDocsConfig, *, math: bool, instruments: bool) -> None:
    """Copy into the site, and reference from its pages, what the book uses (served from the
    site itself: nothing is loaded from elsewhere). A book without math or instruments ships
    neither KaTeX nor BokehJS."""
    package = Path(str(resources.files("wmbook.assets")))
    _reference(config, *BASE)
    _add(files, config, f"{ASSETS}/wmbook.css", package / "wmbook.css")
    _add(files, config, f"{ASSETS}/wmbook.js", package / "wmbook.js")
    if math:
        _reference(config, *MATH)
        katex = katex_dir()
        _add(files, config, f"{ASSETS}/katex/katex.min.css", katex / "katex.min.css")
        for font in sorted((katex / "fonts").glob("*.woff2")):
            _add(files, config, f"{ASSETS}/katex/fonts/{font.name}", font)
    if instruments:
        from wmbook.instruments import bokehjs_assets

        _reference(config, *INSTRUMENTS)
        # The loader is copied from disk: importing the instruments themselves would load Bokeh.
        static = Path(__file__).parent / "instruments" / "static"
        _add(files, config, f"{ASSETS}/instruments.js", static / "instruments.js")
        _add(files, config, f"{ASSETS}/instruments.css", static / "instruments.css")
        for name, path in bokehjs_assets().items():
            _add(files, config, f"{ASSETS}/bokeh/{name}", path)
