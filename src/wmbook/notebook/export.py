"""A page as a Jupyter notebook, with the outputs the build produced.

Prose becomes Markdown cells (math stays ``$…$``), each python block a code cell
carrying what it printed, its rich outputs and its figures (``image/svg+xml``), and a
first cell defines ``plot_xy`` and seeds the generators as every session does, so the
notebook runs in a plain Jupyter kernel with numpy and matplotlib.  Reader blocks are
written out as Markdown: a quiz as its question, choices and explanation, an equation
as its label, math and caption, an instrument as a pointer to the web page.

A folded code or output (``code="folded"``, a ``hide-*`` tag) is marked collapsed for
JupyterLab (``metadata.jupyter``); a removed one stays in the notebook, which is the
whole program, shown in full and tagged ``remove-*`` as Jupyter Book writes it.
"""

from __future__ import annotations

import ast
import copy
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from wmbook.book import ParsedPage
from wmbook.cite.bibliography import CITATION, PageCitations, Reference
from wmbook.cite.reference_list import reference_html
from wmbook.execute.display import PAGER_MIME
from wmbook.kinds import CodeBlock, Equation, ExpectedOutput, InstrumentBlock, Quiz, ReferenceList, TreeBlock
from wmbook.kinds.base import top_level
from wmbook.model import Display, Outcome, StepKey, StepResult, Stream
from wmbook.parse.fences import front_matter_lines
from wmbook.parse.mdexec import SHELL_LANGUAGES
from wmbook.parse.options import CodeOptions
from wmbook.parse.tree import draw_tree, read_tree
from wmbook.templates import Markup, macros

NBFORMAT = 4
NBFORMAT_MINOR = 5
_HELPER = Path(__file__).parent.parent.joinpath("plot_helper.py").read_text(encoding="utf-8")


def _function_source(source: str, name: str) -> str:
    """One top-level function of a module, without its type annotations (a notebook cell
    should not need ``typing``)."""
    tree = ast.parse(source)
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    node.returns = None
    for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs):
        arg.annotation = None
    return ast.unparse(node)


# The notebook's first cell: seeded generators, the figure size and ``plot_xy`` as a reader
# would write it. The build's figure style (ink in a colour the page swaps for its own) stays
# out: in Jupyter, matplotlib's own colours are the right ones.
SETUP = (
    Path(__file__).with_name("setup_cell.py").read_text(encoding="utf-8")
    + "\n\n"
    + _function_source(_HELPER, "plot_xy")
    + "\n"
)


def notebook_code(block: CodeBlock) -> str:
    """A code block as a cell's source: a shell block as an IPython ``%%bash``/``%%sh`` cell."""
    shell = SHELL_LANGUAGES.get(block.options.language)
    if shell is not None:
        return f"%%{shell}\n{block.executed_code}"
    return block.code


def _lines(text: str) -> list[str]:
    """Notebook JSON keeps sources as lists of lines, each but the last with its newline."""
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _markdown(text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": _lines(text.strip("\n"))}


def _code(
    source: str, outputs: list[dict[str, Any]], metadata: dict[str, Any], count: int | None = None
) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "execution_count": count,
        "metadata": metadata,
        "outputs": outputs,
        "source": _lines(source),
    }


def _display_output(shown: Display, execution_count: int | None) -> dict[str, Any]:
    data = {
        mime: _lines(value) for mime, value in shown.data if not mime.startswith("application/vnd.wmbook")
    }
    if shown.result:
        return {
            "output_type": "execute_result",
            "execution_count": execution_count,
            "data": data,
            "metadata": {},
        }
    return {"output_type": "display_data", "data": data, "metadata": {}}


def _outputs(result: StepResult | None) -> list[dict[str, Any]]:
    """A step's outputs as Jupyter lists them: stdout and stderr text between the rich
    outputs where it was written, figures, then the error."""
    if result is None:
        return []
    streams = list(result.streams) or ([Stream("stdout", result.output)] if result.output else [])
    if result.traceback:  # printed to stderr; an error output of its own, as in Jupyter
        for index in reversed(range(len(streams))):
            if result.traceback in streams[index].text:
                text = streams[index].text.replace(result.traceback, "", 1)
                streams[index] = replace(streams[index], text=text)
                break
    outputs: list[dict[str, Any]] = []
    pending = iter(streams)
    stream = next(pending, None)
    for number, shown in enumerate((*result.displays, None)):
        while stream is not None and (shown is None or stream.displays_before <= number):
            if stream.text:
                outputs.append({"output_type": "stream", "name": stream.name, "text": _lines(stream.text)})
            stream = next(pending, None)
        if shown is not None and shown.get(PAGER_MIME) is None:  # Jupyter stores no pager text
            outputs.append(_display_output(shown, result.execution_count))
    for figure in result.figures:
        data = {"image/svg+xml": _lines(figure.svg), "text/plain": [figure.label]}
        outputs.append({"output_type": "display_data", "data": data, "metadata": {}})
    if result.traceback:
        last = next((line for line in reversed(result.traceback.splitlines()) if line.strip()), "")
        name, _, value = last.partition(": ")
        error = {"output_type": "error", "ename": result.exc_type or name, "evalue": value}
        outputs.append({**error, "traceback": result.traceback.rstrip("\n").split("\n")})
    return outputs


