"""Grouping a page's code blocks and quiz checks into sessions, and the step keys that
tie results back to their blocks."""

from __future__ import annotations

from pathlib import Path

import pytest
from kind_support import clean_page

from wmbook.execute.sessions import earlier_blocks, page_sessions, with_earlier_blocks
from wmbook.model import Figure, Outcome, PageRef, SessionResult, Step, StepKey, StepKind, StepResult
from wmbook.parse.page import parse_page

PATH = "docs/p.md"


def code(index: int) -> StepKey:
    return StepKey(StepKind.CODE, index)


def check(index: int) -> StepKey:
    return StepKey(StepKind.CHECK, index)


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


def test_sessions_group_blocks_in_page_order() -> None:
    """Blocks are grouped by session name, in page order; exec="off" blocks are left out."""
    page = clean_page(SESSIONS_PAGE, PATH)
    specs = page_sessions(page, 60.0)
    assert [spec.name for spec in specs] == ["main", "b"]
    summary = {
        spec.name: [(s.kind, s.source, s.first_line, s.timeout, s.key) for s in spec.steps] for spec in specs
    }
    assert summary == {
        "main": [
            (StepKind.CODE, "a = 1", 4, 60.0, code(0)),
            (StepKind.CODE, "d = 4", 20, 0.5, code(4)),
        ],
        "b": [
            (StepKind.CODE, "b = 2", 8, 3.0, code(1)),
            (StepKind.CODE, "c = 3", 16, 60.0, code(3)),
        ],
    }
    for spec in specs:
        assert spec.page == PATH
        assert spec.source_lines == tuple(SESSIONS_PAGE.split("\n"))
        assert spec.files == ()


@pytest.mark.parametrize("default", [1.0, 60.0, 7.5])
def test_default_timeout(default: float) -> None:
    """Blocks without a timeout option get the site-wide default."""
    page = clean_page(SESSIONS_PAGE, PATH)
    timeouts = [s.timeout for spec in page_sessions(page, default) for s in spec.steps]
    assert timeouts == [default, 0.5, 3.0, default]


def test_raises_reaches_the_step() -> None:
    """raises= is handed to the worker with the step."""
    page = clean_page('```python raises="KeyError"\n{}["x"]\n```\n', PATH)
    (spec,) = page_sessions(page, 10.0)
    assert spec.steps == (Step(code(0), '{}["x"]', 2, 10.0, "KeyError"),)


def test_a_page_without_code_has_no_sessions() -> None:
    assert page_sessions(clean_page('# T\n\n```python exec="off"\nx\n```\n', PATH), 60.0) == []


def test_blocks_with_bad_options_are_not_run() -> None:
    page = parse_page("```python\na = 1\n```\n\n```python stray\nprint(2)\n```\n", PATH)
    (spec,) = page_sessions(page, 60.0)
    assert [step.source for step in spec.steps] == ["a = 1"]


CHECKS_PAGE = """\
/// quiz | New session?
    answer: 2
    session: other
    check: 1 + 1
///

```python
a = 1
```

/// quiz | Early?
    answer: true
    session: b
    check: "'b' not in globals()"
///

```python session="b"
b = 2
```

/// quiz | Mid?
    answer: 1
    check: a
///

/// quiz | No check?
    answer: true
///

```python session="b"
c = 3
```

/// quiz | Late?
    answer: 5
    session: b
    check: b + c
///
"""
# Checks at lines 4 (other), 14 (b), 23 (main) and 37 (b); code at 8 (main), 18 and 31 (b).


def test_checks_interleave_with_the_blocks_by_line() -> None:
    """Quiz checks run in their session at their place in the page; a quiz without a check adds nothing."""
    page = clean_page(CHECKS_PAGE, PATH)
    specs = page_sessions(page, 60.0)
    order = {spec.name: [(step.kind, step.key, step.first_line) for step in spec.steps] for spec in specs}
    assert order == {
        "other": [(StepKind.CHECK, check(0), 4)],
        "main": [(StepKind.CODE, code(0), 8), (StepKind.CHECK, check(2), 23)],
        "b": [
            (StepKind.CHECK, check(1), 14),
            (StepKind.CODE, code(1), 18),
            (StepKind.CODE, code(2), 31),
            (StepKind.CHECK, check(4), 37),
        ],
    }
    late = next(s for spec in specs for s in spec.steps if s.key == check(4))
    assert (late.source, late.timeout, late.raises) == ("b + c", 60.0, None)


