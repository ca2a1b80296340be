"""What every block kind provides, and what the stages hand it.

A kind is one module whose ``KIND`` (a ``BlockKind``) says everything about its blocks,
as a Sybil ``Region`` does: ``parse`` turns the raw text of a block into a typed record
(or diagnostics), ``steps`` adds what the record runs to its page's sessions, ``check``
compares the record with what those sessions computed, ``render`` gives the Markdown that
replaces the block, ``finish`` completes the page's HTML once its sessions have run,
``notebook`` gives its cells in the page's downloadable notebook, ``printed`` renders its
fences in Markdown a code block printed, ``header_entry`` is what a chapter's header lists of
it, and ``assets`` and ``files`` the front-end files a page with such a block needs.  ``check_page`` covers rules
that span a page (unique labels, links).  Kinds are found through the ``wmbook.kinds``
entry-point group (``wmbook.kinds.registry``): wmbook's own kinds are registered there as
a stranger's are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

import msgspec

from wmbook.blocks import OutputRewrite
from wmbook.book import ParsedPage
from wmbook.model import AssetKind, Block, Diagnostic, Fence, Region, Step, StepKey, StepResult
from wmbook.notebook.cells import Cell, markdown_cell
from wmbook.parse.blocks import RawBlock

B = TypeVar("B", bound=Block)


R = TypeVar("R", bound=Block)
T = TypeVar("T")


def top_level(blocks: Sequence[R]) -> list[R]:
    """The blocks not inside another block (a ``md`` block renders the fences it holds)."""
    spans = {(b.region.start, b.region.end) for b in blocks}

    def inside(region: Region) -> bool:
        return any(
            s <= region.start and region.end <= e and (s, e) != (region.start, region.end) for s, e in spans
        )

    return [b for b in blocks if not inside(b.region)]


def region_of(lines: tuple[str, ...] | list[str], start: int, end: int) -> Region:
    """The region of file lines ``start``..``end`` (1-based, inclusive)."""
    return Region(start, end, "\n".join(lines[start - 1 : end]))


def _found(extras: Mapping[type, object], record: type[T]) -> T | None:
    found = extras.get(record)
    return found if isinstance(found, record) else None


def _needed(extras: Mapping[type, object], record: type[T]) -> T:
    found = _found(extras, record)
    if found is None:
        raise LookupError(f"this build offers its block kinds no {record.__name__}")
    return found


class ParseContext(msgspec.Struct):
    """What a kind's ``parse`` may look at: the page so far, in source order, and what the
    build knows beyond the page, each as a record of its own type (``need``, ``find``: the
    page's ``ExecuteMode``, the site's ``SnippetReader`` if it uses pymdownx.snippets …)."""

    path: str  # display path of the page
    lines: tuple[str, ...]  # the file's lines
    blocks: list[Any] = msgspec.field(default_factory=list)  # records parsed so far
    extras: Mapping[type, object] = msgspec.field(default_factory=dict)  # record type -> record
    # record type -> (blocks looked at, how many of them are of the type): blocks are only ever
    # appended, so each count looks at the blocks added since the last, not the whole page again.
    _tally: dict[type, tuple[int, int]] = msgspec.field(default_factory=dict)

    def count(self, record_type: type) -> int:
        """How many blocks of a record type came before (their index on the page)."""
        seen, found = self._tally.get(record_type, (0, 0))
        found += sum(isinstance(b, record_type) for b in self.blocks[seen:])
        self._tally[record_type] = (len(self.blocks), found)
        return found

    def need(self, record: type[T]) -> T:
        """The build's record of a type (its ``InstrumentRegistry``, say)."""
        return _needed(self.extras, record)

    def find(self, record: type[T]) -> T | None:
        """The build's record of a type, if it has one (its ``SnippetReader``)."""
        return _found(self.extras, record)


class CheckContext(msgspec.Struct, frozen=True):
    """What a kind's ``check`` may look at: the parsed page, its sessions' results, and what
    the build knows beyond the page, each as a record of its own type (``need``)."""

    page: ParsedPage
    results: Mapping[StepKey, StepResult]
    extras: Mapping[type, object] = msgspec.field(default_factory=dict)  # record type -> record

    def need(self, record: type[T]) -> T:
        """The build's record of a type (its ``Bibliography``, its ``AcceptMode``)."""
        return _needed(self.extras, record)


class StepContext(msgspec.Struct, frozen=True):
    """What a kind's ``steps`` may use: the page, the book's default timeout, and what else
    the build knows, each as a record of its own type (``need``: its ``IPythonSetting``)."""

    page: ParsedPage
    timeout: float  # seconds a step may take unless it says otherwise
    extras: Mapping[type, object] = msgspec.field(default_factory=dict)  # record type -> record

    def need(self, record: type[T]) -> T:
        """The build's record of a type."""
        return _needed(self.extras, record)


