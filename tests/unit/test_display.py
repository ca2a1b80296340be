"""Rich outputs in a session: the MIME bundle an object offers, and which last expressions are shown."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import pytest

from wmbook.execute.display import BOKEH_MIME, Displays, mime_bundle, shown_value
from wmbook.model import Display

PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF"


@pytest.fixture(autouse=True)
def _no_open_figures() -> Iterator[None]:
    with matplotlib.rc_context():
        yield
    plt.close("all")


def _offering(**reprs: Any) -> object:
    """An object whose ``_repr_NAME_`` methods return the given values (a callable raises)."""

    def method(value: Any) -> Any:
        def call(self: object) -> Any:
            if isinstance(value, type) and issubclass(value, Exception):
                raise value("this representation is broken")
            return value

        return call

    namespace: dict[str, Any] = {f"_repr_{name}_": method(value) for name, value in reprs.items()}
    namespace["__repr__"] = lambda self: "Offering()"
    return type("Offering", (), namespace)()


@pytest.mark.parametrize(
    ("reprs", "mime", "expected"),
    [
        ({"html": "<b>bold</b>"}, "text/html", "<b>bold</b>"),
        ({"svg": '<svg viewBox="0 0 1 1"/>'}, "image/svg+xml", '<svg viewBox="0 0 1 1"/>'),
        ({"png": PNG_BYTES}, "image/png", base64.b64encode(PNG_BYTES).decode("ascii")),
        ({"jpeg": JPEG_BYTES}, "image/jpeg", base64.b64encode(JPEG_BYTES).decode("ascii")),
        ({"png": "aGVsbG8="}, "image/png", "aGVsbG8="),  # already base64 text: kept as it is
        ({"markdown": "**strong**"}, "text/markdown", "**strong**"),
        ({"latex": "$x^2$"}, "text/latex", "$x^2$"),
        ({"latex": ("$x^2$", {"isolated": True})}, "text/latex", "$x^2$"),  # (data, metadata)
        ({"html": ("<i>t</i>", {})}, "text/html", "<i>t</i>"),
    ],
)
def test_each_repr_method_is_asked(reprs: dict[str, Any], mime: str, expected: str) -> None:
    """Every ``_repr_*_`` method gives one MIME type; ``text/plain`` (the repr) always comes last."""
    shown = mime_bundle(_offering(**reprs))
    assert shown.get(mime) == expected
    assert shown.data[-1] == ("text/plain", "Offering()")
    assert [m for m, _ in shown.data] == [mime, "text/plain"]


def test_every_offered_type_is_kept_richest_first() -> None:
    shown = mime_bundle(
        _offering(latex="$a$", markdown="*a*", jpeg=JPEG_BYTES, png=PNG_BYTES, svg="<svg/>", html="<p>a</p>")
    )
    assert [m for m, _ in shown.data] == [
        "text/html",
        "image/svg+xml",
        "image/png",
        "image/jpeg",
        "text/markdown",
        "text/latex",
        "text/plain",
    ]


@pytest.mark.parametrize(
    ("reprs", "present", "absent"),
    [
        ({"html": RuntimeError, "markdown": "**kept**"}, {"text/markdown": "**kept**"}, ["text/html"]),
        ({"html": None, "svg": "<svg/>"}, {"image/svg+xml": "<svg/>"}, ["text/html"]),
        ({"svg": ValueError, "png": PNG_BYTES}, {"image/png": base64.b64encode(PNG_BYTES).decode()}, []),
        ({"latex": 42}, {}, ["text/latex"]),  # not text: ignored
        ({"html": ZeroDivisionError}, {"text/plain": "Offering()"}, ["text/html"]),
    ],
)
def test_broken_or_empty_reprs_fall_back(
    reprs: dict[str, Any], present: dict[str, str], absent: list[str]
) -> None:
    """A repr that raises or returns None (or no text) is left out; the others still count."""
    shown = mime_bundle(_offering(**reprs))
    for mime, value in present.items():
        assert shown.get(mime) == value
    for mime in absent:
        assert shown.get(mime) is None
    assert shown.get("text/plain") == "Offering()"


class Bundled:
    """Offers a bundle, and a ``_repr_html_`` that the bundle's HTML wins over."""

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, Any]:
        return {
            "text/html": "<i>from the bundle</i>",
            "image/png": PNG_BYTES,
            "application/json": {"not": "text"},
            "text/plain": "Bundled plain",
        }

    def _repr_html_(self) -> str:
        return "<b>from the method</b>"

    def _repr_markdown_(self) -> str:
        return "*markdown*"


