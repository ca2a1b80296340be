"""The MyST markup of a jupytext notebook's Markdown, written as the site's Markdown reads it.

MyST notebooks (``.md`` files jupytext writes in the MyST format) mark text up with
directives, in backtick or colon fences, and roles.  The common ones become Markdown:

- ``{math}`` (and ``{math}`` roles): ``$$ … $$`` and ``$…$``, for the site's math;
- ``{note}``, ``{warning}``, ``{tip}`` … and ``{admonition} Title``: admonitions (``!!!``);
- ``{code-block} lang`` / ``{code} lang``: a fence; ``{image}`` / ``{figure}``: an image,
  a figure's body as its caption;
- ``(label)=`` targets: an anchor; ``{ref}`` / ``{numref}`` roles: a link to it (named by
  the heading after the target, or the role's own text), ``{doc}``: a link to the page.

Anything else is left as written and named once, at its first line, by ``unsupported``.
Directive options (``:label:``, ``:class:`` …) are dropped; a ``{code-cell}`` is a code
block of the page and never touched here.
"""

from __future__ import annotations

import re

import msgspec

from wmbook.parse.fences import find_fences
from wmbook.templates import macros

ADMONITIONS = (
    "note",
    "warning",
    "tip",
    "important",
    "caution",
    "danger",
    "error",
    "hint",
    "attention",
    "seealso",
)
DIRECTIVES = (*ADMONITIONS, "admonition", "math", "code-block", "code", "image", "figure")
LEFT_ALONE = ("code-cell", "raw-cell")  # code blocks of the page, or cells that show nothing
ROLES = ("math", "ref", "numref", "doc")
# Directives nested deeper than this are shown as written (and named by ``unsupported``):
# each level is converted by a call of its own, so a page of thousands of levels would
# otherwise exhaust Python's stack.
MAX_NESTING = 32
_COLON_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>:{3,})\{(?P<name>[\w-]+)\}[ \t]*(?P<arg>.*)$")
_COLON_CLOSE = re.compile(r"^[ \t]*(?P<marker>:{3,})[ \t]*$")
_DIRECTIVE_LANG = re.compile(r"^\{(?P<name>[\w-]+)\}$")
_OPTION = re.compile(r"^:[\w-]+:")
_ROLE = re.compile(r"\{(?P<name>[\w:-]+)\}`(?P<body>[^`]+)`")
_TARGET = re.compile(r"^\((?P<label>[^()\s]+)\)=[ \t]*$")
_HEADING = re.compile(r"^#{1,6}[ \t]+(?P<title>.+?)[ \t]*#*[ \t]*$")
_EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)


class Directive(msgspec.Struct, frozen=True):
    """A directive of the text: its lines (0-based, inclusive), name, argument and body."""

    first: int
    last: int
    indent: str
    name: str
    argument: str
    body: tuple[str, ...]  # without its option lines


def directives(lines: list[str]) -> list[Directive]:
    """The text's top-level directives, in backtick fences (```` ```{note} ````) or colon
    fences (``:::{note}``), in order."""
    found: list[Directive] = []
    text = "\n".join(lines)
    fenced: set[int] = set()
    for fence in find_fences(text):
        fenced |= set(range(fence.start - 1, fence.end))
        match = _DIRECTIVE_LANG.match(fence.lang)
        if match and fence.closed:
            argument = fence.info.strip()
            found.append(
                Directive(fence.start - 1, fence.end - 1, fence.indent, match["name"], argument, fence.body)
            )
    # The longest closing line (colons only) at or after each line: an opener no line after
    # it can close is passed over at once, so unclosed openers cost no scan (linear time).
    longest = [0] * (len(lines) + 1)
    for index in range(len(lines) - 1, -1, -1):
        closing = _COLON_CLOSE.match(lines[index])
        longest[index] = max(longest[index + 1], len(closing["marker"]) if closing else 0)
    index = 0
    while index < len(lines):
        opened = _COLON_OPEN.match(lines[index]) if index not in fenced else None
        if opened is None or longest[index + 1] < len(opened["marker"]):
            index += 1
            continue
        close = re.compile(rf"^[ \t]*:{{{len(opened['marker'])},}}[ \t]*$")
        end = next(n for n in range(index + 1, len(lines)) if close.match(lines[n]))
        body = tuple(line[len(opened["indent"]) :] for line in lines[index + 1 : end])
        found.append(Directive(index, end, opened["indent"], opened["name"], opened["arg"].strip(), body))
        fenced |= set(range(index, end + 1))
        index = end + 1
    return sorted(found, key=lambda d: d.first)


def _without_options(body: tuple[str, ...]) -> tuple[list[str], dict[str, str]]:
    """A directive's body without its options (``:key: value`` lines or a ``---`` block)."""
    lines = list(body)
    options: dict[str, str] = {}
    if lines and lines[0].strip() == "---":
        end = next((n for n in range(1, len(lines)) if lines[n].strip() == "---"), None)
        if end is not None:
            for line in lines[1:end]:
                key, _, value = line.partition(":")
                options[key.strip()] = value.strip()
            return lines[end + 1 :], options
    while lines and _OPTION.match(lines[0].strip()):
        key, _, value = lines.pop(0).strip()[1:].partition(":")
        options[key.strip()] = value.strip()
    return lines, options


