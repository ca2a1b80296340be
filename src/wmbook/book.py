"""The book as the stages see it: a ``Book`` of ``Page``s.

``ParsedPage`` is what the parse stage made of a page's file (frozen).  ``Page`` adds
what later stages learn about it during one build: its running sessions, their
results, its diagnostics and rendered outputs.  A ``Book`` is created per build, so
nothing leaks from one ``mkdocs serve`` rebuild into the next.
"""

from __future__ import annotations

import shutil
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec
from msgspec.structs import replace

from wmbook.blocks import CodeBlock, OutputRewrite
from wmbook.model import (
    AssetKind,
    Block,
    Diagnostic,
    KindOf,
    PageRef,
    PendingResult,
    SessionResult,
    SourceLoc,
    StepKey,
    StepResult,
)
from wmbook.parse.marked import ExecuteMode
from wmbook.parse.notebook import CellMap
from wmbook.parse.prose import Heading, Prose

if TYPE_CHECKING:
    from wmbook.chapter.meta import ChapterMeta
    from wmbook.cite.bibliography import Reference
    from wmbook.instruments.registry import InstrumentRegistry
    from wmbook.parse.snippets import SnippetReader
    from wmbook.settings import Settings
    from wmbook.store import Store


R = TypeVar("R")


class ParsedPage(msgspec.Struct, frozen=True):
    """A parsed Markdown page: its blocks in page order and what its prose holds."""

    ref: PageRef  # which page it is: its one identity (``path``, ``abs_path`` are the ref's)
    text: str
    meta: dict[str, Any] = msgspec.field(default_factory=dict)
    depends_on: tuple[tuple[str, bytes], ...] = ()  # declared files: (path beside the page, content)
    blocks: tuple[Block, ...] = ()
    prose: Prose = msgspec.field(default_factory=Prose)
    chapter: ChapterMeta | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
    runnable: bool = True  # False when the front matter is invalid: the page's code is not run
    cells: CellMap | None = None  # notebook pages: the text's lines back to cells
    notebook: dict[str, Any] | None = None  # notebook pages: the notebook's JSON as read
    execute: ExecuteMode = ExecuteMode.ALL  # which of its fences run (site setting, front matter)
    assets: frozenset[AssetKind] = frozenset()  # what its blocks' kinds need (``BlockKind.assets``)

    @property
    def path(self) -> str:
        """The page as messages show it, e.g. ``docs/page.md``."""
        return self.ref.path

    @property
    def abs_path(self) -> str:
        """The page's file on disk ("" for text that is not a file)."""
        return self.ref.abs_path

    def blocks_of(self, kind: type[R] | KindOf[R]) -> tuple[R, ...]:
        """The page's blocks of one kind, in page order: ``blocks_of(quiz.KIND)``, or by the
        kind's record type, ``blocks_of(Quiz)``."""
        record = kind if isinstance(kind, type) else kind.record
        return tuple(b for b in self.blocks if isinstance(b, record))

    def blocks_by_cell(self) -> dict[int, CodeBlock]:
        """A notebook page's code blocks by the number of the code cell each one is (a cell
        that does not run on the page, with ``execute: marked`` say, has none)."""
        return {block.cell: block for block in self.blocks_of(CodeBlock) if block.cell is not None}

    @property
    def headings(self) -> tuple[Heading, ...]:
        """The page's ``##`` headings."""
        return self.prose.headings

    @property
    def citations(self) -> tuple[tuple[Any, tuple[str, ...]], ...]:
        """Every ``[@key]`` of the prose: (location, keys)."""
        return self.prose.citations

    @property
    def equation_links(self) -> tuple[tuple[Any, str], ...]:
        """Every link to an ``#eq-…`` anchor: (location, anchor)."""
        return self.prose.equation_links

    @property
    def figure_links(self) -> tuple[tuple[Any, str], ...]:
        """Every link to a ``#fig-…`` anchor: (location, anchor)."""
        return self.prose.figure_links

    @property
    def has_math(self) -> bool:
        """Whether the page may hold math (KaTeX is then shipped)."""
        return self.prose.has_math or AssetKind.MATH in self.assets

    @property
    def title(self) -> str:
        """The front-matter title, else the first ``#`` heading."""
        title = self.meta.get("title")
        return title if isinstance(title, str) and title else self.prose.h1

    def rendered(self) -> ParsedPage:
        """What the build keeps of the page once MkDocs has written it: its ref, title,
        chapter and a notebook's cells (the report places problems by them), not its text,
        blocks or prose, so that a book of thousands of pages does not hold every page's."""
        return ParsedPage(
            self.ref,
            "",
            prose=Prose(has_math=self.prose.has_math, h1=self.title),
            chapter=self.chapter,
            runnable=self.runnable,
            cells=self.cells,
            execute=self.execute,
            assets=self.assets,
        )

    def between_passes(self) -> ParsedPage:
        """What the build keeps of the page while MkDocs renders other pages: what
        ``rendered`` keeps and the page's text, parsed again when the page is rendered
        (``stages.parse_again``), so that the blocks of every page of a big book are not
        all held at once."""
        return replace(self.rendered(), text=self.text)


