"""Code blocks: ```` ```python ```` (or ``py``, ``python3``) fences that run at build time,
markdown-exec's fences (``pycon``, ``md``, ``bash``, ``sh``, ``console``) marked to run, and
MyST notebooks' ``{code-cell}`` fences.

Parse (``code_parse``, into ``wmbook.blocks.CodeBlock``): the fence and its options.  Steps:
its code, in its session.  Check: how the block's step ended; page-wide, that numbered
figures (``figure="5.2"``) have unique labels, draw something, and that every link to
``#fig-…`` has its figure.  Render: the code as a plain fence followed by a slot
(``wmbook.render.slots``) that the block's output fills in once its session has run; a
numbered figure's slot sits in a ``<figure>`` with its caption.  Notebook: a code cell
with the build's outputs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from wmbook.blocks import CodeBlock, FigureLabel
from wmbook.book import ParsedPage
from wmbook.check.compare import output_diff, output_matches
from wmbook.check.labels import first_places, missing_targets
from wmbook.check.steps import step_problems
from wmbook.kinds import registry
from wmbook.kinds.base import BlockKind, CheckContext, ExportContext, PlacedStep, RenderContext, StepContext
from wmbook.kinds.code_parse import LANGUAGES, parse
from wmbook.model import Diagnostic, IPythonSetting, Outcome, Step, StepKey, StepResult
from wmbook.notebook.cells import (
    Cell,
    cell_outputs,
    code_cell,
    collapse,
    display_tags,
    markdown_cell,
    numbered_result,
)
from wmbook.parse.mdexec import PYODIDE, PYTHON_LANGUAGES, SHELL_LANGUAGES, transcript_output
from wmbook.parse.options import CodeOptions
from wmbook.render.mdexec import result_markdown
from wmbook.render.slots import OutputSlot, fold_markers, fold_summary, open_folds
from wmbook.templates import Markup, macros

_PARAGRAPH = re.compile(r"\s*<p>(.*)</p>\s*", re.DOTALL)


def check(block: CodeBlock, ctx: CheckContext) -> list[Diagnostic]:
    """Diagnostics for how the block's step ended (its output is the output kind's)."""
    result = ctx.results.get(block.key)
    if result is None:
        return []
    included = {f for b in ctx.page.blocks_of(CodeBlock) for i in b.included for f in (i.files or (i.path,))}
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
    figures = [block.figure for block in page.blocks_of(CodeBlock) if block.figure is not None]
    seen = first_places(figures, "figure", problems)
    missing_targets(page.figure_links, seen, "figure", problems)
    return problems


def render(block: CodeBlock, ctx: RenderContext) -> list[str]:
    """The code as a plain fence (wmbook's options removed), then the output slot; in
    markdown-exec's style, only the slot (the result, and the source where ``source=`` puts
    it, fill it), or for a Markdown block its own text."""
    fence = block.fence
    options = block.options
    if options.show is not None and options.language in ("md", "markdown") and options.show.html:
        # Its text is HTML, shown as it is: it fills the slot once the page is HTML.
        return ["", f"{fence.indent}{OutputSlot(ctx.page.ref.slot_prefix, block.key).marker}", ""]
    if options.show is not None and options.language in ("md", "markdown"):
        text = "\n".join(fence.body)
        rendered = list(fence.body)
        for inner in reversed(block.inner):  # each fence it holds, rendered in its place by its kind
            first, last = inner.fence.start - fence.start, inner.fence.end - fence.start
            rendered[first - 1 : last] = registry().of(inner).render(inner, ctx)
        output = "\n".join(rendered)
        shown_text = result_markdown(options.show, options.language, text, output, options.passed_on)
        return [fence.indent + line if line else line for line in shown_text.split("\n")]
    if options.show is not None:
        marker = OutputSlot(ctx.page.ref.slot_prefix, block.key).marker
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
        slot = OutputSlot(ctx.page.ref.slot_prefix, block.key)
        below = ["", f"{fence.indent}{slot.marker}", ""]
        if block.figure is not None:
            below += [fence.indent + line for line in numbered_figure(block.figure, options, slot, ctx)]
            below.append("")
    title = dict(options.passed_on).get("title", "")
    if folded_code and output_display == "folded" and below:  # Jupyter Book's hide-cell: one disclosure
        return fold(code + below, fold_summary(title or "Code and output", len(body)), fence.indent)
    shown = [] if code_display == "removed" else code
    if folded_code:
        shown = fold(code, fold_summary(title or "Code", len(body)), fence.indent)
    return shown + (
        ["", *fold(below, "Output", fence.indent)] if output_display == "folded" and below else below
    )


def fold(lines: list[str], label: str, indent: str) -> list[str]:
    """Lines between two markers that ``open_folds`` turns into a closed ``<details>``
    whose summary is ``label``.

    Markers rather than HTML: Markdown leaves a comment alone at any depth (in a list item
    or an admonition it would wrap a ``<details>`` tag in a paragraph).  The disclosure is
    the browser's own (keyboard, screen readers, no script needed); a folded code's output
    slot stays after it, where the in-browser runner looks for the code.
    """
    opening, closing = fold_markers(label)
    return [f"{indent}{opening}", "", *lines, "", f"{indent}{closing}"]


def finish(content: str, blocks: Sequence[CodeBlock], results: Mapping[StepKey, StepResult]) -> str:
    """The page's folded blocks (``code="folded"``, ``output="folded"``) opened into ``<details>``."""
    return open_folds(content)


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
        str(parts.figure_end()),
    ]


