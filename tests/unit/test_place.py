"""Rendered blocks put into the Markdown MkDocs hands over, found by their text."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from wmbook.book import ParsedPage
from wmbook.parse.fences import front_matter_lines
from wmbook.parse.page import parse_page
from wmbook.render.place import Placement, place_blocks

FILE = """\
---
title: T
---
# Page

```python
x = 1
```

```output
1
```

/// quiz | Q?
    answer: true
Why: the fence below is part of the explanation.
```python
inside()
```
///

```text
left alone
```

/// references
///
"""


def _parsed() -> ParsedPage:
    page = parse_page(FILE, "docs/p.md")
    assert page.diagnostics == ()
    return page


def _placements(page: ParsedPage) -> list[Placement]:
    """Each block replaced by one line that names it."""
    return [Placement(b.region, (f"<{type(b).__name__} {i}>",)) for i, b in enumerate(page.blocks)]


def _markdown() -> str:
    """The file as MkDocs hands it to plugins: without its front matter."""
    return "\n".join(FILE.split("\n")[front_matter_lines(FILE) :])


PLACED = """\
# Page

<CodeBlock 0>

<ExpectedOutput 1>

<Quiz 2>

```text
left alone
```

<ReferenceList 3>
"""


def test_every_block_is_replaced_by_its_rendering() -> None:
    page = _parsed()
    placed, missing = place_blocks(_markdown(), _placements(page))
    assert missing == []
    assert placed == PLACED


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(
            lambda md: "!!! banner\n    Added by another plugin.\n\n" + md, id="lines-inserted-above"
        ),
        pytest.param(
            lambda md: md.replace("# Page\n", "# Page\n\nA new paragraph\nof two lines.\n"), id="between"
        ),
        pytest.param(lambda md: md.replace("\n\n/// quiz", "\n\n\n\n\n/// quiz"), id="blank-lines"),
        pytest.param(lambda md: md.replace("```text\nleft alone\n```\n", ""), id="other-fence-removed"),
        pytest.param(
            lambda md: md.replace("# Page", "# Page\n\n```js\nlet a = 1;\n```"), id="other-fence-added"
        ),
    ],
)
def test_blocks_are_found_after_the_markdown_changed_around_them(edit: Callable[[str], str]) -> None:
    page = _parsed()
    markdown = edit(_markdown())
    placed, missing = place_blocks(markdown, _placements(page))
    assert missing == []
    for i, block in enumerate(page.blocks):
        assert placed.count(f"<{type(block).__name__} {i}>") == 1
        assert block.region.text not in placed
    assert "left alone" in placed or "left alone" not in markdown


@pytest.mark.parametrize(
    ("old", "new", "index"),
    [
        pytest.param("x = 1", "x = 2", 0, id="code-edited"),
        pytest.param("```output\n1\n```", "```output\n1.0\n```", 1, id="output-edited"),
        pytest.param("    answer: true\n", "    answer: false\n", 2, id="quiz-option-edited"),
        pytest.param("/// references\n///\n", "", 3, id="removed"),
    ],
)
def test_a_changed_block_is_returned_as_missing(old: str, new: str, index: int) -> None:
    page = _parsed()
    placements = _placements(page)
    markdown = _markdown().replace(old, new)
    placed, missing = place_blocks(markdown, placements)
    assert missing == [placements[index]]
    for i, block in enumerate(page.blocks):
        assert (f"<{type(block).__name__} {i}>" in placed) is (i != index)
    if new:
        assert new in placed  # shown as it is, not guessed at


def test_identical_blocks_are_placed_in_order() -> None:
    text = "```python\nprint(1)\n```\n\nBetween.\n\n```python\nprint(1)\n```\n"
    page = parse_page(text, "docs/p.md")
    first, second = page.blocks
    assert first.region.text == second.region.text
    placements = [Placement(first.region, ("FIRST",)), Placement(second.region, ("SECOND", "LINES"))]
    placed, missing = place_blocks("Intro.\n\n" + text, placements)
    assert missing == []
    assert placed == "Intro.\n\nFIRST\n\nBetween.\n\nSECOND\nLINES\n"


def test_an_empty_rendering_removes_the_block() -> None:
    text = "a\n```python\nx\n```\nb\n"
    (block,) = parse_page(text, "docs/p.md").blocks
    assert place_blocks(text, [Placement(block.region, ())]) == ("a\nb\n", [])


def test_without_blocks_the_markdown_is_unchanged() -> None:
    assert place_blocks(_markdown(), []) == (_markdown(), [])


def test_indented_blocks_are_found() -> None:
    text = "!!! note\n\n    ```python\n    x = 1\n    ```\n"
    (block,) = parse_page(text, "docs/p.md").blocks
    placed, missing = place_blocks("Added.\n\n" + text, [Placement(block.region, ("    <X>",))])
    assert (placed, missing) == ("Added.\n\n!!! note\n\n    <X>\n", [])


def test_markdown_that_is_the_parsed_file_is_not_searched_again(monkeypatch: pytest.MonkeyPatch) -> None:
    text = FILE[FILE.index("# Page") :]  # no front matter: MkDocs hands over the file as it is
    page = parse_page(text, "docs/p.md")

    def searched(markdown: str) -> None:
        raise AssertionError("the blocks were searched for although they are where they were parsed")

    monkeypatch.setattr("wmbook.render.place._regions", searched)
    placed, missing = place_blocks(text, _placements(page), parsed_from=text)
    assert missing == []
    assert placed == PLACED


def test_a_block_not_at_its_parsed_lines_is_searched_for() -> None:
    page = _parsed()
    # Text equal to the file, but the blocks' lines moved: their regions are not where they say.
    moved = "\n\n" + FILE
    placed, missing = place_blocks(moved, _placements(page), parsed_from=moved)
    assert missing == []
    for i, block in enumerate(page.blocks):
        assert placed.count(f"<{type(block).__name__} {i}>") == 1
