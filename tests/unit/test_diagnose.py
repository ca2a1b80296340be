"""From step results to diagnostics at the right line of the page."""

from __future__ import annotations

import pytest

from wmbook.check.diagnose import OutputRewrite, check_blocks
from wmbook.model import CodeBlock, Diagnostic, Outcome, Severity, SourceLoc, StepResult
from wmbook.parse.page import block_key, parse_page

PATH = "docs/p.md"

PAGE = """\
# Page

```python
x = 1
y = int("a")
z = 3
```

```output
1
```

```python raises="KeyError"
{}["k"]
```

```python
print(2.41)
print("done")
```

```output
2.4
done
```

```python session="other"
print("elsewhere")
```
"""
# Lines: block 0 at 3 (code from 4), its output at 9; block 1 at 13 (code 14);
# block 2 at 17 (code 18), its output at 22; block 3 at 27 (code 28), session "other".

TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "docs/p.md", line 5, in <module>\n'
    '    y = int("a")\n'
    "ValueError: invalid literal for int() with base 10: 'a'\n"
)


def _blocks() -> tuple[CodeBlock, ...]:
    page = parse_page(PAGE, PATH)
    assert not page.diagnostics
    assert [b.loc.line for b in page.blocks] == [3, 13, 17, 27]
    return page.blocks


def _ok(key: str, output: str = "", exc_type: str | None = None) -> StepResult:
    return StepResult(key, Outcome.OK, output=output, exc_type=exc_type)


def _check(results: list[StepResult], accept: bool = False) -> tuple[list[Diagnostic], list[OutputRewrite]]:
    return check_blocks(_blocks(), {r.key: r for r in results}, accept)


def _summary(diagnostics: list[Diagnostic]) -> list[tuple[int, Severity]]:
    return [(d.loc.line, d.severity) for d in diagnostics]


ALL_OK = [
    _ok("block-0", "1\n"),
    _ok("block-1", TRACEBACK.replace("ValueError", "KeyError"), exc_type="KeyError"),
    _ok("block-2", "2.41\ndone\n"),
    _ok("block-3", "elsewhere\n"),
]


def test_all_good_gives_nothing() -> None:
    """Matching outputs and a satisfied raises= give no diagnostics and no rewrites."""
    assert _check(ALL_OK) == ([], [])
    assert _check(ALL_OK, accept=True) == ([], [])


def test_missing_results_are_skipped() -> None:
    """Blocks without a result (not executed) are not reported."""
    assert _check([]) == ([], [])


@pytest.mark.parametrize(
    ("error_line", "line"),
    [(5, 5), (6, 6), (None, 4)],
    ids=["failing-line", "other-line", "unknown-line-uses-code-start"],
)
def test_raised(error_line: int | None, line: int) -> None:
    """An exception is reported at the failing line, quoting the traceback's last line."""
    result = StepResult(
        "block-0",
        Outcome.RAISED,
        output=TRACEBACK,
        exc_type="ValueError",
        error_line=error_line,
        traceback=TRACEBACK,
    )
    diagnostics, rewrites = _check([result, *ALL_OK[1:]])
    assert rewrites == []
    assert _summary(diagnostics) == [(line, Severity.ERROR)]
    (diagnostic,) = diagnostics
    assert diagnostic.loc == SourceLoc(PATH, line)
    assert "ValueError: invalid literal for int() with base 10: 'a'" in diagnostic.message
    assert 'raises="ValueError"' in diagnostic.message
    assert diagnostic.detail == TRACEBACK
    assert f"{PATH}:{line}: " in diagnostic.format()


def test_raised_other_exception_than_announced() -> None:
    """A block marked raises= that raised something else names both."""
    trace = TRACEBACK.replace("line 5", "line 14")
    result = StepResult(
        "block-1", Outcome.RAISED, output=trace, exc_type="ValueError", error_line=14, traceback=trace
    )
    diagnostics, _ = _check([ALL_OK[0], result, *ALL_OK[2:]])
    assert _summary(diagnostics) == [(14, Severity.ERROR)]
    assert "ValueError: invalid literal" in diagnostics[0].message
    assert 'raises="KeyError"' in diagnostics[0].message


@pytest.mark.parametrize("seconds", ["2.5 s", "60 s"])
def test_timeout(seconds: str) -> None:
    """A timeout is reported at the block's first line of code."""
    result = StepResult("block-0", Outcome.TIMEOUT, detail=f"timed out after {seconds}")
    diagnostics, _ = _check([result, *ALL_OK[1:]])
    assert _summary(diagnostics) == [(4, Severity.ERROR)]
    assert f"timed out after {seconds}" in diagnostics[0].message


