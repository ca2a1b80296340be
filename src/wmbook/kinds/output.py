"""Expected output: an ```` ```output ```` fence right after a code block.

Parse: attach the fence to the code block above it.  Check: compare what that block
printed (rounding and ``...`` rules in ``wmbook.check.compare``); in accept mode a
mismatch becomes an ``OutputRewrite``, applied once, at the end of the build.
Render: nothing (the code block's slot shows the output once), nor in the notebook (the
code cell carries it).  The records (``ExpectedOutput``, ``OutputRewrite``) are in
``wmbook.blocks``: accept mode rewrites them.
"""

from __future__ import annotations

from wmbook.blocks import CodeBlock, ExpectedOutput, OutputRewrite
from wmbook.check.compare import Tolerance, output_diff, output_matches
from wmbook.check.steps import step_problems
from wmbook.kinds.base import BlockKind, CheckContext, ExportContext, ParseContext, RenderContext, region_of
from wmbook.model import AcceptMode, Diagnostic, Fence, SourceLoc
from wmbook.notebook.cells import Cell
from wmbook.parse.marked import ExecuteMode
from wmbook.parse.options import OptionError, parse_output_options

LANGUAGE = "output"


def parse(fence: Fence, ctx: ParseContext) -> tuple[ExpectedOutput | None, list[Diagnostic]]:
    """An output fence belongs to the code block directly above it (blank lines between)."""
    loc = SourceLoc(ctx.path, fence.start)
    owner = ctx.blocks[-1] if ctx.blocks and isinstance(ctx.blocks[-1], CodeBlock) else None
    # Only blank lines between: no other fence or block (one not parsed, say) comes between.
    adjacent = owner is not None and all(
        not line.strip() for line in ctx.lines[owner.region.end : fence.start - 1]
    )
    mode = ctx.find(ExecuteMode) or ExecuteMode.ALL  # which code fences of the page run
    if mode is not ExecuteMode.ALL and (owner is None or not adjacent or not owner.options.execute):
        return None, []  # after code that does not run on this page: left as written
    if owner is None or not adjacent:
        return None, [Diagnostic(loc, "an output fence must come directly after a python block")]
    try:
        options = parse_output_options(fence.info)
    except OptionError as exc:
        return None, [Diagnostic(loc, f"{exc}")]
    problems = []
    if not owner.options.execute:
        problems.append(Diagnostic(loc, 'the block above is exec="off", so it has no output to check'))
    expected = ExpectedOutput(
        region_of(ctx.lines, fence.start, fence.end),
        loc,
        owner.key,
        fence,
        "\n".join(fence.body),
        options.rtol,
        options.atol,
    )
    return expected, problems


def check(expected: ExpectedOutput, ctx: CheckContext) -> list[Diagnostic | OutputRewrite]:
    """A mismatch is a diagnostic with a diff, or (accept mode) a rewrite."""
    result = ctx.results.get(expected.owner)
    owner = next(b for b in ctx.page.blocks_of(CodeBlock) if b.key == expected.owner)
    if result is None or step_problems(owner, result):
        return []  # the block itself failed: that is the diagnostic to act on
    if output_matches(expected.text, result.output, Tolerance(expected.rtol, expected.atol)):
        return []
    accept = ctx.need(AcceptMode)
    if accept.accept:
        return [OutputRewrite(expected, result.output)]
    diff = output_diff(expected.text, result.output, str(expected.loc))
    message = (
        f"the block printed something other than this expected output ({accept.hint} takes the new output)"
    )
    return [Diagnostic(expected.loc, message, detail=diff)]


def render(expected: ExpectedOutput, ctx: RenderContext) -> list[str]:
    """Nothing: the page shows the block's output once, in the code block's slot."""
    return []


def notebook(expected: ExpectedOutput, ctx: ExportContext) -> list[Cell]:
    """No cell: the code cell above carries what the block printed."""
    return []


KIND = BlockKind(
    name="output",
    record=ExpectedOutput,
    fences=(LANGUAGE,),
    parse=parse,
    check=check,
    render=render,
    notebook=notebook,
)