def _cite(text: str, citations: PageCitations, bibliography: Mapping[str, Reference]) -> str:
    def number(match: re.Match[str]) -> str:
        keys = [k.strip().lstrip("@") for k in match.group(1).split(";")]
        known = [k for k in keys if k in bibliography]
        return "[" + ", ".join(str(citations.cite(k)) for k in known) + "]" if known else match.group(0)

    return CITATION.sub(number, text)


def _quiz(quiz: Quiz) -> str:
    lines = [f"**Quiz {quiz.index + 1}.** {quiz.question}", ""]
    if quiz.kind == "truefalse":
        lines.append("True or false?")
    elif quiz.kind == "choice":
        lines += [f"- {choice}" for choice in quiz.choices]
    answer = ("true" if quiz.answer else "false") if quiz.kind == "truefalse" else str(quiz.answer)
    lines += [
        "",
        "<details><summary>Answer</summary>",
        "",
        f"**{answer}**",
        "",
        *quiz.content,
        "",
        "</details>",
    ]
    return "\n".join(lines)


def _equation(equation: Equation) -> str:
    title = f" — {equation.title}" if equation.title else ""
    return "\n".join([f"**{equation.label}**{title}", "", *equation.content])


def page_notebook(
    page: ParsedPage,
    results: Mapping[StepKey, StepResult],
    bibliography: Mapping[str, Reference],
    page_url: str,
) -> dict[str, Any]:
    """The page as notebook JSON (nbformat 4.5)."""
    lines = page.text.split("\n")
    citations = PageCitations({})
    for _, keys in page.citations:
        for key in keys:
            if key in bibliography:
                citations.cite(key)
    # Numbered as Jupyter numbers the notebook run top to bottom: the setup cell is In [1].
    counts = {key: n + 1 for key, n in execution_counts(page.code_blocks, results).items()}
    setup = _code(SETUP, [], {"wmbook": {"setup": True}, "tags": ["setup"]}, 1)
    cells: list[dict[str, Any]] = [setup]
    position = front_matter_lines(page.text) + 1  # next file line not yet written out

    def prose_until(line: int) -> None:
        text = "\n".join(lines[position - 1 : line - 1])
        if text.strip():
            cells.append(_markdown(_cite(text, citations, bibliography)))

    for block in top_level(page.blocks):
        prose_until(block.region.start)
        position = block.region.end + 1
        if isinstance(block, CodeBlock):
            if block.options.language in ("md", "markdown"):
                cells.append(_markdown("\n".join(block.fence.body)))
                continue
            if not block.options.execute:
                cells.append(
                    _markdown(f"```{block.fence.lang or 'python'}\n{block.shown or block.code}\n```")
                )
                continue
            metadata: dict[str, Any] = {}
            tags = []
            if block.options.session != "main":
                metadata["wmbook"] = {"session": block.options.session}
                tags.append(f"session-{block.options.session}")
            if block.options.raises:
                tags.append("raises-exception")
            tags += display_tags(block.options)
            collapse(block.options, metadata)
            if tags:
                metadata["tags"] = tags
            cells.append(
                _code(
                    notebook_code(block),
                    _outputs(_numbered(results, block, counts)),
                    metadata,
                    counts.get(block.key),
                )
            )
            if block.figure is not None:
                caption = f" — {block.options.caption}" if block.options.caption else ""
                text = (
                    str(macros("markdown.html").anchor(block.figure.anchor))
                    + f"**{block.figure.label}**{caption}"
                )
                cells.append(_markdown(_cite(text, citations, bibliography)))
        elif isinstance(block, ExpectedOutput):
            continue  # the code cell carries the output
        elif isinstance(block, Quiz):
            cells.append(_markdown(_cite(_quiz(block), citations, bibliography)))
        elif isinstance(block, Equation):
            cells.append(_markdown(_cite(_equation(block), citations, bibliography)))
        elif isinstance(block, InstrumentBlock):
            text = f"*Instrument {block.label} — {block.title}: interactive on [the web page]({page_url}#{block.anchor}).*"
            cells.append(_markdown(text))
        elif isinstance(block, TreeBlock):  # drawn with emoji: a notebook has no Material icons
            drawn = draw_tree(
                read_tree("\n".join(block.fence.body)), "none" if block.icons == "none" else "basic"
            )
            cells.append(_markdown(f"```{block.language}\n" + "\n".join(drawn) + "\n```"))
        elif isinstance(block, ReferenceList):
            items = [
                f"{number}. {reference_html(bibliography[key])}"
                for key, number in sorted(citations.numbers.items(), key=lambda kv: kv[1])
            ]
            if items:
                cells.append(_markdown("\n".join(items)))
    prose_until(len(lines) + 1)
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number}"
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            "wmbook": {"source": page.path},
        },
        "nbformat": NBFORMAT,
        "nbformat_minor": NBFORMAT_MINOR,
    }