class BundledWithMetadata:
    def _repr_mimebundle_(
        self, include: object = None, exclude: object = None
    ) -> tuple[dict[str, str], dict[str, Any]]:
        return {"text/latex": "$y$"}, {"text/latex": {"isolated": True}}


class BrokenBundle:
    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, str]:
        raise RuntimeError("no bundle today")

    def _repr_html_(self) -> str:
        return "<p>fallback</p>"

    def __repr__(self) -> str:
        return "BrokenBundle()"


def test_mimebundle_wins_and_methods_fill_in() -> None:
    shown = mime_bundle(Bundled())
    assert shown.get("text/html") == "<i>from the bundle</i>"
    assert shown.get("image/png") == base64.b64encode(PNG_BYTES).decode("ascii")
    assert shown.get("text/plain") == "Bundled plain"
    assert shown.get("text/markdown") == "*markdown*"
    assert shown.get("application/json") is None  # not text: not kept
    assert len({m for m, _ in shown.data}) == len(shown.data)  # every MIME type once


def test_mimebundle_with_metadata() -> None:
    shown = mime_bundle(BundledWithMetadata())
    assert shown.get("text/latex") == "$y$"
    assert shown.data[-1][0] == "text/plain"


def test_broken_mimebundle_falls_back_to_the_methods() -> None:
    shown = mime_bundle(BrokenBundle())
    assert shown.data == (("text/html", "<p>fallback</p>"), ("text/plain", "BrokenBundle()"))


def test_a_class_is_shown_by_its_repr_only() -> None:
    """The class of an object with reprs is not asked for them (its methods are unbound)."""
    shown = mime_bundle(Bundled)
    assert shown.data == (("text/plain", repr(Bundled)),)


@pytest.mark.parametrize("value", [3, "text", [1, 2], {"a": 1}, 2.5])
def test_plain_values_are_their_repr(value: object) -> None:
    assert mime_bundle(value) == Display((("text/plain", repr(value)),))


def test_pandas_dataframe_offers_html() -> None:
    pd = pytest.importorskip("pandas")
    shown = mime_bundle(pd.DataFrame({"alpha": [1, 2], "beta": [3.5, 4.5]}))
    html = shown.get("text/html") or ""
    assert "<table" in html and "alpha" in html and "4.5" in html
    assert "alpha" in (shown.get("text/plain") or "")


def test_bokeh_layout_is_a_bokeh_item() -> None:
    from bokeh.plotting import figure

    plot = figure(width=200, height=150, title="Bokeh line")
    plot.line([0, 1, 2], [1, 0, 1])
    shown = mime_bundle(plot)
    assert shown.data[0][0] == BOKEH_MIME
    item = json.loads(shown.get(BOKEH_MIME) or "")
    assert {"doc", "root_id"} <= set(item)
    assert shown.get("text/plain")


def test_displays_keep_order_and_start_afresh() -> None:
    displays = Displays()
    displays.display(1, "two")
    displays.display(_offering(html="<b>3</b>"))
    taken = displays.take()
    assert [d.get("text/plain") for d in taken] == ["1", "'two'", "Offering()"]
    assert taken[2].get("text/html") == "<b>3</b>"
    assert displays.take() == ()


def _figure() -> object:
    fig, _ = plt.subplots()
    return fig


def _lines() -> object:
    _, ax = plt.subplots()
    return ax.plot([0, 1], [1, 0])


def _axes() -> object:
    _, ax = plt.subplots()
    return ax


def _text() -> object:
    _, ax = plt.subplots()
    return ax.set_title("A title")


@pytest.mark.parametrize(
    ("make", "shown"),
    [
        (lambda: None, False),
        (lambda: 0, True),
        (lambda: 42, True),
        (lambda: "", True),
        (lambda: False, True),
        (lambda: [], True),
        (lambda: [1, 2, 3], True),
        (lambda: (1, 2), True),
        (_figure, False),
        (_axes, False),
        (_text, False),
        (_lines, False),  # a list of Line2D, as ax.plot returns
        (lambda: [*_lines(), 1], True),  # not only matplotlib objects
        (lambda: tuple(_lines()), False),
    ],
)
def test_shown_value(make: Any, shown: bool) -> None:
    """Jupyter's rule: not None, and not a matplotlib object (its figure is embedded anyway)."""
    assert shown_value(make()) is shown
