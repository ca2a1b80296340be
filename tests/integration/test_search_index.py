"""What the site's search indexes: one readable form of each formula, no control text."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import build_site


@pytest.fixture
def index(fixture_site: Callable[[str], Path], caplog: pytest.LogCaptureFixture) -> list[dict[str, str]]:
    site = build_site(fixture_site("reader_good"), caplog, strict=True)
    assert not site.failed, site.messages
    docs: list[dict[str, str]] = json.loads((site.site / "search" / "search_index.json").read_text())["docs"]
    return docs


def test_a_formula_is_indexed_once(index: list[dict[str, str]]) -> None:
    text = next(d["text"] for d in index if "The sides obey" in d["text"])
    assert "The sides obey a2+b2=c2 here." in text
    assert "^" not in text  # not its TeX


def test_cite_popovers_are_not_indexed(index: list[dict[str, str]]) -> None:
    texts = " ".join(d["text"] for d in index)
    assert "@incollection" not in texts and "Copy APA" not in texts and "Close" not in texts
