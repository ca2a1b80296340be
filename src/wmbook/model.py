"""Typed records handed from one stage of the pipeline to the next.

parse -> blocks (each with a ``SourceLoc`` and the ``Region`` of the page it covers)
-> execute -> ``SessionResult`` (``StepResult`` per ``StepKey``) -> check ->
``Diagnostic`` -> render -> HTML.  Every record is frozen so a stage can never change
what an earlier stage saw.  The block records themselves live with their kind, in
``wmbook.kinds`` (those other stages read too in ``wmbook.blocks``); here they are only
``Block``s, each covering a region of its page.
"""

from __future__ import annotations

import enum
import functools
import os
from typing import Generic, Protocol, TypeVar

import msgspec


class SourceLoc(msgspec.Struct, frozen=True, order=True):
    """A line of a page, as a contributor sees it: ``docs/page.md:12``, or in a notebook
    ``docs/nb/x.ipynb: cell 4, line 2``."""

    path: str
    line: int
    cell: int | None = None  # notebooks: the cell (1-based); ``line`` is then within the cell

    def __str__(self) -> str:
        if self.cell is not None:
            return f"{self.path}: cell {self.cell}, line {self.line}"
        return f"{self.path}:{self.line}"


class PageRef(msgspec.Struct, frozen=True, dict=True):
    """One page of the site, as every stage names it.

    ``uri`` (MkDocs' ``src_uri``) is the page's key, unique in the site; the others are how
    the page is shown to a contributor, found on disk and served, carried along so that no
    stage has to work one out from another.
    """

    uri: str  # e.g. basics/coins.md
    path: str  # as messages show it, e.g. docs/basics/coins.md
    abs_path: str = ""  # the file on disk ("" for text that is not a file)
    url: str = ""  # where the site serves it, relative to the site's root

    @functools.cached_property  # asked for by every slot of the page
    def slot_prefix(self) -> str:
        """A prefix that makes the page's slot and element names unique in the site."""
        return "".join(c if c.isalnum() else "-" for c in self.uri).strip("-")


class Severity(enum.Enum):
    """How a diagnostic affects the build."""

    ERROR = "error"
    WARNING = "warning"


class Diagnostic(msgspec.Struct, frozen=True):
    """One problem found in the book, located at a line of a Markdown file."""

    loc: SourceLoc
    message: str
    severity: Severity = Severity.ERROR
    detail: str = ""

    def format(self) -> str:
        """The text shown to a contributor: ``docs/x.md:LINE: message`` plus any detail."""
        text = f"{self.loc}: {self.message}"
        if self.detail:
            text += "\n" + "\n".join("    " + line for line in self.detail.splitlines())
        return text


class Region(msgspec.Struct, frozen=True):
    """The lines of the page a block covers, as written (1-based, inclusive).

    ``text`` identifies the block when the Markdown handed to wmbook differs from
    the file (another plugin edited the page first): blocks are found again by
    their text, not by line numbers.
    """

    start: int
    end: int
    text: str


class Block(Protocol):
    """A block record of any kind: every one covers a region of its page."""

    @property
    def region(self) -> Region: ...


R_co = TypeVar("R_co", covariant=True)


class KindOf(Protocol, Generic[R_co]):
    """A block kind as far as a page's blocks are concerned: the type of its records."""

    @property
    def record(self) -> type[R_co]: ...


class FencedRecord(Protocol):
    """A block record written as a fence (what a markdown-exec ``md`` block may hold)."""

    @property
    def region(self) -> Region: ...

    @property
    def fence(self) -> Fence: ...


class AssetKind(enum.StrEnum):
    """A set of wmbook's front-end files that pages link only when they need it (ordered by
    name, so that a site lists them the same way on every build)."""

    BASE = "base"  # wmbook.css and wmbook.js: every page
    MATH = "math"  # KaTeX's stylesheet and fonts
    INSTRUMENTS = "instruments"  # the instruments' loader and BokehJS
    RUNNER = "runner"  # the in-browser runner (Pyodide is fetched on the first Run)


class AcceptMode(msgspec.Struct, frozen=True):
    """Whether a build takes changed outputs into the book's files (accept mode), and how a
    contributor asks for that, for mismatch messages."""

    accept: bool = False
    hint: str = "WMBOOK_ACCEPT=1 mkdocs build"


class IPythonSetting(msgspec.Struct, frozen=True):
    """The book's ``ipython`` setting: whether its Markdown pages' code runs with IPython's
    semantics unless a page or a block says otherwise."""

    ipython: bool = False


