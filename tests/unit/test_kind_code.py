"""The code kind: python fences and their options, diagnostics for how a block's step
ended, and the plain fence plus output slot that replace the block in the page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import markdown
import pytest
from kind_support import check_context, clean_page, parse_context, render_context

from wmbook.blocks import CodeBlock
from wmbook.check.steps import error_summary
from wmbook.kinds import code as kind
from wmbook.kinds import registry
from wmbook.model import (
    Diagnostic,
    Figure,
    Outcome,
    PageRef,
    Region,
    Severity,
    SourceLoc,
    StepKey,
    StepKind,
    StepResult,
)
from wmbook.parse.fences import find_fences, front_matter_lines
from wmbook.parse.options import CodeOptions
from wmbook.parse.page import parse_page
from wmbook.render.outputs import problem_box, render_figures, render_result
from wmbook.render.place import Placement, place_blocks
from wmbook.render.slots import fill_figure_slots, fill_slots, open_folds, slot_name

PATH = "docs/p.md"


def code(index: int) -> StepKey:
    return StepKey(StepKind.CODE, index)


# -- parse --


def test_block_records() -> None:
    """Index, path, options, region and the line of the first code line are recorded."""
    text = '# T\n\n```python session="s" timeout="4"\nx = 1\n```\n\n```python exec="off"\ny\n```\n'
    page = parse_page(text, PageRef("p.md", PATH, "/abs/p.md"))
    assert (page.path, page.abs_path, page.text) == (PATH, "/abs/p.md", text)
    first, second = page.blocks_of(CodeBlock)
    assert (first.index, first.loc, first.code_loc) == (0, SourceLoc(PATH, 3), SourceLoc(PATH, 4))
    assert first.options == CodeOptions(session="s", timeout=4.0)
    assert first.region == Region(3, 5, '```python session="s" timeout="4"\nx = 1\n```')
    assert (first.code, first.key) == ("x = 1", code(0))
    assert (second.index, second.loc, second.options) == (1, SourceLoc(PATH, 7), CodeOptions(execute=False))
    assert second.key == code(1)
    assert page.diagnostics == ()


@pytest.mark.parametrize(
    ("lang", "is_code"),
    [("python", True), ("py", True), ("python3", True), ("pycon", False), ("text", False), ("Python", False)],
)
def test_languages_that_are_code(lang: str, is_code: bool) -> None:
    page = clean_page(f"```{lang}\nprint(1)\n```\n", PATH)
    assert [b.code for b in page.blocks_of(CodeBlock)] == (["print(1)"] if is_code else [])


def test_parse_of_one_fence() -> None:
    text = "Intro.\n\n    ```python\n    a = 1\n\n    b = 2\n    ```\n"
    (fence,) = find_fences(text)
    block, problems = kind.parse(fence, parse_context(text, PATH))
    assert problems == []
    assert block == CodeBlock(
        Region(3, 7, "    ```python\n    a = 1\n\n    b = 2\n    ```"),
        SourceLoc(PATH, 3),
        0,
        fence,
        "a = 1\n\nb = 2",
        CodeOptions(),
    )


@pytest.mark.parametrize(
    ("info", "fragment"),
    [
        ('exce="off"', "'exce'"),
        ('timeout="0"', "timeout"),
        ('session="bad name"', "session"),
        ("stray", "'stray'"),
    ],
)
def test_invalid_option_is_reported_and_not_run(info: str, fragment: str) -> None:
    """A bad option is an error at the python fence's line, and the block does not run."""
    text = f"# T\n\n```python\na = 1\n```\n\n```python {info}\nprint(2)\n```\n"
    page = parse_page(text, PATH)
    assert [d.loc for d in page.diagnostics] == [SourceLoc(PATH, 7)]
    assert page.diagnostics[0].severity is Severity.ERROR
    assert fragment in page.diagnostics[0].message
    assert not page.blocks_of(CodeBlock)[1].options.execute


def test_unclosed_python_fence_is_reported() -> None:
    """A python fence without its closing marker is an error at its line."""
    page = parse_page("text\n\n```python\nprint(1)\n", PATH)
    assert [(d.loc, "never closed" in d.message) for d in page.diagnostics] == [(SourceLoc(PATH, 3), True)]
    (block,) = page.blocks_of(CodeBlock)
    assert (block.code, block.fence.closed, block.region.end) == ("print(1)\n", False, 5)


