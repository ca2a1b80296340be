"""The worker side of a session: run its steps in order and report each result.

This module is imported by the pre-started worker server, so numpy and matplotlib
are already loaded when a session's process is forked from it.  Everything a session
changes (globals, working directory, RNG state, figures) dies with its process.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import linecache
import math
import os
import random
import subprocess
import sys
import tempfile
import time
import traceback
import types
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import msgspec
import numpy as np
import numpy.random  # loaded once in the worker server, not in every session

from wmbook.execute import figures
from wmbook.execute.capture import StreamCapture, joined, stderr_path
from wmbook.execute.channel import Channel, SessionRequest
from wmbook.execute.display import Displays, shown_value
from wmbook.execute.namespaces import overlay, private_shm
from wmbook.execute.protocol import ENVIRONMENT, capture_path
from wmbook.execute.sandbox import Limits, apply_limits, give_session_folder
from wmbook.execute.terminal import Terminal, open_terminal
from wmbook.execute.workdir import FolderWatch, prepare_workdir
from wmbook.model import Figure, Outcome, Step, StepResult

if TYPE_CHECKING:
    from wmbook.execute.ipython import IPythonCells

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_SERVER_STDIN: list[object] = []  # never closed nor finalized in a session (see _prepare_process)


class _ImportLog:
    """Top-level modules a session imports, for the cache to know what its result depends
    on.  numpy and matplotlib are preloaded in the worker server, so a look at
    ``sys.modules`` would miss them: every ``import`` statement is seen instead (C code
    imports through the same function), plus whatever new appears in ``sys.modules``."""

    _IGNORED = (
        frozenset(sys.stdlib_module_names) | frozenset(sys.builtin_module_names) | {"wmbook", "__main__"}
    )

    def __init__(self, displays: Displays, page: str) -> None:
        self.names: set[str] = set()
        self._displays = displays
        self._page = page
        self._known = set(sys.modules)
        self._import = builtins.__import__
        builtins.__import__ = self._recording_import  # type: ignore[assignment]  # same call signature

    def _recording_import(
        self,
        name: str,
        globals: dict[str, Any] | None = None,
        locals: dict[str, Any] | None = None,
        fromlist: Any = (),
        level: int = 0,
    ) -> Any:
        if level == 0:
            self.names.add(name.partition(".")[0])
        elif globals:
            self.names.add(str(globals.get("__package__") or "").partition(".")[0])
        module = self._import(name, globals, locals, fromlist, level)
        if name.startswith("bokeh"):
            self._displays.patch_bokeh()  # before `from bokeh.plotting import show` reads it
        elif name.startswith("line_profiler") and "wmbook.execute.ipython" in sys.modules:
            # Only with IPython cells (``%lprun``); the shell's creation does it otherwise.
            sys.modules["wmbook.execute.ipython"].show_page_source(self._page)
        return module

    def take(self) -> tuple[str, ...]:
        """Modules imported since the last call (outside the standard library)."""
        new = set(sys.modules) - self._known
        self._known |= new
        found = (self.names | {m.partition(".")[0] for m in new}) - self._IGNORED
        self.names = set()
        return tuple(sorted(n for n in found if n and not n.startswith("_")))


def _join_cgroups(folders: tuple[str, ...]) -> bool:
    """Move this process into the session's cgroups; whether one bounds its processes."""
    for folder in folders:
        with contextlib.suppress(OSError), open(os.path.join(folder, "cgroup.procs"), "w") as file:
            file.write(str(os.getpid()))
    return any(os.path.exists(os.path.join(folder, "pids.max")) for folder in folders)


