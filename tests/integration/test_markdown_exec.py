"""A site written for markdown-exec, built with markdown-exec and with wmbook in its place
(``execute: marked``): every block shows the same result."""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config

from wmbook.execute.sandbox import landlock_abi
from wmbook.render.outputs import visible_text

from .conftest import BuiltCopy, build_site, copy_fixture
from .html_compare import article, shown_tokens, toc_links

pytest.importorskip("markdown_exec")


def wmbook_plugins() -> list[object]:
    """The site's plugins with markdown-exec's line replaced (MkDocs edits what it is given)."""
    return ["search", {"wmbook": {"execute": "marked"}}]


PAGES = ("", "languages", "trees")


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory, built_copy: BuiltCopy) -> tuple[Path, Path]:
    """The fixture built once with each tool (wmbook's build is the one the tests below copy)."""
    theirs = copy_fixture("mdexec", tmp_path_factory.mktemp("markdown-exec"))
    build(load_config(config_file=str(theirs / "mkdocs.yml"), site_dir=str(theirs / "site")))
    ours, first = built_copy("mdexec", tmp_path_factory.mktemp("wmbook"), plugins=wmbook_plugins())
    assert not first.failed, first.messages
    return theirs / "site", ours / "site"


@pytest.fixture
def wmbook_copy(built_copy: BuiltCopy, tmp_path: Path) -> Path:
    """The fixture after its first build with wmbook (built once, copied for each test)."""
    root, first = built_copy("mdexec", tmp_path, plugins=wmbook_plugins())
    assert not first.failed, first.messages
    return root