def page_ipython(page: ParsedPage, setting: IPythonSetting) -> bool:
    """Whether a page's blocks run with IPython's semantics unless a block says otherwise:
    the page's front matter (``ipython: true``) decides, else notebooks do (``.ipynb``, and
    Markdown notebooks: front matter with jupytext's ``jupyter`` or MyST's ``kernelspec``)
    and other Markdown pages follow the book's ``ipython`` setting."""
    front = page.meta.get("ipython")
    if isinstance(front, bool):
        return front
    markdown_notebook = "jupyter" in page.meta or "kernelspec" in page.meta
    return page.notebook is not None or markdown_notebook or setting.ipython


def steps(block: CodeBlock, ctx: StepContext) -> list[PlacedStep]:
    """The block's code, run where the block is on the page, in its session."""
    options = block.options
    if not options.execute:
        return []
    step = Step(
        block.key,
        block.executed_code,
        block.fence.body_start,
        options.timeout or ctx.timeout,
        options.raises,
        shell=SHELL_LANGUAGES.get(options.language),
        returncode=options.returncode,
        show_value=options.show is None,
        columns=options.show.width if options.show is not None else 0,
        ipython=page_ipython(ctx.page, ctx.need(IPythonSetting))
        if options.ipython is None
        else options.ipython,
        echo=options.language == "pycon" and options.show is None,
    )
    return [PlacedStep(block.fence.start, options.session, step)]


def notebook_code(block: CodeBlock) -> str:
    """A code block as a cell's source: a shell block as an IPython ``%%bash``/``%%sh`` cell."""
    shell = SHELL_LANGUAGES.get(block.options.language)
    if shell is not None:
        return f"%%{shell}\n{block.executed_code}"
    return block.code


def notebook(block: CodeBlock, ctx: ExportContext) -> list[Cell]:
    """A code cell carrying what the block's step printed, showed and drew (a numbered
    figure's caption in a Markdown cell after it); a Markdown block or one that does not run
    as Markdown."""
    options = block.options
    if options.language in ("md", "markdown"):
        return [markdown_cell("\n".join(block.fence.body))]
    if not options.execute:
        return [markdown_cell(f"```{block.fence.lang or 'python'}\n{block.shown or block.code}\n```")]
    metadata: dict[str, Any] = {}
    tags = []
    if options.session != "main":
        metadata["wmbook"] = {"session": options.session}
        tags.append(f"session-{options.session}")
    if options.raises:
        tags.append("raises-exception")
    tags += display_tags(options)
    collapse(options, metadata)
    if tags:
        metadata["tags"] = tags
    outputs = cell_outputs(numbered_result(ctx.results, block.key, ctx.execution_counts))
    cells = [code_cell(notebook_code(block), outputs, metadata, ctx.execution_counts.get(block.key))]
    if block.figure is not None:
        caption = f" — {options.caption}" if options.caption else ""
        text = str(macros("markdown.html").anchor(block.figure.anchor)) + f"**{block.figure.label}**{caption}"
        cells.append(markdown_cell(ctx.cite(text)))
    return cells


KIND = BlockKind(
    name="code",
    record=CodeBlock,
    fences=LANGUAGES,
    parse=parse,
    steps=steps,
    check=check,
    render=render,
    check_page=check_page,
    finish=finish,
    notebook=notebook,
)
