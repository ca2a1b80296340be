"""Code blocks: ```` ```python ```` (or ``py``, ``python3``) fences that run at build time,
markdown-exec's fences (``pycon``, ``md``, ``bash``, ``sh``, ``console``) marked to run, and
MyST notebooks' ``{code-cell}`` fences.

Parse (``code_parse``, into the record of ``code_block``): the fence and its options.  Check: how the block's step ended; page-wide, that
numbered figures (``figure="5.2"``) have unique labels, draw something, and that every
link to ``#fig-…`` has its figure.  Render: the code as a plain fence followed by a slot
that the block's output fills in once its session has run; a numbered figure's slot sits
in a ``<figure>`` with its caption.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wmbook.check.advice import raised_advice
from wmbook.check.compare import output_diff, output_matches
from wmbook.execute.protocol import ended_by_build
from wmbook.kinds.base import BlockKind, CheckContext, RenderContext
from wmbook.kinds.code_block import LANGUAGES, FigureLabel
from wmbook.kinds.code_block import CodeBlock as CodeBlock  # where the other kinds find it
from wmbook.kinds.code_parse import parse
from wmbook.kinds.equation import first_places, missing_targets
from wmbook.model import (
    Diagnostic,
    Outcome,
    Severity,
    SourceLoc,
    StepKey,
    StepKind,
    StepResult,
)
from wmbook.parse.mdexec import PYODIDE, PYTHON_LANGUAGES, SHELL_LANGUAGES, transcript_output
from wmbook.parse.options import CodeOptions
from wmbook.render.mdexec import result_markdown
from wmbook.templates import Markup, macros

if TYPE_CHECKING:
    from wmbook.book import ParsedPage

# Errors whose message already says what to change (a magic or input() a build cannot run).
SAYS_WHAT_TO_DO = ("wmbook.execute.ipython.NotInABuild", "IPython.core.error.StdinNotImplementedError")
_NAME = r"(?P<page>[\w-]+?)-(?P<kind>{})-(?P<index>\d+)".format("|".join(k.value for k in StepKind))
_SLOT = re.compile(rf"(?:<p>)?<!--wmbook-slot:{_NAME}-->(?:</p>)?")
_FIGURE_SLOT = re.compile(rf"<!--wmbook-figures:{_NAME}-->")
_PARAGRAPH = re.compile(r"\s*<p>(.*)</p>\s*", re.DOTALL)


def check(block: CodeBlock, ctx: CheckContext) -> list[Diagnostic]:
    """Diagnostics for how the block's step ended (its output is the output kind's)."""
    result = ctx.results.get(block.key)
    if result is None:
        return []
    included = {f for b in ctx.page.code_blocks for i in b.included for f in (i.files or (i.path,))}
    problems = step_problems(block, result, included)
    if block.figure is not None and result.outcome is Outcome.OK and not result.figures:
        message = (
            f'figure="{block.options.figure}", but the block drew no figure; draw one '
            "(plot_xy or a matplotlib figure left open) or remove figure="
        )
        problems.append(Diagnostic(block.loc, message))
    if block.options.narrow and result.outcome is Outcome.OK and len(result.figures) < 2:
        message = (
            f'narrow="on", but the block drew {len(result.figures)} figure(s); draw the wide layout, '
            'then the same drawing laid out for a narrow column, or remove narrow="on"'
        )
        problems.append(Diagnostic(block.loc, message))
    if block.options.language == "pycon" and block.options.show is None and not problems:
        problems += transcript_problems(block, result)
    return problems


def transcript_problems(block: CodeBlock, result: StepResult) -> list[Diagnostic]:
    """A transcript run in wmbook's style is checked: what its ``>>>`` lines print (values
    echoed, as at the prompt) must be the lines it shows under them (blank lines aside;
    ``...`` and rounded numbers as in expected outputs)."""
    expected = transcript_output(tuple(block.code.split("\n")))
    printed = "\n".join(line for line in result.output.split("\n") if line.strip())
    if output_matches(expected, printed):
        return []
    message = "the transcript shows other output than its >>> lines print; correct the lines under them"
    return [Diagnostic(block.loc, message, detail=output_diff(expected, printed, str(block.loc)))]


def check_page(page: ParsedPage, ctx: CheckContext) -> list[Diagnostic]:
    """Figure labels are unique on a page; links to its figures resolve."""
    problems: list[Diagnostic] = []
    figures = [block.figure for block in page.code_blocks if block.figure is not None]
    seen = first_places(figures, "figure", problems)
    missing_targets(page.figure_links, seen, "figure", problems)
    return problems


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


@dataclass(frozen=True)
class OutputSlot:
    """Where one code block's output goes in its page's HTML, named by the block's step key.

    The rendered Markdown holds it as an HTML comment (which Markdown leaves alone);
    filling reads the page and the key back from it, so an output can only land in the
    slot of the block that produced it, never by position.
    """

    page: str  # the page's slot prefix, unique in the site
    key: StepKey

    def __str__(self) -> str:
        """The slot's name: element ids and the in-browser runner's block ids."""
        return f"{self.page}-{self.key}"

    @property
    def marker(self) -> str:
        """The comment the output replaces."""
        return f"<!--wmbook-slot:{self}-->"

    @property
    def figures_marker(self) -> str:
        """The comment the figures replace (in the finished page)."""
        return f"<!--wmbook-figures:{self}-->"


def slot_name(prefix: str, key: StepKey) -> str:
    """The name of a step's output slot on a page."""
    return str(OutputSlot(prefix, key))


