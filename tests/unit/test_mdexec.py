"""markdown-exec's fences: which are in its style, its options, its source forms, and how
its results are put together (pure functions)."""

from __future__ import annotations

import pytest

from wmbook.blocks import CodeBlock
from wmbook.parse.mdexec import (
    MarkdownExecShow,
    is_transcript,
    python_of_transcript,
    shell_of_console,
    transcript_output,
    uses_markdown_exec,
)
from wmbook.parse.options import OptionError, parse_code_options, split_options
from wmbook.parse.page import parse_page
from wmbook.render.mdexec import (
    code_block,
    headings,
    id_prefix,
    prefix_ids,
    result_html,
    result_markdown,
    with_source,
)


@pytest.mark.parametrize(
    ("info", "language", "style"),
    [
        ('exec="1"', "python", True),
        ('exec="true"', "py", True),
        ('exec="yes"', "python", True),
        ('exec="on"', "python", False),  # wmbook's own spelling keeps wmbook's presentation
        ('exec="on" source="above"', "python", True),
        ('exec="on" html="1"', "python", True),
        ('exec="on" title="x.py"', "python", False),  # a highlight option, not markdown-exec's
        ("", "python", False),
        ("", "bash", True),
        ('exec="on"', "console", True),
        ('exec="on"', "pycon", False),  # a transcript wmbook runs and checks
        ('exec="1"', "pycon", True),
    ],
)
def test_which_fences_are_in_markdown_exec_style(info: str, language: str, style: bool) -> None:
    assert uses_markdown_exec(split_options(info, ("exec", "source", "html", "title")), language) is style


def test_markdown_exec_options_are_read() -> None:
    options = parse_code_options(
        'exec="1" source="tabbed-right" tabs="Code|Out \\| put" result="text" html="0" id="x" '
        'idprefix="" updatetoc="no" title="demo.py" width="50"',
        "python",
    )
    assert options.show == MarkdownExecShow(
        source="tabbed-right",
        result="text",
        html=False,
        tabs=("Code", "Out | put"),
        id="x",
        idprefix="",
        updatetoc=False,
        width=50,
    )
    assert options.passed_on == (("title", "demo.py"),)
    assert options.session == ""  # no session=: a namespace of its own (the page names it)
    assert parse_code_options('exec="1" returncode="3"', "bash").returncode == 3
    assert parse_code_options('exec="1" workdir="/tmp"', "bash").ignored == ("workdir",)


@pytest.mark.parametrize(
    ("info", "fragment"),
    [
        ('exec="1" source="left"', "source='left' must be one of"),
        ('exec="1" returncode="x"', "not a whole number"),
        ('exec="1" tabs="no bar"', 'separated by "|"'),
        ('exec="1" width="wide"', "columns"),
        ('exec="1" figure="1"', "markdown-exec's style"),
        ('exec="1" sourse="above"', "unknown option 'sourse'"),
    ],
)
def test_bad_markdown_exec_options(info: str, fragment: str) -> None:
    with pytest.raises(OptionError, match=fragment):
        parse_code_options(info, "python")


def test_transcripts_and_consoles_keep_their_lines() -> None:
    transcript = (">>> x = 2", ">>> for i in range(2):", "...     print(i)", "0", "1", ">>>")
    code, shown = python_of_transcript(transcript)
    assert code.split("\n") == ["x = 2", "for i in range(2):", "    print(i)", "", "", ""]
    assert shown == ">>> x = 2\n>>> for i in range(2):\n...     print(i)\n>>>"
    assert shell_of_console(("$ echo a", "a", "% ls")) == ("echo a\nls", "% echo a\n% ls")
    assert is_transcript(("", ">>> 1 + 1", "2")) and not is_transcript(("x = '>>> '",))


