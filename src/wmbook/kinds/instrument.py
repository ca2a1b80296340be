"""Instrument blocks: ``/// instrument | MM5.1 — Title`` with ``name:`` from the registry."""

from __future__ import annotations

import re
from dataclasses import dataclass

from wmbook.blocks.options import read_options, slugify
from wmbook.model import Diagnostic, SourceLoc
from wmbook.parse.blocks import RawBlock

_LABEL = re.compile(r"^(?P<label>[A-Za-z]*\d+(?:\.\d+)*)\s*(?:[—–-]+\s*(?P<title>.*))?$")


@dataclass(frozen=True)
class InstrumentBlock:
    """A validated instrument block."""

    loc: SourceLoc
    label: str  # "MM5.1"
    title: str
    name: str  # registry key
    anchor: str  # "inst-mm5-1"
    raw: RawBlock


def known_instruments() -> tuple[str, ...]:
    """Names in the instrument registry (without loading the instruments themselves)."""
    from wmbook.instruments import NAMES

    return tuple(sorted(NAMES))


def parse_instrument(raw: RawBlock, path: str) -> tuple[InstrumentBlock | None, list[Diagnostic]]:
    """Validate an instrument block: label, title and a registered name."""
    options, problems = read_options(raw, path, ("name",))
    at = SourceLoc(path, raw.start)
    match = _LABEL.match(raw.argument)
    if not match:
        problems.append(Diagnostic(at, "an instrument needs a label like 'MM5.1 — Title' after '|'"))
        return None, problems
    name = options.values.get("name")
    known = known_instruments()
    if not isinstance(name, str) or not name:
        problems.append(
            Diagnostic(at, f"an instrument needs 'name:' (known instruments: {', '.join(known)})")
        )
        return None, problems
    if name not in known:
        loc = options.loc(path, "name", raw.start)
        problems.append(
            Diagnostic(loc, f"unknown instrument {name!r} (known instruments: {', '.join(known)})")
        )
        return None, problems
    label = match["label"]
    block = InstrumentBlock(at, label, (match["title"] or "").strip(), name, "inst-" + slugify(label), raw)
    return block, problems
