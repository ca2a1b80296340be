"""Adopting wmbook on an existing site: which fences a page runs, page settings in front
matter, and ``///`` blocks that belong to pymdownx.blocks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wmbook.config import WmbookConfig
from wmbook.kinds.code import CodeBlock
from wmbook.kinds.quiz import Quiz
from wmbook.parse.marked import ExecuteMode
from wmbook.parse.page import parse_notebook_page, parse_page
from wmbook.settings import resolve_settings

PATH = "docs/x.md"

PAGE = """\
Intro.

```python title="client.py" hl_lines="2"
client.get(url)
```

```python exec="on"
print(6 * 7)
```

```python exec="off"
never()
```
"""


def _code(text: str, mode: ExecuteMode = ExecuteMode.ALL) -> list[tuple[int, bool]]:
    page = parse_page(text, PATH, site_mode=mode)
    return [(b.loc.line, b.options.execute) for b in page.blocks_of(CodeBlock)]


def test_marked_mode_reads_only_marked_fences() -> None:
    """Unmarked fences are left as written: their Material options are no errors; an
    exec="off" fence is shown without the option, which Markdown would not understand."""
    page = parse_page(PAGE, PATH, site_mode=ExecuteMode.MARKED)
    assert [(b.loc.line, b.options.execute) for b in page.blocks_of(CodeBlock)] == [(7, True), (11, False)]
    assert page.diagnostics == ()
    assert page.execute is ExecuteMode.MARKED


def test_all_mode_reads_every_fence() -> None:
    page = parse_page(PAGE, PATH)
    assert [(b.loc.line, b.options.execute) for b in page.blocks_of(CodeBlock)] == [
        (3, True),
        (7, True),
        (11, False),
    ]
    # title= and hl_lines= are pymdownx.highlight's: kept on the code shown, no error
    assert page.diagnostics == ()
    assert page.blocks_of(CodeBlock)[0].options.passed_on == (("title", "client.py"), ("hl_lines", "2"))


def test_marked_mode_still_reports_a_misspelt_exec() -> None:
    page = parse_page('```python exec="onn"\nx = 1\n```\n', PATH, site_mode=ExecuteMode.MARKED)
    assert [(d.loc.line, "exec='onn'" in d.message) for d in page.diagnostics] == [(1, True)]


@pytest.mark.parametrize(
    ("front", "site", "mode", "blocks"),
    [
        (
            "wmbook: {execute: marked}",
            ExecuteMode.ALL,
            ExecuteMode.MARKED,
            [("x()", False), ("print(1)", True)],
        ),
        (
            "wmbook:\n  execute: false",
            ExecuteMode.ALL,
            ExecuteMode.NONE,
            [("x()", False), ("print(1)", False)],
        ),
        ("wmbook: {execute: all}", ExecuteMode.MARKED, ExecuteMode.ALL, [("x()", False), ("print(1)", True)]),
        # an excluded page stays excluded
        ("wmbook: {execute: all}", ExecuteMode.NONE, ExecuteMode.NONE, [("x()", False), ("print(1)", False)]),
        ("title: T", ExecuteMode.MARKED, ExecuteMode.MARKED, [("x()", False), ("print(1)", True)]),
    ],
)
def test_front_matter_sets_the_page_mode(
    front: str, site: ExecuteMode, mode: ExecuteMode, blocks: list[tuple[str, bool]]
) -> None:
    text = f"---\n{front}\n---\n" + '\n```python exec="off"\nx()\n```\n\n```python exec="on"\nprint(1)\n```\n'
    page = parse_page(text, PATH, site_mode=site)
    assert page.diagnostics == ()
    assert page.execute is mode
    assert [(b.code, b.options.execute) for b in page.blocks_of(CodeBlock)] == blocks


@pytest.mark.parametrize(
    ("front", "line", "fragment"),
    [
        ("wmbook: {execute: sometimes}", 2, "must be all, marked or false"),
        ("title: T\nwmbook:\n  execute: 3", 4, "must be all, marked or false"),
        ("wmbook: {excute: marked}", 2, "unknown wmbook setting 'excute'"),
        ("wmbook: marked", 2, "wmbook: in the front matter is a mapping"),
    ],
)
def test_bad_page_settings_are_errors_at_their_line(front: str, line: int, fragment: str) -> None:
    page = parse_page(f"---\n{front}\n---\n\nText.\n", PATH)
    assert [(d.loc.line, fragment in d.message) for d in page.diagnostics] == [(line, True)]


def test_a_notebook_sets_its_mode_in_its_metadata() -> None:
    cells = [
        {"cell_type": "code", "source": "1 / 0", "metadata": {}},
        {"cell_type": "code", "source": "print(2)", "metadata": {"wmbook": {"exec": True}}},
    ]
    raw = json.dumps({"cells": cells, "metadata": {"wmbook": {"execute": "marked"}}})
    page = parse_notebook_page(raw, "docs/n.ipynb")
    assert page.execute is ExecuteMode.MARKED
    assert [(b.code, b.options.execute) for b in page.blocks_of(CodeBlock)] == [("print(2)", True)]


# -- /// blocks that are not wmbook's --

BLOCKS = """\
/// admonition | Try it
    type: tip