def _slot_key(match: re.Match[str], page: str) -> StepKey | None:
    """The step key a slot marker names, or None when it belongs to another page."""
    if match["page"] != page:
        return None
    return StepKey(StepKind(match["kind"]), int(match["index"]))


def render(block: CodeBlock, ctx: RenderContext) -> list[str]:
    """The code as a plain fence (wmbook's options removed), then the output slot; in
    markdown-exec's style, only the slot (the result, and the source where ``source=`` puts
    it, fill it), or for a Markdown block its own text."""
    fence = block.fence
    options = block.options
    if options.show is not None and options.language in ("md", "markdown") and options.show.html:
        # Its text is HTML, shown as it is: it fills the slot once the page is HTML.
        return ["", f"{fence.indent}{OutputSlot(ctx.slot_prefix, block.key).marker}", ""]
    if options.show is not None and options.language in ("md", "markdown"):
        text = "\n".join(fence.body)
        rendered = list(fence.body)
        from wmbook.kinds import BY_RECORD  # the registry imports this module

        for inner in reversed(block.inner):  # each fence it holds, rendered in its place by its kind
            first, last = inner.fence.start - fence.start, inner.fence.end - fence.start
            rendered[first - 1 : last] = BY_RECORD[type(inner)].render(inner, ctx)
        output = "\n".join(rendered)
        shown_text = result_markdown(options.show, options.language, text, output, options.passed_on)
        return [fence.indent + line if line else line for line in shown_text.split("\n")]
    if options.show is not None:
        marker = OutputSlot(ctx.slot_prefix, block.key).marker
        return ["", f"{fence.indent}{marker}", ""] if options.execute else []
    language = "python" if options.language in (*PYTHON_LANGUAGES, PYODIDE) else options.language
    code_display, output_display = options.code_display, options.output_display
    # A folded block's title names its disclosure instead of sitting above the code.
    folded_code = code_display == "folded"
    kept = [(key, value) for key, value in options.passed_on if not (folded_code and key == "title")]
    written = "".join(f' {key}="{value}"' for key, value in kept)
    body = block.shown.split("\n") if block.shown else fence.body
    code = [
        f"{fence.indent}{fence.marker}{language}{written}",
        *(fence.indent + line if line else line for line in body),
    ]
    if fence.closed:
        code.append(f"{fence.indent}{fence.marker}")
    below: list[str] = []
    if (options.execute or options.browser_only) and output_display != "removed":
        slot = OutputSlot(ctx.slot_prefix, block.key)
        below = ["", f"{fence.indent}{slot.marker}", ""]
        if block.figure is not None:
            below += [fence.indent + line for line in numbered_figure(block.figure, options, slot, ctx)]
            below.append("")
    title = dict(options.passed_on).get("title", "")
    if folded_code and output_display == "folded" and below:  # Jupyter Book's hide-cell: one disclosure
        return fold(code + below, summary(title or "Code and output", len(body)), fence.indent)
    shown = [] if code_display == "removed" else code
    if folded_code:
        shown = fold(code, summary(title or "Code", len(body)), fence.indent)
    return shown + (
        ["", *fold(below, "Output", fence.indent)] if output_display == "folded" and below else below
    )


def summary(name: str, count: int) -> str:
    """A disclosure's summary naming the code it holds and its length."""
    return f"{name} · {count} line{'s' if count != 1 else ''}"


