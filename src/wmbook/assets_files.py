"""The files wmbook adds to every site: its CSS and script, KaTeX, and BokehJS when needed."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

from wmbook.math.katex import katex_dir

ASSETS = "assets/wmbook"
CSS = (f"{ASSETS}/wmbook.css", f"{ASSETS}/katex/katex.min.css", f"{ASSETS}/instruments.css")
SCRIPTS = (f"{ASSETS}/wmbook.js", f"{ASSETS}/instruments.js")


def needed_markdown_extensions() -> list[tuple[str, dict[str, Any]]]:
    """Extensions the reader blocks rely on, added to the site's when missing."""
    return [
        ("attr_list", {}),
        ("md_in_html", {}),
        ("pymdownx.arithmatex", {"generic": True}),
    ]


def register_assets(config: MkDocsConfig) -> None:
    """Reference wmbook's style sheets and scripts from every page."""
    for css in CSS:
        if css not in config.extra_css:
            config.extra_css.append(css)
    for script in SCRIPTS:
        if script not in [str(s) for s in config.extra_javascript]:
            config.extra_javascript.append(script)


def _add(files: Files, config: MkDocsConfig, uri: str, path: Path) -> None:
    files.append(File.generated(config, uri, abs_src_path=str(path)))


def add_site_assets(files: Files, config: MkDocsConfig, *, instruments: bool) -> None:
    """Copy the assets into the site (served from it: nothing is loaded from elsewhere)."""
    package = Path(str(resources.files("wmbook.assets")))
    _add(files, config, f"{ASSETS}/wmbook.css", package / "wmbook.css")
    _add(files, config, f"{ASSETS}/wmbook.js", package / "wmbook.js")
    katex = katex_dir()
    _add(files, config, f"{ASSETS}/katex/katex.min.css", katex / "katex.min.css")
    for font in sorted((katex / "fonts").glob("*.woff2")):
        _add(files, config, f"{ASSETS}/katex/fonts/{font.name}", font)
    # The loader is copied from disk: importing wmbook.instruments would load Bokeh.
    static = Path(__file__).parent / "instruments" / "static"
    _add(files, config, f"{ASSETS}/instruments.js", static / "instruments.js")
    _add(files, config, f"{ASSETS}/instruments.css", static / "instruments.css")
    if instruments:
        from wmbook.instruments import bokehjs_assets

        for name, path in bokehjs_assets().items():
            _add(files, config, f"{ASSETS}/bokeh/{name}", path)