class Fence(msgspec.Struct, frozen=True):
    """A fenced code block found in the Markdown source (lines are 1-based, in the file)."""

    start: int  # line of the opening fence
    end: int  # line of the closing fence (or the last line when the fence is unclosed)
    indent: str
    marker: str  # e.g. "```" or "~~~~"
    lang: str
    info: str  # the info string after the language
    body: tuple[str, ...]  # content lines, with the fence's indentation removed
    closed: bool = True

    @property
    def body_start(self) -> int:
        """Line of the first content line."""
        return self.start + 1


class StepKind(enum.StrEnum):
    """The steps of wmbook's own block kinds; another package's kind names its steps with its
    own name (a ``StepKey``'s ``kind`` is any word)."""

    CODE = "code"  # a code block: run statements, capture output and figures
    CHECK = "check"  # a quiz's check: evaluate an expression, return its value


class StepKey(msgspec.Struct, frozen=True, order=True):
    """Which block of a page a step (and its result) belongs to: the kind's name for its
    steps (``StepKind`` for wmbook's own) and the block's index among them on the page."""

    kind: str
    index: int

    def __str__(self) -> str:
        return f"{self.kind}-{self.index}"


class Step(msgspec.Struct, frozen=True):
    """One unit of work of a session: a code block or a check expression."""

    key: StepKey
    source: str
    first_line: int  # Markdown line of ``source``'s first line
    timeout: float
    raises: str | None = None
    ipython: bool = False  # run with IPython's semantics (magics, ``!cmd``, ``;``), as Jupyter does
    shell: str | None = None  # "bash" or "sh": ``source`` is a shell script, run in the session
    returncode: int = 0  # a shell step's expected exit status
    show_value: bool = True  # the value of a last bare expression is shown (not in markdown-exec's style)
    columns: int = 0  # the terminal width the step sees (COLUMNS), if not the session's
    echo: bool = False  # each expression statement's value is printed, as at a ``>>>`` prompt
    # "docs/page.md:LINE" of a step written on another page (a session that spans pages runs
    # the earlier pages' blocks first): what a later step's "not run because" names.
    written_at: str = ""
    evaluate: bool = False  # ``source`` is an expression whose value is the result (a quiz's check)

    @property
    def kind(self) -> str:
        """The kind of block the step belongs to (``StepKind`` for wmbook's own)."""
        return self.key.kind


class PageFolder(msgspec.Struct, frozen=True):
    """The folder a session's relative paths start from, as Jupyter's working directory is
    the notebook's folder: read in place, never written (writes land in the session's own
    folder).  A sandbox that confines reads allows ``root``.

    ``root`` is the book's docs folder, as far as relative paths may reach (``../data/x.csv``
    works inside it); ``page`` is the page's folder inside it.  ``shipped`` holds files sent
    along with the session to a machine without the docs folder (a remote worker), ``unsent``
    the names of the others there (listed, but absent when opened); None means the session
    reads ``root`` where it is.
    """

    root: str  # absolute, on the machine that made the spec
    page: str  # POSIX path relative to ``root``; "" for a page at the top
    shipped: tuple[tuple[str, bytes], ...] | None = None  # (path relative to ``root``, content)
    unsent: tuple[str, ...] = ()  # with ``shipped``: files there whose content was not sent
    expected: tuple[str, ...] = ()  # files the last run of the session read (sent to a worker up front)

    @property
    def path(self) -> str:
        """The page's folder on the machine that made the spec."""
        return os.path.join(self.root, self.page)


class ReadKind(enum.Enum):
    """How a session used a path of its page's folder."""

    FILE = "file"  # opened a file that was there
    ABSENT = "absent"  # tried to open a file that was not there
    LISTING = "listing"  # read a folder's names (os.listdir, glob)


class FileRead(msgspec.Struct, frozen=True):
    """A path of the docs folder a session read; its result depends on what is there."""

    path: str  # POSIX, relative to ``PageFolder.root``
    kind: ReadKind = ReadKind.FILE


class SessionSpec(msgspec.Struct, frozen=True):
    """A self-contained unit of execution: the steps of one session of one page."""

    page: str  # display path, e.g. ``docs/page.md``
    name: str
    steps: tuple[Step, ...]
    source_lines: tuple[str, ...]  # the whole Markdown file, for tracebacks
    files: tuple[tuple[str, bytes], ...] = ()  # declared inputs, copied into the working directory
    keep_going: bool = False  # later steps run after one raised (on_error: warn shows every problem)
    folder: PageFolder | None = None  # where relative paths lead; None: an empty private folder


