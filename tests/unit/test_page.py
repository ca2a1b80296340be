"""Parsing a page into blocks and expected outputs, and grouping blocks into sessions."""

from __future__ import annotations

import dataclasses

import pytest

from wmbook.model import BlockOptions, CheckPoint, Severity, SourceLoc, StepKind
from wmbook.parse.page import build_sessions, parse_page

PATH = "docs/p.md"


def _blocks(text: str) -> list[tuple[int, str, str | None, int | None]]:
    """(fence line, code, expected text, expected line) of every block."""
    page = parse_page(text, PATH)
    assert not page.diagnostics, [d.format() for d in page.diagnostics]
    return [
        (
            block.loc.line,
            block.code,
            block.expected.text if block.expected else None,
            block.expected.loc.line if block.expected else None,
        )
        for block in page.blocks
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "```python\nprint(1)\n```\n```output\n1\n```\n", [(1, "print(1)", "1", 4)], id="adjacent"
        ),
        pytest.param(
            "# T\n\n```python\nprint(1)\n```\n\n\n   \n```output\n1\n```\n",
            [(3, "print(1)", "1", 9)],
            id="blank-lines-between",
        ),
        pytest.param(
            "---\ntitle: T\n---\n\n```python\na = 1\nprint(a)\n```\n\n```output\n1\n```\n",
            [(5, "a = 1\nprint(a)", "1", 10)],
            id="front-matter-counts",
        ),
        pytest.param(
            "```python\nprint(1)\n```\n\ntext\n\n```python\nprint(2)\n```\n\n```output\n2\n```\n",
            [(1, "print(1)", None, None), (7, "print(2)", "2", 11)],
            id="second-block-only",
        ),
        pytest.param(
            "!!! note\n\n    ```python\n    print(1)\n    ```\n\n    ```output\n    1\n    ```\n",
            [(3, "print(1)", "1", 7)],
            id="indented",
        ),
        pytest.param(
            "~~~~python\nprint('```')\n~~~~\n\n~~~~output\n```\n~~~~\n",
            [(1, "print('```')", "```", 5)],
            id="tilde",
        ),
        pytest.param(
            "````markdown\n```python\nprint(1)\n```\n````\n",
            [],
            id="nested-example-is-not-a-block",
        ),
    ],
)
def test_blocks_and_expected(text: str, expected: list[tuple[int, str, str | None, int | None]]) -> None:
    """Blocks sit at their opening fence's line; an output fence right after one is its expected."""
    assert _blocks(text) == expected


def test_block_records() -> None:
    """Index, path, options and the line of the first code line are recorded."""
    text = '# T\n\n```python session="s" timeout="4"\nx = 1\n```\n\n```python exec="off"\ny\n```\n'
    page = parse_page(text, PATH, "/abs/p.md")
    assert (page.path, page.abs_path, page.text) == (PATH, "/abs/p.md", text)
    first, second = page.blocks
    assert (first.index, first.loc, first.code_loc) == (0, SourceLoc(PATH, 3), SourceLoc(PATH, 4))
    assert first.options == BlockOptions(session="s", timeout=4.0)
    assert (second.index, second.loc, second.options) == (1, SourceLoc(PATH, 7), BlockOptions(execute=False))
    assert page.diagnostics == ()


def test_output_options_are_read() -> None:
    """rtol/atol of an output fence reach its ExpectedOutput."""
    page = parse_page('```python\nprint(1)\n```\n\n```output rtol="0.1" atol="2"\n1\n```\n', PATH)
    expected = page.blocks[0].expected
    assert expected is not None
    assert (expected.rtol, expected.atol, expected.fence.start) == (0.1, 2.0, 5)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        pytest.param("Some prose.\n\n```output\n1\n```\n", 3, "directly after", id="no-block"),
        pytest.param(
            "```python\nprint(1)\n```\n\nprose\n\n```output\n1\n```\n", 7, "directly after", id="after-prose"
        ),
        pytest.param(
            "```python\nprint(1)\n```\n```output\n1\n```\n```output\n1\n```\n",
            7,
            "output fence",
            id="after-output",
        ),
        pytest.param(
            "```python\nprint(1)\n```\n\n```output\n1\n```\n\n```output\n1\n```\n",
            9,
            "output fence",
            id="after-output-blank",
        ),
        pytest.param(
            '```python exec="off"\nprint(1)\n```\n\n```output\n1\n```\n', 5, 'exec="off"', id="after-exec-off"
        ),
        pytest.param(
            "```python\nprint(1)\n```\n\n```text\nx\n```\n\n```output\n1\n```\n",
            9,
            "directly after",
            id="after-other-fence",
        ),
        pytest.param(
            '```python\nprint(1)\n```\n\n```output rtol="x"\n1\n```\n', 5, "rtol", id="bad-output-option"
        ),
    ],
)
def test_misplaced_output_fence(text: str, line: int, fragment: str) -> None:
    """A misplaced output fence is an error at the output fence's own line."""
    page = parse_page(text, PATH)
    assert [(d.loc, d.severity) for d in page.diagnostics] == [(SourceLoc(PATH, line), Severity.ERROR)]
    assert fragment in page.diagnostics[0].message


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
    assert not page.blocks[1].options.execute
    (session,) = build_sessions(page, 60.0)
    assert [step.source for step in session.steps] == ["a = 1"]


