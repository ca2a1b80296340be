"""Labelled blocks: equations (labels, anchors, duplicates, links) and instruments."""

from __future__ import annotations

import pytest

from wmbook.blocks.equation import Equation, equation_anchor, parse_equation, render_equation
from wmbook.blocks.instrument import InstrumentBlock, known_instruments, parse_instrument
from wmbook.check.reader import check_labels_and_links
from wmbook.model import Diagnostic, SourceLoc
from wmbook.parse.blocks import find_blocks
from wmbook.parse.page import parse_page

PATH = "docs/eq.md"
DISPLAY = ("$$", "a = b", "$$")


def equation(
    argument: str, *content: str, options: tuple[str, ...] = ()
) -> tuple[Equation | None, list[Diagnostic]]:
    text = "\n".join([f"/// equation | {argument}", *(f"    {o}" for o in options), *content, "///"])
    (raw,) = find_blocks(text, [])
    return parse_equation(raw, PATH)


@pytest.mark.parametrize(
    ("argument", "label", "title", "anchor"),
    [
        ("EQ MM5.1 — The world-model contract", "EQ MM5.1", "The world-model contract", "eq-mm5-1"),
        ("EQ MM5.2 – En dash", "EQ MM5.2", "En dash", "eq-mm5-2"),
        ("EQ MM5.3 - Hyphen", "EQ MM5.3", "Hyphen", "eq-mm5-3"),
        ("EQ MM5.4—No spaces", "EQ MM5.4", "No spaces", "eq-mm5-4"),
        ("EQ MM5.1", "EQ MM5.1", "", "eq-mm5-1"),
        ("EQ 7", "EQ 7", "", "eq-7"),
        ("EQ 2.3.4 — Deep", "EQ 2.3.4", "Deep", "eq-2-3-4"),
        ("EQ MM5.1a — Variant", "EQ MM5.1a", "Variant", "eq-mm5-1a"),
        ("EQ  MM5.10 — Spaces", "EQ MM5.10", "Spaces", "eq-mm5-10"),
        ("EQ T2.1 — Euler's & Gauss's", "EQ T2.1", "Euler's & Gauss's", "eq-t2-1"),
    ],
)
def test_labels_titles_and_anchors(argument: str, label: str, title: str, anchor: str) -> None:
    found, problems = equation(argument, *DISPLAY)
    assert problems == []
    assert found is not None
    assert (found.label, found.title, found.anchor) == (label, title, anchor)
    assert found.loc == SourceLoc(PATH, 1)


@pytest.mark.parametrize(
    ("label", "anchor"), [("EQ MM5.1", "eq-mm5-1"), ("EQ 12", "eq-12"), ("EQ A1.2b", "eq-a1-2b")]
)
def test_equation_anchor(label: str, anchor: str) -> None:
    assert equation_anchor(label) == anchor


@pytest.mark.parametrize(
    ("argument", "content", "options", "expected"),
    [
        ("", DISPLAY, (), (1, "needs a label like 'EQ MM5.1 — Title'")),
        ("MM5.1 — No EQ prefix", DISPLAY, (), (1, "needs a label like 'EQ MM5.1 — Title'")),
        ("EQ — No number", DISPLAY, (), (1, "needs a label like 'EQ MM5.1 — Title'")),
        ("EQ MM5.1: Colon", DISPLAY, (), (1, "needs a label like 'EQ MM5.1 — Title'")),
        ("EQ MM5.1 — No math", ("Only a caption.",), (), (1, "must contain display math between $$ and $$")),
        ("EQ MM5.1 — Inline only", ("$a$ is inline.",), (), (1, "must contain display math")),
        ("EQ MM5.1 — Options", DISPLAY, ("numbered: true",), (2, "unknown equation option 'numbered'")),
    ],
)
def test_bad_equations(
    argument: str, content: tuple[str, ...], options: tuple[str, ...], expected: tuple[int, str]
) -> None:
    _, problems = equation(argument, *content, options=options)
    assert [(p.loc.line, expected[1] in p.message) for p in problems] == [(expected[0], True)]


def test_render_gives_the_anchor_and_separates_display_math() -> None:
    found, _ = equation("EQ MM5.1 — A & B", "$$", "x = 1", "$$", "Caption with $y$.", "$$ z = 2 $$", "Tail.")
    assert found is not None
    lines = render_equation(found)
    assert lines[0] == '<div class="wmbook-equation" id="eq-mm5-1" markdown="1">'
    assert '<a class="wmbook-anchor" href="#eq-mm5-1">EQ MM5.1</a> — A &amp; B' in lines[1]
    assert lines[2:] == [
        "",
        "$$",
        "x = 1",
        "$$",
        "",
        "Caption with $y$.",
        "",
        "$$ z = 2 $$",
        "",
        "Tail.",
        "",
        "</div>",
    ]