# -- check: how a block's step ended --

PAGE = """\
# Page

```python
x = 1
y = int("a")
z = 3
```

```python raises="KeyError"
{}["k"]
```

```python
print(2.41)
```
"""
# Block 0 at line 3 (code from 4); block 1 at 9 (code 10); block 2 at 13 (code 14).

TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "docs/p.md", line 5, in <module>\n'
    '    y = int("a")\n'
    "ValueError: invalid literal for int() with base 10: 'a'\n"
)


def _blocks() -> tuple[CodeBlock, ...]:
    page = clean_page(PAGE, PATH)
    assert [b.loc.line for b in page.blocks_of(CodeBlock)] == [3, 9, 13]
    return page.blocks_of(CodeBlock)


def _problems(index: int, result: StepResult) -> list[Diagnostic]:
    return kind.step_problems(_blocks()[index], result)


def _summary(diagnostics: list[Diagnostic]) -> list[tuple[int, Severity]]:
    return [(d.loc.line, d.severity) for d in diagnostics]


@pytest.mark.parametrize(
    ("index", "result"),
    [
        (0, StepResult(code(0), Outcome.OK, output="1\n")),
        (1, StepResult(code(1), Outcome.OK, output="KeyError: 'k'\n", exc_type="KeyError")),
        (2, StepResult(code(2), Outcome.OK, output="anything\n")),
    ],
    ids=["ok", "raised-as-marked", "output-is-not-this-kind's"],
)
def test_good_steps_give_nothing(index: int, result: StepResult) -> None:
    assert _problems(index, result) == []


def test_check_looks_up_the_block_by_its_key() -> None:
    page = clean_page(PAGE, PATH)
    first = page.blocks_of(CodeBlock)[0]
    failed = StepResult(code(0), Outcome.TIMEOUT, detail="timed out after 1 s")
    assert kind.check(first, check_context(page)) == []
    assert _summary(kind.check(first, check_context(page, [failed]))) == [(4, Severity.ERROR)]
    elsewhere = StepResult(StepKey(StepKind.CHECK, 0), Outcome.TIMEOUT, detail="timed out after 1 s")
    assert kind.check(first, check_context(page, [elsewhere])) == []


@pytest.mark.parametrize(
    ("error_line", "line"),
    [(5, 5), (6, 6), (None, 4)],
    ids=["failing-line", "other-line", "unknown-line-uses-code-start"],
)
def test_raised(error_line: int | None, line: int) -> None:
    """An exception is reported at the failing line, quoting the traceback's last line."""
    result = StepResult(
        code(0),
        Outcome.RAISED,
        output=TRACEBACK,
        exc_type="ValueError",
        error_line=error_line,
        traceback=TRACEBACK,
    )
    diagnostics = _problems(0, result)
    assert _summary(diagnostics) == [(line, Severity.ERROR)]
    (diagnostic,) = diagnostics
    assert diagnostic.loc == SourceLoc(PATH, line)
    assert "ValueError: invalid literal for int() with base 10: 'a'" in diagnostic.message
    assert 'fix the code or mark the block raises="ValueError"' in diagnostic.message
    assert diagnostic.detail == TRACEBACK
    assert f"{PATH}:{line}: " in diagnostic.format()


def test_raised_other_exception_than_announced() -> None:
    """A block marked raises= that raised something else names both."""
    trace = TRACEBACK.replace("line 5", "line 10")
    result = StepResult(
        code(1), Outcome.RAISED, output=trace, exc_type="ValueError", error_line=10, traceback=trace
    )
    diagnostics = _problems(1, result)
    assert _summary(diagnostics) == [(10, Severity.ERROR)]
    assert "ValueError: invalid literal" in diagnostics[0].message
    assert '(the block is marked raises="KeyError")' in diagnostics[0].message


@pytest.mark.parametrize("seconds", ["2.5 s", "60 s"])
def test_timeout(seconds: str) -> None:
    """A timeout is reported at the block's first line of code."""
    diagnostics = _problems(0, StepResult(code(0), Outcome.TIMEOUT, detail=f"timed out after {seconds}"))
    assert _summary(diagnostics) == [(4, Severity.ERROR)]
    assert diagnostics[0].message == f'timed out after {seconds}; make the block faster or set timeout="S"'


