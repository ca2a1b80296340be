"""The equation kind: labels and anchors, validation, markup, and the page-wide rules
(unique labels, links that resolve)."""

from __future__ import annotations

import pytest
from kind_support import check_context, clean_page, parse_block

from wmbook.kinds import equation as kind
from wmbook.kinds.equation import Equation, equation_anchor
from wmbook.model import Diagnostic, Region, Severity, SourceLoc

PATH = "docs/eq.md"
DISPLAY = ("$$", "a = b", "$$")


def equation(
    argument: str, *content: str, options: tuple[str, ...] = ()
) -> tuple[Equation | None, list[Diagnostic]]:
    text = "\n".join([f"/// equation | {argument}", *(f"    {o}" for o in options), *content, "///"])
    return parse_block(kind.parse, text, PATH)


@pytest.mark.parametrize(
    ("argument", "label", "title", "anchor"),
    [
        ("EQ MM5.1 — The world-model contract", "EQ MM5.1", "The world-model contract", "eq-mm5-1"),
        ("EQ MM5.2 – En dash", "EQ MM5.2", "En dash", "eq-mm5-2"),
        ("EQ MM5.3 - Hyphen", "EQ MM5.3", "Hyphen", "eq-mm5-3"),
        ("EQ MM5.4—No spaces", "EQ MM5.4", "No spaces", "eq-mm5-4"),
        ("EQ MM5.1", "EQ MM5.1", "", "eq-mm5-1"),
        ("EQ 1", "EQ 1", "", "eq-1"),
        ("EQ 7", "EQ 7", "", "eq-7"),
        ("EQ A.1", "EQ A.1", "", "eq-a-1"),
        ("EQ A.1 — Appendix", "EQ A.1", "Appendix", "eq-a-1"),
        ("EQ GD2.3 — Gradient descent", "EQ GD2.3", "Gradient descent", "eq-gd2-3"),
        ("EQ 2.3.4 — Deep", "EQ 2.3.4", "Deep", "eq-2-3-4"),
        ("EQ MM5.1a — Variant", "EQ MM5.1a", "Variant", "eq-mm5-1a"),
        ("EQ  MM5.10 — Spaces", "EQ MM5.10", "Spaces", "eq-mm5-10"),
        ("EQ T2.1 — Euler's & Gauss's", "EQ T2.1", "Euler's & Gauss's", "eq-t2-1"),
        ("EQ B — Letters only", "EQ B", "Letters only", "eq-b"),
    ],
)
def test_labels_titles_and_anchors(argument: str, label: str, title: str, anchor: str) -> None:
    found, problems = equation(argument, *DISPLAY)
    assert problems == []
    assert found is not None
    assert (found.label, found.title, found.anchor) == (label, title, anchor)
    assert found.loc == SourceLoc(PATH, 1)


def test_record_keeps_its_region_and_content() -> None:
    found, _ = equation("EQ 1 — One", *DISPLAY, "A caption.")
    assert found is not None
    assert found.content == (*DISPLAY, "A caption.")
    lines = ["/// equation | EQ 1 — One", *DISPLAY, "A caption.", "///"]
    assert found.region == Region(1, 6, "\n".join(lines))


@pytest.mark.parametrize(
    ("label", "anchor"),
    [
        ("EQ MM5.1", "eq-mm5-1"),
        ("EQ 1", "eq-1"),
        ("EQ 12", "eq-12"),
        ("EQ A.1", "eq-a-1"),
        ("EQ GD2.3", "eq-gd2-3"),
        ("EQ MM5.1", "eq-mm5-1"),
        ("EQ A1.2b", "eq-a1-2b"),
    ],
)
def test_equation_anchor(label: str, anchor: str) -> None:
    assert equation_anchor(label) == anchor


NEEDS_LABEL = "an equation needs a label after '|': EQ and letters, digits and dots"


@pytest.mark.parametrize(
    ("argument", "content", "options", "expected"),
    [
        ("", DISPLAY, (), (1, NEEDS_LABEL)),
        ("MM5.1 — No EQ prefix", DISPLAY, (), (1, NEEDS_LABEL)),
        ("EQ — No number", DISPLAY, (), (1, NEEDS_LABEL)),
        ("EQ", DISPLAY, (), (1, NEEDS_LABEL)),
        ("EQ MM5.1: Colon", DISPLAY, (), (1, NEEDS_LABEL)),
        ("EQ 1. — Ends in a dot", DISPLAY, (), (1, NEEDS_LABEL)),
        ("EQ A..1", DISPLAY, (), (1, NEEDS_LABEL)),
        ("EQ .1", DISPLAY, (), (1, NEEDS_LABEL)),
        ("EQ A_1", DISPLAY, (), (1, NEEDS_LABEL)),
        ("eq 1 — Lower case", DISPLAY, (), (1, NEEDS_LABEL)),
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


def test_a_bad_label_gives_no_record_and_names_examples() -> None:
    found, (problem,) = equation("Label", *DISPLAY)
    assert found is None
    for example in ("'EQ 3'", "'EQ A.1 — Title'", "'EQ MM5.1 — Title'"):
        assert example in problem.message


def test_brackets_also_make_display_math() -> None:
    found, problems = equation("EQ 1", "\\[ a = b \\]")
    assert problems == [] and found is not None


def test_render_gives_the_anchor_and_separates_display_math() -> None:
    found, _ = equation("EQ MM5.1 — A & B", "$$", "x = 1", "$$", "Caption with $y$.", "$$ z = 2 $$", "Tail.")
    assert found is not None
    lines = kind.render(found)
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


def test_render_without_title() -> None:
    found, _ = equation("EQ A.1", *DISPLAY)
    assert found is not None
    assert kind.render(found)[1] == (
        '<p class="wmbook-equation__title"><a class="wmbook-anchor" href="#eq-a-1">EQ A.1</a></p>'
    )


# -- labels unique on a page, links resolve --


def problems_of(text: str) -> list[tuple[int, str]]:
    page = clean_page(text, PATH)
    found = kind.check_page(page, check_context(page))
    assert all(d.severity is Severity.ERROR and d.loc.path == PATH for d in found)
    return [(d.loc.line, d.message) for d in found]


def test_unique_labels_and_resolving_links_are_fine() -> None:
    text = "\n".join(
        [
            "/// equation | EQ 1 — One",
            *DISPLAY,
            "///",
            "/// equation | EQ A.1 — Two",
            *DISPLAY,
            "///",
            "[EQ 1](#eq-1) and [EQ A.1](#eq-a-1); [another page](other.md#eq-9) is not checked here.",
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


def test_known_equations_are_listed_sorted() -> None:
    text = "\n".join(
        ["/// equation | EQ B.2", *DISPLAY, "///", "/// equation | EQ A.1", *DISPLAY, "///", "[x](#eq-c-3)"]
    )
    assert problems_of(text) == [
        (11, "link to #eq-c-3, but this page has no such equation (equations: eq-a-1, eq-b-2)")
    ]


def test_a_page_with_an_equation_has_math() -> None:
    page = clean_page("/// equation | EQ 1\n$$a$$\n///\n", PATH)
    assert page.has_math
    assert [e.anchor for e in page.blocks_of(Equation)] == ["eq-1"]
