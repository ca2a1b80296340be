"""One build: wires the stages together and keeps the state of the build.

An instance is created for every MkDocs build (``on_config``), so nothing carries
over from one ``serve`` rebuild to the next except the worker pool.
"""

from __future__ import annotations

import datetime
import os
import re
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import markdown as markdown_lib
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from wmbook.accept import apply_rewrites
from wmbook.assets_files import add_site_assets, needed_markdown_extensions
from wmbook.chapter.header import HeaderLinks
from wmbook.check.diagnose import check_blocks
from wmbook.check.reader import check_citations, check_labels_and_links, check_quizzes
from wmbook.cite.bibliography import PageCitations, load_bibliography
from wmbook.cite.section import highwire_tags
from wmbook.config import Settings, load_settings
from wmbook.execute.cache import SessionCache, environment_fingerprint
from wmbook.execute.executor import CacheMode, Executor
from wmbook.execute.pool import shared_pool
from wmbook.math.katex import MathRenderer
from wmbook.model import Diagnostic, PageSource, SessionResult, Severity, SourceLoc, StepResult
from wmbook.parse.fences import front_matter_lines
from wmbook.parse.page import block_key, build_sessions, parse_page
from wmbook.render.outputs import render_figures, render_result
from wmbook.render.page import add_chapter_header, add_cite_controls, instrument_markup
from wmbook.render.reader import link_citations, reader_edits
from wmbook.render.rewrite import apply_edits, code_block_edits, fill_figure_slots, fill_slots, slot_id
from wmbook.report import error_report, page_table, summarise, write_json_report

log = get_plugin_logger("wmbook")


@dataclass
class PageState:
    """What the build knows about one Markdown page."""

    source: PageSource
    url: str
    futures: list[Future[SessionResult]] = field(default_factory=list)
    fragments: dict[str, str] = field(default_factory=dict)
    figures: dict[str, str] = field(default_factory=dict)
    page_id: str = ""


