"""A Bokeh item a block showed is embedded only as a plain Bokeh document, its HTML fields
sanitised: no callbacks, style sheets or HTML templates, whatever object produced it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from wmbook.render.bokeh_item import UnsafeBokehItem, safe_bokeh_item


def _item(*roots: dict[str, Any], **doc: Any) -> str:
    return json.dumps(
        {
            "target_id": None,
            "root_id": "p1",
            "doc": {"version": "3.9.2", "title": "", "roots": list(roots), **doc},
        }
    )


def _obj(name: str, **attributes: Any) -> dict[str, Any]:
    return {"type": "object", "name": name, "id": f"p-{name}", "attributes": attributes}


def test_a_real_figure_passes_unchanged() -> None:
    from bokeh.embed import json_item
    from bokeh.layouts import column
    from bokeh.models import ColumnDataSource, DataTable, Div, TableColumn
    from bokeh.plotting import figure

    plot = figure(tools="pan,wheel_zoom,box_zoom,reset,save,hover,help", tooltips=[("x", "@x")])
    plot.line([1, 2], [3, 4])
    table = DataTable(source=ColumnDataSource({"a": [1]}), columns=[TableColumn(field="a", title="A")])
    item = json_item(column(plot, Div(text="<b>bold</b>"), table))
    assert safe_bokeh_item(json.dumps(item), "x-") == json.loads(json.dumps(item))


def test_a_div_cannot_run_script() -> None:
    item = safe_bokeh_item(_item(_obj("Div", text='<img src=x onerror="alert(1)"><b>kept</b>')), "x-")
    text = item["doc"]["roots"][0]["attributes"]["text"]
    assert "onerror" not in text and "<b>kept</b>" in text


def test_tooltips_lose_html_and_safe_fields() -> None:
    hover = _obj("HoverTool", tooltips="<div><script>x</script>@name{safe}</div>")
    table = _obj("HoverTool", tooltips=[["name", "@name{safe}"]])
    column = _obj("TableColumn", title="<img src=x onerror=alert(1)>A")
    item = safe_bokeh_item(_item(hover, table, column), "x-")
    roots = [root["attributes"] for root in item["doc"]["roots"]]
    assert roots[0]["tooltips"] == "<div>@name</div>"
    assert roots[1]["tooltips"] == [["name", "@name"]]
    assert roots[2]["title"] == '<img src="x">A'


def test_styles_that_could_cover_the_page_are_dropped() -> None:
    div = _obj("Div", text="x", styles={"position": "fixed", "inset": "0"}, stylesheets=[":host{z-index:9}"])
    attributes = safe_bokeh_item(_item(div), "x-")["doc"]["roots"][0]["attributes"]
    assert "styles" not in attributes and "stylesheets" not in attributes


@pytest.mark.parametrize(
    "item",
    [
        _item(_obj("Button", js_event_callbacks={"button_click": [_obj("CustomJS", code="alert(1)")]})),
        _item(
            _obj(
                "Figure", x_range=_obj("Range1d", js_property_callbacks={"change:start": [_obj("CustomJS")]})
            )
        ),
        _item(_obj("DataTable", columns=[_obj("TableColumn", formatter=_obj("HTMLTemplateFormatter"))])),
        _item(_obj("TapTool", callback=_obj("OpenURL", url="https://example.org"))),
        _item(_obj("Div", text=_obj("ImportedStyleSheet", url="https://example.org/x.css"))),
        _item(_obj("CustomJSTickFormatter", code="return 1")),
        _item(_obj("Markdown", text="<script>x</script>")),
        _item(_obj("AjaxDataSource", data_url="https://example.org")),
        _item(_obj("SomeExtensionModel")),
        _item(_obj("HelpTool", redirect="javascript:alert(1)")),
        _item(_obj("Div", text="x"), defs=[{"name": "Custom"}]),
        _item(_obj("Div", text="x"), callbacks={"document_ready": [_obj("CustomJS", code="alert(1)")]}),
        json.dumps({"doc": {"roots": []}, "script": "x"}),
        "[" * 100_000 + "]" * 100_000,
        "not json",
    ],
)
def test_items_that_could_run_code_are_refused(item: str) -> None:
    with pytest.raises(UnsafeBokehItem):
        safe_bokeh_item(item, "x-")
