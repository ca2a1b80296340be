"""Instrument blocks: ``/// instrument | MM5.1 — Title`` with ``name:`` from the registry.

Parse: the label and a registered name (``wmbook.instruments.registry``).  Check
(page-wide): labels are unique.  Render: the Bokeh item, its static preview and
readouts, kept in the store so that an unchanged instrument is not rendered again.
Notebook: a pointer to the web page, where it is interactive.
"""

from __future__ import annotations

import json
import traceback
from typing import TYPE_CHECKING

import msgspec

from wmbook.book import ParsedPage
from wmbook.check.labels import first_places
from wmbook.instruments.registry import InstrumentError, InstrumentRegistry
from wmbook.kinds.base import BlockKind, CheckContext, ExportContext, ParseContext, RenderContext, region_of
from wmbook.model import AssetKind, Diagnostic, Region, SourceLoc
from wmbook.notebook.cells import Cell, markdown_cell
from wmbook.parse.block_options import read_options, slugify
from wmbook.parse.blocks import RawBlock
from wmbook.parse.options import LABEL_TEXT
from wmbook.store import Store, digest
from wmbook.templates import render as render_template

if TYPE_CHECKING:
    from wmbook.instruments.base import RenderedInstrument

import re

_LABEL = re.compile(rf"^(?P<label>{LABEL_TEXT})\s*(?:[—–-]+\s*(?P<title>.*))?$")


class InstrumentBlock(msgspec.Struct, frozen=True):
    """A validated instrument block."""

    region: Region
    loc: SourceLoc
    label: str  # "MM5.1"
    title: str
    name: str  # registry key
    anchor: str  # "inst-mm5-1"
    content: tuple[str, ...]  # the caption, Markdown


def parse(raw: RawBlock, ctx: ParseContext) -> tuple[InstrumentBlock | None, list[Diagnostic]]:
    """Validate an instrument block: label, title and a registered name."""
    options, problems = read_options(raw, ctx.path, ("name",))
    at = SourceLoc(ctx.path, raw.start)
    match = _LABEL.match(raw.argument)
    if not match:
        problems.append(Diagnostic(at, "an instrument needs a label like 'MM5.1 — Title' after '|'"))
        return None, problems
    name = options.values.get("name")
    known = ctx.need(InstrumentRegistry).names()
    if not isinstance(name, str) or not name:
        problems.append(
            Diagnostic(at, f"an instrument needs 'name:' (known instruments: {', '.join(known)})")
        )
        return None, problems
    if name not in known:
        loc = options.loc(ctx.path, "name", raw.start)
        problems.append(
            Diagnostic(loc, f"unknown instrument {name!r} (known instruments: {', '.join(known)})")
        )
        return None, problems
    label = match["label"]
    block = InstrumentBlock(
        region_of(ctx.lines, raw.start, raw.end),
        at,
        label,
        (match["title"] or "").strip(),
        name,
        "inst-" + slugify(label),
        raw.content,
    )
    return block, problems


def check_page(page: ParsedPage, ctx: CheckContext) -> list[Diagnostic]:
    """Instrument labels are unique on a page."""
    problems: list[Diagnostic] = []
    first_places(page.blocks_of(InstrumentBlock), "instrument", problems)
    return problems


def _rendered(block: InstrumentBlock, ctx: RenderContext) -> tuple[RenderedInstrument, str, str]:
    """The instrument's Bokeh item, preview and readouts (from the store when unchanged),
    plus its default title and caption."""
    from wmbook.execute.keys import engine_fingerprint
    from wmbook.instruments.base import RenderedInstrument
    from wmbook.instruments.page import bokeh_version

    registry = ctx.need(InstrumentRegistry)
    store = ctx.find(Store)
    key = digest(
        engine_fingerprint(),
        bokeh_version(),
        registry.targets[block.name],
        registry.source_digest(block.name),
        block.name,
        block.anchor,
    )
    if store is not None and (payload := store.read("instruments", key)) is not None:
        try:
            data = json.loads(payload)
            return RenderedInstrument(**data["rendered"]), data["title"], data["caption"]
        except (ValueError, KeyError, TypeError):
            pass
    instrument = registry.get(block.name)
    rendered = instrument.render(block.anchor)
    if store is not None:
        data = {
            "rendered": msgspec.structs.asdict(rendered),
            "title": instrument.title,
            "caption": instrument.caption_html,
        }
        store.write("instruments", key, json.dumps(data).encode())
    return rendered, instrument.title, instrument.caption_html


def render(block: InstrumentBlock, ctx: RenderContext) -> list[str]:
    """The instrument's HTML, between blank lines so Markdown leaves it alone."""
    from wmbook.instruments.page import BokehBase, instrument_html

    try:
        rendered, title, default_caption = _rendered(block, ctx)
    except Exception as exc:  # noqa: BLE001  (a book's own instrument: reported at its block)
        if isinstance(exc, InstrumentError):  # its module or attribute: the message says which
            ctx.problems.append(Diagnostic(block.loc, str(exc)))
        else:
            target = ctx.need(InstrumentRegistry).targets.get(block.name, block.name)
            message = f"instrument {block.name!r} ({target}) could not be built: {type(exc).__name__}: {exc}"
            trace = "".join(traceback.format_exception(exc)[-6:]).rstrip()
            ctx.problems.append(Diagnostic(block.loc, message + "; fix the instrument", detail=trace))
        return [
            "",
            render_template("instrument_failed.html", label=block.label),
            "",
        ]
    rendered = msgspec.structs.replace(rendered, label=f"Instrument {block.label}")
    caption = ctx.caption_html("\n".join(block.content)) or default_caption
    markup = instrument_html(
        rendered, block.anchor, block.title or title, caption, bokeh_base=ctx.need(BokehBase).url
    )
    return ["", markup, ""]


def notebook(block: InstrumentBlock, ctx: ExportContext) -> list[Cell]:
    """A line that sends the reader to the web page, where the instrument runs."""
    where = f"{ctx.page_url}#{block.anchor}"
    return [
        markdown_cell(f"*Instrument {block.label} — {block.title}: interactive on [the web page]({where}).*")
    ]


def header_entry(block: InstrumentBlock) -> tuple[str, str, str]:
    """The instrument as a chapter's header lists it: label, title and where it is."""
    return block.label, block.title, block.anchor


KIND = BlockKind(
    name="instrument",
    record=InstrumentBlock,
    blocks=("instrument",),
    parse=parse,
    render=render,
    check_page=check_page,
    header_entry=header_entry,
    notebook=notebook,
    assets=frozenset({AssetKind.INSTRUMENTS}),
)
