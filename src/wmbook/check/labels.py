"""Labels that name things on a page (equations, figures, instruments): each once, and
every link to one finds it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from wmbook.model import Diagnostic, SourceLoc


class Labelled(Protocol):
    """A block with a label and the anchor made from it."""

    @property
    def loc(self) -> SourceLoc: ...
    @property
    def label(self) -> str: ...
    @property
    def anchor(self) -> str: ...


def first_places(items: Iterable[Labelled], what: str, problems: list[Diagnostic]) -> dict[str, SourceLoc]:
    """Where each anchor is first used; a repeat is a diagnostic at the repeat."""
    seen: dict[str, SourceLoc] = {}
    for item in items:
        if item.anchor in seen:
            message = f"{item.label} is already the label of the {what} at {seen[item.anchor]}"
            problems.append(Diagnostic(item.loc, message))
        seen.setdefault(item.anchor, item.loc)
    return seen


def missing_targets(
    links: Iterable[tuple[SourceLoc, str]], seen: dict[str, SourceLoc], what: str, problems: list[Diagnostic]
) -> None:
    """A diagnostic at each link whose anchor is none of the page's ``what`` (labelled items)."""
    for loc, anchor in links:
        if anchor not in seen:
            known = ", ".join(sorted(seen)) or "none"
            problems.append(
                Diagnostic(loc, f"link to #{anchor}, but this page has no such {what} ({what}s: {known})")
            )