def _converted(directive: Directive, labels: dict[str, str], depth: int) -> list[str] | None:
    """The Markdown a directive becomes (None: not one wmbook renders, or an admonition
    nested more than ``MAX_NESTING`` deep)."""
    body, options = _without_options(directive.body)
    name = directive.name
    if name == "math":
        tex = "\n".join(body).strip() or directive.argument
        return ["$$", tex, "$$"]
    if name in ("code-block", "code"):
        return [f"```{directive.argument}", *body, "```"]
    if name in ("image", "figure"):
        caption = " ".join(line.strip() for line in body if line.strip())
        alt = options.get("alt", caption)
        shown = [f"![{alt}]({directive.argument})"]
        return shown + (["", f"*{caption}*"] if name == "figure" and caption else [])
    if name in (*ADMONITIONS, "admonition") and depth < MAX_NESTING:
        title = directive.argument if name == "admonition" else directive.argument or ""
        kind = name if name != "admonition" else (options.get("class", "note").split() or ["note"])[0]
        inner = myst_markdown("\n".join(body), labels, depth + 1).split("\n")
        head = f'!!! {kind} "{title}"' if title else f"!!! {kind}"
        return [head, "", *("    " + line if line.strip() else "" for line in inner)]
    return None


def targets(lines: list[str]) -> dict[str, str]:
    """Each ``(label)=`` target and the title of the heading under it ('' if none)."""
    found: dict[str, str] = {}
    for index, line in enumerate(lines):
        match = _TARGET.match(line.strip())
        if match is None:
            continue
        following = next((other for other in lines[index + 1 :] if other.strip()), "")
        heading = _HEADING.match(following.strip())
        found[match["label"]] = heading["title"] if heading else ""
    return found


def _role(match: re.Match[str], labels: dict[str, str]) -> str:
    name, body = match["name"], match["body"]
    explicit = _EXPLICIT.match(body)
    text, target = (explicit["text"], explicit["target"]) if explicit else ("", body)
    if name == "math":
        return f"${body}$"
    if name in ("ref", "numref"):
        return f"[{text or labels.get(target) or target}](#{target})"
    if name == "doc":
        return f"[{text or target}]({target}.md)"
    return match[0]


def myst_markdown(text: str, labels: dict[str, str] | None = None, depth: int = 0) -> str:
    """The text with the MyST markup wmbook renders written as Markdown (the rest as it is);
    ``depth`` is how many admonitions hold it."""
    lines = text.split("\n")
    labels = targets(lines) if labels is None else labels
    fenced: set[int] = set()
    for fence in find_fences(text):
        if not _DIRECTIVE_LANG.match(fence.lang):
            fenced |= set(range(fence.start - 1, fence.end))
    for index, line in enumerate(lines):  # roles and targets first: the lines are still the text's
        if index in fenced:
            continue
        target = _TARGET.match(line.strip())
        if target is not None:
            # A label is text, never markup: the template escapes it.
            lines[index] = str(macros("markdown.html").anchor(target["label"]))
        elif "}`" in line:
            lines[index] = _ROLE.sub(lambda m: _role(m, labels), line)
    for directive in reversed(directives(lines)):
        if directive.name in LEFT_ALONE:
            continue
        converted = _converted(directive, labels, depth)
        if converted is not None:
            shown = [directive.indent + line if line else line for line in converted]
            lines[directive.first : directive.last + 1] = shown
    return "\n".join(lines)


def unsupported(text: str) -> list[tuple[int, str]]:
    """The directives and roles wmbook leaves as written: (1-based line, ``{name}``), once
    per name, at its first line."""
    lines = text.split("\n")
    seen: dict[str, int] = {}
    code = {
        n for f in find_fences(text) if not _DIRECTIVE_LANG.match(f.lang) for n in range(f.start - 1, f.end)
    }
    for number, what in _nested_too_deep(lines, 0, 0):
        seen.setdefault(what, number)
    for directive in directives(lines):
        if directive.name not in (*DIRECTIVES, *LEFT_ALONE):
            seen.setdefault(f"directive {{{directive.name}}}", directive.first + 1)
    for index, line in enumerate(lines):
        if index in code:
            continue
        for match in _ROLE.finditer(line):
            if match["name"] not in ROLES:
                seen.setdefault(f"role {{{match['name']}}}", index + 1)
    return sorted((line, name) for name, line in seen.items())


def _nested_too_deep(lines: list[str], first: int, depth: int) -> list[tuple[int, str]]:
    """The admonitions (1-based line, what is named) nested more than ``MAX_NESTING`` deep
    in ``lines``, whose first line is line ``first`` (0-based) of the text, ``depth`` deep."""
    found: list[tuple[int, str]] = []
    for directive in directives(lines):
        if directive.name not in (*ADMONITIONS, "admonition"):
            continue
        if depth >= MAX_NESTING:
            found.append((first + directive.first + 1, f"directive nested more than {MAX_NESTING} deep"))
            continue
        found += _nested_too_deep(list(directive.body), first + directive.first + 1, depth + 1)
    return found