@pytest.mark.parametrize(
    "detail",
    [
        "the session's process exited with status 3",
        "the session's process was killed by signal SIGSEGV",
        "sys.exit(0) was called",
    ],
)
def test_died(detail: str) -> None:
    """A block that ended its process is reported at its first line of code, with its output."""
    diagnostics = _problems(0, StepResult(code(0), Outcome.DIED, output="partial\n", detail=detail))
    assert _summary(diagnostics) == [(4, Severity.ERROR)]
    assert detail in diagnostics[0].message
    assert "a block must not end its process" in diagnostics[0].message
    assert diagnostics[0].detail == "partial\n"


def test_uncached() -> None:
    """Cache-only mode without an entry is an error at the fence, saying how to fill the cache."""
    detail = "session 'main' is not in the cache and the cache mode is cache-only"
    diagnostics = _problems(0, StepResult(code(0), Outcome.UNCACHED, detail=detail))
    assert _summary(diagnostics) == [(3, Severity.ERROR)]
    assert diagnostics[0].message.startswith(detail + "; build once with cache mode auto (WMBOOK_CACHE=auto)")


@pytest.mark.parametrize(
    ("index", "detail", "message"),
    [
        (1, "docs/p.md:4", "not run because the block at docs/p.md:4 failed"),
        (2, "docs/p.md:10", "not run because the block at docs/p.md:10 failed"),
        (1, "", "not run"),
    ],
    ids=["names-the-failure", "names-another-failure", "without-known-cause"],
)
def test_not_run(index: int, detail: str, message: str) -> None:
    """Later blocks of a failed session are warnings at their fence that name where it failed."""
    diagnostics = _problems(index, StepResult(code(index), Outcome.NOT_RUN, detail=detail))
    assert _summary(diagnostics) == [(_blocks()[index].loc.line, Severity.WARNING)]
    assert diagnostics[0].message == message


def test_raises_but_nothing_raised() -> None:
    """raises= on a block that raised nothing is an error at its fence."""
    diagnostics = _problems(1, StepResult(code(1), Outcome.OK))
    assert _summary(diagnostics) == [(9, Severity.ERROR)]
    assert diagnostics[0].message == 'the block is marked raises="KeyError" but raised nothing'


@pytest.mark.parametrize(
    ("traceback", "exc_type", "summary"),
    [
        (TRACEBACK, "ValueError", "ValueError: invalid literal for int() with base 10: 'a'"),
        (
            "Traceback:\n  ...\nZeroDivisionError: division by zero\n\n  \n",
            None,
            "ZeroDivisionError: division by zero",
        ),
        ("", "KeyError", "KeyError"),
        ("   \n", None, "an exception"),
    ],
)
def test_error_summary(traceback: str, exc_type: str | None, summary: str) -> None:
    assert (
        error_summary(StepResult(code(0), Outcome.RAISED, exc_type=exc_type, traceback=traceback)) == summary
    )


# -- render --


