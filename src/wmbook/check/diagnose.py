"""Turn session results into diagnostics a contributor can act on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from wmbook.check.compare import Tolerance, output_diff, output_matches
from wmbook.model import CodeBlock, Diagnostic, Outcome, Severity, SourceLoc, StepResult
from wmbook.parse.page import block_key


@dataclass(frozen=True)
class OutputRewrite:
    """An expected-output fence to be replaced by what its block printed (accept mode)."""

    block: CodeBlock
    new_text: str


def error_summary(result: StepResult) -> str:
    """The last line of a traceback ('ZeroDivisionError: division by zero')."""
    lines = [line for line in result.traceback.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else (result.exc_type or "an exception")


def _block_problems(
    block: CodeBlock, result: StepResult, first_failure: dict[str, SourceLoc]
) -> list[Diagnostic]:
    loc, code_loc = block.loc, block.code_loc
    session = block.options.session
    if result.outcome is Outcome.RAISED:
        where = SourceLoc(loc.path, result.error_line) if result.error_line else code_loc
        first_failure.setdefault(session, where)
        summary = error_summary(result)
        if block.options.raises:
            message = f'{summary} (the block is marked raises="{block.options.raises}")'
        else:
            message = f'{summary}; fix the code or mark the block raises="{result.exc_type}"'
        return [Diagnostic(where, message, detail=result.traceback)]
    if result.outcome is Outcome.TIMEOUT:
        first_failure.setdefault(session, code_loc)
        seconds = result.detail.removeprefix("timed out after ")
        return [Diagnostic(code_loc, f'timed out after {seconds}; make the block faster or set timeout="S"')]
    if result.outcome is Outcome.DIED:
        first_failure.setdefault(session, code_loc)
        message = f"{result.detail} while running this block; a block must not end its process"
        return [Diagnostic(code_loc, message, detail=result.output)]
    if result.outcome is Outcome.UNCACHED:
        message = f"{result.detail}; build once with cache mode auto (WMBOOK_CACHE=auto) where code may run"
        return [Diagnostic(loc, message)]
    if result.outcome is Outcome.NOT_RUN:
        cause = first_failure.get(session)
        because = f" because the block at {cause} failed" if cause else ""
        return [Diagnostic(loc, f"not run{because}", Severity.WARNING)]
    if block.options.raises and result.exc_type is None:
        return [Diagnostic(loc, f'the block is marked raises="{block.options.raises}" but raised nothing')]
    return []


def check_blocks(
    blocks: Iterable[CodeBlock], results: Mapping[str, StepResult], accept: bool
) -> tuple[list[Diagnostic], list[OutputRewrite]]:
    """Diagnostics for every executed block, and the rewrites accept mode should make."""
    diagnostics: list[Diagnostic] = []
    rewrites: list[OutputRewrite] = []
    first_failure: dict[str, SourceLoc] = {}
    for block in blocks:
        result = results.get(block_key(block))
        if result is None:
            continue
        problems = _block_problems(block, result, first_failure)
        diagnostics.extend(problems)
        expected = block.expected
        if problems or expected is None:
            continue
        tolerance = Tolerance(expected.rtol, expected.atol)
        if output_matches(expected.text, result.output, tolerance):
            continue
        if accept:
            rewrites.append(OutputRewrite(block, result.output))
            continue
        diff = output_diff(expected.text, result.output, str(expected.loc))
        message = (
            "the block printed something else than this expected output (nox -s accept takes the new output)"
        )
        diagnostics.append(Diagnostic(expected.loc, message, detail=diff))
    return diagnostics, rewrites