class Outcome(enum.Enum):
    """How a step ended."""

    OK = "ok"
    RAISED = "raised"  # an exception escaped the step
    TIMEOUT = "timeout"
    DIED = "died"  # the worker process ended (os._exit, segfault, sys.exit)
    NOT_RUN = "not-run"  # an earlier step of the session stopped it
    UNCACHED = "uncached"  # cache-only mode, and the session is not in the cache
    LOST = "lost"  # the machine running the session (a remote worker) went away, or cannot run it


class Figure(msgspec.Struct, frozen=True):
    """A rendered figure: inline SVG plus its accessible name."""

    svg: str
    label: str


class Display(msgspec.Struct, frozen=True):
    """One rich output of a step (a ``display(obj)`` call or the value of its last
    expression), as the MIME types the object offered: ``(("text/html", "…"), …)``."""

    data: tuple[tuple[str, str], ...]
    result: bool = False  # the value of the block's last expression (Jupyter's execute_result)

    def get(self, mime: str) -> str | None:
        """The data for ``mime``, if the object offered it."""
        return next((value for key, value in self.data if key == mime), None)

    @property
    def size(self) -> int:
        """What the output weighs: every representation the object offered."""
        return sum(len(value) for _, value in self.data)

    def cut_size(self) -> int | None:
        """For an output the session cut (over ``max_display_mb``), the size it had."""
        size, _ = self._cut()
        return size

    def cut_budget(self) -> int | None:
        """For an output the session cut, the budget it was cut by."""
        _, budget = self._cut()
        return budget

    def _cut(self) -> tuple[int | None, int | None]:
        numbers = (self.get(CUT_MIME) or "").split()
        if len(numbers) != 2 or not all(n.isdigit() for n in numbers):
            return None, None
        return int(numbers[0]), int(numbers[1])


# An output the session cut before it left: only "SIZE BUDGET" (bytes) is sent to the build.
CUT_MIME = "application/vnd.wmbook.cut"


class Stream(msgspec.Struct, frozen=True):
    """Text a step wrote to one of its output streams, in the order it was written."""

    name: str  # "stdout" or "stderr"
    text: str
    displays_before: int = 0  # how many of the step's rich outputs were shown before this text


class StepResult(msgspec.Struct, frozen=True):
    """What one step produced."""

    key: StepKey
    outcome: Outcome
    output: str = ""
    figures: tuple[Figure, ...] = ()
    exc_type: str | None = None  # qualified name of the exception raised
    error_line: int | None = None  # Markdown line of the failing statement
    traceback: str = ""
    value: object = None  # the value of a CHECK step (JSON-compatible)
    value_repr: str = ""
    duration: float = 0.0
    detail: str = ""  # e.g. the exit code of a process that died
    imports: tuple[str, ...] = ()  # top-level modules the step imported
    displays: tuple[Display, ...] = ()  # rich outputs, in the order they were shown
    reads: tuple[FileRead, ...] = ()  # paths of the docs folder the step read (not kept in the cache)
    streams: tuple[Stream, ...] = ()  # ``output`` split into stdout and stderr runs, in order
    execution_count: int | None = None  # IPython steps: the cell's number, as in ``In [3]:``


class SessionResult(msgspec.Struct, frozen=True):
    """The outcome of running one session."""

    page: str
    name: str
    results: tuple[StepResult, ...]
    duration: float
    from_cache: bool = False

    @property
    def failed(self) -> bool:
        """True when any step did not finish normally."""
        return any(r.outcome is not Outcome.OK for r in self.results)

    @property
    def imports(self) -> tuple[str, ...]:
        """Top-level modules the session imported (matplotlib when it drew figures)."""
        names = {name for r in self.results for name in r.imports}
        if any(r.figures for r in self.results):
            names.add("matplotlib")
        return tuple(sorted(names))

    @property
    def reads(self) -> tuple[FileRead, ...]:
        """Paths of the docs folder the session read, each once."""
        found = {read for r in self.results for read in r.reads}
        return tuple(sorted(found, key=lambda read: (read.path, read.kind.value)))

    def by_key(self) -> dict[StepKey, StepResult]:
        """Results indexed by their step key."""
        return {r.key: r for r in self.results}


class PendingResult(Protocol):
    """A session's result to come: a running session's Future, or a cache hit that reads
    its entry when asked."""

    def done(self) -> bool:
        """Whether ``result`` answers without waiting for a session to run."""
        ...

    def result(self, timeout: float | None = None) -> SessionResult:
        """The session's result, waited for (up to ``timeout`` seconds) if it runs."""
        ...
