"""MkDocs hooks: forward each build event to wmbook, nothing more."""

from __future__ import annotations

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils.templates import TemplateContext

from wmbook.build import Build
from wmbook.execute.pool import shutdown_pool

# MkDocs loads this module anew with every config, so this is one build's state.
_build: Build | None = None


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    global _build
    _build = Build(config)
    return config


# Late (-50): other plugins add or drop files first; sessions start once the page set is final.
@event_priority(-50)
def on_files(files: Files, config: MkDocsConfig) -> Files:
    assert _build is not None
    return _build.start(files, config)


# Early (90): other plugins then see plain code fences rather than executable ones.
@event_priority(90)
def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    assert _build is not None
    return _build.page_markdown(markdown, page)


# Early (90): math and chapter parts are in place before other plugins post-process the HTML.
@event_priority(90)
def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    assert _build is not None
    return _build.page_content(html, page)


# Early (90): outputs are placed before the search plugin (priority 0) indexes the page.
@event_priority(90)
def on_page_context(
    context: TemplateContext, page: Page, config: MkDocsConfig, nav: Navigation
) -> TemplateContext:
    assert _build is not None
    _build.page_context(page)
    return context


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    assert _build is not None
    return _build.post_page(output, page)


def on_post_build(config: MkDocsConfig) -> None:
    assert _build is not None
    _build.finish()


def on_shutdown() -> None:
    shutdown_pool()
