"""The build, stage by stage: parse → execute → check → render → report.

Each stage is a function over the ``Book`` and its ``Page``s; the plugin
(``wmbook.plugin``) only calls them from MkDocs' events:

=============  ========================  ========================================================
stage          MkDocs event              what happens
=============  ========================  ========================================================
parse          on_files                  every page's file into typed blocks (``wmbook.launch``)
execute        on_files                  every session starts (cache or worker processes)
check, render  on_pre_page               notebook pages: checked, their notebook rendered for
                                         mkdocs-jupyter (``wmbook.notebook.pages``)
render         on_page_markdown          blocks into the page's Markdown (outputs: slots)
render         on_page_content           math, chapter header, cite controls
check          on_page_context           the page's sessions are awaited and checked
render         on_page_context           outputs into their slots (before search indexing)
render         on_post_page              figures, citation meta tags, the notebook started
report         on_post_build             notebooks awaited, accept rewrites, summary, report, errors
=============  ========================  ========================================================
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from pathlib import Path
from typing import Protocol

import msgspec
from msgspec.structs import replace

from wmbook.assets_files import page_tags
from wmbook.blocks import CodeBlock, OutputRewrite
from wmbook.book import Book, Page, ParsedPage
from wmbook.check.displays import bound_displays
from wmbook.cite.bibliography import Bibliography, PageCitations, load_bibliography
from wmbook.errors import BookError
from wmbook.execute.display import BOKEH_MIME
from wmbook.execute.executor import Executor
from wmbook.execute.sessions import earlier_blocks, page_sessions, spans_pages, with_earlier_blocks
from wmbook.instruments.page import BokehBase, bokeh_version
from wmbook.instruments.registry import InstrumentRegistry
from wmbook.kinds import registry
from wmbook.kinds.base import CheckContext, RenderContext
from wmbook.math.katex import MathRenderer
from wmbook.model import (
    AcceptMode,
    AssetKind,
    Block,
    Diagnostic,
    Outcome,
    PageRef,
    SessionResult,
    SessionSpec,
    Severity,
    SourceLoc,
    StepResult,
)
from wmbook.notebook.export import (
    download_action,
    executed_notebook,
    notebook_bytes,
    notebook_name,
    page_notebook,
)
from wmbook.parse.marked import ExecuteMode
from wmbook.parse.mdexec import SHELL_LANGUAGES
from wmbook.parse.myst import is_myst_notebook, without_cell_breaks
from wmbook.parse.page import parse_notebook_page, parse_page
from wmbook.render.citations import link_citations
from wmbook.render.mdexec import headings, result_html, without_markdown_attribute
from wmbook.render.outputs import figures_html, problem_box, render_result, safe_figure_svg, visible_text
from wmbook.render.place import place_blocks, placements
from wmbook.render.slots import (
    OutputSlot,
    fill_figure_slots,
    fill_slots,
    fill_template,
    slot_name,
    template_marker,
)
from wmbook.render.tree import with_tree_icons
from wmbook.report import error_report, page_table, summarise, write_json_report
from wmbook.settings import OnError
from wmbook.store import Store, atomic_write
from wmbook.templates import into_head
from wmbook.urls import relative_url


def display_path(book: Book, path: str) -> str:
    """A path as contributors see it: relative to the folder of mkdocs.yml."""
    return os.path.relpath(os.path.abspath(path), book.root)


# -- parse -------------------------------------------------------------------------------


def load_references(book: Book) -> None:
    """Read the bibliography (``references.bib`` in docs_dir unless set)."""
    path = book.settings.bibliography
    book.bibliography_path = display_path(book, path)
    book.bibliography_found = os.path.isfile(path)
    book.bibliography, problems = load_bibliography(path, book.bibliography_path)
    book.diagnostics += problems


class SourceFile(Protocol):
    """A page's file as the site generator lists it."""

    @property
    def src_uri(self) -> str: ...  # relative to docs_dir
    @property
    def url(self) -> str: ...
    @property
    def abs_src_path(self) -> str | None: ...
    @property
    def abs_dest_path(self) -> str: ...