```python
print("in an admonition")
```

/// quiz | How much?
    answer: 2
    check: 1 + 1
Two.
///
///

/// details | More
Text.
///

/// tab | Python
```python
x = 1
```
///
"""


def test_other_blocks_are_left_to_pymdownx() -> None:
    """Fences and wmbook blocks inside them are still read."""
    page = parse_page(BLOCKS, PATH)
    assert page.diagnostics == ()
    assert [b.loc.line for b in page.blocks_of(CodeBlock)] == [4, 20]
    assert [type(b) for b in page.blocks] == [CodeBlock, Quiz, CodeBlock]
    assert page.blocks_of(Quiz)[0].region.start == 8


@pytest.mark.parametrize("name", ["qiuz", "quizz", "equaton", "reference"])
def test_a_misspelt_wmbook_block_is_still_an_error(name: str) -> None:
    page = parse_page(f"/// {name}\nText.\n///\n", PATH)
    assert [(d.loc.line, f"unknown block '{name}'" in d.message) for d in page.diagnostics] == [(1, True)]


@pytest.mark.parametrize("name", ["note", "warning", "tab", "html", "caption", "my-custom-box"])
def test_other_block_names_pass(name: str) -> None:
    assert parse_page(f"/// {name}\nText.\n///\n", PATH).diagnostics == ()


# -- settings --


def _settings(tmp_path: Path, **values: object) -> object:
    cfg = WmbookConfig()
    cfg.load_dict(values)
    failed, _ = cfg.validate()
    assert failed == []
    return resolve_settings(cfg, str(tmp_path), str(tmp_path / "docs"))


@pytest.mark.parametrize(
    ("exclude", "uri", "mode"),
    [
        ([], "a.md", ExecuteMode.MARKED),
        (["drafts/"], "drafts/wip.md", ExecuteMode.NONE),
        (["drafts/"], "book/drafts/wip.md", ExecuteMode.NONE),
        (["/drafts/"], "book/drafts/wip.md", ExecuteMode.MARKED),
        (["*.ipynb"], "nb/run.ipynb", ExecuteMode.NONE),
        (["*.ipynb", "!keep.ipynb"], "keep.ipynb", ExecuteMode.MARKED),
        (["api/**/*.md"], "api/x/y.md", ExecuteMode.NONE),
        (["api/**/*.md"], "guide/y.md", ExecuteMode.MARKED),
    ],
)
def test_exclude_patterns(tmp_path: Path, exclude: list[str], uri: str, mode: ExecuteMode) -> None:
    settings = _settings(tmp_path, execute="marked", exclude=exclude)
    assert settings.page_mode(uri) is mode  # type: ignore[attr-defined]


def test_execute_is_all_by_default(tmp_path: Path) -> None:
    assert _settings(tmp_path).page_mode("a.md") is ExecuteMode.ALL  # type: ignore[attr-defined]


def test_an_unknown_execute_value_is_refused() -> None:
    cfg = WmbookConfig()
    cfg.load_dict({"execute": "some"})
    failed, _ = cfg.validate()
    assert [name for name, _ in failed] == ["execute"]


def test_a_handle_in_a_link_is_no_citation() -> None:
    """Sites link people's handles; only a bare [@key] cites."""
    page = parse_page("- **Ann** ([@ann](https://github.com/ann)) and [@bob][gh].\n", PATH)
    assert page.citations == ()
