"""Rich outputs within bounds before anything parses them: a page's size budget, and a
nesting depth no parser takes long over."""

from __future__ import annotations

import pytest

from wmbook.check.displays import MAX_DEPTH, bound_displays, markup_depth
from wmbook.execute.display import Displays
from wmbook.execute.executor import usable
from wmbook.model import (
    CUT_MIME,
    Display,
    Outcome,
    SessionResult,
    Severity,
    SourceLoc,
    StepKey,
    StepKind,
    StepResult,
)


@pytest.mark.parametrize(
    ("markup", "depth"),
    [
        ("plain text", 0),
        ("<p>a</p><p>b</p>", 1),
        ("<div><div><span>x</span></div></div>", 3),
        ("<br><img src=x><hr/>", 0),
        ("<p>one<p>two<p>three", 1),  # a new paragraph ends the open one
        ("<table><tr><td>1<td>2<tr><td>3</table>", 3),
        ("<ul><li>a<li>b<ul><li>c</ul></ul>", 4),
        ("<svg><path/><path/><g><rect/></g></svg>", 2),
        ("<div/>" * 10, 10),  # in HTML, <div/> opens a div
        ("</b></b><div><div>", 2),
        ("<div>" * 1000, MAX_DEPTH + 1),  # counted no further than past the limit
    ],
)
def test_markup_depth(markup: str, depth: int) -> None:
    assert markup_depth(markup) == depth


def _step(index: int, *displays: Display) -> StepResult:
    return StepResult(StepKey(StepKind.CODE, index), Outcome.OK, displays=displays)


def _html(size: int) -> Display:
    return Display((("text/html", "<p>" + "x" * (size - 3)), ("text/plain", "")))


def test_outputs_past_the_page_budget_are_cut_with_a_warning_at_their_block() -> None:
    steps = {s.key: s for s in (_step(0, _html(600)), _step(1, _html(500), _html(100)), _step(2, _html(50)))}
    blocks = [(key, SourceLoc("docs/p.md", 10 * (n + 1))) for n, key in enumerate(steps)]
    bounded, problems = bound_displays(blocks, steps, 1000)
    assert set(bounded) == {StepKey(StepKind.CODE, 1)}
    first, second = bounded[StepKey(StepKind.CODE, 1)].displays
    assert first.data == (("text/plain", "[rich output cut: the page's rich outputs passed 0.000953674 MB]"),)
    assert second == _html(100)  # what still fits is kept
    assert [(p.loc.line, p.severity) for p in problems] == [(20, Severity.WARNING)]
    assert "max_display_mb" in problems[0].message


def test_an_output_nested_too_deep_falls_back_to_its_other_forms() -> None:
    deep = Display((("text/html", "<div>" * 200_000), ("text/plain", "<Deep object>")))
    only = Display((("image/svg+xml", "<svg>" + "<g>" * 100_000 + "</svg>"),))
    steps = {s.key: s for s in (_step(0, deep, only),)}
    bounded, problems = bound_displays([(StepKey(StepKind.CODE, 0), SourceLoc("docs/p.md", 3))], steps, 10**9)
    kept = bounded[StepKey(StepKind.CODE, 0)].displays
    assert kept[0].data == (("text/plain", "<Deep object>"),)
    assert kept[1].data == (("text/plain", "[rich output cut: its markup is too deep or too long]"),)
    assert len(problems) == 2 and all("nests its elements more than 256 deep" in p.message for p in problems)


def test_outputs_within_bounds_are_left_alone() -> None:
    steps = {s.key: s for s in (_step(0, _html(100)),)}
    assert bound_displays([(StepKey(StepKind.CODE, 0), SourceLoc("docs/p.md", 1))], steps, 1000) == ({}, [])


def test_long_markdown_and_latex_are_not_converted() -> None:
    shown = Display(
        (
            ("text/markdown", "- item\n" * 20_000),
            ("text/latex", "$" + "x" * 70_000 + "$"),
            ("text/plain", "p"),
        )
    )
    steps = {s.key: s for s in (_step(0, shown),)}
    bounded, problems = bound_displays([(StepKey(StepKind.CODE, 0), SourceLoc("docs/p.md", 3))], steps, 10**9)
    assert bounded[StepKey(StepKind.CODE, 0)].displays == (Display((("text/plain", "p"),)),)
    assert [p.message.split(" is longer")[0] for p in problems] == [
        "a rich output's text/markdown, text/latex"
    ]


def test_a_session_sends_only_the_size_of_what_passes_its_budget() -> None:
    displays = Displays(max_bytes=1000)
    for size in (600, 500, 100):
        displays.add(_html(size))
    kept, cut, fits = displays.take()
    assert (kept, fits) == (_html(600), _html(100))
    assert cut.data == ((CUT_MIME, "500 1000"),)  # the output itself never leaves the session
    # The build says the same of it as of an output past the page's budget.
    steps = {s.key: s for s in (_step(0, kept, cut, fits),)}
    bounded, problems = bound_displays([(StepKey(StepKind.CODE, 0), SourceLoc("docs/p.md", 4))], steps, 1000)
    assert bounded[StepKey(StepKind.CODE, 0)].displays[1].data == (
        ("text/plain", "[rich output cut: the page's rich outputs passed 0.000953674 MB]"),
    )
    assert [p.message.split(" takes")[0] for p in problems] == ["a rich output of 0.0 MB"]
    assert "max_display_mb" in problems[0].message


def test_a_stored_result_cut_by_another_budget_runs_again() -> None:
    cut = _step(0, Display(((CUT_MIME, "500 1000"),)))
    stored = SessionResult("docs/p.md", "main", (cut,), 1.0)
    assert usable(stored, 1000) is stored
    assert usable(stored, 2000) is None  # max_display_mb was raised since