def test_source_forms() -> None:
    show = MarkdownExecShow(source="above")
    assert with_source(show, "python", "print(1)", "1", ()) == "````````python \nprint(1)\n````````\n\n1"
    below = with_source(MarkdownExecShow(source="below"), "python", "x", "out", (("title", "t"),))
    assert below == 'out\n\n````````python title="t"\nx\n````````'
    tabs = with_source(MarkdownExecShow(source="tabbed-left", tabs=("A", "B")), "sh", "ls", "out", ())
    assert tabs.startswith('===! "A"\n    ````````sh \n    ls\n') and '=== "B"\n    out' in tabs
    console = with_source(MarkdownExecShow(source="console", result="pycon"), "python", "x", "1", ())
    assert console == code_block("pycon", "x\n1")
    hidden = with_source(MarkdownExecShow(source="above"), "python", "a\nb  # markdown-exec: hide", "", ())
    assert "hide" not in hidden
    block = result_markdown(MarkdownExecShow(source="block", result="text"), "py", "x", "out", ())
    assert '<div class="result" markdown="1" >' in block and "````````text \nout\n````````" in block


def test_ids_get_a_prefix() -> None:
    markup = '<h2 id="a">A</h2><a href="#a">to A</a><input id="t" name="t"><label for="t">x</label>'
    assert prefix_ids(markup, "p-") == (
        '<h2 id="p-a">A</h2><a href="#p-a">to A</a><input id="p-t" name="p-t"><label for="p-t">x</label>'
    )
    assert id_prefix(MarkdownExecShow(), 3) == "exec-3--"
    assert id_prefix(MarkdownExecShow(id="made"), 3) == "made-"
    assert id_prefix(MarkdownExecShow(id="made", idprefix=""), 3) == ""
    found = headings('<h3 id="x">Title <code>y</code><a class="headerlink" href="#x">¶</a></h3>')
    assert [(h.level, h.id, h.title) for h in found] == [(3, "x", "Title y")]


PAGE = """# Page

```bash
echo "an example"
```

```pycon
>>> 1 + 1
2
```

```python
>>> 1 + 1
2
```

```python exec="on"
>>> print(1 + 1)
2
```

````md exec="1"
Text.

```python exec="1"
print("inner")
```
````

```python source="above"
print("markdown-exec would not run this")
```
"""


def test_a_page_of_markdown_exec_fences() -> None:
    """Unmarked examples are left alone (transcripts in python fences too); a marked
    transcript runs its prompt lines; an md block holds the fence it runs."""
    page = parse_page(PAGE, "docs/x.md")
    found = [(b.loc.line, b.options.language, b.options.execute) for b in page.blocks_of(CodeBlock)]
    assert found == [(17, "pycon", True), (25, "python", True), (22, "md", False), (30, "python", False)]
    transcript = page.blocks_of(CodeBlock)[0]
    assert transcript.executed_code == "print(1 + 1)\n"
    md = page.blocks_of(CodeBlock)[2]
    assert md.inner == (page.blocks_of(CodeBlock)[1],)
    assert page.diagnostics == ()


def test_transcript_output_lines() -> None:
    lines = (">>> x = 2", ">>> x * 21", "42", "", ">>> for i in range(2):", "...     i", "...", "0", "1")
    assert transcript_output(lines) == "42\n0\n1"


def _convert(text: str) -> str:
    import markdown

    extensions = ["pymdownx.superfences", "pymdownx.tabbed", "md_in_html"]
    return str(
        markdown.markdown(
            text, extensions=extensions, extension_configs={"pymdownx.tabbed": {"alternate_style": True}}
        )
    )


def test_only_what_a_block_printed_is_sanitised() -> None:
    """The tabs around a result are the page's own; what the block printed loses its script."""
    show = MarkdownExecShow(source="tabbed-left")
    shown = result_html(show, "python", "print(x)", "**hi**<script>steal()</script>", (), 4, _convert)
    assert "<strong>hi</strong>" in shown and "steal" not in shown
    assert 'type="radio"' in shown and 'id="exec-4--__tabbed_1_1"' in shown
    printed = result_html(
        MarkdownExecShow(html=True), "python", "", '<b onclick="x()">b</b>', (), 1, _convert
    )
    assert printed == "<b>b</b>"


def test_printed_text_never_closes_its_fence() -> None:
    assert code_block("text", "a\n`````````\nb").startswith("``````````text")
    console = result_html(
        MarkdownExecShow(source="console"), "sh", "echo", "````````\n<em>x</em>", (), 1, _convert
    )
    assert "<em>" not in console