class PlacedStep(msgspec.Struct, frozen=True):
    """A step a block adds to a session, and the page line that orders it among the others."""

    line: int
    session: str
    step: Step


class RenderContext(msgspec.Struct, frozen=True):
    """What a kind's ``render`` may use; what the build knows beyond the page comes as
    records of their own types (``need``, ``find``)."""

    page: ParsedPage
    caption_html: Callable[[str], str]  # Markdown (a caption) -> HTML, citations linked
    # What the page's sessions computed, for kinds that show a computed value (a numeric
    # quiz is graded in the browser around its check's exact value).
    results: Mapping[StepKey, StepResult] = msgspec.field(default_factory=dict)
    # What went wrong while rendering (a stranger's instrument that raised, say), reported
    # at the block's line with the page's other problems.
    problems: list[Diagnostic] = msgspec.field(default_factory=list)
    extras: Mapping[type, object] = msgspec.field(default_factory=dict)  # record type -> record

    def need(self, record: type[T]) -> T:
        """The build's record of a type (its ``InstrumentRegistry``, say)."""
        return _needed(self.extras, record)

    def find(self, record: type[T]) -> T | None:
        """The build's record of a type, if it has one (its ``Store``)."""
        return _found(self.extras, record)


class ExportContext(msgspec.Struct, frozen=True):
    """What a kind's ``notebook`` may use to write its blocks as notebook cells; what the
    build knows beyond the page comes as records of their own types (``need``: the page's
    ``PageCitations``, the book's ``Bibliography``)."""

    page: ParsedPage
    results: Mapping[StepKey, StepResult]
    page_url: str  # the web page, as the notebook links to it (for what only the web page shows)
    cite: Callable[[str], str]  # Markdown with its ``[@key]`` citations numbered
    # Each code cell's ``In [n]:``, as Jupyter numbers a run from the top (setup cell first):
    # it counts the code cells of every kind on the page, so no one kind can work it out.
    execution_counts: Mapping[StepKey, int] = msgspec.field(default_factory=dict)
    extras: Mapping[type, object] = msgspec.field(default_factory=dict)  # record type -> record

    def need(self, record: type[T]) -> T:
        """The build's record of a type (the page's ``PageCitations``, say)."""
        return _needed(self.extras, record)


def source_cell(block: Block, ctx: ExportContext) -> list[Cell]:
    """A block of a kind that says nothing about notebooks: its source, as a Markdown cell."""
    return [markdown_cell(block.region.text)]


class BlockKind(msgspec.Struct, Generic[B], frozen=True):
    """One kind of block: where it is written and everything the stages do with it."""

    name: str
    record: type[B]
    fences: tuple[str, ...] = ()  # fence languages that are blocks of this kind
    blocks: tuple[str, ...] = ()  # ``/// name`` blocks of this kind
    parse: Callable[[Any, ParseContext], tuple[B | None, list[Diagnostic]]] = lambda raw, ctx: (None, [])
    # What the block runs in its page's sessions (a code block its code, a quiz its check).
    steps: Callable[[B, StepContext], Sequence[PlacedStep]] = lambda block, ctx: ()
    # A check returns diagnostics, and in accept mode the expected outputs to rewrite.
    check: Callable[[B, CheckContext], Sequence[Diagnostic | OutputRewrite]] = lambda block, ctx: []
    render: Callable[[B, RenderContext], list[str]] = lambda block, ctx: []
    check_page: Callable[[ParsedPage, CheckContext], list[Diagnostic]] = lambda page, ctx: []
    # The page's HTML once its sessions have run, given the page's blocks of this kind.
    finish: Callable[[str, Sequence[B], Mapping[StepKey, StepResult]], str] = lambda html, blocks, results: (
        html
    )
    # Markdown a code block printed, with the kind's fences in it rendered (markdown-exec
    # converts what a block prints as Markdown: a ``tree`` fence there is drawn).
    printed: Callable[[str], str] = lambda markdown: markdown
    # What a chapter's header lists of the block among its instruments: (label, title, anchor).
    header_entry: Callable[[B], tuple[str, str, str] | None] = lambda block: None
    # The block's cells in the page's notebook; by default its source as a Markdown cell.
    notebook: Callable[[B, ExportContext], Sequence[Cell]] = source_cell
    assets: frozenset[AssetKind] = frozenset()  # wmbook's assets a page with such a block links
    files: tuple[Path, ...] = ()  # the kind's own .css and .js files, linked from every page


RawSource = Fence | RawBlock
