"""The MkDocs plugin: each event hands the build to one stage (``wmbook.stages``).

A book enables wmbook with ``plugins: [search, wmbook]``; settings go under the
plugin (``wmbook.config.WmbookConfig``; the engine reads ``wmbook.settings.Settings``).
The ``Book`` of one build is created in ``on_files`` (``wmbook.launch``), so ``mkdocs
serve`` starts every rebuild afresh; only the worker processes (``execute.pool``) and the
store on disk outlive a build.  This is the one module that knows MkDocs: the engine raises
``BookError``, which each event hands MkDocs as a ``PluginError``.
"""

from __future__ import annotations

import functools
import html
import logging
import mimetypes
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Concatenate, Literal, ParamSpec, TypeVar

import markdown as markdown_lib
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page as MkPage
from mkdocs.structure.toc import AnchorLink, TableOfContents
from mkdocs.utils.templates import TemplateContext

from wmbook import stages
from wmbook.assets_files import SiteAssets, copy_assets, needed_markdown_extensions
from wmbook.backends import session_runner, start_session_runner
from wmbook.book import Book, Page
from wmbook.config import WmbookConfig, reject_old_settings
from wmbook.errors import BookError
from wmbook.execute.executors import SessionRunner
from wmbook.execute.pool import install_interrupt_handlers, shutdown_pool
from wmbook.launch import Site, start_backends, start_build
from wmbook.math.katex import MathRenderer
from wmbook.parse.snippets import snippet_reader
from wmbook.progress import ProgressReporter
from wmbook.render.mdexec import headings
from wmbook.settings import OnError, Settings, resolve_settings
from wmbook.signing import take_signing_key

if TYPE_CHECKING:
    from wmbook.shared_process import SharedStoreProcess

