"""Snippet lines in a python fence, read with pymdownx.snippets' own rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from wmbook.blocks import CodeBlock
from wmbook.parse.snippets import Included, SnippetReader, snippet_reader


@pytest.fixture
def base(tmp_path: Path) -> Path:
    (tmp_path / "snips").mkdir()
    (tmp_path / "snips" / "a.py").write_text("x = 1\ny = 2\nz = 3\n", encoding="utf-8")
    (tmp_path / "snips" / "sec.py").write_text(
        "head = 0\n# --8<-- [start:part]\npart = 1\n# --8<-- [end:part]\n", encoding="utf-8"
    )
    return tmp_path


def reader(base: Path, **options: object) -> SnippetReader:
    return SnippetReader({"base_path": [str(base / "snips")], **options}, str(base))


def test_a_snippet_line_runs_as_its_file(base: Path) -> None:
    expanded, problems = reader(base).expand(('--8<-- "a.py"', "print(x)"), 10, "docs/p.md")
    assert problems == []
    assert expanded.shown == "x = 1\ny = 2\nz = 3\n\nprint(x)"
    assert expanded.run.split("\n")[1] == "print(x)"  # one line per fence line: page lines hold
    assert "run_included('x = 1\\ny = 2\\nz = 3\\n', [('snips/a.py', 1)," in expanded.run
    assert expanded.included == (Included(10, "snips/a.py", 1, "x = 1\ny = 2\nz = 3\n", ("snips/a.py",)),)


@pytest.mark.parametrize(
    ("target", "first", "text"),
    [("a.py:2:3", 2, "y = 2\nz = 3"), ("sec.py:part", 3, "part = 1")],
)
def test_ranges_and_sections_start_at_their_line(base: Path, target: str, first: int, text: str) -> None:
    expanded, _ = reader(base).expand((f'--8<-- "{target}"',), 1, "docs/p.md")
    assert [(i.path, i.first_line, i.text) for i in expanded.included] == [
        ("snips/" + target.split(":")[0], first, text)
    ]


def test_a_missing_file_follows_check_paths(base: Path) -> None:
    body = ("a = 0", '--8<-- "nope.py"', "b = 1")
    expanded, problems = reader(base).expand(body, 5, "docs/p.md")
    assert problems == [] and expanded.run == "a = 0\n\nb = 1"  # dropped, as pymdownx does
    _, problems = reader(base, check_paths=True).expand(body, 5, "docs/p.md")
    assert [(str(p.loc), "nope.py" in p.message) for p in problems] == [("docs/p.md:6", True)]


def test_a_file_outside_the_base_path_is_not_read(base: Path) -> None:
    (base / "secret.py").write_text("leak = 1\n", encoding="utf-8")
    expanded, _ = reader(base).expand(('--8<-- "../secret.py"',), 1, "docs/p.md")
    assert expanded.included == () and "leak" not in expanded.run


def test_escaped_and_block_forms(base: Path) -> None:
    body = (';--8<-- "a.py"', "--8<--", "a.py", "--8<--", "done = True")
    expanded, _ = reader(base).expand(body, 1, "docs/p.md")
    assert [i.line for i in expanded.included] == [3]
    assert len(expanded.run.split("\n")) == len(body)


def test_an_indented_snippet_runs_the_block_as_one_call(base: Path) -> None:
    expanded, _ = reader(base).expand(("def f():", '    --8<-- "a.py:1:1"', "    return x"), 1, "docs/p.md")
    assert expanded.shown == "def f():\n    x = 1\n    return x"
    first, *rest = expanded.run.split("\n")
    assert rest == ["", ""]  # one line per fence line
    assert "[('docs/p.md', 1), ('snips/a.py', 1), ('docs/p.md', 3)]" in first


def test_each_line_knows_its_file_and_line(base: Path) -> None:
    (base / "snips" / "outer.py").write_text('top = 0\n--8<-- "a.py:3:3"\n', encoding="utf-8")
    expanded, _ = reader(base).expand(('--8<-- "a.py:1:1,3:3"', '--8<-- "outer.py"'), 1, "docs/p.md")
    assert "[('snips/a.py', 1), ('snips/a.py', 3)]" in expanded.run
    assert "[('snips/outer.py', 1), ('snips/a.py', 3), ('snips/outer.py', 3)]" in expanded.run
    assert expanded.included[1].files == ("snips/outer.py", "snips/a.py")


def test_only_sites_with_snippets_get_a_reader(base: Path) -> None:
    assert snippet_reader(["admonition"], {}, str(base)) is None
    assert snippet_reader(["pymdownx.snippets"], {}, str(base)) is not None


def test_a_formula_of_an_included_file_is_found_at_its_line(base: Path) -> None:
    from wmbook.math.katex import included_formula_line

    (base / "snips" / "note.md").write_text("intro\n\n$\\bad{x}$\n", encoding="utf-8")
    expanded, _ = reader(base).expand(("# Page", '--8<-- "note.md"', "end"), 1, "docs/p.md")
    loc = included_formula_line("\\bad{x}", expanded.shown, expanded.origins)
    assert loc is not None and (loc.path, loc.line) == ("snips/note.md", 3)
    assert included_formula_line("\\elsewhere", expanded.shown, expanded.origins) is None


@pytest.mark.parametrize("target", ["/etc/hostname", "../../../../../../etc/hostname", "nothing.py"])
def test_a_snippet_outside_base_path_brings_nothing_and_runs_as_an_empty_line(
    base: Path, target: str
) -> None:
    from wmbook.parse.page import parse_page

    page = parse_page(
        f'# P\n\n```python\n--8<-- "{target}"\nprint(1)\n```\n', "docs/p.md", snippets=reader(base)
    )
    (block,) = page.blocks_of(CodeBlock)
    assert block.included == ()
    # Run as written, the line was Python (`--8 < --"…"`): a TypeError no one could read.
    assert block.executed_code == "\nprint(1)" and block.code == "print(1)"
