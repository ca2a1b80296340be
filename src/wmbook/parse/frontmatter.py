"""Front matter: the YAML block at the top of a page, read with its line numbers."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

import msgspec
import yaml

from wmbook.model import Diagnostic, SourceLoc
from wmbook.parse.fences import _FRONT_MATTER
from wmbook.parse.marked import ExecuteMode, mode_override

PAGE_SETTINGS = ("execute",)  # what a page may set under ``wmbook:`` in its front matter


class FrontMatter(msgspec.Struct, frozen=True):
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
        mark = getattr(exc, "problem_mark", None)
        # The YAML starts on the file's second line, after the opening '---'.
        at = SourceLoc(path, mark.line + 2) if mark is not None else loc
        problem = getattr(exc, "problem", None) or str(exc)
        return FrontMatter({}, ()), [Diagnostic(at, f"the front matter is not valid YAML: {problem}")]
    if not isinstance(data, dict):
        return FrontMatter({}, ()), [Diagnostic(loc, "the front matter must be a mapping of key: value")]
    problems: list[Diagnostic] = []
    lines = match.group(0).split("\n")
    files = _read_depends_on(data.get("depends_on", []), loc, abs_path, problems, lines)
    if "ipython" in data and not isinstance(data["ipython"], bool):
        at = SourceLoc(path, _line_of(lines, "ipython", 1))
        problems.append(
            Diagnostic(at, "ipython must be true or false (IPython's semantics for the page's blocks)")
        )
    return FrontMatter(data, files), problems


def page_execute_mode(
    settings: object, site: ExecuteMode, path: str, line_of: Callable[[str], int] = lambda key: 1
) -> tuple[ExecuteMode, list[Diagnostic]]:
    """The page's execute mode: the site's, unless its ``wmbook:`` settings (front matter, or
    a notebook's metadata) say otherwise.  A page the site excludes is never run."""
    if settings is None:
        return site, []
    if not isinstance(settings, dict):
        message = "wmbook: in the front matter is a mapping, such as  wmbook: {execute: marked}"
        return site, [Diagnostic(SourceLoc(path, line_of("wmbook")), message)]
    problems = [
        Diagnostic(
            SourceLoc(path, line_of(str(key))),
            f"unknown wmbook setting {key!r} for a page (known: {', '.join(PAGE_SETTINGS)})",
        )
        for key in settings
        if key not in PAGE_SETTINGS
    ]
    if "execute" not in settings:
        return site, problems
    mode = mode_override(settings["execute"])
    if mode is None:
        message = f"wmbook: execute: {settings['execute']!r} must be all, marked or false"
        return site, [*problems, Diagnostic(SourceLoc(path, line_of("execute")), message)]
    return (site if site is ExecuteMode.NONE else mode), problems


def front_matter_line(text: str, key: str) -> int:
    """The line of the front matter where ``key:`` is written (1 if it is not found)."""
    match = _FRONT_MATTER.match(text)
    lines = match.group(0).split("\n") if match else []
    written = re.compile(rf"(?:^|[\s{{,]){re.escape(key)}\s*:")
    return next((n for n, line in enumerate(lines, 1) if written.search(line)), 1)


def _line_of(lines: list[str], needle: str, default: int) -> int:
    """The front-matter line that mentions ``needle`` (1-based in the file)."""
    return next((n for n, line in enumerate(lines, start=1) if needle in line), default)


def _read_depends_on(
    declared: object, loc: SourceLoc, abs_path: str, problems: list[Diagnostic], lines: list[str]
) -> tuple[tuple[str, bytes], ...]:
    key_line = _line_of(lines, "depends_on", loc.line)
    if not isinstance(declared, list) or not all(isinstance(p, str) for p in declared):
        at = SourceLoc(loc.path, key_line)
        problems.append(Diagnostic(at, "depends_on must be a list of file paths relative to the page"))
        return ()
    base = os.path.realpath(os.path.dirname(abs_path))
    files = []
    for rel in declared:
        at = SourceLoc(loc.path, _line_of(lines[key_line - 1 :], rel, 1) + key_line - 1)
        norm = os.path.normpath(rel)
        # Resolved, so that a symbolic link cannot lead out of the page's folder either.
        real = os.path.realpath(os.path.join(base, norm))
        if os.path.isabs(rel) or norm.startswith("..") or os.path.commonpath([base, real]) != base:
            problems.append(Diagnostic(at, f"depends_on: {rel!r} must be a file inside the page's folder"))
            continue
        try:
            with open(real, "rb") as file:
                files.append((norm, file.read()))
        except OSError:
            problems.append(Diagnostic(at, f"depends_on: {rel!r} does not exist next to the page"))
    return tuple(files)