class ReadPage(msgspec.Struct, frozen=True):
    """What the build's start needs of a page whose parse is set aside (``parse``)."""

    page: Page
    specs: tuple[SessionSpec, ...]  # its sessions under the book's settings, if it runs
    spanning: ParsedPage  # its blocks whose session spans pages (markdown-exec's named sessions)
    assets: frozenset[AssetKind]  # what its blocks' kinds need
    has_math: bool
    browser_only: bool  # some block of it runs only in the reader's browser
    kinds: frozenset[type]  # the record types of its blocks


def parse(book: Book, files: Iterable[SourceFile]) -> list[ReadPage]:
    """Parse every Markdown page of the site, one at a time: what the build's start needs of
    each is noted and its parse set aside before the next page is read, so that a big book's
    blocks are never all held at once (each is parsed again when MkDocs renders it)."""
    read: list[ReadPage] = []
    for file in files:
        if not file.abs_src_path or not file.src_uri.endswith((".md", ".ipynb")):
            continue
        with open(file.abs_src_path, encoding="utf-8-sig", errors="replace") as handle:
            text = handle.read()
        ref = PageRef(file.src_uri, display_path(book, file.abs_src_path), file.abs_src_path, file.url)
        page = Page(parse_text(book, ref, text), file.abs_dest_path or "")
        book.pages[ref.uri] = page
        read.append(_read_page(book, page))
        set_parse_aside(book, page)
    return read


def _read_page(book: Book, page: Page) -> ReadPage:
    parsed = page.parsed
    # A page whose front matter is reported is not run: its code would only add noise.
    # An excluded page (or execute: false) runs nothing, quiz checks included.
    runs = parsed.runnable and parsed.execute is not ExecuteMode.NONE
    code = parsed.blocks_of(CodeBlock)
    return ReadPage(
        page,
        tuple(_page_specs(book, parsed)) if runs else (),
        ParsedPage(parsed.ref, "", blocks=tuple(b for b in code if spans_pages(b)) if runs else ()),
        parsed.assets,
        parsed.has_math,
        any(block.options.browser_only for block in code),
        frozenset(type(block) for block in parsed.blocks),
    )


def parse_text(book: Book, ref: PageRef, text: str) -> ParsedPage:
    """One page's text parsed under the book's settings."""
    mode = book.settings.page_mode(ref.uri)
    read = parse_notebook_page if ref.uri.endswith(".ipynb") else parse_page  # .ipynb: mkdocs-jupyter's
    return read(text, ref, book.instruments, mode, book.snippets)


# How much memory the parses kept whole between MkDocs' passes may take, about: a book of up to
# a few hundred pages is parsed once, a bigger one holds no more than this.
KEPT_PARSES_BYTES = 2 << 20


def parse_bytes(text: str) -> int:
    """About what a page's parse and its sessions' specs take, from its text (measured: the
    parse 9 KB for a page of 900 characters and seven blocks, 280 KB for one of 110,000
    characters and 54 blocks; a spec holds a copy of the text its session runs)."""
    return 8192 + 4 * len(text)


def set_parse_aside(book: Book, page: Page) -> None:
    """Keep only the page's text until the page is rendered (``parse_again``): once its
    sessions have started, and between MkDocs reading the page and placing its outputs
    (MkDocs reads every page before it places the first page's outputs), so that a big
    book's blocks are never all held at once.  The first pages' parses, up to
    ``KEPT_PARSES_BYTES``, are kept whole instead: they are not parsed again.  A notebook
    page keeps its parse (it is checked and rendered before MkDocs reads it)."""
    if page.parsed.notebook is not None or not page.parsed.blocks or page.set_aside or page.parse_kept:
        return
    cost = parse_bytes(page.parsed.text)
    if book.kept_parse_bytes + cost <= KEPT_PARSES_BYTES:
        book.kept_parse_bytes += cost
        page.parse_kept = True
        return
    page.parsed, page.set_aside = page.parsed.between_passes(), True


def parse_again(book: Book, page: Page) -> None:
    """The page's parse, back from its text (``set_parse_aside``): the same text, settings
    and included files give the same blocks."""
    if page.set_aside:
        page.parsed, page.set_aside = parse_text(book, page.ref, page.parsed.text), False


# -- execute -----------------------------------------------------------------------------


