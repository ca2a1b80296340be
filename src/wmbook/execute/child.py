"""The worker side of a session: run its steps in order and report each result.

This module is imported by the pre-started worker server, so numpy and matplotlib
are already loaded when a session's process is forked from it.  Everything a session
changes (globals, working directory, RNG state, figures) dies with its process.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import dataclasses
import faulthandler
import linecache
import math
import os
import random
import sys
import tempfile
import time
import traceback
from multiprocessing.connection import Connection
from typing import Any

import numpy as np
import numpy.random  # loaded once in the worker server, not in every session

from wmbook.execute import figures
from wmbook.execute.display import Displays, shown_value
from wmbook.execute.protocol import ENVIRONMENT, capture_path, read_capture
from wmbook.execute.sandbox import Limits, apply_limits
from wmbook.execute.workdir import FolderWatch, prepare_workdir
from wmbook.model import Outcome, SessionSpec, Step, StepKind, StepResult

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _drop_buffer(stream: Any) -> None:
    """Forget what a stream could not write (its file reached the size limit)."""
    buffer = getattr(stream, "buffer", None)
    raw = getattr(buffer, "raw", None)
    if buffer is not None and raw is not None:
        with contextlib.suppress(OSError, ValueError, TypeError):
            stream.__init__(buffer.__class__(raw), encoding=stream.encoding, errors=stream.errors)


class _CapturedFds:
    """Send file descriptors 1 and 2 to one file while a step runs.

    Capturing at the descriptor level also catches output of C extensions and of
    child processes, which a ``sys.stdout`` swap would miss.  A crash's Python
    traceback (faulthandler) lands in the same file.
    """

    def __init__(self, path: str) -> None:
        self.path = path

    def __enter__(self) -> _CapturedFds:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except OSError:
                _drop_buffer(stream)
        self._file = open(self.path, "w+b")
        self._saved = (os.dup(1), os.dup(2))
        os.dup2(self._file.fileno(), 1)
        os.dup2(self._file.fileno(), 2)
        faulthandler.enable(self._file)
        return self

    def __exit__(self, *exc: object) -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except OSError:  # the capture file is at its size limit: what is in it stays
                _drop_buffer(stream)
        faulthandler.disable()
        os.dup2(self._saved[0], 1)
        os.dup2(self._saved[1], 2)
        os.close(self._saved[0])
        os.close(self._saved[1])
        self._file.close()


class _ImportLog:
    """Top-level modules a session imports, for the cache to know what its result depends
    on.  numpy and matplotlib are preloaded in the worker server, so a look at
    ``sys.modules`` would miss them: every ``import`` statement is seen instead (C code
    imports through the same function), plus whatever new appears in ``sys.modules``."""

    _IGNORED = (
        frozenset(sys.stdlib_module_names) | frozenset(sys.builtin_module_names) | {"wmbook", "__main__"}
    )

    def __init__(self, displays: Displays) -> None:
        self.names: set[str] = set()
        self._displays = displays
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
        return module

    def take(self) -> tuple[str, ...]:
        """Modules imported since the last call (outside the standard library)."""
        new = set(sys.modules) - self._known
        self._known |= new
        found = (self.names | {m.partition(".")[0] for m in new}) - self._IGNORED
        self.names = set()
        return tuple(sorted(n for n in found if n and not n.startswith("_")))


def _prepare_process(
    spec: SessionSpec, session_dir: str, displays: Displays, limits: Limits
) -> tuple[dict[str, Any], FolderWatch | None]:
    os.environ.update(ENVIRONMENT)
    temp = os.path.join(session_dir, "tmp")
    os.mkdir(temp)
    os.environ["TMPDIR"] = temp
    tempfile.tempdir = None  # re-read TMPDIR
    work, watch = prepare_workdir(spec, session_dir)  # the page's folder, as in Jupyter
    os.chdir(work)
    if watch is not None:
        watch.install()
    apply_limits(limits, session_dir)  # from here on, the block's code cannot write elsewhere
    random.seed(0)
    np.random.seed(0)
    figures.apply_style()
    # Tracebacks quote the Markdown lines, so the page's text stands in for the "file".
    lines = [line + "\n" for line in spec.source_lines]
    linecache.cache[spec.page] = (sum(map(len, lines)), None, lines, spec.page)
    sys.argv = [spec.page]
    namespace = {
        "__name__": "__main__",
        "__builtins__": builtins,
        "plot_xy": figures.plot_xy,
        "display": displays.display,
    }
    return namespace, watch


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


def _run_code(padded: str, page: str, namespace: dict[str, Any], displays: Displays) -> None:
    """Run a block; the value of a last bare expression is shown, as in Jupyter."""
    tree = ast.parse(padded, page, "exec")
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    if last is not None:
        tree.body.pop()
    exec(compile(tree, page, "exec", dont_inherit=True), namespace)
    if last is not None:
        value = eval(compile(ast.Expression(last.value), page, "eval", dont_inherit=True), namespace)
        if shown_value(value):
            displays.display(value)


def _run_step(
    step: Step, page: str, namespace: dict[str, Any], capture: str, imports: _ImportLog, displays: Displays
) -> StepResult:
    started = time.perf_counter()
    padded = "\n" * (step.first_line - 1) + step.source  # so compile() reports Markdown lines
    mode = "eval" if step.kind is StepKind.CHECK else "exec"
    value: object = None
    value_repr = ""
    outcome, exc_type, error_line, trace, detail = Outcome.OK, None, None, "", ""
    with _CapturedFds(capture):
        try:
            if step.kind is StepKind.CHECK:
                code = compile(padded, page, mode, dont_inherit=True)
                value, value_repr = _json_value(eval(code, namespace))
            else:
                _run_code(padded, page, namespace, displays)
        except SystemExit as exc:
            outcome, detail = Outcome.DIED, f"sys.exit({exc.code!r}) was called"
        except BaseException as exc:  # noqa: BLE001  (any failure of user code is reported)
            exc_type = f"{type(exc).__module__}.{type(exc).__qualname__}".removeprefix("builtins.")
            trace, error_line = _format_exception(exc, page)
            try:
                print(trace, end="", file=sys.stderr)
            except OSError:  # the capture file is full (the size limit): the traceback is kept anyway
                _drop_buffer(sys.stderr)
            if not (step.raises and _matches(exc, step.raises)):
                outcome = Outcome.RAISED
    output = read_capture(capture)
    drawn = figures.collect_figures(f"{page}:{step.first_line}", f"Figure from {page}:{step.first_line}")
    return StepResult(
        step.key,
        outcome,
        output,
        drawn,
        exc_type,
        error_line,
        trace,
        value,
        value_repr,
        time.perf_counter() - started,
        detail,
        imports.take(),
        displays.take(),
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
    return dataclasses.replace(result, detail=detail)


def run_session(spec: SessionSpec, conn: Connection, session_dir: str, limits: Limits | None = None) -> None:
    """Process entry point: run every step, sending one ``StepResult`` per step."""
    displays = Displays()
    limits = limits or Limits()
    namespace, watch = _prepare_process(spec, session_dir, displays, limits)
    imports = _ImportLog(displays)
    for index, step in enumerate(spec.steps):
        result = _run_step(step, spec.page, namespace, capture_path(session_dir, index), imports, displays)
        result = _explain_limit(result, limits)
        if watch is not None:
            result = dataclasses.replace(result, reads=watch.take())
        conn.send(result)
        if result.outcome is Outcome.DIED:
            break
        if result.outcome is Outcome.RAISED and not spec.keep_going:
            # Later steps would only fail on names the broken step never defined.
            cause = f"{spec.page}:{result.error_line or step.first_line}"
            for later in spec.steps[index + 1 :]:
                conn.send(StepResult(later.key, Outcome.NOT_RUN, detail=cause))
            break
    conn.send(None)
    conn.close()
