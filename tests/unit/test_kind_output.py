"""The output kind: an ``output`` fence belongs to the python block right above it, and
is compared with what that block printed (or, in accept mode, rewritten)."""

from __future__ import annotations

import pytest
from kind_support import ACCEPT_HINT, check_context, clean_page, parse_context, render_context

from wmbook.kinds import output as kind
from wmbook.kinds.code import CodeBlock
from wmbook.kinds.output import ExpectedOutput, OutputRewrite
from wmbook.model import Diagnostic, Outcome, Region, Severity, SourceLoc, StepKey, StepKind, StepResult
from wmbook.parse.fences import find_fences
from wmbook.parse.page import parse_page

PATH = "docs/p.md"


def code(index: int) -> StepKey:
    return StepKey(StepKind.CODE, index)


# -- parse: which block an output fence belongs to --


def _expected(text: str) -> list[tuple[int, str, int, int]]:
    """(fence line of the owner, expected text, its line, owner index) of every output fence."""
    page = clean_page(text, PATH)
    owners = {b.key: b for b in page.blocks_of(CodeBlock)}
    return [
        (owners[e.owner].loc.line, e.text, e.loc.line, e.owner.index) for e in page.blocks_of(ExpectedOutput)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("```python\nprint(1)\n```\n```output\n1\n```\n", [(1, "1", 4, 0)], id="adjacent"),
        pytest.param(
            "# T\n\n```python\nprint(1)\n```\n\n\n   \n```output\n1\n```\n",
            [(3, "1", 9, 0)],
            id="blank-lines-between",
        ),
        pytest.param(
            "---\ntitle: T\n---\n\n```python\na = 1\nprint(a)\n```\n\n```output\n1\n```\n",
            [(5, "1", 10, 0)],
            id="front-matter-counts",
        ),
        pytest.param(
            "```python\nprint(1)\n```\n\ntext\n\n```python\nprint(2)\n```\n\n```output\n2\n```\n",
            [(7, "2", 11, 1)],
            id="second-block-only",
        ),
        pytest.param(
            "!!! note\n\n    ```python\n    print(1)\n    ```\n\n    ```output\n    1\n    ```\n",
            [(3, "1", 7, 0)],
            id="indented",
        ),
        pytest.param(
            "~~~~python\nprint('```')\n~~~~\n\n~~~~output\n```\n~~~~\n", [(1, "```", 5, 0)], id="tilde"
        ),
        pytest.param("```py\nprint(1)\n```\n```output\n1\n2\n```\n", [(1, "1\n2", 4, 0)], id="py-alias"),
        pytest.param("```python\npass\n```\n```output\n```\n", [(1, "", 4, 0)], id="empty"),
        pytest.param(
            "````markdown\n```python\nprint(1)\n```\n```output\n1\n```\n````\n", [], id="nested-example"
        ),
    ],
)
def test_output_fences_and_their_owner(text: str, expected: list[tuple[int, str, int, int]]) -> None:
    """An output fence right after a python block (blank lines between) is its expected output."""
    assert _expected(text) == expected


def test_record() -> None:
    text = '```python\nprint(1)\n```\n\n```output rtol="0.1" atol="2"\n1\n```\n'
    page = clean_page(text, PATH)
    (expected,) = page.blocks_of(ExpectedOutput)
    assert expected == ExpectedOutput(
        Region(5, 7, '```output rtol="0.1" atol="2"\n1\n```'),
        SourceLoc(PATH, 5),
        code(0),
        expected.fence,
        "1",
        0.1,
        2.0,
    )
    assert (expected.fence.start, expected.fence.lang) == (5, "output")
    assert [type(b) for b in page.blocks] == [CodeBlock, ExpectedOutput]


def test_parse_without_a_block_above() -> None:
    text = "```output\n1\n```\n"
    (fence,) = find_fences(text)
    record, problems = kind.parse(fence, parse_context(text, PATH))
    assert record is None
    assert [(p.loc, p.message) for p in problems] == [
        (SourceLoc(PATH, 1), "an output fence must come directly after a python block")
    ]


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
            "```python\nprint(1)\n```\n\n/// references\n///\n\n```output\n1\n```\n",
            8,
            "directly after",
            id="after-a-block",
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


def test_render_is_nothing() -> None:
    page = clean_page("```python\nprint(1)\n```\n```output\n1\n```\n", PATH)
    assert kind.render(page.blocks_of(ExpectedOutput)[0], render_context(page)) == []


# -- check: what the block printed against the expected output --

PAGE = """\
# Page

```python
print(1)
```

```output
1
```

```python
print(2.41)
print("done")
```

```output
2.4
done
```

```python
print(0.1234)
```

```output rtol="0.01"
0.123
```
"""
# Block 0 at line 3, its output at 7; block 1 at 11, its output at 16; block 2 at 21, its output at 25.