def execute(book: Book, executor: Executor, pages: Iterable[ReadPage]) -> None:
    """Start every session of every page (``parse`` noted them); results are awaited page by
    page (``check``)."""
    # markdown-exec's named sessions span pages, in the order MkDocs reads them (book.pages').
    read = list(pages)
    earlier = earlier_blocks(one.spanning for one in read)
    wanted = [
        (
            one.page,
            spec
            if (one.page.parsed.path, spec.name) not in earlier
            else with_earlier_blocks(spec, earlier[(one.page.parsed.path, spec.name)], book.settings.timeout),
        )
        for one in read
        for spec in one.specs
    ]
    # A cache hit builds its spec again from the page, parsed again, if it is asked for
    # rather than hold it: one spec is a copy of its page's text.  A page whose parse is kept
    # whole keeps its specs too (counted in what it keeps: ``parse_bytes``).
    # A session given earlier pages' blocks keeps its spec (those pages may be finished first).
    again = [
        None
        if (page.parsed.path, spec.name) in earlier or page.parse_kept
        else functools.partial(_page_spec, book, page, spec.name)
        for page, spec in wanted
    ]
    # All at once: a shared cache is asked for every local miss in one batch.
    futures = executor.submit_all([spec for _, spec in wanted], again)
    for (page, _), future in zip(wanted, futures, strict=True):
        page.sessions.append(future)


def _page_specs(book: Book, parsed: ParsedPage) -> list[SessionSpec]:
    """The page's sessions under the book's settings."""
    return page_sessions(
        parsed,
        book.settings.timeout,
        book.settings.on_error is OnError.WARN,
        book.docs_dir,
        book.settings.ipython,
    )


def _page_spec(book: Book, page: Page, name: str) -> SessionSpec:
    """The page's session ``name``, built again from its parsed page."""
    return next(spec for spec in _page_specs(book, page.parsed) if spec.name == name)


# -- check -------------------------------------------------------------------------------


def check(book: Book, page: Page) -> None:
    """Wait for the page's sessions, then run every block's and every kind's checks."""
    if page.checked:
        return
    page.checked = True
    parse_again(book, page)
    for future in page.sessions:
        try:
            session = future.result()
        except Exception as exc:  # noqa: BLE001  (the build reports it and goes on)
            message = f"could not run the page's code: {exc}"
            page.diagnostics.append(Diagnostic(SourceLoc(page.parsed.path, 1), message))
            continue
        book.sessions.append(_for_report(session))
        page.results.update(session.by_key())
    parsed = page.parsed
    page.diagnostics[:0] = parsed.diagnostics
    # Rich outputs within bounds before the page, its notebook or the search index parse them.
    blocks = [(block.key, block.code_loc) for block in parsed.blocks_of(CodeBlock)]
    bounded, cut = bound_displays(blocks, page.results, book.settings.display_bytes)
    page.results.update(bounded)
    page.diagnostics += cut
    extras = [AcceptMode(book.settings.accept, book.accept_hint), bibliography_of(book)]
    ctx = CheckContext(parsed, page.results, {type(extra): extra for extra in extras})
    kinds = registry()
    for block in parsed.blocks:
        for finding in kinds.of(block).check(block, ctx):
            if isinstance(finding, OutputRewrite):
                book.rewrites.setdefault(page.uri, []).append(finding)
            else:
                page.diagnostics.append(finding)
    for kind in kinds.kinds:
        page.diagnostics += kind.check_page(parsed, ctx)


def bibliography_of(book: Book) -> Bibliography:
    """The book's bibliography as the kinds see it."""
    return Bibliography(book.bibliography, book.bibliography_path, book.bibliography_found)


def _for_report(session: SessionResult) -> SessionResult:
    """What the report keeps of a session: whether it failed (its first failed step), not
    every step's outputs and figures (those are let go with their page, so the build's
    memory does not grow with every page's results)."""
    failed = next((r for r in session.results if r.outcome is not Outcome.OK), None)
    return replace(session, results=(failed,) if failed is not None else ())


# -- render ------------------------------------------------------------------------------


def page_citations(book: Book, page: Page) -> PageCitations:
    """Numbers for the works the page cites, in order of first citation (captions included)."""
    return PageCitations.numbered(page.parsed.citations, book.bibliography)


