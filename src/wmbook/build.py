"""One build: wires the stages together and keeps the state of the build.

An instance is created for every MkDocs build (``on_config``), so nothing carries
over from one ``serve`` rebuild to the next except the worker pool.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import Future
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from wmbook.accept import apply_rewrites
from wmbook.check.diagnose import check_blocks
from wmbook.config import Settings, load_settings
from wmbook.execute.cache import SessionCache, environment_fingerprint
from wmbook.execute.executor import CacheMode, Executor
from wmbook.execute.pool import shared_pool
from wmbook.model import Diagnostic, PageSource, SessionResult, Severity, SourceLoc, StepResult
from wmbook.parse.fences import front_matter_lines
from wmbook.parse.page import block_key, build_sessions, parse_page
from wmbook.render.outputs import render_figures, render_result
from wmbook.render.rewrite import fill_figure_slots, fill_slots, rewrite_markdown, slot_id
from wmbook.report import error_report, page_table, summarise, write_json_report

log = get_plugin_logger("wmbook")

CSS_URI = "assets/wmbook/wmbook.css"


@dataclass
class PageState:
    """What the build knows about one Markdown page."""

    source: PageSource
    futures: list[Future[SessionResult]] = field(default_factory=list)
    fragments: dict[str, str] = field(default_factory=dict)
    figures: dict[str, str] = field(default_factory=dict)


class Build:
    """The stages of one MkDocs build, driven by the hooks."""

    def __init__(self, config: MkDocsConfig) -> None:
        self.root = os.path.dirname(os.path.abspath(config.config_file_path or "mkdocs.yml"))
        self.settings: Settings = load_settings(config.extra, self._display(config.config_file_path), self.root)
        self.pages: dict[str, PageState] = {}
        self.results: list[SessionResult] = []
        self.diagnostics: list[Diagnostic] = []
        config.extra_css.append(CSS_URI)

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
            path = self._display(file.abs_src_path)
            with open(file.abs_src_path, encoding="utf-8-sig", errors="replace") as handle:
                text = handle.read()
            page = parse_page(text, path, file.abs_src_path)
            state = PageState(page)
            for spec in build_sessions(page, self.settings.timeout):
                state.futures.append(executor.submit(spec))
            self.pages[file.src_uri] = state
        css = resources.files("wmbook.assets").joinpath("wmbook.css").read_text(encoding="utf-8")
        files.append(File.generated(config, CSS_URI, content=css))
        return files

    # -- check + render, page by page --
    def page_markdown(self, markdown: str, page: Page) -> str:
        """Wait for the page's sessions, check them, and place their outputs."""
        state = self.pages.get(page.file.src_uri)
        if state is None:
            return markdown
        source = state.source
        results: dict[str, StepResult] = {}
        for future in state.futures:
            session = future.result()
            self.results.append(session)
            results.update(session.by_key())
        self.diagnostics.extend(source.diagnostics)
        problems, rewrites = check_blocks(source.blocks, results, self.settings.accept)
        self.diagnostics.extend(problems)
        if rewrites:
            self.diagnostics.extend(apply_rewrites(source.abs_path, rewrites))
            log.info(f"{source.path}: accepted new output for {len(rewrites)} block(s)")
        page_id = re.sub(r"[^A-Za-z0-9]+", "-", page.file.src_uri).strip("-")
        for block in source.blocks:
            result = results.get(block_key(block))
            if result is not None:
                state.fragments[slot_id(page_id, block)] = render_result(result)
                if result.figures:
                    state.figures[slot_id(page_id, block)] = render_figures(result)
        offset = self._line_offset(source, markdown)
        if offset is None:
            self.diagnostics.append(
                Diagnostic(SourceLoc(source.path, 1), "the page was changed before wmbook saw it; outputs not placed")
            )
            return markdown
        return rewrite_markdown(markdown, offset, list(source.blocks), page_id)

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
        """Put the rendered outputs into the page's HTML."""
        state = self.pages.get(page.file.src_uri)
        return fill_slots(html, state.fragments, state.figures) if state else html

    def post_page(self, output: str, page: Page) -> str:
        """Put the figures into the finished page (after search has indexed the text)."""
        state = self.pages.get(page.file.src_uri)
        return fill_figure_slots(output, state.figures) if state and state.figures else output

    # -- report --
    def finish(self) -> None:
        """Log the summary, write the JSON report, prune the cache; fail on any error."""
        summary = summarise(self.results)
        log.info(summary.line())
        if self.settings.verbose and self.results:
            log.info("\n" + page_table(self.results))
        write_json_report(Path(self.settings.cache_dir) / "last-build.json", summary, self.results, self.diagnostics)
        self.cache.prune(self.settings.cache_max_age_days, self.settings.cache_max_bytes)
        errors = [d for d in self.diagnostics if d.severity is Severity.ERROR]
        if errors:
            raise PluginError(error_report(self.diagnostics))
        for warning in self.diagnostics:
            log.warning(warning.format())