def _prepare_process(
    request: SessionRequest, displays: Displays
) -> tuple[dict[str, Any], Terminal | None, FolderWatch | None]:
    spec, session_dir, limits = request.spec, request.session_dir, request.limits
    # Only what the build allows (no secrets of its own), with HOME and TMPDIR in the session.
    os.environ.clear()
    os.environ.update(dict(request.environment))
    # The worker server's stdin is being read by a thread of the server, which the fork did
    # not copy: its lock stays taken, and closing it (a multiprocessing child does) would
    # wait forever (so would its finalizer: it is kept).  The session reads nothing: a stdin
    # of its own on /dev/null.
    _SERVER_STDIN.append(sys.stdin)
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115  (the session's, for its lifetime)
    os.mkdir(os.path.join(session_dir, "tmp"))
    tempfile.tempdir = None  # re-read TMPDIR
    counted = _join_cgroups(request.cgroups)
    # Semaphores and shared memory in a /dev/shm of the session's own, counted in its
    # memory; in the same mount namespace, the page's folder through an overlay.
    shm = limits.sandbox and private_shm(limits.memory_bytes)
    # The page's folder, as in Jupyter.
    work, watch = prepare_workdir(spec, session_dir, overlay if shm else None)
    os.chdir(work)
    # Before the watch, which would see it as writes; an overlay's folders are given already.
    give_session_folder(limits, session_dir, watch.overlay_folders() if watch is not None else ())
    if watch is not None:
        watch.install()
    terminal = open_terminal() if any(step.ipython for step in spec.steps) else None
    # The page's folder is read in place, unless its files were sent into the session's folder.
    folder = spec.folder
    readable = (folder.root,) if folder is not None and folder.shipped is None else ()
    # From here on, the block's code cannot write elsewhere, nor read beyond what it needs.
    apply_limits(limits, session_dir, readable, cgroups=counted, shm=shm)
    random.seed(0)
    np.random.seed(0)  # matplotlib's style is the book's already: the worker server set it last
    # Tracebacks quote the Markdown lines, so the page's text stands in for the "file".
    lines = [line + "\n" for line in spec.source_lines]
    linecache.cache[spec.page] = (sum(map(len, lines)), None, lines, spec.page)
    sys.argv = [spec.page]
    # The session's namespace is the __main__ module, as a script's is: code that looks its
    # names up there (pickle, typing.get_type_hints, a CLI naming its program) finds them,
    # and not the worker server's own module.
    main = types.ModuleType("__main__")
    main.__dict__.update({"__builtins__": builtins, "plot_xy": figures.plot_xy, "display": displays.display})
    sys.modules["__main__"] = main
    return main.__dict__, terminal, watch


def _json_value(value: object) -> tuple[object, str]:
    """A check value as JSON-compatible data plus its repr."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool | str) or value is None:
        return value, repr(value)
    if isinstance(value, int | float):
        return (value if math.isfinite(value) else repr(value)), repr(value)
    return None, repr(value)


def _matches(exc: BaseException, expected: str) -> bool:
    for cls in type(exc).__mro__:
        if expected in (cls.__name__, f"{cls.__module__}.{cls.__qualname__}"):
            return True
    return False


def _hide_own_frames(tb: traceback.TracebackException, seen: set[int]) -> None:
    """Drop wmbook's own frames (the import recorder, say), which the reader cannot change,
    from a traceback and the exceptions chained to it."""
    if id(tb) in seen:
        return
    seen.add(id(tb))
    tb.stack = traceback.StackSummary.from_list(
        [f for f in tb.stack if not f.filename.startswith(_PACKAGE_DIR)]
    )
    for chained in (tb.__cause__, tb.__context__, *(getattr(tb, "exceptions", None) or ())):
        if chained is not None:
            _hide_own_frames(chained, seen)


def _format_exception(exc: BaseException, page: str) -> tuple[str, int | None]:
    """Traceback from the first frame in the page on, and the page line that failed."""
    tb = traceback.TracebackException.from_exception(exc)
    frames = list(tb.stack)
    first = next((i for i, f in enumerate(frames) if f.filename == page), len(frames))
    tb.stack = traceback.StackSummary.from_list(frames[first:])
    _hide_own_frames(tb, set())
    in_page = [f.lineno for f in frames if f.filename == page]
    line: int | None = in_page[-1] if in_page else None
    if isinstance(exc, SyntaxError) and exc.filename == page:
        line = exc.lineno
    return "".join(tb.format()), line


@contextlib.contextmanager
def _columns(columns: int) -> Iterator[None]:
    """The terminal width a step sees (markdown-exec's ``width=``), for that step only."""
    if not columns:
        yield
        return
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(columns)
    try:
        yield
    finally:
        os.environ["COLUMNS"] = saved if saved is not None else ENVIRONMENT["COLUMNS"]


class ShellExitError(Exception):
    """A shell block ended with another exit status than the one it expects."""


def _run_shell(step: Step) -> None:
    """A shell block, as a process of the session: its output goes where the block's goes,
    and the sandbox and limits of the session hold for it."""
    ended = subprocess.run([step.shell or "sh", "-c", step.source], stdin=subprocess.DEVNULL, check=False)
    if ended.returncode != step.returncode:
        raise ShellExitError(
            f"{step.shell} exited with status {ended.returncode}; the block expects {step.returncode}"
        )


def _run_code(
    padded: str,
    page: str,
    namespace: dict[str, Any],
    displays: Displays,
    *,
    show_value: bool = True,
    echo: bool = False,
) -> None:
    """Run a block; the value of a last bare expression is shown, as in Jupyter (with
    ``echo``, every expression statement's value is printed, as at Python's prompt)."""
    tree = ast.parse(padded, page, "exec")
    if echo:
        exec(compile(ast.Interactive(body=tree.body), page, "single", dont_inherit=True), namespace)
        return
    last = tree.body[-1] if show_value and tree.body and isinstance(tree.body[-1], ast.Expr) else None
    if last is not None:
        tree.body.pop()
    exec(compile(tree, page, "exec", dont_inherit=True), namespace)
    if last is not None:
        value = eval(compile(ast.Expression(last.value), page, "eval", dont_inherit=True), namespace)
        if shown_value(value):
            displays.display(value)


class _Session:
    """What the steps of one session share in its process."""

    def __init__(self, request: SessionRequest) -> None:
        self.page = request.spec.page
        self.session_dir = request.session_dir
        self.displays = Displays(request.limits.display_bytes)
        self.namespace, self.terminal, self.watch = _prepare_process(request, self.displays)
        self.capture = StreamCapture()
        self.displays.before_show = self.capture.showing
        self.displays.on_clear = self.capture.clear
        self.imports = _ImportLog(self.displays, self.page)
        self._cells: IPythonCells | None = None

    def cells(self) -> IPythonCells:
        """The IPython shell, created at the session's first IPython block."""
        if self._cells is None:
            from wmbook.execute.ipython import IPythonCells, show_page_source  # IPython only if used

            home = os.path.join(self.session_dir, "ipython")
            self._cells = IPythonCells(self.namespace, self.displays, self.page, home, self.terminal)
            show_page_source(self.page)  # line_profiler imported by an earlier plain block
        return self._cells


def _run_step(step: Step, index: int, session: _Session) -> StepResult:
    started = time.perf_counter()
    page, namespace = session.page, session.namespace
    padded = "\n" * (step.first_line - 1) + step.source  # so compile() reports Markdown lines
    value: object = None
    value_repr = ""
    count: int | None = None
    outcome, exc_type, error_line, trace, detail = Outcome.OK, None, None, "", ""
    out_path, err_path = capture_path(session.session_dir, index), stderr_path(session.session_dir, index)
    failure: BaseException | None = None
    drawn: tuple[Figure, ...] = ()
    with session.capture.step(out_path, err_path), _columns(step.columns):
        try:
            if step.evaluate:
                code = compile(padded, page, "eval", dont_inherit=True)
                value, value_repr = _json_value(eval(code, namespace))
            elif step.shell is not None:
                _run_shell(step)
            elif step.ipython:
                session.cells().run(step)
            else:
                _run_code(
                    padded, page, namespace, session.displays, show_value=step.show_value, echo=step.echo
                )
        except SystemExit as exc:
            outcome, detail = Outcome.DIED, f"sys.exit({exc.code!r}) was called"
        except BaseException as exc:  # noqa: BLE001  (any failure of user code is reported)
            failure = exc
        try:
            if step.ipython:  # as the inline backend displays a figure it has no picture of
                for empty in figures.empty_figures():
                    session.displays.add(empty)
            drawn = figures.collect_figures(f"{page}:{step.first_line}")
        except Exception as exc:  # noqa: BLE001  (a figure that cannot be drawn, say text.usetex without LaTeX)
            figures.close_all()
            failure = failure or exc  # the block's error, as Jupyter shows it drawing the figure
        if failure is not None:
            exc_type = f"{type(failure).__module__}.{type(failure).__qualname__}".removeprefix("builtins.")
            trace, error_line = _format_exception(failure, page)
            if isinstance(failure, ShellExitError):  # no Python frame to show: the status says it
                trace, error_line = f"{failure}\n", step.first_line
            # When the capture file is full (the size limit) the traceback is kept anyway.
            with contextlib.suppress(OSError):
                print(trace, end="", file=sys.stderr)
            if not (step.raises and _matches(failure, step.raises)):
                outcome = Outcome.RAISED
    if step.ipython:
        count = session.cells().last_count
    streams = session.capture.streams()
    return StepResult(
        step.key,
        outcome,
        joined(streams),
        drawn,
        exc_type,
        error_line,
        trace,
        value,
        value_repr,
        time.perf_counter() - started,
        detail,
        session.imports.take(),
        session.displays.take(),
        streams=streams,
        execution_count=count,
    )


def _explain_limit(result: StepResult, limits: Limits) -> StepResult:
    """A block that ran into a limit says which, in words."""
    if result.outcome is not Outcome.RAISED or not result.exc_type:
        return result
    if "MemoryError" in result.exc_type and limits.memory_bytes:
        detail = f"out of memory (limit {limits.memory_bytes / 2**30:.1f} GB)"
    elif "File too large" in result.traceback and limits.file_bytes:
        detail = f"wrote more than the {limits.file_bytes / 2**20:g} MB a file may have (its output was cut)"
    else:
        return result
    return msgspec.structs.replace(result, detail=detail)


def run_session(request: SessionRequest, conn: Channel) -> None:
    """Process entry point: run every step, sending one ``StepResult`` per step.

    Once its process is ready (cgroups joined, sandbox in place) the session says so and
    waits for the build's word to run: the build starts as many sessions at a time as it
    has workers, and readies the next while they run."""
    spec, limits = request.spec, request.limits
    session = _Session(request)
    conn.send(True)
    conn.recv(bool)
    for index, step in enumerate(spec.steps):
        result = _explain_limit(_run_step(step, index, session), limits)
        if session.watch is not None:
            result = msgspec.structs.replace(result, reads=session.watch.take())
        conn.send(result)
        if result.outcome is Outcome.DIED:
            break
        if result.outcome is Outcome.RAISED and not spec.keep_going:
            # Later steps would only fail on names the broken step never defined.
            cause = step.written_at or f"{spec.page}:{result.error_line or step.first_line}"
            for later in spec.steps[index + 1 :]:
                conn.send(StepResult(later.key, Outcome.NOT_RUN, detail=cause))
            break
    conn.send(None)
    conn.close()
