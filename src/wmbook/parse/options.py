"""Strict parsing of fence options such as ``exec="off" timeout="5"``.

Unknown options and malformed values are errors, never ignored: a typo like
``exce="off"`` must not silently turn an executed block into a plain one.  markdown-exec's
options (``source``, ``result``, ``html`` …) are read too, so a site built with it keeps
its pages as written (``wmbook.parse.mdexec``).
"""

from __future__ import annotations

import functools
import math
import re

import msgspec

from wmbook.parse.marked import exec_flag
from wmbook.parse.mdexec import (
    MDEXEC_OPTIONS,
    PASSED_ON,
    PYTHON_LANGUAGES,
    MarkdownExecShow,
    read_show,
    uses_markdown_exec,
)
from wmbook.parse.option_error import OptionError as OptionError  # where the option readers find it

_PAIR = re.compile(r"""([A-Za-z_][\w-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))""")
_SESSION = re.compile(r"^[A-Za-z0-9][\w.-]*$")
_EXCEPTION = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$")
# A label of an equation, instrument or figure: letters, digits and dots, not ending in a dot.
LABEL_TEXT = r"[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*"
_FIGURE_LABEL = re.compile(rf"^{LABEL_TEXT}$")

WMBOOK_CODE_OPTIONS = (
    "exec",
    "session",
    "timeout",
    "raises",
    "run",
    "figure",
    "caption",
    "ipython",
    "code",
    "narrow",
    "output",
)
# The values of code= and output=: in full, collapsed behind a disclosure, or left out of the page
# (the block still runs and is checked), as Jupyter Book's hide-* and remove-* cell tags ask.
DISPLAYS = ("shown", "folded", "removed")
CODE_OPTIONS = WMBOOK_CODE_OPTIONS + MDEXEC_OPTIONS + PASSED_ON
OUTPUT_OPTIONS = ("rtol", "atol")


class CodeOptions(msgspec.Struct, frozen=True):
    """Validated options of a ``python`` fence."""

    execute: bool = True
    session: str = "main"
    timeout: float | None = None  # None: the book's default
    raises: str | None = None
    run: bool = True  # the reader may edit and run it in the browser (books with the runner)
    figure: str | None = None  # a numbered figure's label ("5.2"): what the block draws is Figure 5.2
    caption: str = ""  # the numbered figure's caption, inline Markdown
    narrow: bool = False  # narrow="on": the figure's last drawing is its layout for narrow columns
    ipython: bool | None = None  # IPython's semantics (magics, !cmd, ;); None: the page's choice
    code_display: str = "shown"  # code=: the source shown, "folded" behind a disclosure, or "removed"
    output_display: str = "shown"  # output=: the same for what the block prints and draws
    language: str = "python"  # the fence's language: python, pycon, md, bash, sh, console …
    # markdown-exec's presentation (only the result, as Markdown, unless ``source=``): set for
    # fences written in its style; None for wmbook's (the code, then an output box).
    show: MarkdownExecShow | None = None
    returncode: int = 0  # a shell block's expected exit status
    passed_on: tuple[tuple[str, str], ...] = ()  # highlight options kept on the shown code (title …)
    ignored: tuple[str, ...] = ()  # options read but not implemented: a warning each
    # Runs only in the reader's browser, never at build time (markdown-exec's pyodide fences).
    browser_only: bool = False
    install: tuple[str, ...] = ()  # packages installed (micropip) before a browser-only block runs


class OutputOptions(msgspec.Struct, frozen=True):
    """Validated options of an ``output`` fence."""

    rtol: float | None = None
    atol: float | None = None


def split_options(info: str, known: tuple[str, ...]) -> dict[str, str]:
    """Split ``key="value"`` pairs, rejecting unknown keys, repeats and stray text."""
    found: dict[str, str] = {}
    pos = 0
    for match in _PAIR.finditer(info):
        stray = info[pos : match.start()].strip()
        if stray:
            raise OptionError(f'cannot read {stray!r} in the fence options; write key="value"')
        key = match[1]
        value = next(v for v in match.groups()[1:] if v is not None)
        if key not in known:
            hint = ", ".join(known)
            raise OptionError(f"unknown option {key!r} (known options: {hint})")
        if key in found:
            raise OptionError(f"option {key!r} is given twice")
        found[key] = value
        pos = match.end()
    stray = info[pos:].strip()
    if stray:
        raise OptionError(f'cannot read {stray!r} in the fence options; write key="value"')
    return found


def _number(key: str, value: str, *, allow_zero: bool) -> float:
    try:
        number = float(value)
    except ValueError:
        raise OptionError(f"{key}={value!r} is not a number") from None
    if not math.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise OptionError(f"{key}={value!r} must be a number {bound}")
    return number


