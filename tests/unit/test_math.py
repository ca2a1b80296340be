"""Math rendered to KaTeX HTML at build time; TeX errors at the formula's Markdown line."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import markdown
import pytest

from wmbook.math import katex
from wmbook.math.katex import MathItem, MathRenderer, find_math, katex_dir
from wmbook.model import SourceLoc
from wmbook.store import Store

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
    assert (
        html.count('<div class="wmbook-math wmbook-math--display" tabindex="0"><span class="katex-display">')
        == 1
    )
    assert html.count("<math") == 3  # MathML for screen readers
    assert html.count('<annotation encoding="application/x-tex" data-search-exclude>') == 3
    assert html.count('<wmbook-math-html class="katex-html" aria-hidden="true" data-search-exclude>') == 3
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


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[list[MathItem]]:
    """Every batch of formulas handed to KaTeX."""
    seen: list[list[MathItem]] = []
    real = katex.render_batch

    def counting(items: list[MathItem]) -> list[tuple[str, str]]:
        seen.append(list(items))
        return real(items)

    monkeypatch.setattr(katex, "render_batch", counting)
    return seen


def _math_entries(store: Store) -> list[Path]:
    return sorted((store.root / "math").glob("*/*"))


def test_rendered_formulas_are_kept_in_the_store(tmp_path: Path, batches: list[list[MathItem]]) -> None:
    store = Store(tmp_path)
    page = arithmatex("$x$ and $y$ and $x$, and $\\frac{$")
    first, problems = MathRenderer(store).render_page(page, "", PATH)
    assert len(problems) == 1
    assert len(_math_entries(store)) == 3  # one per distinct formula, errors included
    second, again = MathRenderer(store).render_page(page, "", PATH)
    assert (second, again) == (first, problems)
    assert batches == [[MathItem("x", False), MathItem("y", False), MathItem("\\frac{", False)]]


def test_inline_and_display_math_are_kept_apart(tmp_path: Path, batches: list[list[MathItem]]) -> None:
    store = Store(tmp_path)
    MathRenderer(store).render_page(arithmatex("$x$"), "", PATH)
    html, _ = MathRenderer(store).render_page(arithmatex("$$\nx\n$$"), "", PATH)
    assert 'class="katex-display"' in html
    assert len(batches) == 2 and len(_math_entries(store)) == 2


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda store, path: path.write_bytes(path.read_bytes() + b"x"), id="checksum"),
        pytest.param(lambda store, path: store.write("math", path.name, b"{not json"), id="not-json"),
    ],
)
def test_a_damaged_formula_is_rendered_again(
    tmp_path: Path, batches: list[list[MathItem]], damage: Callable[[Store, Path], object]
) -> None:
    store = Store(tmp_path)
    first, _ = MathRenderer(store).render_page(arithmatex("$x$"), "", PATH)
    (entry,) = _math_entries(store)
    damage(store, entry)
    assert MathRenderer(store).render_page(arithmatex("$x$"), "", PATH) == (first, [])
    assert len(batches) == 2


def test_a_new_katex_renders_every_formula_again(
    tmp_path: Path, batches: list[list[MathItem]], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(tmp_path)
    MathRenderer(store).render_page(arithmatex("$x$"), "", PATH)
    monkeypatch.setattr(katex, "_katex_version", lambda: "a-newer-katex")
    MathRenderer(store).render_page(arithmatex("$x$"), "", PATH)
    assert len(batches) == 2 and len(_math_entries(store)) == 2


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


# -- where a formula is written --

INDENTED = """\
# Title

$$
\\begin{aligned}
a &= b
\\end{aligned}
$$

!!! note
    $$
    \\begin{aligned}
    a &= b_c_d
    \\end{aligned}
    $$

> Quoted $x +
> y_1_2$ text.
"""


@pytest.mark.parametrize(
    ("tex", "line"),
    [
        ("\\begin{aligned}\na &= b\n\\end{aligned}", 4),
        ("\\begin{aligned}\na &= b_c_d\n\\end{aligned}", 11),  # indented: not the earlier formula
        ("x +\ny_1_2", 16),  # across the lines of a quote
        ("not in the page", 1),  # from an included file, say
    ],
)
def test_formula_line(tex: str, line: int) -> None:
    """A formula is found where it is written, whatever indentation or quote prefixes it has."""
    assert katex.formula_line(tex, INDENTED, "docs/x.md") == SourceLoc("docs/x.md", line)
