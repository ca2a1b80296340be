"""Math rendered to KaTeX HTML at build time; TeX errors at the formula's Markdown line."""

from __future__ import annotations

import re

import markdown
import pytest

from wmbook.math import katex
from wmbook.math.katex import MathItem, MathRenderer, find_math, katex_dir

PATH = "docs/m.md"


def arithmatex(source: str) -> str:
    """The page's HTML as MkDocs hands it over: math wrapped by pymdownx.arithmatex."""
    return markdown.markdown(
        source,
        extensions=["pymdownx.arithmatex"],
        extension_configs={"pymdownx.arithmatex": {"generic": True}},
    )


def outside_annotations(html: str) -> str:
    """The HTML without KaTeX's <annotation> elements (which keep the TeX for copying)."""
    return re.sub(r"<annotation\b.*?</annotation>", "", html, flags=re.DOTALL)


SOURCE = "\n".join(
    [
        "Inline $a < b$ and $\\mathrm{d}x$.",  # 1
        "",  # 2
        "$$",  # 3
        "\\mathrm{e}^{i\\pi} + 1 = 0",  # 4
        "$$",  # 5
        "",  # 6
        "Code `$not math$` stays.",  # 7
    ]
)


def test_find_math() -> None:
    assert find_math(arithmatex(SOURCE)) == [
        MathItem("a < b", False),
        MathItem("\\mathrm{d}x", False),
        MathItem("\\mathrm{e}^{i\\pi} + 1 = 0", True),
    ]


def test_good_tex_becomes_katex_html() -> None:
    html, problems = MathRenderer().render_page(arithmatex(SOURCE), SOURCE, PATH)
    assert problems == []
    assert 'class="arithmatex"' not in html
    assert html.count('<span class="wmbook-math"><span class="katex">') == 2
    assert html.count('<div class="wmbook-math wmbook-math--display"><span class="katex-display">') == 1
    assert html.count("<math") == 3  # MathML for screen readers
    assert html.count('<annotation encoding="application/x-tex">') == 3
    visible = outside_annotations(html)
    for raw in ("\\mathrm", "\\(", "\\[", "$$", "\\pi"):
        assert raw not in visible, raw
    assert "<code>$not math$</code>" in html


@pytest.mark.parametrize(
    ("source", "line", "tex"),
    [
        ("Broken $\\frac{$ here.", 1, "\\frac{"),
        ("Fine $x$.\n\nBroken $\\frac{1}{$ here.", 3, "\\frac{1}{"),
        ("Intro.\n\n$$\n\\frac{1}{\n$$\n", 4, "\\frac{1}{"),
        ("a\nb\n\nThe $\\unknowncommand{x}$ fails.", 4, "\\unknowncommand{x}"),
        ("---\ntitle: T\n---\n\nFront matter counts: $x^$", 5, "x^"),
    ],
)
def test_bad_tex_is_a_diagnostic_at_its_line(source: str, line: int, tex: str) -> None:
    html, problems = MathRenderer().render_page(arithmatex(source), source, PATH)
    assert [(p.loc.path, p.loc.line) for p in problems] == [(PATH, line)]
    assert problems[0].message.startswith("math does not render: KaTeX parse error")
    assert f'<code class="wmbook-math-error">{tex}</code>' in html


def test_bad_tex_line_is_not_confused_with_an_earlier_formula() -> None:
    source = "Good $\\frac{1}{2}$.\n\nBroken $\\frac{1}{$ here."
    _, problems = MathRenderer().render_page(arithmatex(source), source, PATH)
    assert [p.loc.line for p in problems] == [3]


def test_each_distinct_formula_is_rendered_once(monkeypatch: pytest.MonkeyPatch) -> None:
    batches: list[list[MathItem]] = []
    real = katex.render_batch

    def counting(items: list[MathItem]) -> list[tuple[str, str]]:
        batches.append(list(items))
        return real(items)

    monkeypatch.setattr(katex, "render_batch", counting)
    renderer = MathRenderer()
    first, _ = renderer.render_page(arithmatex("$x$ and $x$ and $y$"), "", PATH)
    second, _ = renderer.render_page(arithmatex("$y$ again, and $z$"), "", PATH)
    assert batches == [[MathItem("x", False), MathItem("y", False)], [MathItem("z", False)]]
    assert first.count('class="katex"') == 3 and second.count('class="katex"') == 2


def test_a_page_without_math_is_unchanged() -> None:
    html = "<p>No math, only $5 and $6.</p>"
    assert MathRenderer().render_page(html, html, PATH) == (html, [])


def test_katex_assets_are_vendored() -> None:
    folder = katex_dir()
    css = (folder / "katex.min.css").read_text(encoding="utf-8")
    assert (folder / "katex.min.js").is_file()
    fonts = sorted(p.name for p in (folder / "fonts").glob("*.woff2"))
    assert "KaTeX_Main-Regular.woff2" in fonts and "KaTeX_Math-Italic.woff2" in fonts
    referenced = set(re.findall(r"url\(fonts/([\w-]+\.woff2)\)", css))
    assert referenced and referenced <= set(fonts)
    assert not re.search(r"url\((?:https?:)?//", css)
