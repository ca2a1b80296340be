"""Notebook cells as nbformat 4 JSON: Markdown cells, code cells and a step's outputs as
Jupyter lists them.  The block kinds write their cells with these (``BlockKind.notebook``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from msgspec.structs import replace

from wmbook.execute.display import PAGER_MIME
from wmbook.model import Display, StepKey, StepResult, Stream
from wmbook.parse.options import CodeOptions

Cell = dict[str, Any]
"""A notebook cell as nbformat 4 JSON."""


def lines(text: str) -> list[str]:
    """Notebook JSON keeps sources as lists of lines, each but the last with its newline."""
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def markdown_cell(text: str) -> Cell:
    """A Markdown cell holding ``text``."""
    return {"cell_type": "markdown", "metadata": {}, "source": lines(text.strip("\n"))}


def code_cell(
    source: str, outputs: list[dict[str, Any]], metadata: dict[str, Any], count: int | None = None
) -> Cell:
    """A code cell, with its ``In [count]:`` if it ran."""
    return {
        "cell_type": "code",
        "execution_count": count,
        "metadata": metadata,
        "outputs": outputs,
        "source": lines(source),
    }


def _display_output(shown: Display, execution_count: int | None) -> dict[str, Any]:
    data = {mime: lines(value) for mime, value in shown.data if not mime.startswith("application/vnd.wmbook")}
    if shown.result:
        return {
            "output_type": "execute_result",
            "execution_count": execution_count,
            "data": data,
            "metadata": {},
        }
    return {"output_type": "display_data", "data": data, "metadata": {}}


def cell_outputs(result: StepResult | None) -> list[dict[str, Any]]:
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
                outputs.append({"output_type": "stream", "name": stream.name, "text": lines(stream.text)})
            stream = next(pending, None)
        if shown is not None and shown.get(PAGER_MIME) is None:  # Jupyter stores no pager text
            outputs.append(_display_output(shown, result.execution_count))
    for figure in result.figures:
        data = {"image/svg+xml": lines(figure.svg), "text/plain": [figure.label]}
        outputs.append({"output_type": "display_data", "data": data, "metadata": {}})
    if result.traceback:
        last = next((line for line in reversed(result.traceback.splitlines()) if line.strip()), "")
        name, _, value = last.partition(": ")
        error = {"output_type": "error", "ename": result.exc_type or name, "evalue": value}
        outputs.append({**error, "traceback": result.traceback.rstrip("\n").split("\n")})
    return outputs


def numbered_result(
    results: Mapping[StepKey, StepResult], key: StepKey, counts: Mapping[StepKey, int]
) -> StepResult | None:
    """A step's result, its value (an ``execute_result``) carrying its cell's own number."""
    result = results.get(key)
    return replace(result, execution_count=counts.get(key)) if result is not None else None


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
