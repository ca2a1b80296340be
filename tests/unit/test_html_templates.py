"""HTML comes from the Jinja templates in ``wmbook/templates``: no module builds tags in an
f-string, by concatenation, ``%`` or ``.format`` (patterns searched for are not output)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import wmbook
from wmbook.templates import Markup, render, script_json

PACKAGE = Path(wmbook.__file__).parent
_TAG = re.compile(r"(?<!\?P)</?[a-zA-Z][a-zA-Z0-9-]*[\s>/]")  # a regex's (?P<name>…) is no tag


def _has_tag(node: ast.AST) -> bool:
    """A literal string (or an f-string's literal parts) holding an HTML tag."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(_TAG.search(node.value))
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


def html_sites(source: str) -> list[int]:
    """Lines where a string holding an HTML tag is filled in by formatting or concatenation."""
    lines: set[int] = set()
    tree = ast.parse(source)
    patterns = _patterns(tree)
    for node in ast.walk(tree):
        if id(node) in patterns:
            continue
        if isinstance(node, ast.JoinedStr) and _has_tag(node):
            if any(isinstance(part, ast.FormattedValue) for part in node.values):
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
        ('x = "<p>plain</p>"', []),  # a constant fragment is no formatting
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
