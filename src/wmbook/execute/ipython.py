"""Blocks run with IPython's semantics, as a Jupyter kernel (ipykernel) runs a cell.

An ``InteractiveShell`` (not a kernel) lives in the session's process and shares the
session's namespace.  Each cell goes through the shell's own ``run_cell``: IPython's
input transformations (``%magic``, ``%%cell magic``, ``!cmd``, ``x = !cmd``, ``obj?``),
top-level ``await``, a trailing ``;`` hiding the value, ``_``, ``__``, ``_N``, ``In``
and ``Out``.  What differs from a kernel is what a build needs:

* the value of the last expression and ``display()`` become the step's rich outputs
  (``Displays``); what a kernel sends to the pager (help text of ``obj?``, ``%prun``'s
  table) an output of its own (``PAGER_MIME``), which the page marks as the pager's and the
  downloaded notebook leaves out, as Jupyter does not store it;
* cells are compiled with the page's path and lines, so tracebacks quote the page;
* magics that need a person at a keyboard or a window (``%debug``, ``%edit`` …) and
  ``input()`` are errors at the cell that say so; ``%matplotlib`` (inline, or a window's
  backend, which a build cannot open) selects the book's own inline drawing again;
* ``!cmd`` runs on the session's pseudo-terminal (``terminal``).
"""

from __future__ import annotations

import ast
import base64
import contextlib
import getpass
import importlib
import json
import linecache
import os
import subprocess
import sys
from typing import Any

from IPython.core.compilerop import CachingCompiler
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.error import StdinNotImplementedError, UsageError
from IPython.core.interactiveshell import ExecutionResult, InteractiveShell
from IPython.core.page import as_hook
from IPython.display import display as ipython_display
from traitlets import Type
from traitlets.config import Config

from wmbook.execute import figures
from wmbook.execute.display import BOKEH_MIME, PAGER_MIME, Displays
from wmbook.execute.terminal import Terminal, run_piped
from wmbook.model import Display, Step

# Magics that wait for a person or open a window: what each does, for the error message.
REFUSED = {
    "debug": "opens an interactive debugger",
    "pdb": "turns on the interactive debugger",
    "edit": "opens an editor",
    "ed": "opens an editor",
    "qtconsole": "opens a Qt console window",
    "gui": "starts a window toolkit's event loop",
    "load": "puts code into the notebook's editor",
    "paste": "reads the clipboard",
    "cpaste": "waits for code to be pasted",
}
_HOW = 'remove it, or keep the cell from running (the tag skip-execution, or exec="off" in Markdown)'
# Magics about the notebook editor, not the code: accepted and ignored.
IGNORED = ("autosave",)


class NotInABuild(Exception):
    """A magic or call that needs a person at a keyboard, which a build does not have."""


def refusal(name: str) -> str:
    """Why ``%name`` cannot run in a build, and what to do instead."""
    return f"%{name} {REFUSED[name]}, which a build cannot do; {_HOW}"


def _no_input(prompt: object = "", *args: object, **kwargs: object) -> str:
    raise StdinNotImplementedError(
        "input() waits for a reader to type, which a build cannot do; set the value in the code instead"
    )


def as_display(data: dict[str, Any], *, result: bool = False) -> Display:
    """A Jupyter MIME bundle as a ``Display``: images as base64, JSON as text, ``text/plain``
    last (as ``mime_bundle`` orders them)."""
    items: list[tuple[str, str]] = []
    for mime, value in data.items():
        if isinstance(value, bytes):
            items.append((mime, base64.b64encode(value).decode("ascii")))
        elif isinstance(value, str):
            items.append((mime, value))
        elif isinstance(value, dict | list):
            items.append((mime, json.dumps(value)))
    items.sort(key=lambda item: item[0] == "text/plain")
    return Display(tuple(items), result)


class _ResultHook(DisplayHook):
    """The value of a cell's last expression becomes a rich output (Jupyter's ``Out[n]``)."""

    displays: Displays | None = None

    def write_output_prompt(self) -> None:
        """No ``Out[n]:`` text: the page shows the value itself."""

    def write_format_data(self, format_dict: dict[str, Any], md_dict: Any = None) -> None:
        """Keep the value's representations."""
        if self.displays is not None:
            self.displays.add(as_display(format_dict, result=True))

    def finish_displayhook(self) -> None:
        """Nothing to print after the value."""
        self._is_active = False


class _Publisher(DisplayPublisher):
    """``display()``, ``display_id`` updates and ``clear_output`` on the step's rich outputs."""

    displays: Displays | None = None
    _by_id: dict[str, int]

    def publish(  # IPython's signature, with its keyword-only extras
        self,
        data: dict[str, Any],
        metadata: Any = None,
        *args: Any,
        transient: dict[str, Any] | None = None,
        update: bool = False,
        **kwargs: Any,
    ) -> None:
        """Show a bundle; an update replaces the output shown with the same display id."""
        if self.displays is None:
            return
        shown = as_display(data)
        display_id = (transient or {}).get("display_id")
        by_id = self.__dict__.setdefault("_by_id", {})
        if update and display_id in by_id and by_id[display_id] < len(self.displays.shown):
            self.displays.shown[by_id[display_id]] = self.displays.bounded(shown)
            return
        self.displays.add(shown)
        if display_id is not None:
            by_id[display_id] = len(self.displays.shown) - 1

    def clear_output(self, wait: bool = False) -> None:
        """Drop what the cell has shown and printed so far."""
        self.__dict__["_by_id"] = {}
        if self.displays is not None:
            self.displays.clear()


