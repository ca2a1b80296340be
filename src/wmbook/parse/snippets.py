"""``--8<--`` snippet lines in a python fence, expanded before the code runs.

A site that uses pymdownx.snippets shows a fence's ``--8<-- "file.py"`` line as the
file's text; wmbook runs that text too, under the same rules: the site's ``base_path``,
``restrict_base_path`` and ``check_paths``, line ranges (``file.py:3:8``) and sections
(``file.py:name``), read by pymdownx.snippets itself.

The code that runs keeps one line per line of the fence: a snippet line becomes a call
(``run_included``) that runs the included text as the file it came from, so a traceback
names ``docs/snippets/client.py``, line 7, not a line of the page that does not hold it.
Each line of the text keeps the file and line it was read from, so a range that skips
lines (``file.py:1:3,7:9``) or a file that includes another is reported at its own lines.
A snippet line indented inside the block's code (a function's body) cannot become a call:
the whole block then runs as one such call, its own lines named as the page's.
The code a reader sees, edits in the browser or downloads keeps the text in place.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

import markdown
import msgspec

from wmbook.model import Diagnostic, SourceLoc

# An inline snippet line, as pymdownx.snippets reads it: `--8<-- "path"` (or 'path'); a
# leading ';' escapes it.  A line of only `--8<--` opens or closes a block of paths.
_INLINE = re.compile(r"""^(?P<space>[ \t]*)-+8<-+[ \t]+(?P<quote>["'])(?P<target>.+?)(?P=quote)[ \t]*$""")
_BLOCK = re.compile(r"^[ \t]*-+8<-+[ \t]*$")
_TARGET = re.compile(
    r"^(?P<path>.*?)(?::(?P<start>-?\d*)(?::-?\d*)?(?:,[-\d:]*)*|:(?P<section>[A-Za-z][-\w]*))?$"
)
_HELPER = "__import__('wmbook.execute.include', fromlist=['run_included']).run_included"


class Included(msgspec.Struct, frozen=True):
    """The text one snippet line brings into a fence."""

    line: int  # the page line of the snippet line
    path: str  # the included file, as displayed (relative to mkdocs.yml)
    first_line: int  # the file line the text starts at
    text: str
    files: tuple[str, ...] = ()  # every file the text comes from (files it includes too)


class _ReadLine(str):
    """A line of an included file that remembers where it was read (pymdownx.snippets moves
    lines about as they are, and indents nested ones with ``space + line``)."""

    origin: tuple[str, int] | None = None

    def __radd__(self, other: str) -> _ReadLine:
        joined = _ReadLine(other + str(self))
        joined.origin = self.origin
        return joined


class ExpandedCode(msgspec.Struct, frozen=True):
    """A fence's code with its snippets: as shown, and as run."""

    shown: str  # the text in place (what pymdownx.snippets shows)
    run: str  # one line per fence line; each snippet line a call that runs its text
    included: tuple[Included, ...] = ()
    origins: tuple[tuple[str, int], ...] = ()  # each line of ``shown``: the file and line it is from


class SnippetReader:
    """Reads snippet lines with the site's own pymdownx.snippets settings."""

    def __init__(self, options: Mapping[str, Any], root: str) -> None:
        settings = {**options, "auto_append": [], "url_download": False}  # no network at build time
        md = markdown.Markdown(
            extensions=["pymdownx.snippets"], extension_configs={"pymdownx.snippets": settings}
        )
        self._pre: Any = md.preprocessors["snippet"]
        self._root = root
        read = getattr(self._pre, "read_lines", None)
        if read is not None:  # pymdownx 10.17 and later read files through it: lines learn their place
            self._pre.read_lines = lambda path: self._traced(path, read(path))

    def _traced(self, path: str, lines: list[str]) -> list[str]:
        shown = os.path.relpath(os.path.abspath(path), self._root)
        traced: list[str] = []
        for number, line in enumerate(lines, start=1):
            read = _ReadLine(line)
            read.origin = (shown, number)
            traced.append(read)
        return traced

    def expand(
        self, body: tuple[str, ...], body_start: int, path: str
    ) -> tuple[ExpandedCode, list[Diagnostic]]:
        """The fence body (its first line at ``body_start`` of ``path``) with snippets expanded."""
        from pymdownx.snippets import SnippetMissingError

        shown: list[str] = []
        run: list[str] = []
        origins: list[tuple[str, int]] = []  # where each line of ``shown`` comes from
        included: list[Included] = []
        problems: list[Diagnostic] = []
        in_block = False
        in_code = False  # a snippet line indented inside the code
        for number, line in enumerate(body, start=body_start):
            if _BLOCK.match(line):
                in_block = not in_block
                run.append("")
                continue
            match = _INLINE.match(line)
            space, target = (match["space"], match["target"]) if match else ("", line.strip())
            if not (match or (in_block and target and not target.startswith(";"))):
                shown.append(line)
                run.append(line)
                origins.append((path, number))
                continue
            try:
                lines = self._pre.run([f'{space}--8<-- "{target}"'])
            except SnippetMissingError as exc:
                problems.append(
                    Diagnostic(SourceLoc(path, number), f"{exc} (pymdownx.snippets, check_paths)")
                )
                lines = []
            text = "\n".join(lines)
            shown += lines
            where = self._locate(target) if lines else None
            if where is None:  # nothing found, as pymdownx.snippets leaves it: an empty line
                run += lines or [""]
                origins += [(path, number)] * len(lines)
                continue
            file, first = where
            places = [_origin(read, file, first + n) for n, read in enumerate(lines)]
            origins += places
            files = tuple(dict.fromkeys([file, *(place[0] for place in places)]))
            included.append(Included(number, file, first, text, files))
            in_code = in_code or bool(space)
            run.append(run_call(text, places))
        if in_code:  # the block as one call: its lines and the text in place, each at its own line
            run = [run_call("\n".join(shown), origins)] + [""] * (len(body) - 1)
        return ExpandedCode("\n".join(shown), "\n".join(run), tuple(included), tuple(origins)), problems

    def _locate(self, target: str) -> tuple[str, int] | None:
        """The included file (as displayed) and the line its text starts at."""
        parts = _TARGET.match(target.strip())
        if parts is None:
            return None
        found = self._pre.get_snippet_path(parts["path"].strip())
        if not found:
            return None
        first = 1
        if parts["start"]:
            first = int(parts["start"]) if int(parts["start"]) > 0 else 1
        elif parts["section"]:
            first = _section_start(found, parts["section"])
        return os.path.relpath(os.path.abspath(found), self._root), first


def run_call(text: str, origins: list[tuple[str, int]]) -> str:
    """One line of Python that runs ``text`` in the session's namespace, its line ``n`` as
    line ``origins[n-1]`` of a file (``wmbook.execute.include``)."""
    return f"{_HELPER}({text!r}, {origins!r}, globals())"


def _origin(line: str, file: str, guess: int) -> tuple[str, int]:
    """Where an included line was read (a pymdownx.snippets that does not say: its place
    counted from the text's first line)."""
    origin = getattr(line, "origin", None)
    return origin if origin is not None else (file, guess)


def _section_start(file: str, name: str) -> int:
    """The line after a file's ``--8<-- [start:name]`` marker."""
    marker = re.compile(rf"-+8<-+[ \t]+\[[ \t]*start[ \t]*:[ \t]*{re.escape(name)}[ \t]*\]", re.IGNORECASE)
    try:
        with open(file, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if marker.search(line):
                    return number + 1
    except OSError:
        pass
    return 1


def snippet_reader(extensions: list[str], configs: Mapping[str, Any], root: str) -> SnippetReader | None:
    """A reader with the site's settings, if the site uses pymdownx.snippets."""
    if "pymdownx.snippets" not in extensions:
        return None
    return SnippetReader(dict(configs.get("pymdownx.snippets", {})), root)
