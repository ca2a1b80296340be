"""The slots of a page: HTML comments that rendered Markdown leaves in place for what
is known only later (a code block's output and figures, the reference list) or for HTML
that Markdown would break (the disclosure around a folded block).

This module is the one place that writes them (``OutputSlot.marker``,
``OutputSlot.figures_marker``, ``REFERENCES``, ``fold_markers``, ``template_marker``) and reads
them back (``output_slots``, ``fill_slots``, ``fill_figure_slots``, ``fill_references``,
``open_folds``, ``fill_template``).  An output slot names its page and its
block's ``StepKey``, so an output can only land in the slot of the block that made it.
"""

from __future__ import annotations

import enum
import html
import re
from collections.abc import Mapping

import msgspec

from wmbook.model import StepKey
from wmbook.templates import Markup, macros


class SlotKind(enum.Enum):
    """What a slot is filled with; the value is the word in its comment."""

    OUTPUT = "slot"  # what a code block printed and displayed
    FIGURES = "figures"  # the figures it drew (filled in the finished page)
    REFERENCES = "references"  # the page's numbered reference list
    FOLD = "fold"  # where a folded block's disclosure opens (its summary in the comment)
    FOLD_END = "fold-end"  # where it closes
    TEMPLATE = "template"  # a notebook page's styles and scripts from mkdocs-jupyter (the finished page)


def _opening(kind: SlotKind) -> str:
    """How every comment of a kind that names a block begins (a quick test before a search)."""
    return f"<!--wmbook-{kind.value}:"


def _marker(kind: SlotKind, name: str = "") -> str:
    return f"{_opening(kind)}{name}-->" if name else f"<!--wmbook-{kind.value}-->"


REFERENCES = _marker(SlotKind.REFERENCES)
"""Where the page's reference list goes (one per page)."""


def _alone_or_a_paragraph(*markers: str) -> re.Pattern[str]:
    """The pattern of markers (each a pattern that begins with ``<!--``), each alone or as
    the paragraph Markdown makes of it (``<p>…</p>``), with white space between them.  Written
    to begin with ``<``, not with the optional ``<p>``: a pattern that begins with an optional
    part is tried at every character of the page, one with a first character only where that
    character is."""
    return re.compile(r"\s*".join(f"<(?:p><)?{marker.removeprefix('<')}(?:</p>)?" for marker in markers))


# The page prefix may hold hyphens, a kind's name may not: the last ``-kind-index`` is the key.
_NAME = r"(?P<page>[\w-]+?)-(?P<kind>[A-Za-z]\w*)-(?P<index>\d+)"
_SLOT = _alone_or_a_paragraph(f"{_opening(SlotKind.OUTPUT)}{_NAME}-->")
_FIGURE_SLOT = re.compile(rf"{_opening(SlotKind.FIGURES)}{_NAME}-->")


class OutputSlot(msgspec.Struct, frozen=True):
    """Where one code block's output goes in its page's HTML, named by the block's step key.

    The rendered Markdown holds it as an HTML comment (which Markdown leaves alone);
    filling reads the page and the key back from it, so an output can only land in the
    slot of the block that produced it, never by position.
    """

    page: str  # the page's slot prefix, unique in the site
    key: StepKey

    def __str__(self) -> str:
        """The slot's name: element ids and the in-browser runner's block ids."""
        return f"{self.page}-{self.key}"

    @property
    def marker(self) -> str:
        """The comment the output replaces."""
        return _marker(SlotKind.OUTPUT, str(self))

    @property
    def figures_marker(self) -> str:
        """The comment the figures replace (in the finished page)."""
        return _marker(SlotKind.FIGURES, str(self))


def slot_name(prefix: str, key: StepKey) -> str:
    """The name of a step's output slot on a page."""
    return str(OutputSlot(prefix, key))


def _slot(match: re.Match[str]) -> OutputSlot:
    """The slot a marker names (an output or a figures marker)."""
    return OutputSlot(match["page"], StepKey(match["kind"], int(match["index"])))


def _slot_key(match: re.Match[str], page: str) -> StepKey | None:
    """The step key a slot marker names, or None when it belongs to another page."""
    slot = _slot(match)
    return slot.key if slot.page == page else None


def output_slots(content: str) -> list[OutputSlot]:
    """Every output slot of ``content``, in order: what ``OutputSlot.marker`` wrote."""
    return [_slot(match) for match in _SLOT.finditer(content)]