class _PageCompiler(CachingCompiler):
    """Compiles cells under the page's path; tracebacks then quote the page's lines
    (they are in ``linecache`` already, as the whole page)."""

    page = "<cell>"

    def cache(self, transformed_code: str, number: int = 0, raw_code: str | None = None) -> str:
        """The file name a cell is compiled under: the page's."""
        return self.page


class _ShiftLines(ast.NodeTransformer):
    """Move a cell's line numbers to where the cell stands in the page."""

    offset = 0

    def visit(self, node: ast.AST) -> ast.AST:
        """Every node of the cell, shifted."""
        return ast.increment_lineno(node, self.offset)


class BuildShell(InteractiveShell):
    """IPython's shell as a build runs it: outputs to the step, errors to the caller."""

    displayhook_class = Type(_ResultHook)
    display_pub_class = Type(_Publisher)
    compiler_class = Type(_PageCompiler)
    terminal: Terminal | None = None
    shift: _ShiftLines
    depth = 0

    def run_cell(self, raw_cell: str, *args: Any, **kwargs: Any) -> ExecutionResult:
        """Run a cell; a cell run by a cell magic (``%%capture``) starts a line lower."""
        nested = self.depth > 0
        saved = self.shift.offset
        self.depth += 1
        if nested:
            self.shift.offset += 1
        try:
            result: ExecutionResult = super().run_cell(raw_cell, *args, **kwargs)  # type: ignore[no-untyped-call]
            return result
        finally:
            self.depth -= 1
            self.shift.offset = saved

    def showtraceback(self, *args: Any, **kwargs: Any) -> None:
        """The cell's own error is raised to the caller, which words it; an error of a cell a
        magic ran is printed, as IPython does."""
        if self.depth > 1:
            super().showtraceback(*args, **kwargs)

    def showsyntaxerror(self, *args: Any, **kwargs: Any) -> None:
        """As ``showtraceback``."""
        if self.depth > 1:
            super().showsyntaxerror(*args, **kwargs)  # type: ignore[no-untyped-call]

    def system_piped(self, cmd: str) -> None:
        """``!cmd``: run it on the session's terminal; ``_exit_code`` holds its status."""
        if cmd.rstrip().endswith("&"):
            raise OSError("Background processes not supported.")
        command = self.var_expand(cmd, depth=1)  # type: ignore[no-untyped-call]
        code = self.terminal.run(command) if self.terminal is not None else run_piped(command)
        self.user_ns["_exit_code"] = code
        if self.system_raise_on_error and code != 0:
            raise subprocess.CalledProcessError(code, cmd)

    system = system_piped


class _Pager:
    """IPython's pager: the text becomes a pager output of the step."""

    def __init__(self, displays: Displays) -> None:
        self.displays = displays

    def __call__(self, data: str | dict[str, Any], start: int = 0, screen_lines: int = 0, **_: Any) -> None:
        """Show ``data`` (a string or a MIME bundle) from its line ``start`` on."""
        text = data.get("text/plain", "") if isinstance(data, dict) else data
        lines = str(text).split("\n")[start:]
        self.displays.add(Display(((PAGER_MIME, "\n".join(lines)),)))


def _refuser(name: str) -> Any:
    def magic(line: str = "", cell: str | None = None) -> None:
        if name == "pdb" and line.strip().lower() in ("off", "0", "false"):
            return  # turning the debugger off is what a build does anyway
        raise NotInABuild(refusal(name))

    return magic


def _ignored(line: str = "", cell: str | None = None) -> None:
    return None


def _matplotlib(line: str = "", cell: str | None = None) -> None:
    """``%matplotlib [inline|qt|…]``: figures are drawn inline after each cell, as Jupyter's
    inline backend draws them (a window's backend has no window in a build)."""
    figures.use_inline_backend()


def _pylab(line: str = "") -> None:
    from IPython.core.pylabtools import import_pylab

    shell = InteractiveShell.instance()
    import_pylab(shell.user_ns, import_all="--no-import-all" not in line)  # type: ignore[no-untyped-call]


