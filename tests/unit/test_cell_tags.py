"""Jupyter Book's cell tags and Jupyter's collapsed-cell metadata as ``code=`` and ``output=``."""

from __future__ import annotations

from typing import Any

import pytest

from wmbook.parse.notebook import cell_fence_options, tag_display
from wmbook.parse.options import parse_code_options


@pytest.mark.parametrize(
    ("tags", "code", "output"),
    [
        ((), "shown", "shown"),
        (("hide-input",), "folded", "shown"),
        (("hide-output",), "shown", "folded"),
        (("hide-cell",), "folded", "folded"),
        (("remove-input",), "removed", "shown"),
        (("remove-output",), "shown", "removed"),
        (("remove-cell",), "removed", "removed"),
        (("hide-input", "remove-output"), "folded", "removed"),
        (("hide-cell", "remove-input"), "removed", "folded"),  # removing wins over folding
        (("remove-stderr", "thebe-init", "full-width"), "shown", "shown"),  # others: not about display
    ],
)
def test_tags_give_what_each_part_shows(tags: tuple[str, ...], code: str, output: str) -> None:
    assert (tag_display(set(tags), "code"), tag_display(set(tags), "output")) == (code, output)


def _cell(**metadata: Any) -> dict[str, Any]:
    return {"cell_type": "code", "source": "x = 1", "metadata": metadata, "outputs": []}


@pytest.mark.parametrize(
    ("cell", "code", "output"),
    [
        (_cell(tags=["hide-input"]), "folded", "shown"),
        (_cell(tags=["remove-cell"]), "removed", "removed"),
        (_cell(jupyter={"source_hidden": True}), "folded", "shown"),
        (_cell(jupyter={"outputs_hidden": True}), "shown", "folded"),
        (_cell(jupyter={"source_hidden": True, "outputs_hidden": True}), "folded", "folded"),
        (_cell(jupyter={"source_hidden": False}), "shown", "shown"),
        (_cell(jupyter="collapsed"), "shown", "shown"),  # malformed metadata is no display at all
        (_cell(tags=["remove-input"], jupyter={"source_hidden": True}), "removed", "shown"),
        (
            _cell(tags=["hide-input"], wmbook={"code": "shown"}),
            "shown",
            "shown",
        ),  # the cell's own option wins
        (_cell(tags=["remove-output", "raises-exception"]), "shown", "removed"),
        # A cell that is not run has no output to fold: the tag leaves it alone.
        (_cell(tags=["skip-execution", "hide-output"]), "shown", "shown"),
        (_cell(tags=["hide-cell"], wmbook={"exec": "off"}), "folded", "shown"),
    ],
)
def test_cells_give_fence_options(cell: dict[str, Any], code: str, output: str) -> None:
    """A notebook cell's tags and metadata are read as the options of a fence, and accepted."""
    options = parse_code_options(cell_fence_options(cell))
    assert (options.code_display, options.output_display) == (code, output)
