"""Links from one page to another file are the ones MkDocs itself writes."""

from __future__ import annotations

import pytest
from mkdocs.utils import get_relative_url

from wmbook.urls import relative_url

CASES = [
    ("assets/wmbook/bokeh/", "index.html"),
    ("assets/wmbook/bokeh/", ""),
    ("assets/wmbook/bokeh/", "chapter/"),
    ("assets/wmbook/wmbook.css", "a/b/c/"),
    ("a/b/", "a/b/"),
    ("a/b/page.html", "a/b/other.html"),
    ("", "a/"),
    ("./", "a/b/"),
    ("x/../y", "a/../../b/"),
    ("/rooted/file.js", "/rooted/page/"),
    ("chapter/", "chapter.v2/"),
    ("file.js", "dir.with.dots"),
    ("//x", "y/"),
]


@pytest.mark.parametrize(("url", "other"), CASES)
def test_relative_url_matches_mkdocs(url: str, other: str) -> None:
    assert relative_url(url, other) == get_relative_url(url, other)


def test_a_sibling_folder() -> None:
    assert relative_url("assets/wmbook/bokeh/", "chapter/one/") == "../../assets/wmbook/bokeh/"