def render_context(
    book: Book, page: Page, convert: Callable[[str], str], citations: PageCitations
) -> RenderContext:
    """What the kinds' ``render`` functions use for this page (``citations``: its numbers)."""

    def caption_html(text: str) -> str:
        return convert(link_citations(text, citations, book.bibliography)) if text.strip() else ""

    # Keyed by the type a kind asks for (a subclass of the registry or the store answers for it).
    extras = {
        BokehBase: BokehBase(relative_url("assets/wmbook/bokeh/", page.url)),
        InstrumentRegistry: book.instruments,
        Store: book.store,
    }
    return RenderContext(
        page=page.parsed,
        caption_html=caption_html,
        results=page.results,
        extras=extras,
    )


def render_markdown(book: Book, page: Page, markdown: str, convert: Callable[[str], str]) -> str:
    """Every block replaced by its kind's rendering; code blocks get an output slot."""
    parse_again(book, page)
    parsed = page.parsed
    citations = page_citations(book, page)
    ctx = render_context(book, page, convert, citations)
    placed, missing = place_blocks(markdown, placements(ctx, parsed.blocks), parsed.text)
    page.diagnostics += ctx.problems
    for placement in missing:
        message = (
            "another plugin changed this block before wmbook read the page, so it is shown as written "
            "and wmbook's output is not placed; leave the block's text alone in that plugin"
        )
        page.diagnostics.append(Diagnostic(SourceLoc(parsed.path, placement.region.start), message))
    if is_myst_notebook(parsed.meta):
        from wmbook.parse.myst_markup import myst_markdown, unsupported  # MyST pages only

        placed = myst_markdown(without_cell_breaks(placed))  # MyST's directives and roles as Markdown
        for line, name in unsupported(parsed.text):
            message = (
                f"the MyST {name} is not rendered by wmbook and is shown as written; write it as Markdown"
            )
            page.diagnostics.append(Diagnostic(SourceLoc(parsed.path, line), message, Severity.WARNING))
    return link_citations(placed, citations, book.bibliography)


def page_titled(book: Book, title: str) -> Page | None:
    """The page whose front-matter title, first heading or nav title is ``title``."""
    if book.titled is None:  # once per build: every chapter page asks (the nav is read by then)
        book.titled = {_title_key(p.parsed.title): p for p in book.pages.values() if p.parsed.title}
        for name, uri in book.nav_titles.items():
            if uri in book.pages:
                book.titled.setdefault(_title_key(name), book.pages[uri])
    return book.titled.get(_title_key(title))


def _title_key(title: str) -> str:
    return " ".join(title.split()).casefold()


def builds_on_links(book: Book, page: Page) -> tuple[tuple[str, str | None], ...]:
    """Each chapter the page builds on, with a link where the book has that page (a
    chapter not written yet is named without one)."""
    chapter = page.parsed.chapter
    if chapter is None:
        return ()
    found = ((name, page_titled(book, name)) for name in chapter.builds_on)
    return tuple((name, relative_url(p.url, page.url) if p else None) for name, p in found)


def next_chapter_url(book: Book, page: Page) -> str | None:
    """The page the chapter's ``next:`` names (by front-matter title, H1 or nav title)."""
    chapter = page.parsed.chapter
    if chapter is None or not chapter.next or chapter.next_forthcoming:
        return None
    target = page_titled(book, chapter.next)
    if target is None:
        line = next((n for n, t in enumerate(page.parsed.text.split("\n"), 1) if t.startswith("next:")), 1)
        message = (
            f"next: {chapter.next!r} matches no page's title, first heading or nav title; fix the title, "
            f"or write 'next: {chapter.next} (forthcoming)' for a chapter not written yet"
        )
        page.diagnostics.append(Diagnostic(SourceLoc(page.parsed.path, line), message, Severity.WARNING))
        return None
    return relative_url(target.url, page.url)


def home_url(book: Book, page: Page) -> str:
    """The site's home page, relative to ``page`` (works with and without directory URLs)."""
    home = next((p.url for p in book.pages.values() if p.uri in ("index.md", "README.md")), "")
    relative = relative_url(home, page.url) if home or page.url else ""
    return relative if relative not in ("", ".") else "./"


def public_url(book: Book, page: Page) -> str:
    """The page's address on the published site; without ``site_url``, its path from the
    site's root (the browser knows the rest)."""
    base = book.site_url.rstrip("/")
    return f"{base}/{page.url}" if base else f"/{page.url}"


