"""The MkDocs plugin: each event hands the build to one stage (``wmbook.stages``).

A book enables wmbook with ``plugins: [search, wmbook]``; settings go under the
plugin (``wmbook.config.WmbookConfig``).  The ``Book`` of one build is created in
``on_files``, so ``mkdocs serve`` starts every rebuild afresh; only the worker
processes (``execute.pool``) and the store on disk outlive a build.
"""

from __future__ import annotations

import logging
import mimetypes
import os
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import markdown as markdown_lib
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page as MkPage
from mkdocs.utils.templates import TemplateContext

from wmbook import stages
from wmbook.assets_files import add_site_assets, copy_assets, needed_markdown_extensions
from wmbook.backends import open_shared_store, session_runner, shared_store, start_session_runner
from wmbook.book import Book, Page
from wmbook.config import CacheKey, OnError, Settings, WmbookConfig, reject_old_settings, resolve_settings
from wmbook.execute.cache import SessionCache
from wmbook.execute.cgroups import whole_session_limits
from wmbook.execute.executor import Executor, SessionRunner
from wmbook.execute.landlock import unenforced
from wmbook.execute.pool import install_interrupt_handlers, shutdown_pool
from wmbook.execute.sandbox import Limits, landlock_abi
from wmbook.instruments.registry import InstrumentRegistry
from wmbook.math.katex import MathRenderer
from wmbook.notebook.pages import prepare_notebook_page, strip_remote_scripts
from wmbook.parse.snippets import snippet_reader
from wmbook.progress import ProgressReporter
from wmbook.render.mdexec import toc_with_results
from wmbook.runner.pyodide import RuntimeUnavailable, ensure_runtime, runtime_bytes
from wmbook.signing import take_signing_key
from wmbook.store import Store

if TYPE_CHECKING:
    from wmbook.shared_process import SharedStoreProcess