def test_slot_names_combine_the_page_prefix_and_the_step_key() -> None:
    page = clean_page(PAGE, PATH)
    assert [slot_name("guide-intro", b.key) for b in page.blocks_of(CodeBlock)] == [
        f"guide-intro-code-{i}" for i in range(3)
    ]


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        pytest.param(
            '```python session="a" timeout="3"\nprint(1)\n```',
            ["```python", "print(1)", "```", "", "<!--wmbook-slot:docs-p-md-code-0-->", ""],
            id="options-removed-slot-added",
        ),
        pytest.param(
            '```py exec="off"\nwhile True: pass\n```', ["```python", "while True: pass", "```"], id="exec-off"
        ),
        pytest.param(
            "!!! note\n\n    ~~~~python3\n    a = 1\n\n    b = 2\n    ~~~~",
            [
                "    ~~~~python",
                "    a = 1",
                "",
                "    b = 2",
                "    ~~~~",
                "",
                "    <!--wmbook-slot:docs-p-md-code-0-->",
                "",
            ],
            id="indented",
        ),
        pytest.param(
            '```python code="folded" title="Helpers -- <two>"\ndef f():\n    return 1\n```',
            [
                "<!--wmbook-fold:Helpers &#45;&#45; &lt;two&gt; · 2 lines-->",
                "",
                "```python",
                "def f():",
                "    return 1",
                "```",
                "",
                "<!--wmbook-fold-end-->",
                "",
                "<!--wmbook-slot:docs-p-md-code-0-->",
                "",
            ],
            id="folded-title-names-the-disclosure",
        ),
        pytest.param(
            '!!! note\n\n    ```py exec="off" code="folded"\n    x = 1\n    ```',
            [
                "    <!--wmbook-fold:Code · 1 line-->",
                "",
                "    ```python",
                "    x = 1",
                "    ```",
                "",
                "    <!--wmbook-fold-end-->",
            ],
            id="folded-indented-not-run",
        ),
        pytest.param(
            '```python output="folded"\nprint(1)\n```',
            [
                "```python",
                "print(1)",
                "```",
                "",
                "<!--wmbook-fold:Output-->",
                "",
                "",
                "<!--wmbook-slot:docs-p-md-code-0-->",
                "",
                "",
                "<!--wmbook-fold-end-->",
            ],
            id="output-folded",
        ),
        pytest.param(
            '```python code="folded" output="folded"\nprint(1)\n```',
            [
                "<!--wmbook-fold:Code and output · 1 line-->",
                "",
                "```python",
                "print(1)",
                "```",
                "",
                "<!--wmbook-slot:docs-p-md-code-0-->",
                "",
                "",
                "<!--wmbook-fold-end-->",
            ],
            id="cell-folded-in-one-disclosure",
        ),
        pytest.param(
            '```python code="removed"\nprint(1)\n```',
            ["", "<!--wmbook-slot:docs-p-md-code-0-->", ""],
            id="code-removed",
        ),
        pytest.param(
            '```python code="removed" output="removed"\nprint(1)\n```',
            [],
            id="cell-removed",
        ),
        pytest.param(
            '```python code="folded" output="removed"\nprint(1)\n```',
            [
                "<!--wmbook-fold:Code · 1 line-->",
                "",
                "```python",
                "print(1)",
                "```",
                "",
                "<!--wmbook-fold-end-->",
            ],
            id="code-folded-output-removed",
        ),
        pytest.param(
            "```python\nprint(1)",
            ["```python", "print(1)"],  # never closed: shown, not run, so no output slot
            id="unclosed",
        ),
    ],
)
def test_render(text: str, rendered: list[str]) -> None:
    page = parse_page(text, PATH)
    (block,) = page.blocks_of(CodeBlock)
    assert kind.render(block, render_context(page)) == rendered


RENDER_PAGE = """\
---
title: T
---
# Page

```python session="a"
print("<b>")
```

```output
<b>
```

!!! note

    ```python timeout="3"
    x = 1
    ```

    ```output
    1
    ```

```python exec="off"
while True: pass
```

- item

    ```python
    y = 2
    ```
"""


def _rendered() -> tuple[str, str]:
    """The page's Markdown as the render stage makes it (front matter dropped, as MkDocs
    hands it over), and that Markdown as HTML."""
    page = clean_page(RENDER_PAGE, "docs/page.md")
    ctx = render_context(page)
    body = "\n".join(RENDER_PAGE.split("\n")[front_matter_lines(RENDER_PAGE) :])
    placements = [Placement(b.region, tuple(registry().of(b).render(b, ctx))) for b in page.blocks]
    rewritten, missing = place_blocks(body, placements)
    assert missing == []
    html = markdown.markdown(rewritten, extensions=["admonition", "pymdownx.superfences"])
    return rewritten, html


def test_rendered_markdown() -> None:
    """Options are stripped, output fences dropped, and executed blocks get a slot."""
    rewritten, _ = _rendered()
    assert "```output" not in rewritten
    assert 'session="a"' not in rewritten and 'timeout="3"' not in rewritten and "exec=" not in rewritten
    slots = re.findall(r"<!--wmbook-slot:([\w-]+)-->", rewritten)
    assert slots == ["docs-page-md-code-0", "docs-page-md-code-1", "docs-page-md-code-3"]
    assert "    <!--wmbook-slot:docs-page-md-code-1-->" in rewritten
    assert "while True: pass" in rewritten
    assert rewritten.count("```python") == 4
    assert rewritten.startswith("# Page\n")


