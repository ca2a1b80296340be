"""What every block kind provides, and what the stages hand it.

A kind is one module with three functions, as in a Sybil ``Region``: ``parse`` turns
the raw text of a block into a typed record (or diagnostics), ``check`` compares the
record with what the page's sessions computed, ``render`` gives the Markdown that
replaces the block in the page.  ``check_page`` covers rules that span a page
(unique labels, links).  Kinds are found through the registry in ``wmbook.kinds``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from wmbook.model import Diagnostic, Fence, Region, StepKey, StepResult
from wmbook.parse.blocks import RawBlock
from wmbook.parse.marked import ExecuteMode

if TYPE_CHECKING:
    from wmbook.book import ParsedPage
    from wmbook.cite.bibliography import PageCitations, Reference
    from wmbook.instruments.registry import InstrumentRegistry
    from wmbook.kinds.output import OutputRewrite
    from wmbook.parse.snippets import SnippetReader
    from wmbook.store import Store

B = TypeVar("B")


class HasRegion(Protocol):
    """A block record: every one covers a region of its page."""

    @property
    def region(self) -> Region: ...


class FencedRecord(Protocol):
    """A block record written as a fence (what a markdown-exec ``md`` block may hold)."""

    @property
    def region(self) -> Region: ...

    @property
    def fence(self) -> Fence: ...


R = TypeVar("R", bound=HasRegion)


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


@dataclass
class ParseContext:
    """What a kind's ``parse`` may look at: the page so far, in source order."""

    path: str  # display path of the page
    lines: tuple[str, ...]  # the file's lines
    instruments: InstrumentRegistry
    blocks: list[Any] = field(default_factory=list)  # records parsed so far
    previous: Region | None = None  # the region parsed just before this one
    snippets: SnippetReader | None = None  # the site's pymdownx.snippets settings, if it uses them
    mode: ExecuteMode = ExecuteMode.ALL  # which code fences of the page run (``parse.marked``)

    def count(self, record_type: type) -> int:
        """How many blocks of a record type came before (their index on the page)."""
        return sum(isinstance(b, record_type) for b in self.blocks)


@dataclass(frozen=True)
class CheckContext:
    """What a kind's ``check`` may look at: the parsed page and its sessions' results."""

    page: ParsedPage
    results: Mapping[StepKey, StepResult]
    accept: bool  # accept mode: a changed output is taken, not reported
    accept_hint: str  # how this book takes new outputs, for mismatch messages
    bibliography: Mapping[str, Reference]
    bibliography_path: str  # where the bibliography is (or was looked for), as displayed
    bibliography_found: bool


@dataclass(frozen=True)
class RenderContext:
    """What a kind's ``render`` may use."""

    page: ParsedPage
    slot_prefix: str  # unique per page, for the output slots of code blocks
    citations: PageCitations
    caption_html: Callable[[str], str]  # Markdown (a caption) -> HTML, citations linked
    bokeh_base: str  # URL of BokehJS, relative to the page
    instruments: InstrumentRegistry
    store: Store | None
    cache_dir: Path | None = None
    # What the page's sessions computed, for kinds that show a computed value (a numeric
    # quiz is graded in the browser around its check's exact value).
    results: Mapping[StepKey, StepResult] = field(default_factory=dict)
    # What went wrong while rendering (a stranger's instrument that raised, say), reported
    # at the block's line with the page's other problems.
    problems: list[Diagnostic] = field(default_factory=list)


@dataclass(frozen=True)
class BlockKind(Generic[B]):
    """One kind of block: where it is written and its parse/check/render functions."""

    name: str
    record: type[B]
    fences: tuple[str, ...] = ()  # fence languages that are blocks of this kind
    blocks: tuple[str, ...] = ()  # ``/// name`` blocks of this kind
    parse: Callable[[Any, ParseContext], tuple[B | None, list[Diagnostic]]] = lambda raw, ctx: (None, [])
    # A check returns diagnostics, and in accept mode the expected outputs to rewrite.
    check: Callable[[B, CheckContext], Sequence[Diagnostic | OutputRewrite]] = lambda block, ctx: []
    render: Callable[[B, RenderContext], list[str]] = lambda block, ctx: []
    check_page: Callable[[ParsedPage, CheckContext], list[Diagnostic]] = lambda page, ctx: []


RawSource = Fence | RawBlock
