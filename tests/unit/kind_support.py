"""Helpers shared by the unit tests of the block kinds: contexts built by hand, the way
the stages build them for a page."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from wmbook.book import ParsedPage
from wmbook.cite.bibliography import Bibliography, Reference
from wmbook.instruments.page import BokehBase
from wmbook.instruments.registry import InstrumentRegistry
from wmbook.kinds.base import CheckContext, ParseContext, RenderContext
from wmbook.model import AcceptMode, Diagnostic, StepResult
from wmbook.parse.blocks import RawBlock, find_blocks
from wmbook.parse.fences import find_fences
from wmbook.parse.page import parse_page
from wmbook.store import Store

ACCEPT_HINT = "WMBOOK_ACCEPT=1 mkdocs build"


def parse_context(text: str, path: str, instruments: InstrumentRegistry | None = None) -> ParseContext:
    """The context a kind's ``parse`` gets for a page holding ``text`` (nothing parsed yet)."""
    extras: dict[type, object] = {InstrumentRegistry: instruments or InstrumentRegistry()}
    return ParseContext(path, tuple(text.split("\n")), extras=extras)


def only_block(text: str) -> RawBlock:
    """The one ``///`` block of ``text``."""
    (raw,) = find_blocks(text, find_fences(text))
    return raw


def parse_block(
    parse: Callable[[RawBlock, ParseContext], tuple[Any, list[Diagnostic]]],
    text: str,
    path: str,
    instruments: InstrumentRegistry | None = None,
) -> tuple[Any, list[Diagnostic]]:
    """A kind's ``parse`` applied to the one ``///`` block of ``text``."""
    return parse(only_block(text), parse_context(text, path, instruments))


def clean_page(text: str, path: str, instruments: InstrumentRegistry | None = None) -> ParsedPage:
    """``text`` parsed as a page that must have no diagnostics of its own."""
    page = parse_page(text, path, instruments=instruments)
    assert page.diagnostics == (), [d.format() for d in page.diagnostics]
    return page


def check_context(
    page: ParsedPage,
    results: Iterable[StepResult] = (),
    *,
    accept: bool = False,
    bibliography: Mapping[str, Reference] | None = None,
    bibliography_path: str = "docs/references.bib",
    bibliography_found: bool = True,
) -> CheckContext:
    """The context a kind's ``check`` gets once the page's sessions have run."""
    extras = [
        AcceptMode(accept, ACCEPT_HINT),
        Bibliography(bibliography or {}, bibliography_path, bibliography_found),
    ]
    return CheckContext(page, {r.key: r for r in results}, {type(extra): extra for extra in extras})


def render_context(
    page: ParsedPage,
    *,
    store: Store | None = None,
    instruments: InstrumentRegistry | None = None,
    caption_html: Callable[[str], str] = lambda text: f"<p>{text}</p>" if text.strip() else "",
    results: Sequence[StepResult] = (),
) -> RenderContext:
    """The context a kind's ``render`` gets."""
    extras: dict[type, object] = {
        BokehBase: BokehBase("../assets/wmbook/bokeh/"),
        InstrumentRegistry: instruments or InstrumentRegistry(),
    }
    if store is not None:
        extras[Store] = store
    return RenderContext(
        page=page,
        caption_html=caption_html,
        results={r.key: r for r in results},
        extras=extras,
    )