def test_unclosed_python_fence_is_reported() -> None:
    """A python fence without its closing marker is an error at its line."""
    page = parse_page("text\n\n```python\nprint(1)\n", PATH)
    assert [d.loc for d in page.diagnostics] == [SourceLoc(PATH, 3)]


SESSIONS_PAGE = """\
# Sessions

```python
a = 1
```

```python session="b" timeout="3"
b = 2
```

```python exec="off"
never()
```

```python session="b"
c = 3
```

```python timeout="0.5"
d = 4
```
"""


def test_build_sessions_groups_in_page_order() -> None:
    """Blocks are grouped by session name, in page order; exec="off" blocks are left out."""
    page = parse_page(SESSIONS_PAGE, PATH)
    specs = build_sessions(page, 60.0)
    assert [spec.name for spec in specs] == ["main", "b"]
    summary = {
        spec.name: [(s.kind, s.source, s.first_line, s.timeout, s.key) for s in spec.steps] for spec in specs
    }
    assert summary == {
        "main": [
            (StepKind.CODE, "a = 1", 4, 60.0, "block-0"),
            (StepKind.CODE, "d = 4", 20, 0.5, "block-4"),
        ],
        "b": [
            (StepKind.CODE, "b = 2", 8, 3.0, "block-1"),
            (StepKind.CODE, "c = 3", 16, 60.0, "block-3"),
        ],
    }
    for spec in specs:
        assert spec.page == PATH
        assert spec.source_lines == tuple(SESSIONS_PAGE.split("\n"))


@pytest.mark.parametrize("default", [1.0, 60.0, 7.5])
def test_default_timeout(default: float) -> None:
    """Blocks without a timeout option get the site-wide default."""
    page = parse_page(SESSIONS_PAGE, PATH)
    timeouts = [s.timeout for spec in build_sessions(page, default) for s in spec.steps]
    assert timeouts == [default, 0.5, 3.0, default]


def test_raises_reaches_the_step() -> None:
    """raises= is handed to the worker with the step."""
    page = parse_page('```python raises="KeyError"\n{}["x"]\n```\n', PATH)
    (spec,) = build_sessions(page, 10.0)
    assert spec.steps[0].raises == "KeyError"


def test_check_points_interleave_by_line() -> None:
    """Check expressions run in their session at their place in the page."""
    page = parse_page(SESSIONS_PAGE, PATH)
    checks = [
        CheckPoint("q-late", SourceLoc(PATH, 22), "b", "b + c"),
        CheckPoint("q-mid", SourceLoc(PATH, 10), "main", "a"),
        CheckPoint("q-new", SourceLoc(PATH, 1), "other", "1 + 1"),
        CheckPoint("q-early", SourceLoc(PATH, 6), "b", "'b' in globals()"),
    ]
    specs = build_sessions(dataclasses.replace(page, checks=tuple(checks)), 60.0)
    order = {spec.name: [(step.kind, step.key, step.first_line) for step in spec.steps] for spec in specs}
    assert order == {
        "main": [
            (StepKind.CODE, "block-0", 4),
            (StepKind.CHECK, "q-mid", 10),
            (StepKind.CODE, "block-4", 20),
        ],
        "b": [
            (StepKind.CHECK, "q-early", 6),
            (StepKind.CODE, "block-1", 8),
            (StepKind.CODE, "block-3", 16),
            (StepKind.CHECK, "q-late", 22),
        ],
        "other": [(StepKind.CHECK, "q-new", 1)],
    }
    check_step = next(s for spec in specs for s in spec.steps if s.key == "q-late")
    assert (check_step.source, check_step.timeout) == ("b + c", 60.0)