class Page(msgspec.Struct):
    """One page during one build."""

    parsed: ParsedPage
    dest_path: str = ""  # where MkDocs writes the page's HTML
    sessions: list[PendingResult] = msgspec.field(default_factory=list)
    results: dict[StepKey, StepResult] = msgspec.field(default_factory=dict)
    diagnostics: list[Diagnostic] = msgspec.field(default_factory=list)
    outputs: dict[StepKey, str] = msgspec.field(
        default_factory=dict
    )  # a code block's step -> its output HTML
    figures: dict[StepKey, str] = msgspec.field(
        default_factory=dict
    )  # a code block's step -> its figures HTML
    template: str = ""  # a notebook page's styles and scripts from mkdocs-jupyter, for the finished page
    needs: set[AssetKind] = msgspec.field(default_factory=set)  # what its outputs turned out to need
    toc_ids: set[str] = msgspec.field(default_factory=set)  # headings that results add to the contents
    checked: bool = False
    set_aside: bool = False  # ``parsed`` is its ``between_passes`` form until ``stages.parse_again``
    parse_kept: bool = False  # ``parsed`` is kept whole between MkDocs' passes (``stages.set_parse_aside``)

    def located(self, diagnostic: Diagnostic) -> Diagnostic:
        """A diagnostic as the contributor finds it (in a notebook: cell and line)."""
        cells = self.parsed.cells
        return cells.diagnostic(diagnostic) if cells is not None else diagnostic

    def shown_text(self, text: str) -> str:
        """Output or traceback text with notebook lines given as cell and line."""
        cells = self.parsed.cells
        return cells.text(self.parsed.path, text) if cells is not None else text

    @property
    def ref(self) -> PageRef:
        """Which page it is (its parse's)."""
        return self.parsed.ref

    @property
    def uri(self) -> str:
        """MkDocs' ``src_uri``, the page's key (``Book.pages``)."""
        return self.ref.uri

    @property
    def url(self) -> str:
        """Where the site serves the page."""
        return self.ref.url

    @property
    def slot_prefix(self) -> str:
        """A prefix that makes the page's slot names unique in the site."""
        return self.ref.slot_prefix


class Book(msgspec.Struct):
    """Everything one build knows: settings, pages, results and problems."""

    settings: Settings
    root: str  # folder of mkdocs.yml
    docs_dir: str
    store: Store
    instruments: InstrumentRegistry
    bibliography: dict[str, Reference] = msgspec.field(default_factory=dict)
    bibliography_path: str = ""  # as displayed
    bibliography_found: bool = False
    pages: dict[str, Page] = msgspec.field(default_factory=dict)  # by src_uri
    nav_titles: dict[str, str] = msgspec.field(default_factory=dict)  # nav title -> src_uri
    titled: dict[str, Page] | None = None  # pages by title, made once (``stages.page_titled``)
    diagnostics: list[Diagnostic] = msgspec.field(default_factory=list)  # not tied to one page
    sessions: list[SessionResult] = msgspec.field(default_factory=list)
    rewrites: dict[str, list[OutputRewrite]] = msgspec.field(
        default_factory=dict
    )  # by page (src_uri), accept mode
    kept_parse_bytes: int = 0  # what the parses kept between MkDocs' passes take, about (``stages``)
    site_name: str = ""
    site_url: str = ""
    accept_hint: str = "WMBOOK_ACCEPT=1 mkdocs build"
    assets: set[AssetKind] = msgspec.field(default_factory=set)  # what every page links (math, instruments)
    late_assets: set[AssetKind] = msgspec.field(default_factory=set)  # what some page needed after running
    runtime_bytes: int = 0  # what the in-browser runner downloads on the first Run
    writer: ThreadPoolExecutor = msgspec.field(default_factory=lambda: ThreadPoolExecutor(1, "wmbook-write"))
    writes: list[tuple[SourceLoc, Future[None]]] = msgspec.field(
        default_factory=list
    )  # notebook writes that failed
    snippets: SnippetReader | None = None  # the site's pymdownx.snippets settings, if it uses them
    scratch: list[str] = msgspec.field(
        default_factory=list
    )  # temporary folder of this build, made when needed

    def scratch_dir(self) -> str:
        """A temporary folder of this build's own (for files the cache folder cannot take),
        removed by ``remove_scratch`` when the build ends."""
        if not self.scratch:
            self.scratch.append(tempfile.mkdtemp(prefix="wmbook-build-"))
        return self.scratch[0]

    def remove_scratch(self) -> None:
        """Remove the build's temporary folder, if it made one."""
        while self.scratch:
            shutil.rmtree(self.scratch.pop(), ignore_errors=True)

    def all_diagnostics(self) -> list[Diagnostic]:
        """The book's and every page's diagnostics."""
        found = list(self.diagnostics)
        for page in self.pages.values():
            found += [page.located(d) for d in page.diagnostics]
        return found