def notebook_page_link(book: Book, page: Page) -> str:
    """How the page's notebook links back to the page: its public address when the book
    names one, else relative to the notebook, which is written beside the page's HTML."""
    if book.site_url:
        return public_url(book, page)
    name = Path(page.dest_path).name if page.dest_path else ""
    return "./" if name in ("", "index.html") else name


def render_html(book: Book, page: Page, content: str, math: MathRenderer) -> str:
    """Math rendered with KaTeX; on chapter pages, the header and the cite controls."""
    parse_again(book, page)
    parsed = page.parsed
    if book.settings.math:  # math: false leaves the page's math to the site
        content, problems = math.render_page(content, parsed.text, parsed.path, included_text(book, page))
        page.diagnostics += problems
    content = with_tree_icons(content)  # the icons of markdown-exec's tree fences
    content = without_markdown_attribute(content)
    if parsed.chapter is not None:
        from wmbook.chapter.header import HeaderLinks  # chapter pages only
        from wmbook.render.page import add_chapter_header, add_cite_controls

        links = HeaderLinks(
            home=home_url(book, page),
            site=book.site_name,
            instruments=header_entries(parsed.blocks),
            next_url=next_chapter_url(book, page),
            builds_on=builds_on_links(book, page),
        )
        content = add_chapter_header(content, parsed.chapter, links)
        content = add_cite_controls(
            content, parsed.chapter, parsed.headings, public_url(book, page), book.site_name
        )
    return content


def header_entries(blocks: Iterable[Block]) -> tuple[tuple[str, str, str], ...]:
    """What a chapter's header lists of the page's blocks (its instruments), in page order."""
    kinds = registry()
    return tuple(entry for b in blocks if (entry := kinds.of(b).header_entry(b)) is not None)


def printed_markdown(markdown: str) -> str:
    """Markdown a block printed, each kind's fences in it rendered (a ``tree`` drawn)."""
    for kind in registry().kinds:
        markdown = kind.printed(markdown)
    return markdown


def included_text(book: Book, page: Page) -> tuple[str, tuple[tuple[str, int], ...]] | None:
    """The page with the files it includes (``--8<--``) in place, and where each line is
    from: where to look for what the page shows but does not hold (a formula's line)."""
    text = page.parsed.text
    if book.snippets is None or "8<" not in text:
        return None
    expanded, _ = book.snippets.expand(tuple(text.split("\n")), 1, page.parsed.path)
    return expanded.shown, expanded.origins


def render_displays(
    book: Book, page: Page, result: StepResult, slot: str, math: MathRenderer, loc: SourceLoc
) -> str:
    """A step's rich outputs; the page then needs KaTeX or BokehJS if they show math or Bokeh.
    A Bokeh item that is not embedded is a warning at the block (``loc``)."""
    if not result.displays:
        return ""
    from wmbook.render.rich import display_html  # steps with rich outputs only

    parts = []
    for number, shown in enumerate(result.displays, start=1):
        rendered, problem = display_html(
            shown,
            f"{slot}-display-{number}",
            bokeh_base=relative_url("assets/wmbook/bokeh/", page.url),
            bokeh_version=bokeh_version,
            render_tex=math.render_formula,
        )
        if problem:
            page.diagnostics.append(Diagnostic(loc, problem, Severity.WARNING))
        elif shown.get(BOKEH_MIME) is not None:
            page.needs.add(AssetKind.INSTRUMENTS)
        elif shown.get("text/latex") is not None and not any(
            shown.get(m) is not None for m in ("text/html", "image/svg+xml", "image/png", "image/jpeg")
        ):
            page.needs.add(AssetKind.MATH)
        parts.append(rendered)
    book.late_assets |= page.needs
    return "\n".join(parts)


def output_html(
    book: Book, page: Page, result: StepResult, slot: str, math: MathRenderer, loc: SourceLoc
) -> str:
    """What a block printed (in a notebook, tracebacks name cells) and its rich outputs."""
    return render_result(located_result(page, result)) + render_displays(book, page, result, slot, math, loc)


def located_result(page: Page, result: StepResult) -> StepResult:
    """A result whose printed text and traceback name notebook cells (on a notebook page)."""
    if page.parsed.cells is None:
        return result
    return replace(
        result,
        output=page.shown_text(result.output),
        streams=tuple(replace(s, text=page.shown_text(s.text)) for s in result.streams),
        traceback=page.shown_text(result.traceback),
    )