@pytest.mark.parametrize(
    "detail",
    [
        "the session's process exited with status 3",
        "the session's process was killed by signal SIGSEGV",
        "sys.exit(0) was called",
    ],
)
def test_died(detail: str) -> None:
    """A block that ended its process is reported at its first line of code."""
    result = StepResult("block-0", Outcome.DIED, output="partial\n", detail=detail)
    diagnostics, _ = _check([result, *ALL_OK[1:]])
    assert _summary(diagnostics) == [(4, Severity.ERROR)]
    assert detail in diagnostics[0].message
    assert "process" in diagnostics[0].message


@pytest.mark.parametrize(
    "failed",
    [
        StepResult("block-0", Outcome.RAISED, exc_type="ValueError", error_line=5, traceback=TRACEBACK),
        StepResult("block-0", Outcome.TIMEOUT, detail="timed out after 1 s"),
        StepResult("block-0", Outcome.DIED, detail="the session's process exited with status 1"),
    ],
    ids=["raised", "timeout", "died"],
)
def test_not_run_names_the_failure(failed: StepResult) -> None:
    """Later blocks of the session are warnings that name where the session failed."""
    results = [
        failed,
        StepResult("block-1", Outcome.NOT_RUN),
        StepResult("block-2", Outcome.NOT_RUN),
        ALL_OK[3],
    ]
    diagnostics, _ = _check(results)
    assert _summary(diagnostics) == [
        (diagnostics[0].loc.line, Severity.ERROR),
        (13, Severity.WARNING),
        (17, Severity.WARNING),
    ]
    failure = str(diagnostics[0].loc)
    assert 3 <= diagnostics[0].loc.line <= 7
    for warning in diagnostics[1:]:
        assert "not run" in warning.message
        assert failure in warning.message


def test_not_run_without_known_cause() -> None:
    """A not-run block whose session showed no failure is still a warning."""
    diagnostics, _ = _check([ALL_OK[0], StepResult("block-1", Outcome.NOT_RUN)])
    assert _summary(diagnostics) == [(13, Severity.WARNING)]
    assert "not run" in diagnostics[0].message
    assert "docs/p.md:" not in diagnostics[0].message


def test_failure_in_another_session_is_not_named() -> None:
    """A failure in one session is not blamed for a block of another session."""
    failed = StepResult("block-0", Outcome.TIMEOUT, detail="timed out after 1 s")
    diagnostics, _ = _check([failed, *ALL_OK[1:3], StepResult("block-3", Outcome.NOT_RUN)])
    warning = diagnostics[-1]
    assert (warning.loc.line, warning.severity) == (27, Severity.WARNING)
    assert "docs/p.md:4" not in warning.message


def test_raises_but_nothing_raised() -> None:
    """raises= on a block that raised nothing is an error at its fence."""
    diagnostics, _ = _check([ALL_OK[0], _ok("block-1"), *ALL_OK[2:]])
    assert _summary(diagnostics) == [(13, Severity.ERROR)]
    assert 'raises="KeyError"' in diagnostics[0].message


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
    diagnostics, rewrites = _check([*ALL_OK[:2], _ok("block-2", printed), ALL_OK[3]])
    assert rewrites == []
    assert _summary(diagnostics) == [(22, Severity.ERROR)]
    detail = diagnostics[0].detail.split("\n")
    assert detail[0].startswith("---") and f"{PATH}:22" in detail[0]
    assert detail[1].startswith("+++")
    assert any(line.startswith("@@") for line in detail)
    assert removed in detail
    if added is not None:
        assert added in detail


def test_accept_gives_rewrites() -> None:
    """In accept mode a mismatch becomes a rewrite of the expected fence instead."""
    results = [_ok("block-0", "7\n"), ALL_OK[1], _ok("block-2", "2.5\ndone\n"), ALL_OK[3]]
    diagnostics, rewrites = _check(results, accept=True)
    assert diagnostics == []
    blocks = _blocks()
    assert rewrites == [OutputRewrite(blocks[0], "7\n"), OutputRewrite(blocks[2], "2.5\ndone\n")]


def test_accept_does_not_hide_failures() -> None:
    """A block that raised is still an error in accept mode, and its fence is not rewritten."""
    raised = StepResult("block-0", Outcome.RAISED, exc_type="ValueError", error_line=5, traceback=TRACEBACK)
    diagnostics, rewrites = _check([raised, *ALL_OK[1:]], accept=True)
    assert _summary(diagnostics) == [(5, Severity.ERROR)]
    assert rewrites == []


def test_keys_follow_block_index() -> None:
    """Results are looked up by the key the page parser gives each block."""
    assert [block_key(b) for b in _blocks()] == ["block-0", "block-1", "block-2", "block-3"]