FOLDED_PAGE = """\
# Page

```python code="folded" title="Helpers"
def f():
    return 1
```

!!! note

    ```python code="folded"
    print(f())
    ```

- item

    ```python code="folded"
    y = 2
    ```
"""


def test_folded_blocks_become_closed_disclosures_at_any_depth() -> None:
    """Each folded block's highlighted code sits alone in a closed ``<details>`` whose summary
    names it, at the top level, in an admonition and in a list item; its slot follows it."""
    page = clean_page(FOLDED_PAGE, "docs/page.md")
    ctx = render_context(page)
    placements = [Placement(b.region, tuple(registry().of(b).render(b, ctx))) for b in page.blocks]
    rewritten, _ = place_blocks(FOLDED_PAGE, placements)
    converted = markdown.markdown(rewritten, extensions=["admonition", "pymdownx.superfences"])
    html = open_folds(fill_slots(converted, "docs-p-md", {}, {}))
    folds = re.findall(
        r"(.?.?.?)<details([^>]*)>\s*<summary[^>]*>(.*?)</summary>\s*(.*?)</details>", html, re.S
    )
    assert [(attrs, summary) for _, attrs, summary, _ in folds] == [
        (' class="wmbook-folded"', "Helpers · 2 lines"),
        (' class="wmbook-folded"', "Code · 1 line"),
        (' class="wmbook-folded"', "Code · 1 line"),
    ]
    for before, _, _, inside in folds:
        assert before != "<p>" and inside.startswith('<div class="highlight">') and inside.count("<pre") == 1
    assert "wmbook-fold" not in html.replace("wmbook-folded", "") and "<p></p>" not in html
    assert 'title="Helpers"' not in rewritten  # the title names the disclosure, not the code too


FOLDED_OUTPUTS = """\
```python output="folded"
print(1)
```

- item

    ```python code="folded" output="folded"
    print(2)
    ```

```python output="folded"
x = 3
```
"""


def test_folded_outputs_hold_their_output_and_an_empty_one_is_left_out() -> None:
    """A folded output is a disclosure after its code holding the filled slot; a folded code
    and output share one; a block that printed nothing has no disclosure at all."""
    page = clean_page(FOLDED_OUTPUTS, "docs/page.md")
    ctx = render_context(page)
    placements = [Placement(b.region, tuple(registry().of(b).render(b, ctx))) for b in page.blocks]
    rewritten, _ = place_blocks(FOLDED_OUTPUTS, placements)
    converted = markdown.markdown(rewritten, extensions=["admonition", "pymdownx.superfences"])
    outputs = {code(0): "<pre>one</pre>", code(1): "<pre>two</pre>", code(2): ""}
    html = open_folds(fill_slots(converted, "docs-page-md", outputs, {}))
    folds = re.findall(r"<details[^>]*>\s*<summary[^>]*>(.*?)</summary>\s*(.*?)</details>", html, re.S)
    assert [summary for summary, _ in folds] == ["Output", "Code and output · 1 line"]
    assert folds[0][1].strip() == "<pre>one</pre>"
    assert folds[1][1].startswith('<div class="highlight">') and folds[1][1].rstrip().endswith(
        "<pre>two</pre>"
    )
    assert html.index('class="highlight"') < html.index("<details")  # the code stays shown, above
    assert html.count('class="highlight"') == 3 and html.count("<details") == 2 and "wmbook-fold:" not in html
    assert "<p></p>" not in html


def test_open_folds_leaves_a_page_without_folds_alone() -> None:
    assert open_folds("<p>no folds</p>") == "<p>no folds</p>"