def add_runner(book: Book, page: Page, content: str) -> str:
    """Runnable blocks' outputs wrapped for the in-browser runner, and the page's manifest
    (without ``run_in_browser``, only the blocks that run nowhere else: pyodide fences)."""
    from wmbook.runner.manifest import manifest_json, manifest_script, runnable_blocks, runnable_output

    code_blocks = page.parsed.blocks_of(CodeBlock)
    slots = {b.key: str(OutputSlot(page.slot_prefix, b.key)) for b in code_blocks}
    everything = book.settings.run_in_browser
    runnable = runnable_blocks(code_blocks, slots, book.settings.timeout, everything)
    if not runnable:
        return content
    for block in runnable:
        page.outputs[block.key] = runnable_output(block.id, page.outputs.get(block.key, ""))
    extra: dict[str, object] = {
        "base": relative_url("assets/wmbook/", page.url),
        "packages": book.settings.packages_url,
        "runtimeBytes": book.runtime_bytes,
    }
    manifest = manifest_json(code_blocks, slots, book.settings.timeout, extra, everything)
    return content + "\n" + manifest_script(manifest)


def figure_warnings(block: CodeBlock, result: StepResult, removed: int | None = None) -> list[Diagnostic]:
    """A warning when a figure's unsafe links or images had to be removed (``removed``: how
    many, when the caller has counted them already)."""
    if not (removed if removed is not None else any(safe_figure_svg(f.svg)[1] for f in result.figures)):
        return []
    message = (
        "a figure's link or image was removed: figures keep only http(s) and relative links "
        "and embedded PNG, JPEG, GIF or WebP images"
    )
    return [Diagnostic(block.code_loc, message, Severity.WARNING)]


def markdown_exec_output(
    page: Page, block: CodeBlock, result: StepResult, convert: Callable[[str], str]
) -> str:
    """A block in markdown-exec's style: what it printed shown as markdown-exec shows it (a
    failure in wmbook's error box: the build reports it).  Figures it left open are not
    embedded: markdown-exec shows only what a block prints."""
    show = block.options.show
    assert show is not None
    if result.outcome is not Outcome.OK:
        return render_result(replace(result, output=page.shown_text(result.output)))
    source = block.shown or block.code
    options = block.options
    # Control bytes are shown as escapes, as in every output; result="ansi" keeps its colour
    # codes for the site's ANSI highlighter (pygments-ansi-color), as markdown-exec does.
    # A python block shows what it printed to stdout, as markdown-exec's captured print does; a
    # shell block both its streams, as markdown-exec merges them.
    text = result.output
    if result.streams and options.language not in SHELL_LANGUAGES:
        text = "".join(stream.text for stream in result.streams if stream.name == "stdout")
    printed = text if show.result == "ansi" else visible_text(text)
    # What it printed may draw trees (markdown-exec's tree fences), icons and all.
    converted = result_html(
        show,
        options.language,
        source,
        printed,
        options.passed_on,
        block.index + 1,
        lambda text: convert(printed_markdown(text)),
    )
    return with_tree_icons(converted)