def fold(lines: list[str], label: str, indent: str) -> list[str]:
    """Lines between two markers that ``open_folds`` turns into a closed ``<details>``
    whose summary is ``label``.

    Markers rather than HTML: Markdown leaves a comment alone at any depth (in a list item
    or an admonition it would wrap a ``<details>`` tag in a paragraph).  The disclosure is
    the browser's own (keyboard, screen readers, no script needed); a folded code's output
    slot stays after it, where the in-browser runner looks for the code.
    """
    # Escaped, hyphens too: the text sits in an HTML comment, which "--" would end early.
    marker = html.escape(label).replace("-", "&#45;")
    return [f"{indent}<!--wmbook-fold:{marker}-->", "", *lines, "", f"{indent}<!--wmbook-fold-end-->"]


_FOLD = re.compile(r"(?:<p>)?<!--wmbook-fold:(?P<summary>[^<>]*?)-->(?:</p>)?")
_FOLD_END = re.compile(r"(?:<p>)?<!--wmbook-fold-end-->(?:</p>)?")
# A fold left empty once the slots are filled: a folded output of a block that printed nothing.
_EMPTY_FOLD = re.compile(
    r"(?:<p>)?<!--wmbook-fold:[^<>]*?-->(?:</p>)?\s*(?:<p>)?<!--wmbook-fold-end-->(?:</p>)?"
)


def open_folds(content: str) -> str:
    """The markers of folded blocks (``code="folded"``, ``output="folded"``) as ``<details>``
    around what they hold; a disclosure with nothing inside is left out."""
    if "<!--wmbook-fold" not in content:
        return content
    content = _EMPTY_FOLD.sub("", content)
    # The summary is escaped in the marker already (``folded``).
    content = _FOLD.sub(lambda m: str(macros("code.html").fold_start(Markup(m["summary"]))), content)
    return _FOLD_END.sub("</details>", content)


def folded_html(label: str, inner: str) -> str:
    """HTML (a notebook cell's code or output) inside a closed disclosure named ``label``."""
    return str(macros("code.html").folded(label, Markup(inner)))


def numbered_figure(
    figure: FigureLabel, options: CodeOptions, slot: OutputSlot, ctx: RenderContext
) -> list[str]:
    """A ``<figure>`` holding the block's figures (its slot) and a numbered caption."""
    caption = ctx.caption_html(options.caption)
    inline = _PARAGRAPH.fullmatch(caption)
    caption = inline[1] if inline and "<p>" not in inline[1] else caption
    parts = macros("code.html")
    return [
        # A figure with a narrow layout is the container its layouts are chosen by (wmbook.css).
        str(parts.figure_start(figure.anchor, options.narrow)),
        slot.figures_marker,
        str(parts.figure_caption(figure.anchor, figure.label, Markup(caption))),
        "</figure>",
    ]


def fill_slots(
    content: str, page: str, outputs: Mapping[StepKey, str], figures: Mapping[StepKey, str]
) -> str:
    """Each output slot of page ``page``'s HTML replaced by the output of its own step.

    Figures get a slot of their own, filled by ``fill_figure_slots`` in the finished
    page: search indexing then never has to parse their SVG.  A slot naming another
    page is emptied.
    """

    if "<!--wmbook-slot:" not in content:
        return content  # a page without code (or a notebook, whose outputs are in place)
    # Numbered figures: their slot is in their <figure> already.
    in_place = {key for m in _FIGURE_SLOT.finditer(content) if (key := _slot_key(m, page)) is not None}

    def fill(match: re.Match[str]) -> str:
        key = _slot_key(match, page)
        if key is None:
            return ""
        tail = OutputSlot(page, key).figures_marker if key in figures and key not in in_place else ""
        return outputs.get(key, "") + tail

    return _SLOT.sub(fill, content)


def fill_figure_slots(page_html: str, page: str, figures: Mapping[StepKey, str]) -> str:
    """The figures put into the finished page, each in its own step's slot."""
    if "<!--wmbook-figures:" not in page_html:
        return page_html

    def fill(match: re.Match[str]) -> str:
        key = _slot_key(match, page)
        return figures.get(key, "") if key is not None else ""

    return _FIGURE_SLOT.sub(fill, page_html)


def problem_box(problems: list[Diagnostic]) -> str:
    """A visible list of a page's errors (shown by ``mkdocs serve`` only)."""
    return str(macros("code.html").problems(problems))


KIND = BlockKind(
    name="code",
    record=CodeBlock,
    fences=LANGUAGES,
    parse=parse,
    check=check,
    render=render,
    check_page=check_page,
)