def test_fill_slots_round_trip() -> None:
    """After Markdown rendering every slot is replaced by its block's output, then its figures."""
    _, html = _rendered()
    svg = '<svg viewBox="0 0 10 10" role="img" aria-label="A line"><path d="M0 0L10 10"/></svg>'
    drawn = StepResult(code(1), Outcome.OK, output="1\n", figures=(Figure(svg, "A line"),))
    fragments = {
        code(0): render_result(StepResult(code(0), Outcome.OK, output="<b>\n")),
        code(1): '<div id="one">ONE</div>',
        code(3): '<div id="three">THREE</div>',
    }
    figures = {code(1): render_figures(drawn)}
    content = fill_slots(html, "docs-page-md", fragments, figures)
    assert "wmbook-slot" not in content
    assert "<svg" not in content
    assert content.count("<!--wmbook-figures:docs-page-md-code-1-->") == 1
    filled = fill_figure_slots(content, "docs-page-md", figures)
    assert "wmbook-slot" not in filled and "wmbook-figures" not in filled
    assert "<b>" not in filled
    assert filled.count("&lt;b&gt;</code></pre></div>") == 1
    note = filled[filled.index('<div class="admonition note">') : filled.index("while")]
    assert note.index("x</span>") < note.index('<div id="one">ONE</div>') < note.index(svg)
    item = filled[filled.index("<li>") : filled.index("</li>")]
    assert '<div id="three">THREE</div>' in item
    first_code = filled.index("print")
    assert first_code < filled.index("wmbook-output") < filled.index('<div class="admonition note">')


def test_fill_slots_without_fragment() -> None:
    """A slot with no output is removed, even when Markdown wrapped it in a paragraph."""
    html = "<p>a</p>\n<p><!--wmbook-slot:x-code-1--></p>\n<!--wmbook-slot:x-code-2-->\n<p>b</p>"
    assert fill_slots(html, "x", {code(2): "<i>2</i>"}, {}) == "<p>a</p>\n\n<i>2</i>\n<p>b</p>"


def test_fill_slots_takes_each_output_by_its_own_step_key() -> None:
    """A slot is filled by its own step's output only: not by a neighbour's, not by the
    same step of another page (whose prefix may even end like this one's)."""
    html = "<!--wmbook-slot:a-b-code-1-->|<!--wmbook-slot:b-code-1-->|<!--wmbook-slot:b-check-1-->"
    outputs = {code(1): "ONE", code(2): "TWO", StepKey(StepKind.CHECK, 1): "CHECK"}
    assert fill_slots(html, "b", outputs, {}) == "|ONE|CHECK"
    assert fill_slots(html, "a-b", outputs, {}) == "ONE||"
    tricky = kind.OutputSlot("x-code-1-md", code(0))  # the page docs/x-code-1.md
    assert fill_slots(tricky.marker, "x-code-1-md", outputs | {code(0): "ZERO"}, {}) == "ZERO"


def test_figure_slot_without_output() -> None:
    """A block with figures but no printed text still gets its figures."""
    html = "<p>a</p>\n<p><!--wmbook-slot:x-code-1--></p>\n<p>b</p>"
    figures = {code(1): "<figure>F</figure>"}
    filled = fill_figure_slots(fill_slots(html, "x", {}, figures), "x", figures)
    assert filled == "<p>a</p>\n<figure>F</figure>\n<p>b</p>"


NAV = "<nav>" + "<li><a href='p/'>A page</a></li>" * 50 + "</nav>"


@pytest.mark.parametrize(
    "page_html",
    [
        pytest.param(NAV + "<p><!--wmbook-figures:x-code-1--></p>" + NAV, id="one"),
        pytest.param(
            "<!--wmbook-figures:x-code-1-->" + NAV + "<!--wmbook-figures:x-code-2-->", id="first-and-last"
        ),
        pytest.param(
            NAV
            + "<!--wmbook-figures:y-code-1--><!--wmbook-figures:x-code-9--><!--wmbook-figures:x-code-2-->",
            id="another-page-and-no-figure",
        ),
        pytest.param(NAV + "<!--wmbook-figures:x-code-1-->" + "<!--wmbook-figures:x-code-", id="cut-short"),
        pytest.param(NAV + "<!--wmbook-figures:x code 1-->", id="not-a-slot"),
    ],
)
def test_figure_slots_are_filled_as_the_whole_page_search_fills_them(page_html: str) -> None:
    figures = {code(1): "<figure>F1</figure>", code(2): "<figure>F2</figure>"}
    pattern = re.compile(r"<!--wmbook-figures:(?P<page>[\w-]+?)-(?P<kind>[A-Za-z]\w*)-(?P<index>\d+)-->")

    def whole(match: re.Match[str]) -> str:
        ours = match["page"] == "x"
        return figures.get(StepKey(match["kind"], int(match["index"])), "") if ours else ""

    assert fill_figure_slots(page_html, "x", figures) == pattern.sub(whole, page_html)