# -- labels unique on a page, links resolve --


def problems_of(text: str) -> list[tuple[int, str]]:
    page = parse_page(text, PATH)
    assert page.diagnostics == ()
    return [(d.loc.line, d.message) for d in check_labels_and_links(page)]


def test_unique_labels_and_resolving_links_are_fine() -> None:
    text = "\n".join(
        [
            "/// equation | EQ 1 — One",
            *DISPLAY,
            "///",
            "/// equation | EQ 2 — Two",
            *DISPLAY,
            "///",
            "[EQ 1](#eq-1) and [EQ 2](#eq-2); [another page](other.md#eq-9) is not checked here.",
        ]
    )
    assert problems_of(text) == []


def test_duplicate_label_is_an_error_at_the_second_equation() -> None:
    text = "\n".join(
        ["/// equation | EQ 1 — One", *DISPLAY, "///", "", "/// equation | EQ 1 — Again", *DISPLAY, "///"]
    )
    assert problems_of(text) == [(7, f"EQ 1 is already the label of the equation at {PATH}:1")]


def test_labels_differing_only_in_case_share_an_anchor() -> None:
    text = "\n".join(["/// equation | EQ A1", *DISPLAY, "///", "/// equation | EQ a1", *DISPLAY, "///"])
    assert [line for line, _ in problems_of(text)] == [6]


def test_link_to_a_missing_equation_is_an_error_at_the_link_line() -> None:
    text = "\n".join(
        [
            "/// equation | EQ 1 — One",  # 1
            *DISPLAY,  # 2-4
            "///",  # 5
            "",  # 6
            "See [EQ 1](#eq-1),",  # 7
            "and [EQ 9](#eq-9).",  # 8
            "Code `[EQ 8](#eq-8)` is not a link.",  # 9
            "```text",  # 10
            "[EQ 7](#eq-7)",  # 11
            "```",  # 12
        ]
    )
    assert problems_of(text) == [(8, "link to #eq-9, but this page has no such equation (equations: eq-1)")]


def test_link_on_a_page_without_equations() -> None:
    assert problems_of("Text [x](#eq-2).") == [
        (1, "link to #eq-2, but this page has no such equation (equations: none)")
    ]


# -- instruments --


def instrument(argument: str, *options: str) -> tuple[InstrumentBlock | None, list[Diagnostic]]:
    text = "\n".join([f"/// instrument | {argument}", *(f"    {o}" for o in options), "A caption.", "///"])
    (raw,) = find_blocks(text, [])
    return parse_instrument(raw, PATH)


def test_registry_names() -> None:
    assert known_instruments() == ("imagined_planner", "latent_rollout", "pixel_vs_embedding")


@pytest.mark.parametrize(
    ("argument", "name", "label", "title", "anchor"),
    [
        (
            "MM5.1 — Latent-rollout visualizer",
            "latent_rollout",
            "MM5.1",
            "Latent-rollout visualizer",
            "inst-mm5-1",
        ),
        ("MM5.2 - Pixels", "pixel_vs_embedding", "MM5.2", "Pixels", "inst-mm5-2"),
        ("7", "imagined_planner", "7", "", "inst-7"),
    ],
)
def test_valid_instruments(argument: str, name: str, label: str, title: str, anchor: str) -> None:
    found, problems = instrument(argument, f"name: {name}")
    assert problems == []
    assert found is not None
    assert (found.name, found.label, found.title, found.anchor) == (name, label, title, anchor)


KNOWN = "(known instruments: imagined_planner, latent_rollout, pixel_vs_embedding)"


@pytest.mark.parametrize(
    ("argument", "options", "expected"),
    [
        ("MM5.1 — X", ("name: latent_rolout",), (2, f"unknown instrument 'latent_rolout' {KNOWN}")),
        ("MM5.1 — X", (), (1, f"an instrument needs 'name:' {KNOWN}")),
        ("MM5.1 — X", ("name: 3",), (1, "an instrument needs 'name:'")),
        ("MM5.1 — X", ("name: latent_rollout", "size: big"), (3, "unknown instrument option 'size'")),
        ("Latent rollout", ("name: latent_rollout",), (1, "needs a label like 'MM5.1 — Title'")),
    ],
)
def test_bad_instruments(argument: str, options: tuple[str, ...], expected: tuple[int, str]) -> None:
    _, problems = instrument(argument, *options)
    assert [(p.loc.line, expected[1] in p.message) for p in problems] == [(expected[0], True)]