def _html(site: Path, page: str) -> str:
    return (site / page / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("page", PAGES)
def test_same_results_block_by_block(both: tuple[Path, Path], page: str) -> None:
    """Each page shows the same tags and text; the differences allowed are the event handler
    that wmbook's sanitiser removes from an HTML result, and control bytes shown as escapes
    (colour codes dropped) as in every output of wmbook."""
    theirs, ours = (_html(site, page) for site in both)
    assert 'onclick="steal()"' not in article(ours)
    expected = [visible_text(t.replace(" onclick=steal()", "")) for t in shown_tokens(theirs)]
    found = shown_tokens(ours)
    diff = "\n".join(difflib.unified_diff(expected, found, "markdown-exec", "wmbook", lineterm="", n=2))
    assert found == expected, diff


@pytest.mark.parametrize("page", PAGES)
def test_same_table_of_contents(both: tuple[Path, Path], page: str) -> None:
    """Headings a result prints join the contents (not with updatetoc="no")."""
    theirs, ours = (_html(site, page) for site in both)
    assert toc_links(ours) == toc_links(theirs)


def test_results_ran_in_wmbook_sessions(both: tuple[Path, Path]) -> None:
    """The wmbook build ran the blocks: its report lists their sessions, one per block
    without session= and one for the named session."""
    ours = _html(both[1], "")
    assert "total is 42" in ours and "illustrative: never run" in ours
    report = (both[1].parent / ".cache" / "wmbook" / "last-build.json").read_text()
    assert '"session": "calc"' in report
    assert len(re.findall(r'"session": "block@\d+"', report)) >= 15


def test_failures_are_reported_at_the_line(wmbook_copy: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A shell block with another exit status, and a python block that raises, fail the
    build at their lines; an option wmbook does not implement is a warning."""
    root = wmbook_copy
    page = root / "docs" / "broken.md"
    page.write_text(
        '# Broken\n\n```bash exec="1"\nexit 4\n```\n\n```python exec="1" workdir="elsewhere"\nprint(1 / 0)\n```\n',
        encoding="utf-8",
    )
    built = build_site(root, caplog, plugins=wmbook_plugins())
    assert built.failed
    assert "docs/broken.md:4: bash exited with status 4; the block expects 0" in built.messages
    assert 'returncode="N"' in built.messages
    assert "docs/broken.md:8: ZeroDivisionError" in built.messages
    assert "docs/broken.md:7: workdir= is markdown-exec's and not implemented" in built.messages


@pytest.mark.skipif(landlock_abi() <= 0, reason="this kernel offers no Landlock")
def test_shell_blocks_run_in_the_sandbox(
    wmbook_copy: Path, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """A shell block is a process of its session: it may write only in the session's folder."""
    root = wmbook_copy
    outside = tmp_path / "written-by-a-block.txt"
    (root / "docs" / "shell.md").write_text(
        f'# Shell\n\n```sh exec="1"\necho here > local.txt && cat local.txt\necho there > {outside}\n```\n',
        encoding="utf-8",
    )
    built = build_site(root, caplog, plugins=wmbook_plugins())
    assert built.failed
    assert "docs/shell.md:4: sh exited with status" in built.messages
    assert "Permission denied" in built.messages
    assert not outside.exists()


def test_a_marked_transcript_is_checked(wmbook_copy: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A >>> transcript marked exec="on" runs as at Python's prompt (values echoed) and must
    show what its lines print; unmarked, it is an example."""
    root = wmbook_copy
    (root / "docs" / "doctest.md").write_text(
        "# Transcripts\n\n"
        '```python exec="on"\n>>> x = 21\n>>> x * 2\n42\n>>> print("ok")\nok\n```\n\n'
        '```python exec="on"\n>>> [n * n for n in range(3)]\n[0, 1, 5]\n```\n\n'
        "```python\n>>> this_is_only_an_example()\n1\n```\n\n"
        '```pycon exec="on"\n>>> 2 ** 10\n1024\n```\n',
        encoding="utf-8",
    )
    built = build_site(root, caplog, plugins=wmbook_plugins())
    assert built.failed
    assert "docs/doctest.md:11: the transcript shows other output than its >>> lines print" in built.messages
    assert "+[0, 1, 4]" in built.messages
    assert "found 1 error" in built.messages  # the first transcript and the pycon fence match
    assert "doctest.md:3" not in built.messages and "this_is_only_an_example" not in built.messages


def test_md_html_and_nested_result_boxes(both: tuple[Path, Path]) -> None:
    """An md block with html="1" is shown as the HTML it holds (not read as Markdown); a
    result box of an md block nested in another's tabs keeps no markdown="1"."""
    ours = article(_html(both[1], "trees"))
    assert '<span class="raw">*not emphasis*</span>: HTML as written' in ours
    assert 'markdown="1"' not in ours


def test_pyodide_fences_become_runnable_blocks(wmbook_copy: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A pyodide fence is highlighted code with wmbook's runner below it (Pyodide served by
    the site: no script of another host on the page), also inside an md block's tabs; it
    never runs at build time."""
    root = wmbook_copy
    (root / "docs" / "editor.md").write_text(
        "# Editor\n\n"
        '```pyodide install="attrs"\nraise SystemExit("never run at build time")\n```\n\n'
        '````md exec="1" source="tabbed-left" tabs="Markdown|Rendered"\n'
        '```pyodide session="other"\nprint("hello")\n```\n````\n',
        encoding="utf-8",
    )
    built = build_site(root, caplog, plugins=wmbook_plugins())
    assert not built.failed, built.messages
    page = built.html("editor")
    assert page.count('class="wmbook-run"') == 2
    manifest = json.loads(re.search(r'id="wmbook-runner-data">(.*?)</script>', page, re.S)[1])
    assert [(b["session"], b["install"]) for b in manifest["blocks"]] == [
        ("pyodide:default", ["attrs"]),
        ("pyodide:other", []),
    ]
    assert not re.search(r'<(?:script|link)[^>]+(?:src|href)="https?://', article(page))
    assert not re.search(r'<script[^>]+src="https?://', page)  # nothing of another host loads with the page
    assert (built.site / "assets" / "wmbook" / "runner.js").is_file()
    assert "never run at build time" not in built.messages


def test_a_session_across_pages_is_cached_as_one(wmbook_copy: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A later page's part of a named session depends on the earlier pages' blocks: change
    one there, and the later page runs again with the new value; a function an earlier page
    defined names that page's lines in a traceback."""
    root = wmbook_copy
    assert "the first page's total, here: 40" in (root / "site" / "trees" / "index.html").read_text()
    index = root / "docs" / "index.md"
    text = index.read_text(encoding="utf-8").replace(
        "total = 40", "total = 50\ndef half():\n    return 1 / 0"
    )
    index.write_text(text, encoding="utf-8")
    (root / "docs" / "trees.md").write_text(
        '# Later\n\n```python exec="1" session="calc"\nprint(total)\nhalf()\n```\n', encoding="utf-8"
    )
    second = build_site(root, caplog, plugins=wmbook_plugins())
    assert second.failed
    assert "docs/trees.md:5: ZeroDivisionError" in second.messages
    line = text.split("\n").index("    return 1 / 0") + 1
    assert f'File "docs/index.md", line {line}, in half' in second.messages
    assert ">50<" in second.html("trees").replace("\n", "")


def test_an_earlier_page_that_ends_the_session_is_named_on_the_later_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A later page's part runs the earlier page's blocks first; one that ends the process
    there (here only when run for the later page) is an error of the later page that names
    it, not a warning at the later page's first line."""
    root = tmp_path / "book"
    (root / "docs").mkdir(parents=True)
    config = "site_name: Across\nplugins:\n  - wmbook:\n      timeout: 20\n      on_error: warn\n"
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    (root / "docs" / "index.md").write_text(
        '# First\n\n```python exec="1" session="s"\nimport os\nif os.path.exists("../b.md"):\n'
        '    os._exit(3)\nprint("first ran")\n```\n',
        encoding="utf-8",
    )
    (root / "docs" / "sub").mkdir()
    (root / "docs" / "b.md").write_text("# B\n", encoding="utf-8")
    (root / "docs" / "sub" / "later.md").write_text(
        '# Later\n\n```python exec="1" session="s"\nprint("later ran")\n```\n', encoding="utf-8"
    )
    built = build_site(root, caplog)
    assert "first ran" in built.html()
    assert (
        'docs/sub/later.md:3: not run because the block at docs/index.md:4, which session "s" runs '
        "first on this page, ended the session; fix that block"
    ) in built.messages
    assert "docs/sub/later.md:1" not in built.messages
    assert "1 error(s) reported as warnings" in built.messages  # an error, not a warning
