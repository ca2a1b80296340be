"""markdown-exec's tree fences: names nested by indentation, drawn with branches and icons."""

from __future__ import annotations

import pytest

from wmbook.parse.tree import FILE_EMOJI, FOLDER_EMOJI, draw_tree, icon_token, read_tree, tree_options
from wmbook.render.tree import with_tree_icons

TEXT = "root\n    a.py\n    sub\n        b\n    last/\nother\n"


def test_nesting_and_branches() -> None:
    drawn = draw_tree(read_tree(TEXT), "none")
    assert drawn == ["root", "├── a.py", "├── sub", "│   └── b", "└── last/", "other"]


@pytest.mark.parametrize(
    ("style", "line"),
    [
        ("basic", f"├── {FILE_EMOJI} a.py"),
        ("auto", f"├── {icon_token('simple/python')} a.py"),
        ("none", "├── a.py"),
    ],
)
def test_icons(style: str, line: str) -> None:
    drawn = draw_tree(read_tree(TEXT), style)
    assert drawn[1] == line
    assert drawn[0].startswith(FOLDER_EMOJI) == (style != "none")


def test_icon_tokens_become_svg() -> None:
    html = f"<code>{icon_token('simple/python')} a.py __ICON_{'0' * 32}</code>"
    replaced = with_tree_icons(html)
    assert '<span class="twemoji"><svg' in replaced and f"__ICON_{'0' * 32}" in replaced


def test_options() -> None:
    assert tree_options({}) == ("bash", "auto")
    with pytest.raises(ValueError, match="icons='fancy'"):
        tree_options({"icons": "fancy"})


def test_a_tree_drawn_already_is_left_as_written() -> None:
    from wmbook.kinds.tree import trees_drawn

    drawn = "```tree\nroot\n├── a.py\n└── b\n```"
    assert trees_drawn(drawn) == drawn
    assert "└── " in trees_drawn("```tree\nroot\n    a.py\n```")


def test_a_tree_a_block_prints_is_drawn_through_its_kind() -> None:
    from wmbook.stages import printed_markdown

    drawn = printed_markdown("Files:\n\n```tree\nroot\n    a.py\n```")
    assert drawn.startswith("Files:\n\n````````bash \n📁 root\n└── ") and drawn.endswith(" a.py\n````````")


def test_an_icon_token_outside_the_text_is_left() -> None:
    # A token a block printed into an attribute (nh3 keeps '<' escaped there) or a JSON
    # script: the icon's quotes would end the attribute or the JSON string.
    token = icon_token("simple/python")
    html = (
        f'<span title="{token} &lt;img src=x onerror=alert(1)&gt;">x</span>'
        f'<script type="application/json">{{"code": "{token}"}}</script><!-- {token} -->'
        f"<code>{token} a.py</code>"
    )
    replaced = with_tree_icons(html)
    assert replaced.startswith(f'<span title="{token} &lt;img')
    assert f'{{"code": "{token}"}}</script><!-- {token} -->' in replaced
    assert replaced.count("<svg") == 1
    assert '<code><span class="twemoji"><svg' in replaced and replaced.endswith("</svg></span> a.py</code>")


@pytest.mark.timeout(30)
def test_a_token_in_an_unclosed_tag_is_left_in_linear_time() -> None:
    page = "<a " * 100_000 + '"' + icon_token("simple/python")
    assert with_tree_icons(page) == page


def test_a_tree_thousands_of_levels_deep_is_drawn() -> None:
    # Read and drawn by recursion, 3,000 levels were a RecursionError that stopped the build.
    text = "\n".join(" " * level + f"n{level}" for level in range(3_000))
    drawn = draw_tree(read_tree(text), "none")
    assert len(drawn) == 3_000
    assert drawn[2] == "    └── n2" and drawn[-1] == " " * 4 * 2_998 + "└── n2999"
