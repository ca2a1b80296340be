"""The record of a code block (``CodeBlock``) and the fence languages that are code blocks."""

from __future__ import annotations

from dataclasses import dataclass

from wmbook.kinds.base import FencedRecord
from wmbook.model import (
    Fence,
    Region,
    SourceLoc,
    StepKey,
    StepKind,
)
from wmbook.parse.block_options import slugify
from wmbook.parse.mdexec import (
    MDEXEC_LANGUAGES,
    PYODIDE,
    PYTHON_LANGUAGES,
)
from wmbook.parse.myst import CODE_CELL
from wmbook.parse.options import CodeOptions
from wmbook.parse.snippets import Included

LANGUAGES = (*PYTHON_LANGUAGES, *MDEXEC_LANGUAGES, CODE_CELL, PYODIDE)


@dataclass(frozen=True)
class FigureLabel:
    """A numbered figure: what a block with ``figure="5.2"`` draws."""

    loc: SourceLoc  # the block's opening fence
    label: str  # "Figure 5.2"
    anchor: str  # "fig-5-2"


@dataclass(frozen=True)
class CodeBlock:
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
