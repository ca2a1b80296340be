"""Parse stage of code blocks: a python fence, a fence markdown-exec runs (``pycon``, ``md``,
``bash`` …, with its options) or a MyST notebook's ``{code-cell}``, into a ``CodeBlock``."""

from __future__ import annotations

import msgspec

from wmbook.blocks import CodeBlock
from wmbook.kinds import registry
from wmbook.kinds.base import ParseContext, region_of
from wmbook.model import (
    Diagnostic,
    Fence,
    FencedRecord,
    Severity,
    SourceLoc,
)
from wmbook.parse.fences import find_fences
from wmbook.parse.marked import ExecuteMode, claims_fence, has_run_options, is_marked
from wmbook.parse.mdexec import (
    MDEXEC_LANGUAGES,
    NOT_IMPLEMENTED,
    PYODIDE,
    PYODIDE_OPTIONS,
    PYTHON_LANGUAGES,
    is_transcript,
    python_of_transcript,
    shell_of_console,
)
from wmbook.parse.myst import CODE_CELL, MystError, is_python_cell, read_code_cell
from wmbook.parse.options import CodeOptions, OptionError, parse_code_options, split_options
from wmbook.parse.snippets import Included, SnippetReader

LANGUAGES = (*PYTHON_LANGUAGES, *MDEXEC_LANGUAGES, CODE_CELL, PYODIDE)
"""The fence languages that are code blocks."""


def page_mode(ctx: ParseContext) -> ExecuteMode:
    """Which code fences of the page run (the site's setting and the page's front matter);
    all of them unless the build says."""
    return ctx.find(ExecuteMode) or ExecuteMode.ALL


def parse(fence: Fence, ctx: ParseContext) -> tuple[CodeBlock | None, list[Diagnostic]]:
    """A python fence, or a fence markdown-exec runs; bad options are reported and the block
    is then shown, not run.

    A fence that does not run on this page (``execute: marked`` and not marked, say) is
    left to Markdown as written, Material's options and all; if it has wmbook options
    (``exec="off"``), it is shown without them, which Markdown would not understand.
    """
    language = fence.lang.lower()
    mode = page_mode(ctx)
    if language == CODE_CELL:
        return parse_code_cell(fence, ctx) if claims_fence(fence.info, mode) else (None, [])
    if language == PYODIDE:
        return parse_pyodide(fence, ctx)
    if language in MDEXEC_LANGUAGES and not is_marked(fence.info):
        return None, []  # a bash or pycon example nobody asked to run: not wmbook's
    transcript = language in PYTHON_LANGUAGES and is_transcript(fence.body)
    if transcript and not is_marked(fence.info):
        # A doctest transcript in a python fence is an example of a session, not a program.
        return None, []
    loc = SourceLoc(ctx.path, fence.start)
    problems: list[Diagnostic] = []
    options = fence_options(fence, language, mode, transcript, loc, problems)
    if options is None:
        return None, []
    code, run_code, included, shown = block_code(fence, options, ctx, problems)
    if options.session == "":
        options = msgspec.structs.replace(options, session=f"block@{fence.start}")
    inner: list[FencedRecord] = []
    if options.language in ("md", "markdown"):
        options = msgspec.structs.replace(options, execute=False)  # its result is its own text
        # With html="1" its text is the HTML shown as it is: the fences in it are text too.
        if options.show is not None and not options.show.html:
            inner = inner_blocks(fence, ctx, problems)
    block = CodeBlock(
        region_of(ctx.lines, fence.start, fence.end),
        loc,
        ctx.count(CodeBlock),
        fence,
        code,
        options,
        run_code,
        included,
        shown,
        tuple(inner),
    )
    return block, problems


def fence_options(
    fence: Fence,
    language: str,
    mode: ExecuteMode,
    transcript: bool,
    loc: SourceLoc,
    problems: list[Diagnostic],
) -> CodeOptions | None:
    """The options a code fence runs with (bad ones reported in ``problems``: it is then shown,
    not run); None for a fence that is not wmbook's on this page."""
    if not claims_fence(fence.info, mode):
        if not has_run_options(fence.info):
            return None
        options = CodeOptions(execute=False, language=language)
    else:
        try:
            options = parse_code_options(fence.info, language)
        except OptionError as exc:
            problems.append(Diagnostic(loc, f"{exc}"))
            options = CodeOptions(execute=False, language=language)
    if not fence.closed:
        # The rest of the page would be taken for code: shown, never run.
        problems.append(Diagnostic(loc, f"this {fence.lang} fence is never closed; add ``` after the code"))
        options = CodeOptions(execute=False, language=language)
    if options.show is not None and options.execute and not is_marked(fence.info):
        # Written for markdown-exec, which runs only the fences marked exec="1": an example.
        options = msgspec.structs.replace(options, execute=False, show=None)
    if transcript:  # run as a transcript, in the style its options chose; not in the browser
        options = msgspec.structs.replace(options, language="pycon", run=False)
    for key in options.ignored:
        message = (
            f"{key}= is markdown-exec's and not implemented by wmbook ({NOT_IMPLEMENTED[key]}); remove it"
        )
        problems.append(Diagnostic(loc, message, Severity.WARNING))
    return options


