"""Turn a Markdown page into code blocks, expected outputs and sessions."""

from __future__ import annotations

from collections.abc import Sequence

from wmbook.chapter.meta import is_chapter, read_chapter_meta
from wmbook.model import (
    BlockOptions,
    CodeBlock,
    Diagnostic,
    ExpectedOutput,
    Fence,
    PageSource,
    SessionSpec,
    SourceLoc,
    Step,
    StepKind,
)
from wmbook.parse.fences import find_fences, front_matter_lines
from wmbook.parse.frontmatter import read_front_matter
from wmbook.parse.options import OptionError, parse_code_options, parse_output_options
from wmbook.parse.reader import parse_reader

CODE_LANG = "python"
OUTPUT_LANG = "output"


def _only_blank_between(lines: Sequence[str], before: Fence, after: Fence) -> bool:
    # ``lines`` is 0-based; fences are 1-based: the lines strictly between the two fences.
    return all(not line.strip() for line in lines[before.end : after.start - 1])


def parse_page(text: str, path: str, abs_path: str = "") -> PageSource:
    """Parse one Markdown page (front matter included, so line numbers match the file)."""
    lines = text.split("\n")
    blocks: list[CodeBlock] = []
    front, diagnostics = read_front_matter(text, path, abs_path)
    previous: Fence | None = None
    fences = find_fences(text)
    reader, found = parse_reader(text, path, fences, front_matter_lines(text) + 1)
    diagnostics += found
    chapter = None
    if is_chapter(front.data):
        chapter, found = read_chapter_meta(front.data, text, path)
        diagnostics += found
        diagnostics += [
            Diagnostic(h.loc, "a chapter's ## sections need an explicit id: ## 5.1 Title {#sec-5-1}")
            for h in reader.headings
            if not h.anchor
        ]
    for fence in fences:
        loc = SourceLoc(path, fence.start)
        if fence.lang == CODE_LANG:
            if not fence.closed:
                diagnostics.append(
                    Diagnostic(loc, "this python fence is never closed; add ``` after the code")
                )
            try:
                options = parse_code_options(fence.info)
            except OptionError as exc:
                diagnostics.append(Diagnostic(loc, f"{exc}"))
                options = BlockOptions(execute=False)
            code = "\n".join(fence.body)
            blocks.append(CodeBlock(len(blocks), fence, loc, code, options))
        elif fence.lang == OUTPUT_LANG:
            owner = blocks[-1] if blocks and previous is blocks[-1].fence else None
            if owner is None or not _only_blank_between(lines, owner.fence, fence):
                diagnostics.append(Diagnostic(loc, "an output fence must come directly after a python block"))
            elif owner.expected is not None:
                diagnostics.append(Diagnostic(loc, "this python block already has an output fence"))
            else:
                try:
                    out_options = parse_output_options(fence.info)
                except OptionError as exc:
                    diagnostics.append(Diagnostic(loc, f"{exc}"))
                else:
                    if not owner.options.execute:
                        diagnostics.append(
                            Diagnostic(loc, 'the block above is exec="off", so it has no output to check')
                        )
                    expected = ExpectedOutput(
                        fence, loc, "\n".join(fence.body), out_options.rtol, out_options.atol
                    )
                    blocks[-1] = _with_expected(owner, expected)
        previous = fence
    checks = tuple(q.check for q in reader.quizzes if q.check is not None)
    return PageSource(
        path,
        abs_path,
        text,
        tuple(blocks),
        checks,
        tuple(diagnostics),
        front.data,
        front.depends_on,
        reader,
        chapter,
    )


def _with_expected(block: CodeBlock, expected: ExpectedOutput) -> CodeBlock:
    return CodeBlock(block.index, block.fence, block.loc, block.code, block.options, expected)


def block_key(block: CodeBlock) -> str:
    """Stable key of a code block's result within its session."""
    return f"block-{block.index}"


def build_sessions(page: PageSource, default_timeout: float) -> list[SessionSpec]:
    """Group a page's executable blocks (and check expressions) into sessions, in page order."""
    positioned: list[tuple[int, str, Step]] = []
    for block in page.blocks:
        if not block.options.execute:
            continue
        timeout = block.options.timeout or default_timeout
        step = Step(
            StepKind.CODE, block.code, block.fence.body_start, timeout, block.options.raises, block_key(block)
        )
        positioned.append((block.fence.start, block.options.session, step))
    for check in page.checks:
        step = Step(StepKind.CHECK, check.expression, check.loc.line, default_timeout, None, check.key)
        positioned.append((check.loc.line, check.session, step))
    positioned.sort(key=lambda item: item[0])
    by_session: dict[str, list[Step]] = {}
    for _, session, step in positioned:
        by_session.setdefault(session, []).append(step)
    source_lines = tuple(page.text.split("\n"))
    return [
        SessionSpec(page.path, name, tuple(steps), source_lines, page.depends_on)
        for name, steps in by_session.items()
    ]