def display_tags(options: CodeOptions) -> list[str]:
    """Jupyter Book's tags for what a block shows of its code and its output."""
    code, output = options.code_display, options.output_display
    if code == output and code != "shown":
        return [f"{'hide' if code == 'folded' else 'remove'}-cell"]
    verbs = {"folded": "hide", "removed": "remove"}
    return [
        f"{verbs[shown]}-{part}" for part, shown in (("input", code), ("output", output)) if shown in verbs
    ]


def collapse(options: CodeOptions, metadata: dict[str, Any]) -> None:
    """Marks a folded code or output collapsed, as JupyterLab writes it (and shows it)."""
    hidden = {
        "source_hidden": options.code_display == "folded",
        "outputs_hidden": options.output_display == "folded",
    }
    if any(hidden.values()):
        jupyter = metadata.setdefault("jupyter", {})
        if isinstance(jupyter, dict):
            jupyter.update({key: True for key, value in hidden.items() if value})


# Outcomes of a step that ran (Jupyter numbers a cell when it starts to run it).
_RAN = frozenset({Outcome.OK, Outcome.RAISED, Outcome.TIMEOUT, Outcome.DIED})


def execution_counts(
    blocks: Sequence[CodeBlock], results: Mapping[StepKey, StepResult]
) -> dict[StepKey, int]:
    """Each block's ``In [n]:`` as Jupyter shows it after running the notebook top to bottom.

    1, 2, 3 … over the blocks that ran, in page order; a block not run (``exec="off"``,
    ``skip-execution``, or stopped by an earlier error) has none, nor has an empty cell,
    which Jupyter does not send to the kernel.  The numbers follow from the results alone,
    so a cached build numbers its cells as the build that ran them.
    """
    counts: dict[StepKey, int] = {}
    for block in blocks:
        result = results.get(block.key)
        if block.options.execute and block.code.strip() and result is not None and result.outcome in _RAN:
            counts[block.key] = len(counts) + 1
    return counts


def executed_notebook(page: ParsedPage, results: Mapping[StepKey, StepResult]) -> dict[str, Any]:
    """A notebook page's own notebook, its code cells carrying the outputs of this build."""
    assert page.notebook is not None
    data = copy.deepcopy(page.notebook)
    by_cell = page.blocks_by_cell()
    counts = execution_counts(page.code_blocks, results)
    for number, cell in enumerate(data.get("cells", []), start=1):
        block = by_cell.get(number)
        if cell.get("cell_type") != "code" or block is None:
            continue  # a cell that does not run on the page keeps what the notebook has
        cell["execution_count"] = counts.get(block.key)
        collapse(block.options, cell.setdefault("metadata", {}))  # its tags are the author's, kept
        if block.options.execute:
            cell["outputs"] = _outputs(_numbered(results, block, counts))
    return data


def _numbered(
    results: Mapping[StepKey, StepResult], block: CodeBlock, counts: Mapping[StepKey, int]
) -> StepResult | None:
    """The block's result, its value (an ``execute_result``) carrying the cell's own number."""
    result = results.get(block.key)
    return replace(result, execution_count=counts.get(block.key)) if result is not None else None


def notebook_bytes(notebook: dict[str, Any]) -> bytes:
    """Notebook JSON, compact (the C encoder: indenting would take several times longer),
    sorted keys, final newline; Jupyter reads it as it is and indents it when it saves."""
    return (json.dumps(notebook, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def notebook_name(src_uri: str) -> str:
    """``basics/coins.md`` -> ``coins.ipynb`` (written next to the page's HTML)."""
    return Path(src_uri).stem + ".ipynb"


DOWNLOAD_ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" aria-hidden="true" focusable="false">'
    '<path d="M5 20h14v-2H5zM19 9h-4V3H9v6H5l7 7z"/></svg>'
)


def download_action(src_uri: str) -> str:
    """Material's page-action button (beside edit/view) that downloads the notebook."""
    name = notebook_name(src_uri)
    return str(macros("notebook.html").download(name, Markup(DOWNLOAD_ICON)))