def test_the_navigation_before_figure_slots_is_not_searched(monkeypatch: pytest.MonkeyPatch) -> None:
    from wmbook.render import slots

    searched_from: list[int] = []
    real = slots._FIGURE_SLOT

    class Recording:
        def finditer(self, text: str, pos: int = 0) -> Iterator[re.Match[str]]:
            searched_from.append(pos)
            return real.finditer(text, pos)

    monkeypatch.setattr(slots, "_FIGURE_SLOT", Recording())
    page_html = NAV + "<p><!--wmbook-figures:x-code-1--></p>" + NAV
    filled = fill_figure_slots(page_html, "x", {code(1): "<svg/>"})
    assert filled == NAV + "<p><svg/></p>" + NAV
    assert searched_from == [len(NAV) + len("<p>")]


def test_numbered_figure_renders_its_slot_inside_a_captioned_figure() -> None:
    """figure="5.2": the slot of the figures sits in <figure id="fig-5-2"> with the caption,
    and filling the output slot does not add a second one."""
    text = '```python figure="5.2" caption="The *loop*."\nplot_xy([0], [0])\n```\n'
    page = parse_page(text, PATH)
    (block,) = page.blocks_of(CodeBlock)
    assert block.figure == kind.FigureLabel(SourceLoc(PATH, 1), "Figure 5.2", "fig-5-2")
    lines = kind.render(block, render_context(page))
    assert lines[-5:] == [
        '<figure class="wmbook-figure wmbook-figure--numbered" id="fig-5-2">',
        "<!--wmbook-figures:docs-p-md-code-0-->",
        '<figcaption class="wmbook-figure__caption"><a class="wmbook-anchor" href="#fig-5-2">Figure 5.2</a>'
        " — The *loop*.</figcaption>",
        "</figure>",
        "",
    ]
    svg = '<svg viewBox="0 0 1 1" role="img" aria-label="A"></svg>'
    drawn = StepResult(code(0), Outcome.OK, figures=(Figure(svg, "A"), Figure(svg, "B")))
    panels = render_figures(drawn, numbered=True)
    assert panels.count('<div class="wmbook-figure__panel">') == 2 and "figcaption" not in panels
    html = "<!--wmbook-slot:docs-p-md-code-0-->\n" + "\n".join(lines[-5:-1])
    filled = fill_figure_slots(
        fill_slots(html, "docs-p-md", {}, {code(0): panels}), "docs-p-md", {code(0): panels}
    )
    assert filled.count("wmbook-figure__panel") == 2
    assert filled.index("wmbook-figure__panel") < filled.index("<figcaption")


def test_unknown_figure_slot_is_emptied() -> None:
    assert fill_figure_slots("a<!--wmbook-figures:page-code-9-->b", "page", {}) == "ab"


@pytest.mark.parametrize(
    ("problems", "title"),
    [
        ([Diagnostic(SourceLoc(PATH, 3), "one")], "wmbook found 1 problem on this page"),
        ([Diagnostic(SourceLoc(PATH, 3), "one"), Diagnostic(SourceLoc(PATH, 9), "two")], "found 2 problems"),
    ],
)
def test_problem_box_counts(problems: list[Diagnostic], title: str) -> None:
    box = problem_box(problems)
    assert box.startswith('<div class="wmbook-problems" role="alert">')
    assert title in box
    assert box.count("<li>") == len(problems)


def test_problem_box_escapes_messages_and_details() -> None:
    box = problem_box([Diagnostic(SourceLoc("docs/<x>.md", 3), "a <b> & c", detail="<script>\n")])
    assert "<code>docs/&lt;x&gt;.md:3</code> a &lt;b&gt; &amp; c" in box
    assert "<pre><code>&lt;script&gt;\n</code></pre>" in box
    assert "<script>" not in box and "<b>" not in box
    assert "<pre>" not in problem_box([Diagnostic(SourceLoc(PATH, 1), "no detail")])