def test_declared_files_go_with_every_session(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_bytes(b"a,b\n1,2\n")
    text = '---\ndepends_on: [data.csv]\n---\n```python\nx = 1\n```\n```python session="s"\ny = 1\n```\n'
    page = parse_page(text, PageRef("p.md", PATH, str(tmp_path / "p.md")))
    assert page.diagnostics == ()
    assert [spec.files for spec in page_sessions(page, 60.0)] == [(("data.csv", b"a,b\n1,2\n"),)] * 2


# -- step keys and session results --


@pytest.mark.parametrize(("key", "text"), [(code(0), "code-0"), (code(12), "code-12"), (check(3), "check-3")])
def test_step_key_text(key: StepKey, text: str) -> None:
    assert str(key) == text


def test_step_keys_are_values() -> None:
    assert code(1) == StepKey(StepKind.CODE, 1)
    assert code(1) != check(1)
    assert len({code(1), StepKey(StepKind.CODE, 1), check(1)}) == 2
    assert sorted([code(2), code(0), code(1)]) == [code(0), code(1), code(2)]
    assert Step(check(0), "x", 3, 1.0).kind == "check"
    # Another package's kind names its steps with a word of its own; wmbook's are the same words.
    assert {StepKey("code", 1): "a"}[code(1)] == "a" and str(StepKey("exercise", 2)) == "exercise-2"


def test_session_result_by_key_and_imports() -> None:
    figure = Figure("<svg/>", "A figure")
    results = (
        StepResult(code(0), Outcome.OK, imports=("numpy", "json")),
        StepResult(check(0), Outcome.OK, value=2, imports=("numpy",)),
        StepResult(code(1), Outcome.OK, figures=(figure,)),
    )
    session = SessionResult(PATH, "main", results, 1.0)
    assert session.by_key() == {code(0): results[0], check(0): results[1], code(1): results[2]}
    assert session.imports == ("json", "matplotlib", "numpy")
    assert not session.failed
    assert SessionResult(PATH, "main", (StepResult(code(0), Outcome.NOT_RUN),), 0.0).failed


def test_markdown_exec_sessions_span_pages_in_reading_order() -> None:
    """A session named by blocks in markdown-exec's style on several pages: each later page's
    part runs the earlier pages' blocks first, as calls naming their own page's lines; wmbook's
    own blocks and blocks without a session stay on their page."""
    first = parse_page(
        '# A\n\n```python exec="1" session="s"\nx = 1\ny = 2\n```\n\n```python session="s"\nmine = 1\n```\n'
        '\n```python exec="1"\nalone = 1\n```\n',
        "docs/a.md",
    )
    second = parse_page('# B\n\n```python exec="1" session="s"\nprint(x)\n```\n', "docs/b.md")
    third = parse_page('# C\n\n```python exec="1" session="t"\nprint(1)\n```\n', "docs/c.md")
    earlier = earlier_blocks([first, second, third])
    assert list(earlier) == [("docs/b.md", "s")]
    assert [b.loc.line for b in earlier[("docs/b.md", "s")]] == [3]  # markdown-exec's block only
    (spec,) = page_sessions(second, 30)
    joined = with_earlier_blocks(spec, earlier[("docs/b.md", "s")], 30)
    replayed, own = joined.steps
    assert own == spec.steps[0] and replayed.key == StepKey(StepKind.CODE, -1)
    assert "[('docs/a.md', 4), ('docs/a.md', 5)]" in replayed.source and replayed.raises == "BaseException"


def test_a_session_across_pages_that_did_not_run_is_reported_at_its_page_s_block() -> None:
    """Not in the cache under cache-only (or lost on a Dask worker): the page's own first
    block carries the reason, not the earlier page's block it runs first (whose result no
    page shows), which left the page with only a "not run" warning."""
    from wmbook.execute.executor import unfinished

    first = parse_page('# A\n\n```python exec="1" session="s"\nx = 1\n```\n', "docs/a.md")
    second = parse_page('# B\n\n```python exec="1" session="s"\nprint(x)\n```\n', "docs/b.md")
    (spec,) = page_sessions(second, 30)
    joined = with_earlier_blocks(spec, earlier_blocks([first, second])[("docs/b.md", "s")], 30)
    assert joined.steps[0].written_at == "docs/a.md:4"
    result = unfinished(joined, Outcome.UNCACHED, "not in the cache")
    assert [(s.key, s.outcome) for s in result.results] == [
        (StepKey(StepKind.CODE, -1), Outcome.NOT_RUN),
        (spec.steps[0].key, Outcome.UNCACHED),
    ]
