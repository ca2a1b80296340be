"""Group a page's steps into sessions, in page order: what each block's kind adds
(``BlockKind.steps``: a code block its code, a quiz its check).

A session named on several pages by blocks in markdown-exec's style (``session="x"``) is
one namespace across the book, as markdown-exec keeps it, in the order MkDocs reads the
pages (the order markdown-exec ran them in): a page's part of it first runs the blocks that
earlier pages gave it, each as the file and lines it is written at, their output unused
and their failures reported on their own page.  The session's cache key then covers every
block it ran, on every page, and each page's part still runs isolated in its own process.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable

import msgspec

from wmbook.blocks import CodeBlock
from wmbook.book import ParsedPage
from wmbook.kinds import registry
from wmbook.kinds.base import PlacedStep, StepContext
from wmbook.model import IPythonSetting, PageFolder, SessionSpec, Step, StepKey, StepKind
from wmbook.parse.mdexec import SHELL_LANGUAGES
from wmbook.parse.snippets import run_call


def page_folder(abs_path: str, docs_dir: str) -> PageFolder | None:
    """Where a page's relative paths lead: its folder, reads reaching as far up as the docs
    folder (the page's own folder when it lies outside ``docs_dir``); None without a file."""
    if not abs_path:
        return None
    here = os.path.dirname(os.path.abspath(abs_path))
    return _folder(here, os.path.abspath(docs_dir) if docs_dir else here)


@functools.lru_cache(maxsize=256)  # a book's pages share a few folders, each asked for every build
def _folder(here: str, root: str) -> PageFolder:
    if os.path.commonpath([root, here]) != root:
        root = here
    rel = os.path.relpath(here, root)
    return PageFolder(root, "" if rel == "." else rel.replace(os.sep, "/"))


def page_sessions(
    page: ParsedPage,
    default_timeout: float,
    keep_going: bool = False,
    docs_dir: str = "",
    ipython: bool = False,
) -> list[SessionSpec]:
    """One ``SessionSpec`` per session name used on the page (``main`` unless set); with
    ``keep_going`` a session runs its later steps after one raised; relative paths lead to
    the page's folder, up to ``docs_dir`` (see ``page_folder``); ``ipython`` is the book's
    setting for Markdown pages."""
    kinds = registry()
    ctx = StepContext(page, default_timeout, {IPythonSetting: IPythonSetting(ipython)})
    positioned: list[PlacedStep] = [placed for b in page.blocks for placed in kinds.of(b).steps(b, ctx)]
    positioned.sort(key=lambda placed: placed.line)
    by_session: dict[str, list[Step]] = {}
    for placed in positioned:
        by_session.setdefault(placed.session, []).append(placed.step)
    source_lines = tuple(page.text.split("\n"))
    folder = page_folder(page.abs_path, docs_dir)
    return [
        SessionSpec(page.path, name, tuple(steps), source_lines, page.depends_on, keep_going, folder)
        for name, steps in by_session.items()
    ]


def spans_pages(block: CodeBlock) -> bool:
    """Whether a block joins its session across pages: a python block in markdown-exec's
    style in a session it names (markdown-exec's sessions are the book's, wmbook's the page's)."""
    options = block.options
    named = not options.session.startswith("block@")  # markdown-exec's own namespace per block
    return options.execute and options.show is not None and options.language not in SHELL_LANGUAGES and named


def earlier_blocks(pages: Iterable[ParsedPage]) -> dict[tuple[str, str], tuple[CodeBlock, ...]]:
    """For each page and session name that earlier pages used too: their blocks of that
    session, in page order (pages in the order given, the order they are read in)."""
    seen: dict[str, list[CodeBlock]] = {}
    earlier: dict[tuple[str, str], tuple[CodeBlock, ...]] = {}
    for page in pages:
        here: dict[str, list[CodeBlock]] = {}
        for block in page.blocks_of(CodeBlock):
            if spans_pages(block):
                here.setdefault(block.options.session, []).append(block)
        for name, blocks in here.items():
            if seen.get(name):
                earlier[(page.path, name)] = tuple(seen[name])
            seen.setdefault(name, []).extend(blocks)
    return earlier


def with_earlier_blocks(
    spec: SessionSpec, blocks: tuple[CodeBlock, ...], default_timeout: float
) -> SessionSpec:
    """The page's session with the blocks earlier pages gave it run first: each as a call
    that runs its code as its own page's lines; one that fails does not stop the session
    (its own page reports it)."""
    replayed = []
    for number, block in enumerate(blocks, start=1):
        code = block.executed_code
        origins = [(block.loc.path, block.fence.body_start + n) for n in range(code.count("\n") + 1)]
        timeout = block.options.timeout or default_timeout
        key = StepKey(StepKind.CODE, -number)  # no block of this page: its result is not shown
        where = f"{block.loc.path}:{block.fence.body_start}"
        replayed.append(
            Step(
                key, run_call(code, origins), 1, timeout, "BaseException", show_value=False, written_at=where
            )
        )
    return msgspec.structs.replace(spec, steps=(*replayed, *spec.steps))
