"""A chapter's front matter, validated: every problem names the file and the key's line."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from wmbook.model import Diagnostic, SourceLoc


class ChapterMeta(msgspec.Struct, frozen=True):
    """What the header and the citations of a chapter need."""

    title: str
    volume: str
    chapter: int
    chapters_in_volume: int
    level: str
    builds_on: tuple[str, ...]
    next: str  # title of the next chapter ('' when none)
    authors: tuple[str, ...]
    year: int
    next_forthcoming: bool = False  # written as 'next: Title (forthcoming)': not a page yet


_REQUIRED: dict[str, type] = {
    "title": str,
    "volume": str,
    "chapter": int,
    "chapters_in_volume": int,
    "level": str,
    "builds_on": list,
    "authors": list,
    "year": int,
}
_OPTIONAL: dict[str, type] = {"next": str}
_FORTHCOMING = re.compile(r"\s*\(forthcoming\)\s*$", re.IGNORECASE)


def _key_line(text: str, key: str) -> int:
    for number, line in enumerate(text.split("\n")[:200], start=1):
        if re.match(rf"^{re.escape(key)}\s*:", line):
            return number
    return 1


def is_chapter(meta: dict[str, Any]) -> bool:
    """Pages with a ``chapter:`` key are chapters."""
    return "chapter" in meta


def read_chapter_meta(
    meta: dict[str, Any], text: str, path: str
) -> tuple[ChapterMeta | None, list[Diagnostic]]:
    """Validate a chapter's front matter."""
    problems: list[Diagnostic] = []
    for key, kind in {**_REQUIRED, **_OPTIONAL}.items():
        if key not in meta:
            if key in _REQUIRED:
                problems.append(Diagnostic(SourceLoc(path, 1), f"chapter front matter lacks '{key}:'"))
            continue
        value = meta[key]
        wrong = isinstance(value, bool) or not isinstance(value, kind)
        if kind is list and not wrong:
            wrong = not all(isinstance(item, str) and item for item in value)
        if wrong:
            what = {str: "a text", int: "a whole number", list: "a list of texts"}[kind]
            problems.append(
                Diagnostic(SourceLoc(path, _key_line(text, key)), f"front matter '{key}' must be {what}")
            )
    if problems:
        return None, problems
    if not 1 <= meta["chapter"] <= meta["chapters_in_volume"]:
        line = _key_line(text, "chapter")
        problems.append(
            Diagnostic(SourceLoc(path, line), "'chapter' must be between 1 and 'chapters_in_volume'")
        )
        return None, problems
    return (
        ChapterMeta(
            title=meta["title"],
            volume=meta["volume"],
            chapter=meta["chapter"],
            chapters_in_volume=meta["chapters_in_volume"],
            level=meta["level"],
            builds_on=tuple(meta["builds_on"]),
            next=_FORTHCOMING.sub("", meta.get("next", "")).strip(),
            next_forthcoming=bool(_FORTHCOMING.search(meta.get("next", ""))),
            authors=tuple(meta["authors"]),
            year=meta["year"],
        ),
        [],
    )