def render_outputs(
    book: Book,
    page: Page,
    content: str,
    math: MathRenderer,
    show_problems: bool,
    convert: Callable[[str], str] = lambda text: text,
) -> str:
    """Each code block's output into its slot; with ``show_problems`` (``mkdocs serve``),
    the page's errors in a box at its top."""
    code_blocks = page.parsed.blocks_of(CodeBlock)
    for block in code_blocks:
        result = page.results.get(block.key)
        if page.parsed.notebook is not None:
            continue  # no slots: its outputs are in the notebook mkdocs-jupyter rendered (and checked)
        show = block.options.show
        if show is not None and show.html and block.options.language in ("md", "markdown"):
            text = "\n".join(block.fence.body)  # runs nowhere: its text is the HTML it shows
            shown = result_html(show, "md", text, text, block.options.passed_on, block.index + 1, convert)
            page.outputs[block.key] = shown
        elif result is not None and block.options.show is not None:
            slot = slot_name(page.slot_prefix, block.key)
            page.outputs[block.key] = markdown_exec_output(page, block, result, convert)
            if block.options.show.updatetoc:
                page.toc_ids |= {heading.id for heading in headings(page.outputs[block.key])}
            page.outputs[block.key] += render_displays(book, page, result, slot, math, block.code_loc)
        elif result is not None and block.options.language == "pycon" and result.outcome is Outcome.OK:
            continue  # a transcript shows its output itself (checked against what it printed)
        elif result is not None:
            slot = slot_name(page.slot_prefix, block.key)
            page.outputs[block.key] = output_html(book, page, result, slot, math, block.code_loc)
            if result.figures:  # each figure made safe once: its HTML and what was removed
                html, removed = figures_html(
                    result, numbered=block.figure is not None, narrow=block.options.narrow
                )
                page.diagnostics += figure_warnings(block, result, removed)
                page.figures[block.key] = html
    if book.settings.run_in_browser or any(b.options.browser_only for b in code_blocks):
        content = add_runner(book, page, content)
    content = fill_slots(content, page.slot_prefix, page.outputs, page.figures)
    for kind in registry().kinds:
        content = kind.finish(content, page.parsed.blocks_of(kind), page.results)
    if any(block.options.execute for block in code_blocks):
        content = download_action(page.uri) + content
    errors = [page.located(d) for d in page.diagnostics if d.severity is Severity.ERROR]
    if show_problems and errors:
        content = problem_box(errors) + content
    return content


def prepare_notebook_page(book: Book, page: Page, convert: Callable[[str], str], math: MathRenderer) -> Path:
    """A notebook page checked, and the notebook mkdocs-jupyter is to render written
    (``wmbook.notebook.pages``); its path."""
    from wmbook.notebook.pages import CellRendering, write_rendered_notebook  # notebook pages only

    check(book, page)
    citations = page_citations(book, page)

    def cell_output(block: CodeBlock, result: StepResult) -> str:
        slot = OutputSlot(page.slot_prefix, block.key)
        figures, unsafe = figures_html(result)
        page.diagnostics += figure_warnings(block, result, unsafe)
        if figures:  # put in the finished page (``render_final``): search indexing never parses their SVG
            page.figures[block.key] = figures
            figures = slot.figures_marker
        return output_html(book, page, result, str(slot), math, block.code_loc) + figures

    rendering = CellRendering(
        render_context(book, page, convert, citations),
        cell_output,
        lambda markdown: link_citations(markdown, citations, book.bibliography),
    )
    return write_rendered_notebook(book, page, convert, rendering)


def render_notebook_html(book: Book, page: Page, html: str, math: MathRenderer) -> str:
    """``render_html`` of a notebook page's notebook part.  mkdocs-jupyter's template part
    before it (some 600 kB of styles, the same on every page; no math or markup of wmbook's)
    waits in the page's state, its remote scripts removed once for every page, and a slot
    stands for it until the page is finished (``render_final``): search indexing and every
    pass over the page's HTML until then skip it."""
    from wmbook.notebook.pages import (  # notebook pages only
        split_notebook_html,
        strip_remote_scripts,
        template_without_remote_scripts,
    )

    template, notebook = split_notebook_html(html)
    notebook = render_html(book, page, strip_remote_scripts(notebook), math)
    if not template:
        return notebook
    page.template = template_without_remote_scripts(template)
    return template_marker(page.slot_prefix) + notebook


def write_notebook(book: Book, page: Page) -> None:
    """The page as a notebook with the build's outputs, next to its HTML (``Download notebook``),
    written by the book's writer thread (``report`` waits for every write)."""
    if not page.dest_path or not any(block.options.execute for block in page.parsed.blocks_of(CodeBlock)):
        return
    if page.parsed.notebook is not None:
        results = {key: located_result(page, result) for key, result in page.results.items()}
        notebook = executed_notebook(page.parsed, results)
    else:
        notebook = page_notebook(
            page.parsed, page.results, bibliography_of(book), notebook_page_link(book, page)
        )
    target = Path(page.dest_path).parent / notebook_name(page.uri)
    write = book.writer.submit(lambda: atomic_write(target, notebook_bytes(notebook)))
    where = SourceLoc(page.parsed.path, 1)

    def keep_failed(done: Future[None]) -> None:
        # Only a failed write is kept, to be reported: a book does not hold a future per page.
        if done.exception() is not None:
            book.writes.append((where, done))

    write.add_done_callback(keep_failed)


