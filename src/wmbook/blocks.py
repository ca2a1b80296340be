"""Block records that stages other than their own kind read.

A code block is what the execute stage runs, the in-browser runner lists and a notebook
numbers; an expected output is what accept mode rewrites.  Their kinds
(``wmbook.kinds.code``, ``wmbook.kinds.output``) hold everything else about them; the
records live here so that neither those stages nor the two kinds import a kind.
"""

from __future__ import annotations

import msgspec

from wmbook.model import Fence, FencedRecord, Region, SourceLoc, StepKey, StepKind
from wmbook.parse.block_options import slugify
from wmbook.parse.options import CodeOptions
from wmbook.parse.snippets import Included


class FigureLabel(msgspec.Struct, frozen=True):
    """A numbered figure: what a block with ``figure="5.2"`` draws."""

    loc: SourceLoc  # the block's opening fence
    label: str  # "Figure 5.2"
    anchor: str  # "fig-5-2"


class CodeBlock(msgspec.Struct, frozen=True):
    """A python fence: its code and validated options."""

    region: Region
    loc: SourceLoc  # the opening fence's line
    index: int  # position among the page's code blocks
    fence: Fence
    code: str  # as the reader sees it (snippet lines expanded in place)
    options: CodeOptions
    run_code: str = ""  # what runs, if not ``code``: snippet lines as calls (``parse.snippets``),
    # a transcript's or a console's commands without their prompts, a MyST cell's IPython lines
    included: tuple[Included, ...] = ()  # the text its snippet lines bring in
    shown: str = ""  # the source as markdown-exec shows it, or a MyST cell's without its options
    inner: tuple[FencedRecord, ...] = ()  # a markdown-exec ``md`` block: the fences it renders
    cell: int | None = None  # notebook pages: the number of the code cell this block is

    @property
    def key(self) -> StepKey:
        """The key of this block's step and result."""
        return StepKey(StepKind.CODE, self.index)

    @property
    def figure(self) -> FigureLabel | None:
        """The numbered figure the block draws, if it is labelled."""
        if self.options.figure is None:
            return None
        return FigureLabel(self.loc, f"Figure {self.options.figure}", "fig-" + slugify(self.options.figure))

    @property
    def executed_code(self) -> str:
        """The code a session runs: one line per line of the fence."""
        return self.run_code or self.code

    @property
    def code_loc(self) -> SourceLoc:
        """Line of the block's first line of code."""
        return SourceLoc(self.loc.path, self.fence.body_start)


class ExpectedOutput(msgspec.Struct, frozen=True):
    """What the code block ``owner`` must print."""

    region: Region
    loc: SourceLoc
    owner: StepKey
    fence: Fence
    text: str
    rtol: float | None = None
    atol: float | None = None


class OutputRewrite(msgspec.Struct, frozen=True):
    """An expected-output fence to be replaced by what its block printed (accept mode)."""

    expected: ExpectedOutput
    new_text: str
