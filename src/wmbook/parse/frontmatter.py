"""Front matter: the YAML block at the top of a page, read with its line numbers."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import yaml

from wmbook.model import Diagnostic, SourceLoc
from wmbook.parse.fences import _FRONT_MATTER


@dataclass(frozen=True)
class FrontMatter:
    """A page's front matter and the files its code declares it reads."""

    data: dict[str, Any]
    depends_on: tuple[tuple[str, bytes], ...]  # (path relative to the page, content)


def read_front_matter(text: str, path: str, abs_path: str) -> tuple[FrontMatter, list[Diagnostic]]:
    """Parse the front matter; problems become diagnostics at the page's first line."""
    loc = SourceLoc(path, 1)
    match = _FRONT_MATTER.match(text)
    if not match:
        return FrontMatter({}, ()), []
    body = match.group(0).split("\n", 1)[1].rsplit("\n", 2)[0]
    try:
        data = yaml.safe_load(body) or {}
    except yaml.YAMLError as exc:
        return FrontMatter({}, ()), [Diagnostic(loc, f"the front matter is not valid YAML: {exc}")]
    if not isinstance(data, dict):
        return FrontMatter({}, ()), [Diagnostic(loc, "the front matter must be a mapping of key: value")]
    problems: list[Diagnostic] = []
    files = _read_depends_on(data.get("depends_on", []), loc, abs_path, problems)
    return FrontMatter(data, files), problems


def _read_depends_on(
    declared: object, loc: SourceLoc, abs_path: str, problems: list[Diagnostic]
) -> tuple[tuple[str, bytes], ...]:
    if not isinstance(declared, list) or not all(isinstance(p, str) for p in declared):
        problems.append(Diagnostic(loc, "depends_on must be a list of file paths relative to the page"))
        return ()
    base = os.path.dirname(abs_path)
    files = []
    for rel in declared:
        norm = os.path.normpath(rel)
        if os.path.isabs(rel) or norm.startswith(".."):
            problems.append(Diagnostic(loc, f"depends_on: {rel!r} must be a path inside the page's folder"))
            continue
        try:
            with open(os.path.join(base, norm), "rb") as file:
                files.append((norm, file.read()))
        except OSError:
            problems.append(Diagnostic(loc, f"depends_on: {rel!r} does not exist next to the page"))
    return tuple(files)