def await_notebooks(book: Book) -> None:
    """Every page's notebook written (``write_notebook``); a failed write is reported at its page."""
    book.writer.shutdown()  # waits for every write
    for where, write in book.writes:
        try:
            write.result()
        except OSError as exc:
            book.diagnostics.append(Diagnostic(where, f"could not write the page's notebook: {exc}"))


def render_final(book: Book, page: Page, output: str) -> str:
    """Figures and a notebook page's template part into the finished page (after search
    indexing); citation meta tags; the page's notebook started (the report stage awaits it)
    before its results are let go."""
    write_notebook(book, page)
    if page.figures:
        output = fill_figure_slots(output, page.slot_prefix, page.figures)
    if page.template:  # after the figures: their slots are then found in the notebook's part alone
        output = fill_template(output, page.slot_prefix, page.template)
    late = "".join(page_tags(kind, page.url) + "\n" for kind in sorted(page.needs - book.assets))
    if late:
        output = into_head(output, late)
    if page.parsed.chapter is not None:
        from wmbook.cite.section import highwire_tags  # chapter pages only

        tags = highwire_tags(page.parsed.chapter, public_url(book, page), book.site_name)
        output = into_head(output, tags + "\n")
    _let_go(page)
    return output


def _let_go(page: Page) -> None:
    """Drop the page's results, rendered outputs and parsed blocks once the page is
    finished: a book of thousands of pages then holds one page's at a time, not every page's."""
    page.parsed = page.parsed.rendered()
    page.sessions.clear()
    page.results.clear()
    page.outputs.clear()
    page.figures.clear()
    page.template = ""


# -- report ------------------------------------------------------------------------------


def report(
    book: Book,
    log: logging.Logger | logging.LoggerAdapter[logging.Logger],
    problem_log: logging.Logger | None = None,
) -> None:
    """Await the pages' notebooks, apply accept-mode rewrites, log the summary, write the
    JSON report, prune the store.

    Errors fail the build (``BookError``), unless ``problem_log`` is given
    (``mkdocs serve``): every problem is then logged there and the preview goes on.  With
    ``on_error: warn`` errors are logged as warnings: the build passes, a strict one fails.
    """
    await_notebooks(book)
    if book.rewrites:
        from wmbook.accept import apply_notebook_rewrites, apply_rewrites  # accept mode's
    for uri, rewrites in book.rewrites.items():
        ref, cells = book.pages[uri].ref, book.pages[uri].parsed.cells
        if cells is not None:
            book.diagnostics += apply_notebook_rewrites(ref.abs_path, rewrites, cells)
        else:
            book.diagnostics += apply_rewrites(ref.abs_path, rewrites)
        log.info(f"{ref.path}: accepted new output for {len(rewrites)} block(s)")
    diagnostics = book.all_diagnostics()
    summary = summarise(book.sessions)
    log.info(summary.line())
    if book.settings.verbose and book.sessions:
        log.info("\n" + page_table(book.sessions))
    try:
        write_json_report(
            os.path.join(book.settings.cache_dir, "last-build.json"), summary, book.sessions, diagnostics
        )
    except OSError as exc:  # a read-only or full cache folder: said once, and the build goes on
        book.store.cannot_write(exc)
    book.store.flush()  # this build's entries have reached the shared cache, if there is one
    book.store.prune(book.settings.cache_max_age_days, book.settings.cache_max_bytes)
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    if problem_log is not None:
        for diagnostic in sorted(diagnostics, key=lambda d: (d.severity is not Severity.ERROR, d.loc)):
            level = logging.ERROR if diagnostic.severity is Severity.ERROR else logging.WARNING
            problem_log.log(level, f"wmbook: {diagnostic.format()}")
        if errors:
            problem_log.error(
                f"wmbook: {len(errors)} error(s); the pages show them, and a strict `mkdocs build` fails"
            )
        return
    if errors and book.settings.on_error is not OnError.WARN:
        raise BookError(error_report(diagnostics))
    for problem in sorted(diagnostics, key=lambda d: (d.severity is not Severity.ERROR, d.loc)):
        log.warning(problem.format())
    if errors:
        log.warning(
            f"{len(errors)} error(s) reported as warnings (on_error: warn); the pages show them, "
            "and a strict build fails"
        )