def figure_slots(content: str) -> list[OutputSlot]:
    """Every figures slot of ``content``, in order: what ``OutputSlot.figures_marker`` wrote."""
    return [_slot(match) for match in _FIGURE_SLOT.finditer(content)]


def fill_slots(
    content: str, page: str, outputs: Mapping[StepKey, str], figures: Mapping[StepKey, str]
) -> str:
    """Each output slot of page ``page``'s HTML replaced by the output of its own step.

    Figures get a slot of their own, filled by ``fill_figure_slots`` in the finished
    page: search indexing then never has to parse their SVG.  A slot naming another
    page is emptied.
    """

    if _opening(SlotKind.OUTPUT) not in content:
        return content  # a page without code (or a notebook, whose outputs are in place)
    # Numbered figures: their slot is in their <figure> already.
    in_place = {key for m in _FIGURE_SLOT.finditer(content) if (key := _slot_key(m, page)) is not None}

    def fill(match: re.Match[str]) -> str:
        key = _slot_key(match, page)
        if key is None:
            return ""
        tail = OutputSlot(page, key).figures_marker if key in figures and key not in in_place else ""
        return outputs.get(key, "") + tail

    return _SLOT.sub(fill, content)


def fill_figure_slots(page_html: str, page: str, figures: Mapping[StepKey, str]) -> str:
    """The figures put into the finished page, each in its own step's slot."""
    first = page_html.find(_opening(SlotKind.FIGURES))
    if first < 0:
        return page_html
    # Searched from the first slot on: a finished page is mostly the site's navigation, before
    # the content, and it grows with the book.
    matches = list(_FIGURE_SLOT.finditer(page_html, first))

    def fill(match: re.Match[str]) -> str:
        key = _slot_key(match, page)
        return figures.get(key, "") if key is not None else ""

    if len(matches) == 1:  # the first of its text: the page is copied once, not sliced and joined
        return page_html.replace(matches[0][0], fill(matches[0]), 1)
    parts: list[str] = []
    done = 0
    for match in matches:
        parts += (page_html[done : match.start()], fill(match))
        done = match.end()
    parts.append(page_html[done:])
    return "".join(parts)


def template_marker(page: str) -> str:
    """The comment that stands for page ``page``'s template part until the page is finished."""
    return _marker(SlotKind.TEMPLATE, page)


def fill_template(page_html: str, page: str, template: str) -> str:
    """The template part put into the finished page, in its slot.  Only the first is filled:
    the page's own opens its content, so one that a notebook writes itself stays a comment."""
    return page_html.replace(template_marker(page), template, 1)


def fill_references(content: str, references_html: str) -> str:
    """The page's reference list in its slot, if the page has one."""
    return content.replace(REFERENCES, references_html, 1)


_FOLD = _alone_or_a_paragraph(f"{_opening(SlotKind.FOLD)}(?P<summary>[^<>]*?)-->")
_FOLD_END = _alone_or_a_paragraph(_marker(SlotKind.FOLD_END))
# A fold left empty once the slots are filled: a folded output of a block that printed nothing.
_EMPTY_FOLD = _alone_or_a_paragraph(f"{_opening(SlotKind.FOLD)}[^<>]*?-->", _marker(SlotKind.FOLD_END))


def fold_summary(name: str, count: int) -> str:
    """A disclosure's summary naming the code it holds and its length."""
    return f"{name} · {count} line{'s' if count != 1 else ''}"


def fold_markers(summary: str) -> tuple[str, str]:
    """The comments that open and close a folded block's disclosure, ``summary`` its text."""
    # Escaped, hyphens too: the text sits in an HTML comment, which "--" would end early.
    return _marker(SlotKind.FOLD, html.escape(summary).replace("-", "&#45;")), _marker(SlotKind.FOLD_END)


def open_folds(content: str) -> str:
    """The markers of folded blocks (``code="folded"``, ``output="folded"``) as ``<details>``
    around what they hold; a disclosure with nothing inside is left out."""
    if "<!--wmbook-fold" not in content:
        return content
    content = _EMPTY_FOLD.sub("", content)
    # The summary is escaped in the marker already (``fold_markers``).
    content = _FOLD.sub(lambda m: str(macros("code.html").fold_start(Markup(m["summary"]))), content)
    return _FOLD_END.sub(str(macros("code.html").fold_end()), content)


def folded_html(label: str, inner: str) -> str:
    """HTML (a notebook cell's code or output) inside a closed disclosure named ``label``."""
    return str(macros("code.html").folded(label, Markup(inner)))
