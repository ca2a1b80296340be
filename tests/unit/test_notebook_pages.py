"""Notebook pages' HTML: mkdocs-jupyter's template part told from the notebook."""

from __future__ import annotations

import pytest

from wmbook.notebook.pages import split_notebook_html, strip_remote_scripts, template_without_remote_scripts

TEMPLATE = (
    "<script>document.addEventListener('clipboard-copy', () => {})</script>\n"
    '<style type="text/css">.jp-Cell { margin: 0 }</style>\n'
    '<script src="https://cdnjs.cloudflare.com/ajax/libs/mathjax/tex-chtml.js"></script>\n'
    '<script type="text/x-mathjax-config">MathJax.Hub.Config({})</script>\n'
    '<script type="module">import mermaid from "https://cdn.jsdelivr.net/npm/mermaid.esm.min.mjs";</script>\n'
)
NOTEBOOK = (
    '<div class="jupyter-wrapper">\n<div class="jp-Notebook">'
    '<script type="application/json">{"doc": "a Bokeh item"}</script>'
    '<SCRIPT src="http://example.org/x.js"></SCRIPT><p>$x$</p></div>\n</div>'
)


def test_split_at_the_notebooks_wrapper() -> None:
    assert split_notebook_html(TEMPLATE + NOTEBOOK) == (TEMPLATE, NOTEBOOK)


@pytest.mark.parametrize("html", ["<p>no wrapper</p>", NOTEBOOK])
def test_without_a_template_part_all_is_notebook(html: str) -> None:
    assert split_notebook_html(html) == ("", html)


def test_parts_stripped_apart_as_the_whole() -> None:
    template, notebook = split_notebook_html(TEMPLATE + NOTEBOOK)
    parts = template_without_remote_scripts(template) + strip_remote_scripts(notebook)
    assert parts == strip_remote_scripts(TEMPLATE + NOTEBOOK)
    assert "cdnjs" not in parts and "mathjax-config" not in parts and "mermaid" not in parts
    assert "example.org" not in parts and "a Bokeh item" in parts and "clipboard-copy" in parts


def test_template_stripped_once_for_every_page(monkeypatch: pytest.MonkeyPatch) -> None:
    from wmbook.notebook import pages

    stripped: list[str] = []
    monkeypatch.setattr(pages, "_STRIPPED", [])  # none stripped yet
    monkeypatch.setattr(pages, "strip_remote_scripts", lambda html: stripped.append(html) or html[:9])
    other = TEMPLATE.replace("margin: 0", "margin: 1")
    first = template_without_remote_scripts(TEMPLATE)
    assert template_without_remote_scripts(other) == other[:9]
    again = template_without_remote_scripts("".join(list(TEMPLATE)))  # equal, not the same object
    assert again is first and stripped == [TEMPLATE, other]  # two templates (themes) are kept


@pytest.mark.parametrize(
    "tag",
    [
        '<script SRC="https://cdn.example.org/a.js"></script>',
        "<script src='http://example.org/a.js'></script>",
        "<script src=https://example.org/a.js></script>",
        '<script src = "//example.org/a.js"></script>',
        '<script type="module">import("//CDN.JSDELIVR.NET/npm/x.mjs")</script>',
    ],
)
def test_a_script_from_another_host_is_removed_however_written(tag: str) -> None:
    assert strip_remote_scripts(f"<p>a</p>{tag}<p>b</p>") == "<p>a</p><p>b</p>"


def test_a_script_of_the_site_itself_stays() -> None:
    tag = '<script src="../assets/wmbook/runner.js"></script>'
    assert strip_remote_scripts(tag) == tag