@functools.lru_cache(maxsize=1024)  # a book's fences repeat their info strings; the record is frozen
def parse_code_options(info: str, language: str = "python") -> CodeOptions:
    """Options of a ``python`` fence, or of another language markdown-exec runs."""
    raw = split_options(info, CODE_OPTIONS)
    execute = _execute(raw)
    session = raw.get("session", "main")
    if not _SESSION.match(session):
        raise OptionError(f"session={session!r} is not a valid name; use letters, digits, '_', '-' or '.'")
    timeout = _number("timeout", raw["timeout"], allow_zero=False) if "timeout" in raw else None
    raises = raw.get("raises")
    if raises is not None and not _EXCEPTION.match(raises):
        raise OptionError(f"raises={raises!r} is not an exception name such as ValueError")
    run = _switch(raw, "run", True) is not False
    ipython = _switch(raw, "ipython", None)
    figure, caption, narrow = _figure(raw)
    show, returncode, ignored = read_show(raw) if uses_markdown_exec(raw, language) else (None, 0, ())
    # markdown-exec's pages keep options on blocks they do not run: there they are harmless.
    run_options = (
        raises or timeout is not None or figure or {"session", "run", "ipython", "output"} & set(raw)
    )
    if show is None and not execute and run_options:
        raise OptionError(
            'exec="off" blocks are not run; remove session/timeout/raises/run/figure/ipython/output'
        )
    if show is not None and "session" not in raw:
        session = ""  # markdown-exec runs a block without a session in a namespace of its own
    if show is not None and (figure or {"run", "code", "output"} & set(raw)):
        raise OptionError(
            "figure=, run=, code= and output= are wmbook's; a block in markdown-exec's style shows only "
            "what it prints"
        )
    code_display, output_display = _display(raw, "code"), _display(raw, "output")
    return CodeOptions(
        execute=execute,
        session=session,
        timeout=timeout,
        raises=raises,
        # The in-browser runner edits the code shown above an output: wmbook's presentation only.
        # Its editor takes the place of the code shown, and its output is where it prints.
        run=run
        and language in PYTHON_LANGUAGES
        and show is None
        and code_display != "removed"
        and output_display == "shown",
        figure=figure,
        caption=caption,
        narrow=narrow,
        ipython=ipython,
        code_display=code_display,
        output_display=output_display,
        language=language,
        show=show,
        returncode=returncode,
        passed_on=tuple((key, raw[key]) for key in PASSED_ON if key in raw),
        ignored=ignored,
    )


def _execute(raw: dict[str, str]) -> bool:
    """Whether the block runs (``exec=``; on unless turned off)."""
    if "exec" not in raw:
        return True
    flag = exec_flag(raw["exec"])
    if flag is None:
        raise OptionError(
            f'exec={raw["exec"]!r} must be "on" or "off" (or "1"/"0", "true"/"false", "yes"/"no")'
        )
    return flag


def _figure(raw: dict[str, str]) -> tuple[str | None, str, bool]:
    """A numbered figure's label, caption and narrow layout; the last two need the first."""
    figure = raw.get("figure")
    if figure is not None and not _FIGURE_LABEL.match(figure):
        raise OptionError(
            f'figure={figure!r} is not a label; use letters, digits and dots, such as figure="5.2"'
        )
    caption = raw.get("caption", "").strip()
    if "caption" in raw and figure is None:
        raise OptionError('caption= belongs to a numbered figure; add figure="LABEL" (such as figure="5.2")')
    narrow = _switch(raw, "narrow", False) is True
    if narrow and figure is None:
        raise OptionError('narrow= belongs to a numbered figure; add figure="LABEL" (such as figure="5.2")')
    return figure, caption, narrow


def _display(raw: dict[str, str], key: str) -> str:
    """How ``code=`` or ``output=`` shows its part of the block."""
    value = raw.get(key, "shown")
    if value not in DISPLAYS:
        raise OptionError(
            f'{key}={value!r} must be "shown", "folded" (collapsed behind a disclosure) '
            'or "removed" (left out of the page; the block still runs)'
        )
    return value


def _switch(raw: dict[str, str], key: str, default: bool | None) -> bool | None:
    """An on/off option, spelled as ``exec=`` may be (true/false as a notebook's metadata writes it)."""
    if key not in raw:
        return default
    flag = exec_flag(raw[key])
    if flag is None:
        raise OptionError(f'{key}={raw[key]!r} must be "on" or "off"')
    return flag


def parse_output_options(info: str) -> OutputOptions:
    """Options of an ``output`` fence."""
    raw = split_options(info, OUTPUT_OPTIONS)
    rtol = _number("rtol", raw["rtol"], allow_zero=True) if "rtol" in raw else None
    atol = _number("atol", raw["atol"], allow_zero=True) if "atol" in raw else None
    return OutputOptions(rtol=rtol, atol=atol)
