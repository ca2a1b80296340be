"""What went wrong with a code block's step, said at the line to look at.

The code kind reports it for the block; the output kind asks it so that an expected
output is not compared with the output of a block that failed.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from wmbook.blocks import CodeBlock
from wmbook.check.advice import raised_advice
from wmbook.execute.protocol import ended_by_build
from wmbook.model import Diagnostic, Outcome, Severity, SourceLoc, StepResult
from wmbook.parse.mdexec import SHELL_LANGUAGES

# Errors whose message already says what to change (a magic or input() a build cannot run).
SAYS_WHAT_TO_DO = ("wmbook.execute.ipython.NotInABuild", "IPython.core.error.StdinNotImplementedError")


def error_summary(result: StepResult) -> str:
    """The last line of a traceback ('ZeroDivisionError: division by zero')."""
    lines = [line for line in result.traceback.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else (result.exc_type or "an exception")


_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')


def included_location(traceback: str, page: str, included: Collection[str]) -> SourceLoc | None:
    """Where in an included file (a ``--8<--`` snippet's) the error happened, if its last
    frame in the book's own text is in one rather than in the page."""
    if not included:
        return None
    frames = [m for m in _FRAME.finditer(traceback) if m["file"] in included or m["file"] == page]
    if not frames or frames[-1]["file"] == page:
        return None
    return SourceLoc(frames[-1]["file"], int(frames[-1]["line"]))


def _line(block: CodeBlock, line: int | None) -> str:
    """The block's source line at a page line ('' outside the block)."""
    lines = block.code.split("\n")
    index = (line or 0) - block.fence.body_start
    return lines[index] if 0 <= index < len(lines) else ""


def step_problems(block: CodeBlock, result: StepResult, included: Collection[str] = ()) -> list[Diagnostic]:
    """What went wrong with a block's step, at the line to look at (in a file the page
    includes, if the error happened there)."""
    loc, code_loc = block.loc, block.code_loc
    raises = block.options.raises
    if result.outcome is Outcome.RAISED and block.options.language in SHELL_LANGUAGES:
        message = f'{error_summary(result)}: fix the commands, or set returncode="N" to the status expected'
        return [Diagnostic(code_loc, message, detail=result.output)]
    if result.outcome is Outcome.RAISED:
        where = SourceLoc(loc.path, result.error_line) if result.error_line else code_loc
        where = included_location(result.traceback, loc.path, included) or where
        summary = error_summary(result)
        if result.detail and not raises:  # a limit of the session was reached
            return [Diagnostic(where, f"{result.detail}: {summary}", detail=result.traceback)]
        if raises:
            message = f'{summary} (the block is marked raises="{raises}")'
        elif result.exc_type in SAYS_WHAT_TO_DO:
            message = summary
        else:
            message = f"{summary}; {raised_advice(result.exc_type, summary, _line(block, result.error_line))}"
        return [Diagnostic(where, message, detail=result.traceback)]
    if result.outcome is Outcome.TIMEOUT:
        seconds = result.detail.removeprefix("timed out after ")
        return [Diagnostic(code_loc, f'timed out after {seconds}; make the block faster or set timeout="S"')]
    if result.outcome is Outcome.DIED:
        message = f"{result.detail} while running this block"
        if not ended_by_build(result.detail):
            message += "; a block must not end its process"
        return [Diagnostic(code_loc, message, detail=result.output)]
    if result.outcome is Outcome.LOST:
        return [Diagnostic(code_loc, f"{result.detail} while running this block", detail=result.output)]
    if result.outcome is Outcome.UNCACHED:
        message = f"{result.detail}; build once with cache mode auto (WMBOOK_CACHE=auto) where code may run"
        return [Diagnostic(loc, message)]
    if result.outcome is Outcome.NOT_RUN and result.detail and not result.detail.startswith(f"{loc.path}:"):
        # A block of an earlier page that this part of a session spanning pages runs first
        # ended it: an error here, since that page's own run may have gone well.
        message = (
            f"not run because the block at {result.detail}, which session "
            f'"{block.options.session}" runs first on this page, ended the session; fix that block'
        )
        return [Diagnostic(loc, message)]
    if result.outcome is Outcome.NOT_RUN:
        because = f" because the block at {result.detail} failed" if result.detail else ""
        return [Diagnostic(loc, f"not run{because}", Severity.WARNING)]
    if raises and result.exc_type is None:
        return [Diagnostic(loc, f'the block is marked raises="{raises}" but raised nothing')]
    return []