class IPythonCells:
    """The session's shell: created at its first IPython block, on the session's namespace."""

    def __init__(
        self, namespace: dict[str, Any], displays: Displays, page: str, home: str, terminal: Terminal | None
    ) -> None:
        os.environ["IPYTHONDIR"] = home  # the profile folder, inside the session's own folder
        os.environ.setdefault("PAGER", "cat")  # as ipykernel: no pager can be driven from a cell
        os.environ.setdefault("GIT_PAGER", "cat")
        config = Config()
        config.HistoryManager.enabled = False  # no SQLite file; In, Out and _N still work
        config.InteractiveShell.colors = "nocolor"
        shell = BuildShell.instance(config=config, user_ns=namespace)
        shell.display_pub.displays = displays  # type: ignore[attr-defined]
        shell.displayhook.displays = displays  # type: ignore[attr-defined]
        shell.compile.page = page  # type: ignore[attr-defined]
        shell.shift = _ShiftLines()
        shell.ast_transformers.append(shell.shift)
        shell.terminal = terminal
        shell.set_hook("show_in_pager", as_hook(_Pager(displays)), 90)  # type: ignore[no-untyped-call]
        register: Any = shell.register_magic_function  # typed for methods, not plain functions
        for name in REFUSED:
            register(_refuser(name), "line_cell", name)
        for name in IGNORED:
            register(_ignored, "line_cell", name)
        register(_pylab, "line", "pylab")
        register(_matplotlib, "line_cell", "matplotlib")
        if shell.extension_manager is not None:
            shell.extension_manager.load_extension("storemagic")  # %store, as IPython's apps load it
        shell.builtin_trap.auto_builtins["input"] = _no_input
        getpass.getpass = _no_input
        assert shell.display_formatter is not None
        formatter = shell.display_formatter.mimebundle_formatter
        formatter.for_type_by_name("bokeh.model.model", "Model", _bokeh_bundle)
        namespace["display"] = ipython_display
        self.last_count: int | None = None
        # wmbook's own names are not the author's variables (``%who`` leaves them out).
        shell.user_ns_hidden.update(
            {name: namespace[name] for name in ("display", "plot_xy") if name in namespace}
        )
        self.shell = shell

    def run(self, step: Step) -> None:
        """Run one block as a cell; raise what it raised.  Its ``In [n]`` number is then
        ``last_count``."""
        lines = step.source.split("\n")
        blank = next((n for n, line in enumerate(lines) if line.strip()), len(lines))
        self.shell.shift.offset = step.first_line - 1 + blank
        result = self.shell.run_cell("\n".join(lines[blank:]), store_history=True)
        self.last_count = result.execution_count
        error = result.error_before_exec
        if isinstance(error, SyntaxError) and error.lineno is not None:
            # Raised while parsing, before the cell's lines were moved to the page's.
            error.lineno += self.shell.shift.offset
            if error.end_lineno is not None:
                error.end_lineno += self.shell.shift.offset
            error.text = linecache.getline(str(error.filename), error.lineno) or error.text
        error = error or result.error_in_exec
        if error is None:
            return
        if isinstance(error, NotInABuild | UsageError | StdinNotImplementedError):
            # A message to the author about the cell's line, not about IPython's machinery.
            _end_at_page(error, self.shell.compile.page)  # type: ignore[attr-defined]
        raise error


def _end_at_page(error: BaseException, page: str) -> None:
    """Cut the traceback after the last frame of the page."""
    tb = error.__traceback__
    last = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == page:
            last = tb
        tb = tb.tb_next
    if last is not None:
        last.tb_next = None


def show_page_source(page: str) -> None:
    """Let line_profiler (``%lprun``) quote the lines of the page's cells.

    It quotes a function's lines only from a file that exists or from a name it knows to be
    a cell's (``<ipython-input-…>``, a kernel's temporary file), whose text ``linecache``
    holds; the page's path is the name a session compiles its cells under, and its text is
    in ``linecache`` as a kernel's cells are."""
    module = sys.modules.get("line_profiler.line_profiler")
    known = getattr(module, "is_generated_code", None)
    if module is None or known is None or getattr(known, "wmbook_page", None) == page:
        return

    def is_generated_code(filename: str) -> bool:
        return filename == page or bool(known(filename))

    is_generated_code.wmbook_page = page  # type: ignore[attr-defined]  # marks the wrapper as ours
    module.is_generated_code = is_generated_code  # type: ignore[attr-defined]


# What a shell imports when it is created and at its first magic: imported by the worker
# server once (``preload``) rather than by every session that creates a shell.
_LAZY_IMPORTS = (
    "IPython.core.application",
    "IPython.core.completer",
    "IPython.core.completerlib",
    "IPython.core.magics",
    "IPython.core.magics.execution",
    "IPython.core.magic_arguments",
    "IPython.core.oinspect",
    "IPython.core.logger",
    "IPython.core.pylabtools",
    "IPython.utils.timing",
    "bdb",
)


def preload() -> None:
    """Import what creating a shell would (in the worker server, before sessions fork)."""
    for name in _LAZY_IMPORTS:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


def _bokeh_bundle(obj: Any, include: Any = None, exclude: Any = None) -> dict[str, str] | None:
    """A Bokeh layout as wmbook embeds it (with BokehJS from the site)."""
    from bokeh.embed import json_item
    from bokeh.models import LayoutDOM

    if not isinstance(obj, LayoutDOM):
        return None
    return {BOKEH_MIME: json.dumps(json_item(obj))}
