"""HTML comes from the Jinja templates in ``wmbook/templates``: no module builds tags in an
f-string, by concatenation, ``%`` or ``.format``, nor writes a fixed fragment of HTML (a
closing ``</details>``, say) as a string of its own (patterns searched for are not output)."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

import wmbook
from wmbook.templates import Markup, into_head, render, script_json, template

PACKAGE = Path(wmbook.__file__).parent
# A regex's (?P<name>…) and a replacement's \g<name> are no tags.
_TAG = re.compile(r"(?<!\?P)(?<!\\g)</?[a-zA-Z][a-zA-Z0-9-]*[\s>/]")
# A name in angle brackets that is no element: what Python calls code compiled from a string.
_NOT_ELEMENTS = {"<snippet>", "<cell>", "<string>", "<stdin>"}
# An instrument's default caption: authored prose it declares in its own module as ``CAPTION``
# (an instrument of another package passes its caption the same way), whose source digest keys
# the instrument's stored rendering; not a fragment wmbook puts together.
AUTHORED = {"CAPTION"}


def _has_tag(node: ast.AST) -> bool:
    """A literal string (or an f-string's literal parts) holding an HTML tag."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value not in _NOT_ELEMENTS and bool(_TAG.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_has_tag(part) for part in node.values)
    return False


_SEARCHES = {"replace", "find", "index", "count", "startswith", "endswith", "split", "partition"}


def _patterns(tree: ast.AST) -> set[int]:
    """Nodes (by id) that are searched for, not written: a regular expression, or what
    ``str.replace`` and the like look for (their first argument)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            regex = isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
            if regex or node.func.attr in _SEARCHES:
                found |= {id(inner) for inner in ast.walk(node.args[0])}
    return found


def _not_written(tree: ast.AST) -> set[int]:
    """Nodes (by id) of strings that are not HTML written out: docstrings, what is compared
    with (``"<svg" in text``), an f-string's parts (the f-string is judged whole), and an
    instrument's authored caption."""
    found: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        documented = isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        if documented and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            found.add(id(body[0].value))
        if isinstance(node, ast.Compare):
            found |= {id(inner) for part in (node.left, *node.comparators) for inner in ast.walk(part)}
        elif isinstance(node, ast.JoinedStr):
            found |= {id(part) for part in node.values}
        elif isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id in AUTHORED for target in node.targets
        ):
            found |= {id(inner) for inner in ast.walk(node.value)}
    return found


def html_sites(source: str) -> list[int]:
    """Lines where a string holding an HTML tag is filled in by formatting or concatenation,
    or written out as a fixed fragment."""
    lines: set[int] = set()
    tree = ast.parse(source)
    skipped = _patterns(tree) | _not_written(tree)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Constant) and _has_tag(node):
            lines.add(node.lineno)  # a fixed fragment: a template (macro) of its own
        elif isinstance(node, ast.JoinedStr) and _has_tag(node):
            lines.add(node.lineno)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
            if _has_tag(node.left) or (isinstance(node.op, ast.Add) and _has_tag(node.right)):
                lines.add(node.lineno)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
            and _has_tag(node.func.value)
        ):
            lines.add(node.lineno)
    return sorted(lines)


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ('x = f"<div class={c}>"', [1]),
        ('x = "<p>" + text', [1]),
        ('x = text + "</p>"', [1]),
        ('x = "<b>%s</b>" % text', [1]),
        ('x = "<b>{}</b>".format(text)', [1]),
        ('x = (\n  f"<span>{a}"\n  "</span>"\n)', [2]),
        ('x = f"a < {b}"', []),  # a comparison in text, not a tag
        ('x = "<p>plain</p>"', [1]),  # a fixed fragment is written out too
        ('lines = ["<details>", *body, "</details>"]', [1]),
        ('x = f"<p>plain</p>"', [1]),
        ('x = "<snippet>"', []),  # a file name Python gives compiled code, no element
        ('CAPTION = "An <em>authored</em> caption."', []),
        ('x = BOX.sub(r"\\g<opening>>", markup)', []),  # a replacement's group, no tag
        ('x = "<svg" in text', []),  # compared with, not written
        ('"""Docstring with <tag> inside."""\ndef f():\n    """And <here>."""', []),
        ('x = f"{a}<=b"', []),
        ('"""Docstring with <tag> inside."""', []),
        ('x = rf"(?P<page>{name})-(?P<index>\\d+)"', []),  # a regular expression's named groups
        ('x = re.compile(rf"(?:<p>)?<!--{name}-->")', []),  # a pattern searched for, not written
        ('x = page.replace(f"<p>{token}</p>", shown)', []),
        ('x = page.replace("</head>", tags + "</head>")', [1]),  # what is written in is output
    ],
)
def test_html_sites(source: str, found: list[int]) -> None:
    assert html_sites(source) == found


def sites_by_module() -> dict[str, int]:
    counts = {
        str(path.relative_to(PACKAGE)): len(html_sites(path.read_text(encoding="utf-8")))
        for path in sorted(PACKAGE.rglob("*.py"))
        if "templates" not in path.parts
    }
    return {module: count for module, count in counts.items() if count}


def test_html_comes_from_templates() -> None:
    found = sites_by_module()
    assert found == {}, f"write this HTML as a template in wmbook/templates: {found}"


def test_templates_escape_text_as_html_escape_does() -> None:
    shown = render("runner_block.html", block="b'1", output='<i>x</i> & "y"')
    assert (
        shown
        == '<div class="wmbook-run" data-wmbook-block="b&#x27;1">&lt;i&gt;x&lt;/i&gt; &amp; &quot;y&quot;</div>'
    )
    assert render("runner_block.html", block="b", output=Markup("<i>x</i>")).endswith("><i>x</i></div>")
    assert str(script_json('{"a": "</script>"}')) == '{"a": "\\u003c/script>"}'


def test_a_loaded_template_is_not_looked_up_on_disk_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every output box of a build renders one template: its file is read once, not stat'ed each time."""
    template("output_box.html")
    looked: list[str] = []
    monkeypatch.setattr(os.path, "isfile", lambda path: looked.append(path) or True)
    monkeypatch.setattr(os.path, "getmtime", lambda path: looked.append(path) or 0.0)
    template("output_box.html")
    assert looked == []


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        pytest.param("<head><t></head><body></body>", "<head><t><m></head><body></body>", id="its-head"),
        pytest.param("<body>no head</body>", "<body>no head</body>", id="no-head"),
        pytest.param(
            "<head></head><body><code>&lt;/head&gt; </head></code></body>",
            "<head><m></head><body><code>&lt;/head&gt; </head></code></body>",
            id="first-only",
        ),
    ],
)
def test_markup_goes_at_the_end_of_the_head_only(page: str, expected: str) -> None:
    assert into_head(page, "<m>") == expected
