"""MyST directives and roles of a notebook's Markdown, written as Markdown."""

from __future__ import annotations

import pytest

from wmbook.parse.myst_markup import myst_markdown, unsupported


@pytest.mark.parametrize(
    ("text", "markdown"),
    [
        ("```{math}\n:label: e1\nx^2\n```", "$$\nx^2\n$$"),
        (":::{math}\na + b\n:::", "$$\na + b\n$$"),
        ("An {math}`x_1` inline.", "An $x_1$ inline."),
        (":::{tip}\nBe *brief*.\n:::", "!!! tip\n\n    Be *brief*."),
        ("```{admonition} Heads up\n:class: warning\nText\n```", '!!! warning "Heads up"\n\n    Text'),
        (
            "(here)=\n# Title\n\n{ref}`here`, {ref}`that one <here>`",
            '<a id="here"></a>\n# Title\n\n[Title](#here), [that one](#here)',
        ),
        ("{doc}`intro`", "[intro](intro.md)"),
        ("```{code-block} python\nx = 1\n```", "```python\nx = 1\n```"),
        ("```{figure} fig.png\nA caption.\n```", "![A caption.](fig.png)\n\n*A caption.*"),
        ("```python\n'{math}`kept`'\n```", "```python\n'{math}`kept`'\n```"),
        ("```{code-cell} r\nx <- 1\n```", "```{code-cell} r\nx <- 1\n```"),
        ("::::{note}\n:::{math}\nz\n:::\n::::", "!!! note\n\n    $$\n    z\n    $$"),
    ],
)
def test_markup(text: str, markdown: str) -> None:
    assert myst_markdown(text) == markdown


def test_what_is_not_rendered_is_named_once() -> None:
    text = "```{glossary}\nx\n```\n\n{cite}`a` and {cite}`b`\n\n:::{glossary}\ny\n:::\n\n```python\n{term}`in code`\n```"
    assert unsupported(text) == [(1, "directive {glossary}"), (5, "role {cite}")]


@pytest.mark.timeout(30)
def test_unclosed_colon_fences_take_linear_time() -> None:
    # Each opener used to scan every line after it for its closing line: minutes for this page.
    text = "::::{note}\n" * 40_000 + ":::\n"  # a closing line too short for any of them
    assert myst_markdown(text) == text
    assert unsupported(text) == []


def test_deep_nesting_is_shown_as_written_and_named() -> None:
    depth = 1_000  # past Python's stack, were each level converted
    opening = [":" * (depth + 3 - level) + "{note}" for level in range(depth)]
    text = "\n".join([*opening, "inside", *(":" * (depth + 3 - level) for level in reversed(range(depth)))])
    shown = myst_markdown(text)
    assert shown.count("!!! note") == 32
    assert "inside" in shown
    assert unsupported(text) == [(33, "directive nested more than 32 deep")]


def test_a_target_label_is_text_not_markup() -> None:
    shown = myst_markdown('(x"onmouseover="go><b>bold</b>)=\n# Title')
    assert "<b>" not in shown and '"onmouseover' not in shown
    assert shown.startswith('<a id="x&quot;onmouseover=&quot;go&gt;&lt;b&gt;bold&lt;/b&gt;"></a>')
