"""A rich output as HTML: the richest MIME type the object offered, the way Jupyter picks it."""

from __future__ import annotations

import html
import json
import re

import pytest

from wmbook.execute.display import BOKEH_MIME
from wmbook.model import Display
from wmbook.render.rich import display_html

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
JPEG = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQ=="
SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 2 2"><rect width="1" height="1"/></svg>'
ITEM = json.dumps({"doc": {"roots": []}, "root_id": "p1001", "target_id": None, "version": "3.9.2"})


def _tex(tex: str, display: bool) -> str:
    return f'<span class="tex" data-display="{str(display).lower()}">{html.escape(tex)}</span>'


def _rendered(*data: tuple[str, str], ident: str = "page-code-0-display-1") -> tuple[str, str]:
    return display_html(
        Display(tuple(data)),
        ident,
        bokeh_base="../assets/wmbook/bokeh/",
        bokeh_version=lambda: "3.9.2",
        render_tex=_tex,
    )


def _render(*data: tuple[str, str], ident: str = "page-code-0-display-1") -> str:
    out, problem = _rendered(*data, ident=ident)
    assert problem == ""
    return out


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ((("text/plain", "42"),), "<pre><code>42</code></pre>"),
        ((("text/plain", "<A & B>"),), "<pre><code>&lt;A &amp; B&gt;</code></pre>"),
        ((("text/html", "<b>rich</b>"), ("text/plain", "plain")), "<b>rich</b>"),
        ((("image/svg+xml", SVG), ("text/plain", "plain")), '<rect width="1" height="1"></rect>'),
        (
            (("image/png", PNG), ("text/plain", "plain")),
            f'<img alt="Image output" src="data:image/png;base64,{PNG}">',
        ),
        (
            (("image/jpeg", JPEG), ("text/plain", "plain")),
            f'<img alt="Image output" src="data:image/jpeg;base64,{JPEG}">',
        ),
        (
            (("text/markdown", "**strong** text"), ("text/plain", "plain")),
            "<p><strong>strong</strong> text</p>",
        ),
        (
            (("text/latex", "$x^2$"), ("text/plain", "plain")),
            '<span class="tex" data-display="false">x^2</span>',
        ),
        (
            (("text/latex", "$$\\int f$$"), ("text/plain", "p")),
            '<span class="tex" data-display="true">\\int f</span>',
        ),
        (
            (("text/latex", "  $ a+b $\n"), ("text/plain", "p")),
            '<span class="tex" data-display="false">a+b</span>',
        ),
        # Jupyter's order: HTML over SVG over PNG over JPEG over Markdown over LaTeX over text
        ((("image/png", PNG), ("text/html", "<i>html</i>"), ("text/plain", "p")), "<i>html</i>"),
        ((("image/png", PNG), ("image/svg+xml", SVG), ("text/plain", "p")), "<rect"),
        ((("image/jpeg", JPEG), ("image/png", PNG), ("text/plain", "p")), "data:image/png;base64"),
        ((("text/markdown", "*m*"), ("image/jpeg", JPEG), ("text/plain", "p")), "data:image/jpeg;base64"),
        ((("text/latex", "$l$"), ("text/markdown", "*m*"), ("text/plain", "p")), "<em>m</em>"),
        ((("text/latex", "no dollars"), ("text/plain", "fallback")), "<pre><code>fallback</code></pre>"),
    ],
)
def test_picks_the_richest_type(data: tuple[tuple[str, str], ...], expected: str) -> None:
    out = _render(*data)
    assert out.startswith('<div class="wmbook-display">') and out.endswith("</div>")
    assert expected in out