log = get_plugin_logger("wmbook")
# `mkdocs serve` guesses types from this table: Pyodide's WebAssembly must be application/wasm.
mimetypes.add_type("application/wasm", ".wasm")


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
        install_interrupt_handlers()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Read the settings; add the Markdown extensions the reader blocks rely on."""
        reject_old_settings(config.extra)
        root = os.path.dirname(os.path.abspath(config.config_file_path or "mkdocs.yml"))
        self.settings = resolve_settings(self.config, root, config.docs_dir)
        self._end_shared()  # the last build's helper (``serve`` builds again)
        # Out of the environment before any session starts: only the shared cache's helper has it.
        self._signing_key = take_signing_key() or self._signing_key
        settings = self.settings
        self._shared = open_shared_store(settings.cache_url, self._signing_key, settings.cache_public_key)
        self._runner = start_session_runner(self.settings)
        for name, options in needed_markdown_extensions(self.settings.math):
            if name not in config.markdown_extensions:
                config.markdown_extensions.append(name)
                config.mdx_configs.setdefault(name, options)
        self._config = config
        self._markdown = None
        _configure_notebook_plugin(config)
        return config

    # Late (-50): other plugins add or drop pages first; sessions start once the page set is final.
    @event_priority(-50)
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        """Parse every page and start every session; add the assets the book uses."""
        assert self.settings is not None
        settings = self.settings
        root = os.path.dirname(os.path.abspath(config.config_file_path or "mkdocs.yml"))
        store = Store(Path(settings.cache_dir), shared_store(self._shared, settings.cache_url))
        book = Book(
            settings=settings,
            root=root,
            docs_dir=config.docs_dir,
            store=store,
            instruments=InstrumentRegistry(settings.instruments),
            site_name=config.site_name,
            site_url=config.site_url or "",
            accept_hint=_accept_hint(root),
            snippets=snippet_reader(config.markdown_extensions, config.mdx_configs, root),
        )
        self.book = book
        self.math = MathRenderer(store)
        stages.load_references(book)
        stages.parse(book, files.documentation_pages())
        limits = session_limits(settings)
        _report_sandbox(limits, landlock_abi())
        executor = Executor(
            session_runner(self._runner or start_session_runner(settings)),
            SessionCache(store),
            settings.cache_mode,
            whole_environment=settings.cache_key is CacheKey.ENVIRONMENT,
            limits=limits,
        )
        self.progress = ProgressReporter(log, settings.progress_after)
        self.progress.start()
        stages.execute(book, executor)
        pages = [p.parsed for p in book.pages.values()]
        if settings.math and any(p.has_math for p in pages):
            book.assets.add("math")
        if any(p.instruments for p in pages):
            book.assets.add("instruments")
        runtime = None
        # markdown-exec's pyodide fences run in the reader's browser only: they bring the runner.
        pyodide_page = next((p.path for p in pages if any(b.options.browser_only for b in p.code_blocks)), "")
        if settings.run_in_browser or pyodide_page:
            try:
                runtime = ensure_runtime(Path(settings.cache_dir))
            except RuntimeUnavailable as exc:
                where = (
                    "mkdocs.yml: plugins.wmbook.run_in_browser" if settings.run_in_browser else pyodide_page
                )
                raise PluginError(f"{where}: {exc}") from exc
            book.runtime_bytes = runtime_bytes(runtime)
            book.assets.add("runner")
        add_site_assets(files, config, book.assets, runtime)
        return files

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
        path = prepare_notebook_page(self.book, state, self._convert, self.math)
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
            html = strip_remote_scripts(html)
        return stages.render_html(self.book, state, html, self.math)

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
            page.toc = toc_with_results(page.toc, page.content, state.toc_ids)
        return context

    def on_post_page(self, output: str, *, page: MkPage, config: MkDocsConfig) -> str:
        """Render stage, last part: figures and citation meta tags into the finished page."""
        state = self._page(page)
        if state is None or self.book is None:
            return output
        return stages.render_final(self.book, state, output)

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


def _accept_hint(root: str) -> str:
    """How this book takes new outputs: the environment variable, and nox where it has it."""
    hint = "WMBOOK_ACCEPT=1 mkdocs build"
    try:
        with open(os.path.join(root, "noxfile.py"), encoding="utf-8") as file:
            has_session = "def accept(" in file.read()
    except OSError:
        has_session = False
    return f"nox -s accept, or {hint}," if has_session else hint


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


def session_limits(settings: Settings) -> Limits:
    """What sessions may use and reach, from the book's settings."""
    return Limits(
        sandbox=settings.sandbox,
        memory_bytes=settings.memory_bytes,
        file_bytes=settings.file_bytes,
        processes=settings.max_processes,
        network=settings.network,
        readable=settings.sandbox_read,
        environment=settings.env,
        display_bytes=settings.display_bytes,
    )


def _report_sandbox(limits: Limits, abi: int) -> None:
    """Say, once per build, what of the sandbox this system cannot enforce."""
    if limits.sandbox and abi <= 0:
        log.warning(
            "this system offers no Landlock, so the sandbox is off: a block may read and write anywhere "
            "you can, and open connections (set sandbox: false to say that is intended)"
        )
    elif limits.sandbox and (gaps := unenforced(abi, limits.network)):
        log.warning(
            "this system's Landlock cannot confine %s: sessions are not kept from it", " nor ".join(gaps)
        )
    counted = whole_session_limits()
    per_process = [
        what
        for what, name, wanted in (
            ("memory", "memory", limits.memory_bytes),
            ("processes", "pids", limits.processes),
        )
        if wanted and name not in counted
    ]
    if per_process:
        # Not a warning: most CI runners have no cgroup to give, and --strict would stop every build.
        log.info(
            "no cgroup can be made here, so %s are limited per process (and per user), not for a "
            "session as a whole",
            " and ".join(per_process),
        )
