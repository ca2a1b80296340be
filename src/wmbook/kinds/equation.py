"""Labelled display equations: ``/// equation | EQ MM5.1 — Title``."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from wmbook.blocks.options import read_options, slugify
from wmbook.model import Diagnostic, SourceLoc
from wmbook.parse.blocks import RawBlock

_LABEL = re.compile(r"^(?P<label>EQ\s+[A-Za-z]*\d+(?:\.\d+)*[a-z]?)\s*(?:[—–-]+\s*(?P<title>.*))?$")


@dataclass(frozen=True)
class Equation:
    """A validated equation block."""

    loc: SourceLoc
    label: str  # "EQ MM5.1"
    title: str
    anchor: str  # "eq-mm5-1"
    raw: RawBlock


def equation_anchor(label: str) -> str:
    """'EQ MM5.1' -> 'eq-mm5-1'."""
    return slugify(label)


def parse_equation(raw: RawBlock, path: str) -> tuple[Equation | None, list[Diagnostic]]:
    """Validate an equation block: a label, display math, no options."""
    _, problems = read_options(raw, path, ())
    at = SourceLoc(path, raw.start)
    match = _LABEL.match(raw.argument)
    if not match:
        problems.append(Diagnostic(at, "an equation needs a label like 'EQ MM5.1 — Title' after '|'"))
        return None, problems
    body = "\n".join(raw.content)
    if "$$" not in body and "\\[" not in body:
        problems.append(Diagnostic(at, "an equation block must contain display math between $$ and $$"))
    label = re.sub(r"\s+", " ", match["label"])
    return Equation(at, label, (match["title"] or "").strip(), equation_anchor(label), raw), problems


def _separate_display_math(lines: tuple[str, ...]) -> list[str]:
    """Blank lines around ``$$ … $$`` so Markdown sees the math as a block of its own,
    even when the caption starts on the line right after it."""
    out: list[str] = []
    inside = False
    for line in lines:
        stripped = line.strip()
        opens = not inside and stripped.startswith("$$")
        if opens:
            out.append("")
            inside = not (len(stripped) > 2 and stripped.endswith("$$"))
            out.append(line)
            if not inside:
                out.append("")
            continue
        out.append(line)
        if inside and stripped.endswith("$$"):
            inside = False
            out.append("")
    return out


def render_equation(equation: Equation) -> list[str]:
    """Markdown lines replacing the block."""
    anchor = html.escape(equation.anchor)
    title = f" — {html.escape(equation.title)}" if equation.title else ""
    return [
        f'<div class="wmbook-equation" id="{anchor}" markdown="1">',
        f'<p class="wmbook-equation__title"><a class="wmbook-anchor" href="#{anchor}">'
        f"{html.escape(equation.label)}</a>{title}</p>",
        *_separate_display_math(equation.raw.content),
        "",
        "</div>",
    ]