log = get_plugin_logger("wmbook")

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _stops_build(
    event: Callable[Concatenate[WmbookPlugin, _P], _R],
) -> Callable[Concatenate[WmbookPlugin, _P], _R]:
    """The event, its ``BookError`` handed to MkDocs as a ``PluginError`` (a message, no traceback)."""

    @functools.wraps(event)
    def run(plugin: WmbookPlugin, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return event(plugin, *args, **kwargs)
        except BookError as exc:
            raise PluginError(str(exc)) from exc

    return run


class WmbookPlugin(BasePlugin[WmbookConfig]):  # type: ignore[no-untyped-call]
    """Runs a book's Python blocks and checks them, and renders its reader blocks."""

    def __init__(self) -> None:
        self.serving = False
        self.settings: Settings | None = None
        self.book: Book | None = None
        self.math: MathRenderer | None = None
        self.progress: ProgressReporter | None = None
        self._markdown: markdown_lib.Markdown | None = None
        self._config: MkDocsConfig | None = None
        self._shared: SharedStoreProcess | None = None
        self._runner: Future[SessionRunner] | None = None
        self._signing_key = ""  # kept for `serve`'s rebuilds: the environment no longer has it

    def on_startup(self, *, command: Literal["build", "gh-deploy", "serve"], dirty: bool) -> None:
        # Under `mkdocs serve` a failing block must not stop the preview (see on_post_build).
        self.serving = command == "serve"
        if self.serving:
            # The preview guesses types from this table: Pyodide's WebAssembly must be
            # application/wasm.  Not at import: the table is read from the system's files
            # (some 10 ms), which a build never needs.
            mimetypes.add_type("application/wasm", ".wasm")
        install_interrupt_handlers()

    @_stops_build
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Read the settings, start opening the stores and the session runner; add the Markdown
        extensions the reader blocks rely on."""
        reject_old_settings(config.extra)
        self.settings = resolve_settings(self.config, _site_root(config), config.docs_dir)
        self._end_shared()  # the last build's helper (``serve`` builds again)
        # Out of the environment before any session starts: only the shared cache's helper has it.
        self._signing_key = take_signing_key() or self._signing_key
        self._shared, self._runner = start_backends(self.settings, self._signing_key, config.docs_dir)
        _add_markdown_extensions(config, needed_markdown_extensions(self.settings.math))
        _configure_notebook_plugin(config)
        self._config, self._markdown = config, None
        return config

    # Late (-50): other plugins add or drop pages first; sessions start once the page set is final.
    @event_priority(-50)
    @_stops_build
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        """Parse every page and start every session; add the assets the book uses."""
        assert self.settings is not None
        started = start_build(
            self.settings, _site(config), self._shared, files.documentation_pages(), self._runner_now, log
        )
        self.book, self.progress, self.math = started.book, started.progress, MathRenderer(started.book.store)
        _add_site_assets(files, config, started.assets)
        return files

    def _runner_now(self) -> SessionRunner:
        assert self.settings is not None
        return session_runner(self._runner or start_session_runner(self.settings))

    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        """Remember the titles the nav gives pages (a chapter's ``next:`` may name one)."""
        if self.book is not None:
            for page in nav.pages:
                if page.title:
                    self.book.nav_titles.setdefault(page.title, page.file.src_uri)
        return nav

    def _page(self, page: MkPage) -> Page | None:
        return self.book.pages.get(page.file.src_uri) if self.book is not None else None

    # Early (10): before mkdocs-jupyter (0) reads a notebook page, so that it renders (and
    # caches) the notebook wmbook ran.
    @event_priority(10)
    def on_pre_page(self, page: MkPage, *, config: MkDocsConfig, files: Files) -> MkPage:
        """Notebook pages: await and check their sessions, hand mkdocs-jupyter the result."""
        state = self._page(page)
        if state is None or self.book is None or self.math is None or state.parsed.notebook is None:
            return page
        path = stages.prepare_notebook_page(self.book, state, self._convert, self.math)
        page.file.abs_src_path = str(path)
        return page

    # Early (90): other plugins then see plain code fences and HTML, not wmbook's blocks.
    @event_priority(90)
    def on_page_markdown(self, markdown: str, *, page: MkPage, config: MkDocsConfig, files: Files) -> str:
        """Render stage, Markdown part: blocks replaced, outputs left as slots."""
        state = self._page(page)
        if state is None or self.book is None or state.parsed.notebook is not None:
            return markdown
        return stages.render_markdown(self.book, state, markdown, self._convert)

    # Early (90): math and chapter parts are in place before other plugins post-process the HTML.
    @event_priority(90)
    def on_page_content(self, html: str, *, page: MkPage, config: MkDocsConfig, files: Files) -> str:
        """Render stage, HTML part: math, chapter header, cite controls."""
        state = self._page(page)
        if state is None or self.book is None or self.math is None:
            return html
        if state.parsed.notebook is not None:
            return stages.render_notebook_html(self.book, state, html, self.math)
        html = stages.render_html(self.book, state, html, self.math)
        stages.set_parse_aside(self.book, state)  # parsed again when its outputs are placed (on_page_context)
        return html

    # Early (90): outputs are in place before the search plugin (priority 0) indexes the page.
    @event_priority(90)
    def on_page_context(
        self, context: TemplateContext, *, page: MkPage, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext:
        """Check stage for the page (its sessions are awaited here), then its outputs."""
        state = self._page(page)
        if state is None or self.book is None or page.content is None:
            return context
        stages.check(self.book, state)
        assert self.math is not None
        page.content = stages.render_outputs(
            self.book,
            state,
            page.content,
            self.math,
            show_problems=self.serving or self.book.settings.on_error is OnError.WARN,
            convert=self._convert,
        )
        if state.toc_ids:  # headings that markdown-exec-style results printed join the contents
            page.toc = _toc_with_results(page.toc, page.content, state.toc_ids)
        return context

    # Early (90): figures and a notebook's template part fill their slots (HTML comments)
    # before other plugins post-process the page (a minifier would drop the comments).
    @event_priority(90)
    def on_post_page(self, output: str, *, page: MkPage, config: MkDocsConfig) -> str:
        """Render stage, last part: figures and citation meta tags into the finished page."""
        state = self._page(page)
        if state is None or self.book is None:
            return output
        return stages.render_final(self.book, state, output)

    @_stops_build
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Report stage: a strict build fails on any error; ``serve`` lists them and goes on."""
        self._stop_progress()
        if self.book is not None:
            for kind in sorted(self.book.late_assets - self.book.assets):
                copy_assets(config.site_dir, kind)
            self.book.remove_scratch()  # mkdocs-jupyter has read every notebook page by now
            stages.report(self.book, log, _problem_log() if self.serving else None)

    def on_build_error(self, *, error: Exception) -> None:
        self._stop_progress()
        # Another part of the build failed: publish what this build stored so far, as a
        # good build does, and end the helper (``serve`` lives on and builds again).
        if self.book is not None:
            self.book.store.flush()
            self.book.remove_scratch()
        self._end_shared()

    def on_shutdown(self) -> None:
        self._end_shared()
        shutdown_pool()

    def _end_shared(self) -> None:
        if self._shared is not None:
            self._shared.close()
            self._shared = None

    def _stop_progress(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    def _convert(self, text: str) -> str:
        """Markdown -> HTML with the book's extensions (captions of instruments)."""
        if self._markdown is None:
            assert self._config is not None
            self._markdown = markdown_lib.Markdown(
                extensions=self._config.markdown_extensions, extension_configs=self._config.mdx_configs
            )
        self._markdown.reset()
        return str(self._markdown.convert(text))


def _configure_notebook_plugin(config: MkDocsConfig) -> None:
    """With mkdocs-jupyter beside wmbook: wmbook runs the notebooks, mkdocs-jupyter only
    renders them, and Markdown pages stay wmbook's (a jupytext ``.md`` runs once)."""
    plugin = config.plugins.get("mkdocs-jupyter")
    if plugin is None:
        return
    options = plugin.config
    options["execute"] = False
    options["include_requirejs"] = False
    included = [pattern for pattern in options["include"] if not pattern.endswith(".md")]
    options["include"] = included or ["*.ipynb"]
    # Ignored before mkdocs-jupyter reads every Markdown page with jupytext (twice a build) to
    # look for a notebook's front matter: none of them is its page here.
    if "*.md" not in options["ignore"]:
        options["ignore"] = [*options["ignore"], "*.md"]


def _problem_log() -> logging.Logger:
    """A logger outside MkDocs' own, so ``serve`` lists problems without a strict abort."""
    logger = logging.getLogger("wmbook.serve")
    if not logger.handlers:
        handler = logging.StreamHandler()
        try:
            from mkdocs.__main__ import ColorFormatter

            handler.setFormatter(ColorFormatter())
        except ImportError:
            handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    return logger


def _site_root(config: MkDocsConfig) -> str:
    """The folder of mkdocs.yml: the book's paths in settings are relative to it."""
    return os.path.dirname(os.path.abspath(config.config_file_path or "mkdocs.yml"))


def _add_markdown_extensions(config: MkDocsConfig, needed: list[tuple[str, dict[str, Any]]]) -> None:
    """Add the extensions wmbook needs that the site lacks (a site's own settings of them stay)."""
    for name, options in needed:
        if name not in config.markdown_extensions:
            config.markdown_extensions.append(name)
            config.mdx_configs.setdefault(name, options)


def _site(config: MkDocsConfig) -> Site:
    """What the book needs of the MkDocs site."""
    root = _site_root(config)
    return Site(
        root=root,
        docs_dir=config.docs_dir,
        name=config.site_name,
        url=config.site_url or "",
        snippets=snippet_reader(config.markdown_extensions, config.mdx_configs, root),
    )


def _add_site_assets(files: Files, config: MkDocsConfig, assets: SiteAssets) -> None:
    """Copy ``assets`` into the site and reference them from every page (a site's own
    references to the same files are not repeated)."""
    for css in assets.styles:
        if css not in config.extra_css:
            config.extra_css.append(css)
    for script in assets.scripts:
        if script not in [str(s) for s in config.extra_javascript]:
            config.extra_javascript.append(script)
    for uri, path in assets.files:
        files.append(File.generated(config, uri, abs_src_path=str(path)))


def _toc_with_results(toc: TableOfContents, content: str, added: set[str]) -> TableOfContents:
    """The page's table of contents with the headings results printed (ids in ``added``),
    each at its place among the page's own, as markdown-exec's ``updatetoc`` does."""

    def flat(links: Iterable[AnchorLink]) -> Iterator[AnchorLink]:
        for link in links:
            yield link
            yield from flat(link.children)

    known = {link.id: link.title for link in flat(toc)}
    roots: list[AnchorLink] = []
    stack: list[AnchorLink] = []
    for heading in headings(content):
        if heading.id not in known and heading.id not in added:
            continue
        link = AnchorLink(known.get(heading.id, html.escape(heading.title)), heading.id, heading.level)
        while stack and stack[-1].level >= link.level:
            stack.pop()
        (stack[-1].children if stack else roots).append(link)
        stack.append(link)
    return TableOfContents(roots)
