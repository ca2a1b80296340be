"""Finding fences in Markdown: line numbers, markers, nesting and indentation."""

from __future__ import annotations

import pytest

from wmbook.model import Fence
from wmbook.parse.fences import find_fences, front_matter_lines

FRONT = "---\ntitle: A page\ntags: [x]\n---\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("# Title\n", 0),
        (FRONT + "\n# Title\n", 4),
        ("---\ntitle: x\n...\nbody\n", 3),
        ("---\n\n---\nbody\n", 3),
        ("text\n---\na: 1\n---\n", 0),
        ("---\na: 1\nno end\n", 0),
    ],
)
def test_front_matter_lines(text: str, expected: int) -> None:
    """Only a leading YAML block counts, closed by --- or ...."""
    assert front_matter_lines(text) == expected


def _summary(fence: Fence) -> tuple[int, int, str, str, str, str, tuple[str, ...], bool]:
    return (
        fence.start,
        fence.end,
        fence.indent,
        fence.marker,
        fence.lang,
        fence.info,
        fence.body,
        fence.closed,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "```python\nprint(1)\n```\n",
            [(1, 3, "", "```", "python", "", ("print(1)",), True)],
            id="plain",
        ),
        pytest.param(
            FRONT + "\n```python\nprint(1)\n```\n",
            [(6, 8, "", "```", "python", "", ("print(1)",), True)],
            id="front-matter-counts",
        ),
        pytest.param(
            "---\na: 1\n---\n```python\nx\n```",
            [(4, 6, "", "```", "python", "", ("x",), True)],
            id="front-matter-no-final-newline",
        ),
        pytest.param(
            '~~~python session="a"\nx = 1\n~~~\n',
            [(1, 3, "", "~~~", "python", 'session="a"', ("x = 1",), True)],
            id="tilde",
        ),
        pytest.param(
            "~~~~ python  raises='E'\nx = '```'\n~~~\n~~~~\n",
            [(1, 4, "", "~~~~", "python", "raises='E'", ("x = '```'", "~~~"), True)],
            id="longer-tilde-not-closed-by-shorter",
        ),
        pytest.param(
            "`````output\n````\n```\n`````\n",
            [(1, 4, "", "`````", "output", "", ("````", "```"), True)],
            id="longer-backtick",
        ),
        pytest.param(
            "```python\nx\n`````\n",
            [(1, 3, "", "```", "python", "", ("x",), True)],
            id="closed-by-longer",
        ),
        pytest.param(
            "```python\nx\n~~~\n```\n",
            [(1, 4, "", "```", "python", "", ("x", "~~~"), True)],
            id="other-char-does-not-close",
        ),
        pytest.param(
            "````markdown\n```python\nprint(1)\n```\n````\n\n```python\nprint(2)\n```\n",
            [
                (1, 5, "", "````", "markdown", "", ("```python", "print(1)", "```"), True),
                (7, 9, "", "```", "python", "", ("print(2)",), True),
            ],
            id="nested-python-not-separate",
        ),
        pytest.param(
            '!!! note "Title"\n\n    ```python\n    if x:\n        y()\n\n    ```\n    text\n',
            [(3, 7, "    ", "```", "python", "", ("if x:", "    y()", ""), True)],
            id="admonition-indent-removed",
        ),
        pytest.param(
            "- item\n\n\t```python\n\tx = 1\n\t```\n",
            [(3, 5, "\t", "```", "python", "", ("x = 1",), True)],
            id="tab-indent",
        ),
        pytest.param(
            "```python\nprint(1)\nprint(2)",
            [(1, 3, "", "```", "python", "", ("print(1)", "print(2)"), False)],
            id="unclosed",
        ),
        pytest.param(
            "```python\nx\n```\n\n```output\n1\n",
            [
                (1, 3, "", "```", "python", "", ("x",), True),
                (5, 7, "", "```", "output", "", ("1", ""), False),
            ],
            id="unclosed-last",
        ),
        pytest.param(
            "```python\nx\n    ```\n```\n",
            [(1, 4, "", "```", "python", "", ("x", "    ```"), True)],
            id="four-space-close-is-content",
        ),
        pytest.param(
            "```py`thon\nx\n",
            [],
            id="backtick-in-info-is-not-a-fence",
        ),
        pytest.param(
            "text ```python\nx\n```\n",
            [(3, 4, "", "```", "", "", ("",), False)],
            id="inline-backticks-are-not-a-fence",
        ),
        pytest.param(
            "```\nplain\n```\n```python   \nx\n```\n",
            [
                (1, 3, "", "```", "", "", ("plain",), True),
                (4, 6, "", "```", "python", "", ("x",), True),
            ],
            id="no-language",
        ),
    ],
)
def test_find_fences(text: str, expected: list[tuple[object, ...]]) -> None:
    """Fences, their lines (1-based, front matter included), markers and bodies."""
    assert [_summary(fence) for fence in find_fences(text)] == expected


def test_front_matter_fence_is_ignored() -> None:
    """A fence-like line inside the front matter is not a fence."""
    text = "---\nnote: |\n  ```python\n---\n```python\nx\n```\n"
    assert [(f.start, f.lang) for f in find_fences(text)] == [(5, "python")]


def test_body_start_is_line_after_opening() -> None:
    """``body_start`` is the first content line, as an editor counts it."""
    (fence,) = find_fences(FRONT + "\n\n```python\ncode\n```\n")
    assert (fence.start, fence.body_start) == (7, 8)
    lines = (FRONT + "\n\n```python\ncode\n```\n").split("\n")
    assert lines[fence.body_start - 1] == "code"
