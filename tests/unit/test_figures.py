"""Matplotlib figures as inline, accessible SVG that follows the page's colours."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator

import matplotlib
import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure as MplFigure

from wmbook.execute.figures import INK, apply_style, collect_figures, figure_to_svg, plot_xy

SVG_NS = "{http://www.w3.org/2000/svg}"
_ID = re.compile(r'\sid="([^"]+)"')
_REF = re.compile(r'(?:href="#|url\(#)([^")]+)')


@pytest.fixture(autouse=True)
def _book_style() -> Iterator[None]:
    """The book's style for each test; matplotlib's settings are restored afterwards."""
    plt.close("all")
    with matplotlib.rc_context():
        apply_style()
        yield
    plt.close("all")


def _line(title: str | None = "A damped oscillation") -> MplFigure:
    return plot_xy([0, 1, 2, 3], [1.0, 0.5, 0.8, 0.2], title=title, xlabel="t", ylabel="signal")


def _root_tag(svg: str) -> str:
    return svg[: svg.index(">") + 1]


def test_svg_is_inline_and_well_formed() -> None:
    """No XML prolog or metadata; the markup parses as SVG."""
    svg = figure_to_svg(_line(), "docs/p.md:3-1", "fallback").svg
    assert svg.startswith("<svg")
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg and "<metadata" not in svg
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox")


@pytest.mark.parametrize(
    ("draw", "label"),
    [
        (lambda: _line("A damped oscillation"), "A damped oscillation"),
        (lambda: _line(None), "signal against t"),
        (lambda: plt.subplots()[0], "fallback"),
        (lambda: _with_suptitle("Overall", "left"), "Overall"),
        (lambda: _two_axes("Left", "Right"), "Left; Right"),
        (lambda: _line('Loss & "accuracy" <1>'), 'Loss & "accuracy" <1>'),
    ],
    ids=["title", "axis-labels", "fallback", "suptitle", "two-axes", "special-characters"],
)
def test_accessible_name(draw: Callable[[], MplFigure], label: str) -> None:
    """role="img" and an aria-label from the title, escaped for the attribute."""
    figure = figure_to_svg(draw(), "salt", "fallback")
    assert figure.label == label
    tag = _root_tag(figure.svg)
    assert 'role="img"' in tag
    escaped = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    assert f'aria-label="{escaped}"' in tag
    assert ET.fromstring(figure.svg).get("aria-label") == label


def _with_suptitle(suptitle: str, title: str) -> MplFigure:
    fig, ax = plt.subplots()
    ax.set_title(title)
    fig.suptitle(suptitle)
    return fig


def _two_axes(left: str, right: str) -> MplFigure:
    fig, (ax1, ax2) = plt.subplots(1, 2)
    ax1.set_title(left)
    ax2.set_title(right)
    return fig


def test_responsive_size() -> None:
    """The root has no width/height in pt, so CSS can size the figure."""
    svg = figure_to_svg(_line(), "salt", "fallback").svg
    tag = _root_tag(svg)
    assert not re.search(r'\s(width|height)="', tag)
    assert not re.search(r'(width|height)="[^"]*pt"', svg)
    assert 'class="wmbook-svg"' in tag


def test_follows_text_colour() -> None:
    """Text, axes and ticks use currentColor instead of a fixed colour."""
    svg = figure_to_svg(_line(), "salt", "fallback").svg
    assert "currentColor" in svg
    assert INK not in svg and INK.upper() not in svg
    assert re.search(r"(stroke|fill): ?currentColor", svg)


def test_ids_are_scoped_and_unique() -> None:
    """Ids carry a per-figure prefix; two figures on one page share none, and references resolve."""
    first = figure_to_svg(_line(), "docs/p.md:3-1", "fallback").svg
    second = figure_to_svg(_line(), "docs/p.md:9-1", "fallback").svg
    ids_first, ids_second = _ID.findall(first), _ID.findall(second)
    assert ids_first and ids_second
    assert len(set(ids_first)) == len(ids_first)
    assert not set(ids_first) & set(ids_second)
    for svg, ids in ((first, ids_first), (second, ids_second)):
        prefixes = {name.split("-", 1)[0] for name in ids}
        assert len(prefixes) == 1
        refs = set(_REF.findall(svg))
        assert refs
        assert refs <= set(ids)


def test_same_salt_same_svg() -> None:
    """A figure renders to the same SVG every time (stable builds and caches)."""
    assert figure_to_svg(_line(), "s", "f").svg == figure_to_svg(_line(), "s", "f").svg


def test_collect_figures_renders_and_closes_all() -> None:
    """Every open figure is rendered, in order, and then closed."""
    _line("First")
    plt.subplots()
    _line("Third")
    assert len(plt.get_fignums()) == 3
    figures = collect_figures("docs/p.md:5")
    assert plt.get_fignums() == []
    assert [f.label for f in figures] == ["First", "Figure", "Third"]  # no caption-like default name
    ids = [set(_ID.findall(f.svg)) for f in figures]
    assert not ids[0] & ids[1] and not ids[0] & ids[2] and not ids[1] & ids[2]


def test_collect_figures_with_none_open() -> None:
    """No open figure: nothing to embed."""
    assert collect_figures("s", "f") == ()
    assert plt.get_fignums() == []
