"""The slot markers: what ``OutputSlot`` writes, the reader gets back, whatever the page."""

from __future__ import annotations

import pytest

from wmbook.model import StepKey, StepKind
from wmbook.render.slots import (
    REFERENCES,
    OutputSlot,
    figure_slots,
    fill_references,
    fill_template,
    output_slots,
    template_marker,
)

PREFIXES = ["page", "basics-coins-md", "a-code-1-md", "x", "check-2-ipynb"]


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("kind", [*StepKind, "exercise"])
@pytest.mark.parametrize("index", [0, 7, 12])
def test_the_reader_gets_back_what_the_writer_wrote(prefix: str, kind: str, index: int) -> None:
    slot = OutputSlot(prefix, StepKey(kind, index))
    other = OutputSlot("other", StepKey(StepKind.CODE, 1))
    html = f"<p>{slot.marker}</p>\n{other.marker}\n<figure>{slot.figures_marker}</figure>"
    assert output_slots(html) == [slot, other]
    assert figure_slots(html) == [slot]


def test_text_that_only_looks_like_a_slot_is_none() -> None:
    html = "<!--wmbook-slot:page-code-x--> <!--wmbook-slot:page-1-2--> <!-- wmbook-slot:page-code-1 -->"
    assert output_slots(html) == []


def test_the_reference_list_fills_its_one_slot() -> None:
    assert fill_references(f"<p>a</p>{REFERENCES}<p>b</p>{REFERENCES}", "<ol></ol>") == (
        f"<p>a</p><ol></ol><p>b</p>{REFERENCES}"
    )


def test_a_notebook_pages_template_part_fills_its_own_pages_first_slot() -> None:
    ours, forged, other = template_marker("nb-a-ipynb"), template_marker("nb-a-ipynb"), template_marker("b")
    html = f"<article>{ours}<div>{forged}{other}</div></article>"
    assert fill_template(html, "nb-a-ipynb", "<style>x</style>") == (
        f"<article><style>x</style><div>{forged}{other}</div></article>"
    )
