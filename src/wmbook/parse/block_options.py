"""Strict reading of the YAML options of a `/// name` block."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import yaml

from wmbook.model import Diagnostic, SourceLoc
from wmbook.parse.blocks import RawBlock

_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s?(.*)$")


class BlockOptions(msgspec.Struct, frozen=True):
    """Options of one block: parsed values, and each key's line and text as written."""

    values: dict[str, Any]
    lines: dict[str, int]
    written: dict[str, str]

    def loc(self, path: str, key: str, default: int) -> SourceLoc:
        """Location of a key's line (the block's header line if the key is absent)."""
        return SourceLoc(path, self.lines.get(key, default))


def read_options(raw: RawBlock, path: str, allowed: tuple[str, ...]) -> tuple[BlockOptions, list[Diagnostic]]:
    """Parse the option lines; unknown keys and bad YAML are diagnostics at their line."""
    problems: list[Diagnostic] = []
    lines: dict[str, int] = {}
    written: dict[str, str] = {}
    for line, text in raw.options:
        match = _KEY.match(text)
        if match:
            lines.setdefault(match[1], line)
            value = match[2].strip()
            if not value.startswith(("'", '"')):
                value = re.sub(r"\s+#.*$", "", value)  # a YAML comment is not part of the value
            written.setdefault(match[1], value)
    text = "\n".join(t for _, t in raw.options)
    try:
        values = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = raw.options[min(mark.line, len(raw.options) - 1)][0] if mark else raw.start
        problems.append(
            Diagnostic(SourceLoc(path, line), f"the options of this {raw.name} are not valid YAML: {exc}")
        )
        return BlockOptions({}, lines, written), problems
    if not isinstance(values, dict):
        problems.append(
            Diagnostic(
                SourceLoc(path, raw.start),
                f"options of a {raw.name} are 'key: value' lines indented 4 spaces",
            )
        )
        return BlockOptions({}, lines, written), problems
    for key in values:
        if key not in allowed:
            loc = SourceLoc(path, lines.get(str(key), raw.start))
            problems.append(
                Diagnostic(loc, f"unknown {raw.name} option {key!r} (known options: {', '.join(allowed)})")
            )
    return BlockOptions({k: v for k, v in values.items() if k in allowed}, lines, written), problems


def slugify(text: str) -> str:
    """Lower-case, dash-separated id text: 'EQ MM5.1' -> 'eq-mm5-1'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