def block_code(
    fence: Fence, options: CodeOptions, ctx: ParseContext, problems: list[Diagnostic]
) -> tuple[str, str, tuple[Included, ...], str]:
    """A code fence's code as shown (snippets in place), the code that runs when that differs
    (a transcript's, a console's, or with snippets' lines located), the files it includes, and
    what a transcript or console shows instead of its text."""
    code, run_code = "\n".join(fence.body), ""
    included: tuple[Included, ...] = ()
    snippets = ctx.find(SnippetReader)  # the site's pymdownx.snippets settings, if it uses them
    if snippets is not None and options.execute:
        expanded, found = snippets.expand(fence.body, fence.body_start, ctx.path)
        problems += found
        # A snippet line that includes nothing (a file pymdownx.snippets does not find, or one
        # outside base_path) runs as the empty line the site shows, never as the line itself.
        if expanded.run != code and options.language in PYTHON_LANGUAGES:
            code, run_code, included = expanded.shown, expanded.run, expanded.included
        elif expanded.shown != code:
            code = expanded.shown  # a shell script or a transcript runs the text in place
    shown = ""
    if options.language == "pycon":
        run_code, prompts = python_of_transcript(tuple(code.split("\n")))
        shown = prompts if options.show is not None else ""
    elif options.language == "console":
        run_code, shown = shell_of_console(tuple(code.split("\n")))
    return code, run_code, included, shown


def inner_blocks(fence: Fence, ctx: ParseContext, problems: list[Diagnostic]) -> list[FencedRecord]:
    """The fences of a markdown-exec ``md`` block that markdown-exec renders (code marked to
    run, and the fences of kinds that always render, such as ``tree``), as its text is
    rendered: blocks of the page, at their lines in the file."""
    found: list[FencedRecord] = []
    for inner in find_fences("\n".join(fence.body)):
        kind = registry().by_fence.get(inner.lang.lower())
        runs_if_marked = inner.lang.lower() in LANGUAGES and inner.lang.lower() != PYODIDE
        if kind is None or (runs_if_marked and not is_marked(inner.info)):
            continue
        placed = msgspec.structs.replace(inner, start=inner.start + fence.start, end=inner.end + fence.start)
        record, more = kind.parse(placed, ctx)
        problems += more
        if record is not None:
            ctx.blocks.append(record)
            found.append(record)
    return found


def parse_pyodide(fence: Fence, ctx: ParseContext) -> tuple[CodeBlock | None, list[Diagnostic]]:
    """A markdown-exec ``pyodide`` fence: code the reader edits and runs in the browser with
    wmbook's runner, in the page's session ``session=`` names (``default`` without it); it
    never runs at build time, as markdown-exec never runs it."""
    loc = SourceLoc(ctx.path, fence.start)
    try:
        raw = split_options(fence.info, PYODIDE_OPTIONS)
    except OptionError as exc:
        return None, [Diagnostic(loc, f"{exc}")]
    install = tuple(name.strip() for name in raw.get("install", "").split(",") if name.strip())
    options = CodeOptions(
        execute=False,
        session="pyodide:" + (raw.get("session") or "default"),  # apart from the build's sessions
        language=PYODIDE,
        passed_on=tuple((key, raw[key]) for key in ("title",) if key in raw),
        browser_only=True,
        install=install,
    )
    region = region_of(ctx.lines, fence.start, fence.end)
    return CodeBlock(region, loc, ctx.count(CodeBlock), fence, "\n".join(fence.body), options), []


def parse_code_cell(fence: Fence, ctx: ParseContext) -> tuple[CodeBlock | None, list[Diagnostic]]:
    """A MyST notebook's code cell (another kernel's cells are left as they are)."""
    if not is_python_cell(fence):
        return None, []
    loc = SourceLoc(ctx.path, fence.start)
    region = region_of(ctx.lines, fence.start, fence.end)
    index = ctx.count(CodeBlock)
    body = "\n".join(fence.body)
    try:
        cell = read_code_cell(fence)
        options = parse_code_options(cell.options)
    except (MystError, OptionError) as exc:
        return CodeBlock(region, loc, index, fence, body, CodeOptions(execute=False)), [
            Diagnostic(loc, f"{exc}")
        ]
    if not fence.closed:
        message = "this code cell is never closed; add ``` after the code"
        return CodeBlock(region, loc, index, fence, body, CodeOptions(execute=False)), [
            Diagnostic(loc, message)
        ]
    block = CodeBlock(region, loc, index, fence, cell.shown, options, cell.code, shown=cell.shown)
    return block, []