class Build:
    """The stages of one MkDocs build, driven by the hooks."""

    def __init__(self, config: MkDocsConfig) -> None:
        self.config = config
        self.root = os.path.dirname(os.path.abspath(config.config_file_path or "mkdocs.yml"))
        self.settings: Settings = load_settings(
            config.extra, self._display(config.config_file_path), self.root
        )
        self.pages: dict[str, PageState] = {}
        self.results: list[SessionResult] = []
        self.diagnostics: list[Diagnostic] = []
        self.math = MathRenderer(Path(self.settings.cache_dir) / "katex.json")
        self.date = _build_date()
        bib = os.path.join(self.root, self.settings.bibliography)
        self.bib_display = self._display(bib)
        self.bibliography, problems = load_bibliography(bib, self.bib_display)
        self.diagnostics += problems
        for name, options in needed_markdown_extensions():
            if name not in config.markdown_extensions:
                config.markdown_extensions.append(name)
                config.mdx_configs.setdefault(name, options)
        self._caption_md: markdown_lib.Markdown | None = None

    def _display(self, path: str | None) -> str:
        return os.path.relpath(os.path.abspath(path or "mkdocs.yml"), self.root)

    # -- parse + execute: every session starts as soon as the pages are known --
    def start(self, files: Files, config: MkDocsConfig) -> Files:
        """Parse every page and start all sessions; add wmbook's assets to the site."""
        self.cache = SessionCache(Path(self.settings.cache_dir))
        executor = Executor(
            shared_pool(self.settings.workers),
            self.cache,
            CacheMode(self.settings.cache_mode),
            environment_fingerprint(),
        )
        for file in files.documentation_pages():
            if not file.abs_src_path:
                continue
            with open(file.abs_src_path, encoding="utf-8-sig", errors="replace") as handle:
                text = handle.read()
            page = parse_page(text, self._display(file.abs_src_path), file.abs_src_path)
            state = PageState(page, file.url)
            for spec in build_sessions(page, self.settings.timeout):
                state.futures.append(executor.submit(spec))
            self.pages[file.src_uri] = state
        readers = [s.source.reader for s in self.pages.values()]
        add_site_assets(
            files,
            config,
            math=any(r.has_math for r in readers),
            instruments=any(r.instruments for r in readers),
        )
        return files

    # -- check + render, page by page --
    def page_markdown(self, markdown: str, page: Page) -> str:
        """Rewrite the page's Markdown: plain fences with output slots, reader blocks as HTML.

        Nothing here waits for the page's sessions: they go on running while MkDocs
        converts this and the following pages, and their results are placed when the
        page is assembled (``page_context``).
        """
        state = self.pages.get(page.file.src_uri)
        if state is None:
            return markdown
        source = state.source
        self.diagnostics.extend(source.diagnostics)
        self.diagnostics += check_labels_and_links(source)
        self.diagnostics += check_citations(source, self.bibliography, self.bib_display)
        state.page_id = re.sub(r"[^A-Za-z0-9]+", "-", page.file.src_uri).strip("-")
        offset = self._line_offset(source, markdown)
        if offset is None:
            self.diagnostics.append(
                Diagnostic(
                    SourceLoc(source.path, 1),
                    "another plugin changed the page before wmbook read it, so outputs were not placed; run that plugin after wmbook (event priority below 90)",
                )
            )
            return markdown
        # Numbers follow the order of first citation in the source, captions included.
        citations = PageCitations({})
        for _, keys in source.reader.citations:
            for key in keys:
                if key in self.bibliography:
                    citations.cite(key)
        bokeh_base = get_relative_url("assets/wmbook/bokeh/", page.url)

        def instrument(block: object) -> str:
            return instrument_markup(
                block,  # type: ignore[arg-type]
                lambda text: self._caption(text, citations),
                bokeh_base,
                Path(self.settings.cache_dir) / "instruments",
            )

        edits = code_block_edits(source.blocks, state.page_id) + reader_edits(source.reader, instrument)
        rewritten = apply_edits(markdown, offset, edits)
        return link_citations(rewritten, citations, self.bibliography)

    def page_context(self, page: Page) -> None:
        """Wait for the page's sessions, check them, and put their outputs into the page."""
        state = self.pages.get(page.file.src_uri)
        if state is None or page.content is None:
            return
        source = state.source
        results: dict[str, StepResult] = {}
        for future in state.futures:
            try:
                session = future.result()
            except Exception as exc:  # noqa: BLE001  (the build reports it and goes on)
                self.diagnostics.append(
                    Diagnostic(SourceLoc(source.path, 1), f"could not run the page's code: {exc}")
                )
                continue
            self.results.append(session)
            results.update(session.by_key())
        problems, rewrites = check_blocks(source.blocks, results, self.settings.accept)
        self.diagnostics += problems
        self.diagnostics += check_quizzes(source, results)
        if rewrites:
            self.diagnostics.extend(apply_rewrites(source.abs_path, rewrites))
            log.info(f"{source.path}: accepted new output for {len(rewrites)} block(s)")
        for block in source.blocks:
            result = results.get(block_key(block))
            if result is not None:
                state.fragments[slot_id(state.page_id, block)] = render_result(result)
                if result.figures:
                    state.figures[slot_id(state.page_id, block)] = render_figures(result)
        page.content = fill_slots(page.content, state.fragments, state.figures)

    def _caption(self, text: str, citations: PageCitations) -> str:
        if not text.strip():
            return ""
        if self._caption_md is None:
            self._caption_md = markdown_lib.Markdown(
                extensions=self.config.markdown_extensions, extension_configs=self.config.mdx_configs
            )
        self._caption_md.reset()
        return str(self._caption_md.convert(link_citations(text, citations, self.bibliography)))

    @staticmethod
    def _line_offset(source: PageSource, markdown: str) -> int | None:
        body_start = front_matter_lines(source.text)
        lines = source.text.split("\n")
        # MkDocs drops the front matter and the blank lines after it.
        while body_start < len(lines) and not lines[body_start].strip():
            body_start += 1
        body = "\n".join(lines[body_start:])
        return body_start if body.strip() == markdown.strip() else None

    def page_content(self, html: str, page: Page) -> str:
        """Math, chapter header and cite controls into the page's HTML."""
        state = self.pages.get(page.file.src_uri)
        if state is None:
            return html
        source = state.source
        html, problems = self.math.render_page(html, source.text, source.path)
        self.diagnostics += problems
        if source.chapter is not None:
            html = add_chapter_header(html, source.chapter, self._header_links(page, source))
            html = add_cite_controls(
                html, source.chapter, source.reader, self._public_url(page), self.config.site_name, self.date
            )
        return html

    def _header_links(self, page: Page, source: PageSource) -> HeaderLinks:
        titles = {
            s.source.meta.get("title"): s.url for s in self.pages.values() if s.source.meta.get("title")
        }
        target = titles.get(source.chapter.next) if source.chapter.next else None
        return HeaderLinks(
            home=get_relative_url("", page.url) or "./",
            site=self.config.site_name,
            instruments=tuple((i.label, i.title, i.anchor) for i in source.reader.instruments),
            next_url=get_relative_url(target, page.url) if target is not None else None,
        )

    def _public_url(self, page: Page) -> str:
        base = (self.config.site_url or "").rstrip("/")
        return f"{base}/{page.url}" if base else page.url

    def post_page(self, output: str, page: Page) -> str:
        """Figures into the finished page (after search indexing), citation meta tags into <head>."""
        state = self.pages.get(page.file.src_uri)
        if state is None:
            return output
        if state.figures:
            output = fill_figure_slots(output, state.figures)
        if state.source.chapter is not None:
            tags = highwire_tags(state.source.chapter, self._public_url(page), self.config.site_name)
            output = output.replace("</head>", tags + "\n</head>", 1)
        return output

    # -- report --
    def finish(self) -> None:
        """Log the summary, write the JSON report, prune the cache; fail on any error."""
        summary = summarise(self.results)
        log.info(summary.line())
        if self.settings.verbose and self.results:
            log.info("\n" + page_table(self.results))
        write_json_report(
            Path(self.settings.cache_dir) / "last-build.json", summary, self.results, self.diagnostics
        )
        self.cache.prune(self.settings.cache_max_age_days, self.settings.cache_max_bytes)
        self.math.save()
        errors = [d for d in self.diagnostics if d.severity is Severity.ERROR]
        if errors:
            raise PluginError(error_report(self.diagnostics))
        for warning in self.diagnostics:
            log.warning(warning.format())


def _build_date() -> str:
    """Today, or the date of SOURCE_DATE_EPOCH for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = (
        datetime.datetime.fromtimestamp(int(epoch), datetime.UTC)
        if epoch
        else datetime.datetime.now(datetime.UTC)
    )
    return when.date().isoformat()
