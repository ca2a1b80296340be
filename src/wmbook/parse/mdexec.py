"""markdown-exec's fence options and languages, read the way markdown-exec reads them.

A site built with markdown-exec marks the fences it runs with ``exec="1"`` (or ``true``,
``yes``) and shows only what they print, rendered as Markdown, unless ``source=`` asks
for the code too.  wmbook reads those fences as code blocks in that style: the same
options, the same presentation, run in wmbook's sessions.  A fence is in markdown-exec's
style when its language is one only markdown-exec runs (``md``, ``bash`` …),
when it spells ``exec`` as ``1``/``true``/``yes``, or when it uses one of markdown-exec's
own options; ``exec="on"`` stays wmbook's (the code, then its output box).
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from wmbook.parse.marked import exec_flag
from wmbook.parse.option_error import OptionError

PYTHON_LANGUAGES = ("python", "py", "python3")
PYODIDE = "pyodide"  # markdown-exec's fence that the reader edits and runs in the browser
# Options of a pyodide fence: the session and packages are kept; the rest is the look of
# markdown-exec's own editor (wmbook's runner has its own) and its CDN's version.
PYODIDE_OPTIONS = ("session", "install", "theme", "height", "version", "assets", "title")
# Languages markdown-exec runs besides python; a fence in them runs only when marked.
MDEXEC_LANGUAGES = ("pycon", "md", "markdown", "bash", "sh", "console")
SHELL_LANGUAGES = {"bash": "bash", "sh": "sh", "console": "sh"}  # language -> the shell that runs it
MDEXEC_OPTIONS = (
    "source",
    "result",
    "html",
    "id",
    "idprefix",
    "returncode",
    "updatetoc",
    "tabs",
    "workdir",
    "width",
)
# Options of pymdownx.highlight, kept on the code a page shows.
PASSED_ON = ("title", "linenums", "hl_lines")
# Read but not implemented: each is a warning at the fence, never an error.
NOT_IMPLEMENTED = {
    "workdir": "blocks run in their page's folder",
}
SOURCE_PLACES = ("above", "below", "block", "material-block", "tabbed-left", "tabbed-right", "console")
_FALSE = ("", "no", "off", "false", "0")  # markdown-exec's spellings of no for html= and updatetoc=


class MarkdownExecOptionError(ValueError):
    """A markdown-exec option with a value markdown-exec would not accept either."""


class MarkdownExecShow(msgspec.Struct, frozen=True):
    """How markdown-exec shows a block: its result, and where its source goes."""

    source: str = ""  # "": the result only; else one of SOURCE_PLACES
    result: str = ""  # a language: the result shown as a code block of it
    html: bool = False  # the result is HTML (sanitised), not Markdown
    tabs: tuple[str, str] = ("Source", "Result")
    id: str = ""
    idprefix: str | None = None  # None: markdown-exec's default (``ID-`` with an id, else exec-N--)
    updatetoc: bool = True  # headings the result prints join the page's table of contents
    width: int = 0  # the terminal width the block sees (COLUMNS); 0: the session's (80)


def uses_markdown_exec(raw: Mapping[str, str], language: str) -> bool:
    """Whether a fence is written in markdown-exec's style (see the module's docstring)."""
    if language not in (*PYTHON_LANGUAGES, "pycon"):  # a transcript may be wmbook's (exec="on")
        return True
    spelled = raw.get("exec", "").strip().lower()
    return spelled in ("1", "true", "yes") or any(key in raw for key in MDEXEC_OPTIONS)


def _flag(value: str) -> bool:
    return value.strip().lower() not in _FALSE


def read_show(raw: Mapping[str, str]) -> tuple[MarkdownExecShow, int, tuple[str, ...]]:
    """markdown-exec's presentation, the expected exit status, and the options not implemented."""
    source = raw.get("source", "")
    if source and source not in SOURCE_PLACES:
        raise OptionError(f"source={source!r} must be one of {', '.join(SOURCE_PLACES)}")
    try:
        returncode = int(raw.get("returncode", "0"))
    except ValueError:
        raise OptionError(f"returncode={raw['returncode']!r} is not a whole number") from None
    width = raw.get("width", "0")
    if not width.isdigit():
        raise OptionError(f"width={width!r} is not a number of columns")
    tabs = raw.get("tabs", "Source|Result")
    left, bar, right = _split_tabs(tabs)
    if not bar:
        raise OptionError(f'tabs={tabs!r} needs two titles separated by "|", such as tabs="Code|Output"')
    show = MarkdownExecShow(
        source=source,
        result=raw.get("result", ""),
        html=_flag(raw.get("html", "no")),
        tabs=(left.replace(r"\|", "|").strip(), right.replace(r"\|", "|").strip()),
        id=raw.get("id", ""),
        idprefix=raw.get("idprefix"),
        updatetoc=_flag(raw.get("updatetoc", "yes")),
        width=int(width),
    )
    return show, returncode, tuple(key for key in NOT_IMPLEMENTED if key in raw)


def _split_tabs(text: str) -> tuple[str, str, str]:
    """``Left|Right`` at the first ``|`` not escaped as ``\\|``."""
    index = 0
    while (index := text.find("|", index)) != -1:
        if index == 0 or text[index - 1] != "\\":
            return text[:index], "|", text[index + 1 :]
        index += 1
    return text, "", ""


def is_marked_flag(value: str | None) -> bool:
    """An ``exec=`` value that marks a fence to run."""
    return value is not None and exec_flag(value) is True


def python_of_transcript(lines: tuple[str, ...]) -> tuple[str, str]:
    """A ``pycon`` transcript's code (its ``>>>``/``...`` lines, prompts removed; other lines
    left blank so error lines stay those of the page) and the transcript shown (prompt lines
    only), as markdown-exec runs and shows it."""
    code, shown = [], []
    for line in lines:
        if line.startswith((">>> ", "... ")) or line in (">>>", "..."):
            code.append(line[4:])
            shown.append(line)
        else:
            code.append("")
    return "\n".join(code), "\n".join(shown)


def transcript_output(lines: tuple[str, ...]) -> str:
    """What a transcript says its lines print: its lines that are not prompts nor blank."""
    return "\n".join(
        line
        for line in lines
        if line.strip() and not (line.startswith((">>> ", "... ")) or line in (">>>", "..."))
    )


def shell_of_console(lines: tuple[str, ...]) -> tuple[str, str]:
    """A ``console`` block's commands (lines after a ``$ `` or ``% `` prompt) and the commands
    shown, each after the prompt, as markdown-exec runs and shows them."""
    commands = [line[2:] for line in lines if line[:2] in ("$ ", "% ")]
    prompt = next((line[:2] for line in reversed(lines) if line[:2] in ("$ ", "% ")), "$ ")
    return "\n".join(commands), "\n".join(prompt + command for command in commands)


def is_transcript(lines: tuple[str, ...]) -> bool:
    """Whether a python fence holds a doctest transcript (its first line of text starts ``>>>``)."""
    first = next((line for line in lines if line.strip()), "")
    return first.startswith(">>>")