ALL_OK = [
    StepResult(code(0), Outcome.OK, output="1\n"),
    StepResult(code(1), Outcome.OK, output="2.41\ndone\n"),
    StepResult(code(2), Outcome.OK, output="0.1234\n"),
]


def _check(results: list[StepResult], accept: bool = False) -> list[Diagnostic | OutputRewrite]:
    page = clean_page(PAGE, PATH)
    assert [e.loc.line for e in page.blocks_of(ExpectedOutput)] == [7, 16, 25]
    ctx = check_context(page, results, accept=accept)
    return [finding for expected in page.blocks_of(ExpectedOutput) for finding in kind.check(expected, ctx)]


def _diagnostics(findings: list[Diagnostic | OutputRewrite]) -> list[Diagnostic]:
    assert all(isinstance(f, Diagnostic) for f in findings)
    return [f for f in findings if isinstance(f, Diagnostic)]


@pytest.mark.parametrize("accept", [False, True])
def test_matching_outputs_give_nothing(accept: bool) -> None:
    """Matching outputs (rounded as written, within tolerance) give no diagnostics and no rewrites."""
    assert _check(ALL_OK, accept=accept) == []


def test_missing_results_are_skipped() -> None:
    """Outputs of blocks without a result (not executed) are not reported."""
    assert _check([]) == []


@pytest.mark.parametrize(
    ("printed", "removed", "added"),
    [
        ("2.5\ndone\n", "-2.4", "+2.5"),
        ("2.4\nfinished\n", "-done", "+finished"),
        ("", "-2.4", None),
    ],
)
def test_mismatch(printed: str, removed: str, added: str | None) -> None:
    """A different output is an error at the output fence, with a unified diff."""
    results = [ALL_OK[0], StepResult(code(1), Outcome.OK, output=printed), ALL_OK[2]]
    diagnostics = _diagnostics(_check(results))
    assert [(d.loc.line, d.severity) for d in diagnostics] == [(16, Severity.ERROR)]
    assert diagnostics[0].message == (
        f"the block printed something other than this expected output ({ACCEPT_HINT} takes the new output)"
    )
    detail = diagnostics[0].detail.split("\n")
    assert detail[0].startswith("---") and f"{PATH}:16" in detail[0]
    assert detail[1].startswith("+++")
    assert any(line.startswith("@@") for line in detail)
    assert removed in detail
    if added is not None:
        assert added in detail


@pytest.mark.parametrize(
    ("printed", "ok"), [("0.1235\n", True), ("0.1241\n", True), ("0.125\n", False), ("0.13\n", False)]
)
def test_tolerance_of_the_fence(printed: str, ok: bool) -> None:
    findings = _check([*ALL_OK[:2], StepResult(code(2), Outcome.OK, output=printed)])
    assert [d.loc.line for d in _diagnostics(findings)] == ([] if ok else [25])


def test_accept_gives_rewrites() -> None:
    """In accept mode a mismatch becomes a rewrite of the expected fence instead."""
    results = [
        StepResult(code(0), Outcome.OK, output="7\n"),
        StepResult(code(1), Outcome.OK, output="2.5\ndone\n"),
    ]
    findings = _check([*results, ALL_OK[2]], accept=True)
    page = clean_page(PAGE, PATH)
    first, second, _ = page.blocks_of(ExpectedOutput)
    assert findings == [OutputRewrite(first, "7\n"), OutputRewrite(second, "2.5\ndone\n")]


TRACEBACK = 'Traceback (most recent call last):\n  File "docs/p.md", line 12\nValueError: bad\n'


@pytest.mark.parametrize("accept", [False, True])
@pytest.mark.parametrize(
    "failed",
    [
        StepResult(
            code(1),
            Outcome.RAISED,
            output="2.41\n",
            exc_type="ValueError",
            error_line=12,
            traceback=TRACEBACK,
        ),
        StepResult(code(1), Outcome.TIMEOUT, output="2.41\n", detail="timed out after 1 s"),
        StepResult(code(1), Outcome.DIED, detail="the session's process exited with status 1"),
        StepResult(code(1), Outcome.NOT_RUN, detail="docs/p.md:4"),
        StepResult(code(1), Outcome.UNCACHED, detail="not in the cache"),
    ],
    ids=["raised", "timeout", "died", "not-run", "uncached"],
)
def test_a_failed_block_leaves_its_output_alone(failed: StepResult, accept: bool) -> None:
    """The block's own diagnostic is the one to act on: no diff, and no rewrite in accept mode."""
    assert _check([ALL_OK[0], failed, ALL_OK[2]], accept=accept) == []