@pytest.mark.parametrize(
    ("data", "absent"),
    [
        ((("text/html", '<p onclick="x()">p</p><script>alert(1)</script>'),), ["onclick", "<script"]),
        ((("image/svg+xml", '<svg onload="x()"><script>alert(1)</script></svg>'),), ["onload", "<script"]),
        ((("text/markdown", "text <script>alert(1)</script>"),), ["<script"]),
        ((("text/markdown", "[link](javascript:alert(1))"),), ["javascript:"]),
        ((("image/png", '" onerror="alert(1)'),), ['" onerror']),
    ],
)
def test_markup_is_sanitised(data: tuple[tuple[str, str], ...], absent: list[str]) -> None:
    out = _render(*data)
    for needle in absent:
        assert needle not in out


def test_svg_prolog_is_cut() -> None:
    out = _render(("image/svg+xml", '<?xml version="1.0"?>\n<!DOCTYPE svg>' + SVG))
    assert "<?xml" not in out and "DOCTYPE" not in out
    assert out.startswith('<div class="wmbook-display"><svg')


def _item(out: str) -> dict[str, object]:
    match = re.search(r'<script type="application/json" class="wmbook-instrument-item">(.*?)</script>', out)
    assert match is not None, out
    return json.loads(match.group(1))


def test_bokeh_item_wins_and_targets_its_own_div() -> None:
    out = _render((BOKEH_MIME, ITEM), ("text/html", "<b>html</b>"), ("text/plain", "figure"))
    assert out.startswith('<div class="wmbook-instrument wmbook-display-bokeh" id="page-code-0-display-1"')
    assert "data-item" in out and 'data-bokeh-version="3.9.2"' in out
    assert 'data-bokeh-base="../assets/wmbook/bokeh/"' in out
    assert '<div id="page-code-0-display-1-bokeh" class="wmbook-instrument-target"' in out
    item = _item(out)
    assert item["target_id"] == "page-code-0-display-1-bokeh"
    assert item["root_id"] == "p1001"
    assert "<b>html</b>" not in out


def test_bokeh_item_cannot_end_its_script_early() -> None:
    hostile = json.dumps(
        {"doc": {"title": "</script><script>alert(1)</script>", "roots": []}, "root_id": "p1"}
    )
    out = _render((BOKEH_MIME, hostile), ident="x-display-2")
    assert out.count("</script>") == 1 and out.endswith("</script></div>")
    assert "<script>alert" not in out
    assert _item(out)["doc"] == {"title": "</script><script>alert(1)</script>", "roots": []}


def test_a_bokeh_item_that_could_run_code_falls_back_to_the_next_form() -> None:
    """Any object may offer wmbook's Bokeh MIME type from ``_repr_mimebundle_``."""
    div = {
        "type": "object",
        "name": "Div",
        "id": "p2",
        "attributes": {"text": "<img src=x onerror=alert(1)>"},
    }
    callback = {"type": "object", "name": "CustomJS", "id": "p3", "attributes": {"code": "alert(1)"}}
    div["attributes"]["js_event_callbacks"] = {"click": [callback]}
    hostile = json.dumps({"target_id": None, "root_id": "p2", "doc": {"roots": [div]}})
    out, problem = _rendered((BOKEH_MIME, hostile), ("text/html", "<b>html</b>"), ("text/plain", "p"))
    assert out == '<div class="wmbook-display"><b>html</b></div>'
    assert (
        problem
        == "the Bokeh figure holds a 'CustomJS' model, which wmbook does not embed, so it is shown without its interactive part"
    )


def test_a_bokeh_div_is_embedded_sanitised() -> None:
    div = {
        "type": "object",
        "name": "Div",
        "id": "p2",
        "attributes": {"text": "<img src=x onerror=alert(1)>"},
    }
    out = _render((BOKEH_MIME, json.dumps({"target_id": None, "root_id": "p2", "doc": {"roots": [div]}})))
    assert "onerror" not in out and '\\u003cimg src=\\"x\\">' in out


def test_markdown_nested_too_deep_once_converted_is_shown_as_its_text() -> None:
    out = _render(("text/markdown", ">" * 1000 + " deep"), ("text/plain", "p"))
    assert out == '<div class="wmbook-display"><pre><code>' + "&gt;" * 1000 + " deep</code></pre></div>"
