"""markdown-exec's presentation of a block: its result as Markdown (or HTML, or a code
block of ``result=``'s language), its source above, below, beside in tabs or as a console.

The Markdown is built as markdown-exec builds it, then converted with the site's own
extensions; the result is sanitised like every HTML output of wmbook, and its ids get a
prefix so that two results on one page (two sets of tabs, say) never share an id.
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Callable

import msgspec

from wmbook.parse.mdexec import MarkdownExecShow
from wmbook.render.sanitize import sanitize_html
from wmbook.templates import Markup, render

_ID_ATTRIBUTE = re.compile(r'(\s(?:id|name|for)=")([^"]+)(")')
_LOCAL_LINK = re.compile(r'(\shref="#)([^"]+)(")')
_HEADING = re.compile(
    r'<h(?P<level>[1-6])\b[^>]*\sid="(?P<id>[^"]+)"[^>]*>(?P<body>.*?)</h(?P=level)>', re.DOTALL
)
_PERMALINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
# The result box of source="block" as Markdown leaves it where md_in_html does not reach
# (indented, inside the tabs of another md block): its markdown="1" is left on the element.
_LEFT_RESULT_BOX = re.compile(r'(?P<opening><div class="result") markdown="1"\s*>')
# markdown-exec's language for a fence's language: what its source is highlighted as.
SHOWN_LANGUAGE = {"py": "python", "python3": "python", "markdown": "md"}


def code_block(language: str, code: str, options: tuple[tuple[str, str], ...] = ()) -> str:
    """A fence long enough to hold any fence the code itself contains (markdown-exec's eight
    backticks, more if the code holds a run of eight: printed text never closes it)."""
    written = " ".join(f'{key}="{value}"' for key, value in options)
    longest = max((len(run) for run in re.findall(r"`{8,}", code)), default=7)
    fence = "`" * (longest + 1)
    return f"{fence}{language} {written}\n{code}\n{fence}"


def tabbed(*tabs: tuple[str, str]) -> str:
    """pymdownx.tabbed tabs, one per (title, Markdown), in a set of their own (``===!``):
    markdown-exec converts each block alone, so two blocks' tabs never join one set."""
    parts = []
    for number, (title, text) in enumerate(tabs):
        parts += [f'==={"!" if number == 0 else ""} "{title}"', textwrap.indent(text, " " * 4), ""]
    return "\n".join(parts)


def with_source(
    show: MarkdownExecShow, language: str, source: str, output: str, options: tuple[tuple[str, str], ...]
) -> str:
    """The result with the block's source placed where ``source=`` says."""
    source = "\n".join(line for line in source.split("\n") if "markdown-exec: hide" not in line).strip()
    if show.source == "console":
        return code_block(show.result or language, source + "\n" + output, options)
    block = code_block(language, source, options)
    if show.source == "above":
        return block + "\n\n" + output
    if show.source == "below":
        return output + "\n\n" + block
    if show.source in ("block", "material-block"):
        return block + "\n\n" + render("mdexec_result.html", output=Markup(output))
    source_tab, result_tab = show.tabs
    if show.source == "tabbed-left":
        return tabbed((source_tab, block), (result_tab, output))
    return tabbed((result_tab, output), (source_tab, block))


def without_markdown_attribute(markup: str) -> str:
    """The result boxes with the ``markdown="1"`` that Markdown left on them removed."""
    return _LEFT_RESULT_BOX.sub(r"\g<opening>>", markup)


def prefix_ids(markup: str, prefix: str) -> str:
    """Every id (and the links, labels and names that refer to one) with ``prefix``."""
    if not prefix:
        return markup
    markup = _ID_ATTRIBUTE.sub(lambda m: m[1] + prefix + m[2] + m[3], markup)
    return _LOCAL_LINK.sub(lambda m: m[1] + prefix + m[2] + m[3], markup)


def id_prefix(show: MarkdownExecShow, number: int) -> str:
    """markdown-exec's prefix: ``idprefix=``, else ``ID-`` from ``id=``, else ``exec-N--``."""
    if show.idprefix is not None:
        return show.idprefix
    return f"{show.id}-" if show.id else f"exec-{number}--"


def result_markdown(
    show: MarkdownExecShow, language: str, source: str, output: str, options: tuple[tuple[str, str], ...]
) -> str:
    """The Markdown markdown-exec writes for a result: in a code block of ``result=``'s
    language if it says so, with the source where ``source=`` puts it."""
    language = SHOWN_LANGUAGE.get(language, language)
    wrapped = output
    if show.result and show.source != "console":
        wrapped = code_block(show.result, output)
    if show.source:
        wrapped = with_source(show, language, source, wrapped, options)
    return wrapped


def result_html(
    show: MarkdownExecShow,
    language: str,
    source: str,
    output: str,
    options: tuple[tuple[str, str], ...],
    number: int,
    convert: Callable[[str], str],
) -> str:
    """What markdown-exec shows for a block that printed ``output``.

    What the block printed is sanitised (with the ids of the result prefixed); what is
    around it — the block's own source and pymdownx's tabs or result box — is the page's
    own text, converted as the page is.  A console-style result is all code: highlighted,
    escaped, in a fence the output cannot close.
    """
    language = SHOWN_LANGUAGE.get(language, language)
    if not output and not show.source:
        return ""
    prefix = id_prefix(show, number)
    if show.source == "console":
        return prefix_ids(convert(with_source(show, language, source, output, options)), prefix)
    if show.html:
        printed = sanitize_html(output, id_prefix=prefix)
    else:
        shown = code_block(show.result, output) if show.result else output
        printed = sanitize_html(convert(shown), id_prefix=prefix)
    if not show.source:
        return printed
    token = f"WMBOOKRESULT{number}X"  # stands for the result while the source is converted
    around = prefix_ids(convert(with_source(show, language, source, token, options)), prefix)
    return around.replace(f"<p>{token}</p>", printed).replace(token, printed)


class Heading(msgspec.Struct, frozen=True):
    """A heading of a page's HTML."""

    level: int
    id: str
    title: str


def headings(markup: str) -> list[Heading]:
    """The headings with an id, in order, titles without their permalink."""
    found = []
    for match in _HEADING.finditer(markup):
        body = _PERMALINK.sub("", match["body"])
        found.append(Heading(int(match["level"]), match["id"], html.unescape(_TAG.sub("", body)).strip()))
    return found
