"""Where entries and their fields are in a BibTeX file (pybtex keeps no line numbers)."""

from __future__ import annotations

import re

_ENTRY = re.compile(r"^\s*@\s*(\w+)\s*[{(]\s*([^,\s]+)\s*,", re.MULTILINE)


class BibLines:
    """Line numbers of the entries of one BibTeX text and of the fields inside them."""

    def __init__(self, text: str) -> None:
        self._lines = text.split("\n")
        self._starts: dict[str, int] = {}
        for match in _ENTRY.finditer(text):
            if match.group(1).lower() not in ("comment", "preamble", "string"):
                self._starts.setdefault(match.group(2), text.count("\n", 0, match.start(2)) + 1)

    def entry_line(self, key: str) -> int:
        """The line where ``@type{key,`` opens (1 when the key is not found)."""
        return self._starts.get(key, 1)

    def field_line(self, key: str, field: str) -> int:
        """The line of ``field = …`` in the entry ``key``, else the entry's own line."""
        start = self.entry_line(key)
        pattern = re.compile(rf"^\s*{re.escape(field)}\s*=", re.IGNORECASE)
        for number in range(start, len(self._lines) + 1):
            line = self._lines[number - 1]
            if number > start and line.lstrip().startswith("@"):
                break
            if pattern.match(line) or (number == start and pattern.search(line.split(",", 1)[-1])):
                return number
        return start
