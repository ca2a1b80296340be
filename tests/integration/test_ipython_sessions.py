"""Sessions whose blocks run with IPython's semantics, in real worker processes (sandboxed)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from wmbook.execute.runner import WorkerServer, run_in_process
from wmbook.execute.sandbox import Limits
from wmbook.model import Outcome, SessionResult, SessionSpec, Step, StepKey, StepKind, Stream

PAGE = "docs/page.md"


@pytest.fixture(scope="module")
def server() -> Iterator[WorkerServer]:
    workers = WorkerServer()
    try:
        yield workers
    finally:
        workers.stop()


def run(server: WorkerServer, *blocks: str | tuple[str, bool], limits: Limits | None = None) -> SessionResult:
    """Run blocks as one session of a Markdown page (IPython's semantics unless a block
    is given as ``(source, False)``), each in its own fence."""
    lines = ["# A page", ""]
    steps = []
    for index, block in enumerate(blocks):
        source, ipython = block if isinstance(block, tuple) else (block, True)
        lines.append("```python")
        steps.append(Step(StepKey(StepKind.CODE, index), source, len(lines) + 1, 60, None, ipython))
        lines += [*source.split("\n"), "```", ""]
    return run_in_process(server, SessionSpec(PAGE, "main", tuple(steps), tuple(lines)), limits or Limits())


def test_magics_shell_and_await_run(server: WorkerServer) -> None:
    result = run(
        server,
        "%matplotlib inline\n%time total = sum(range(10))\ntotal",
        "!echo one; echo two >&2\nprint(_exit_code)",
        "names = !printf 'a\\nb\\n'\nnames",
        "import asyncio\nawait asyncio.sleep(0)\n'awaited'",
    )
    magic, shell, captured, awaited = result.results
    assert all(r.outcome is Outcome.OK for r in result.results), result.results
    assert magic.output.startswith("CPU times: ") and "Wall time: " in magic.output
    assert [d.get("text/plain") for d in magic.displays] == ["45"] and magic.displays[0].result
    # On a terminal, as Jupyter runs it: the command's stderr too, with the terminal's line ends.
    assert shell.output == "one\r\ntwo\r\n0\n"
    assert captured.displays[0].get("text/plain") == "['a', 'b']"
    assert awaited.displays[0].get("text/plain") == "'awaited'"
    assert [r.execution_count for r in result.results] == [1, 2, 3, 4]


def test_semicolon_hides_the_value_and_history_names_work(server: WorkerServer) -> None:
    result = run(server, "6 * 7", "[1, 2, 3];", "_ + 1", "Out[1] + _1 + __")
    answer, hidden, plus, history = result.results
    assert answer.displays[0].get("text/plain") == "42"
    assert hidden.displays == ()
    assert plus.displays[0].get("text/plain") == "43"
    assert history.displays[0].get("text/plain") == str(42 + 42 + 42)


def test_stdout_and_stderr_stay_apart_in_the_order_written(server: WorkerServer) -> None:
    source = (
        "import os, sys, warnings\n"
        "print('first')\n"
        "warnings.warn('careful')\n"
        "os.write(1, b'from C\\n')\n"
        "display('shown')\n"
        "print('err', file=sys.stderr)\n"
        "print('last')"
    )
    (step,) = run(server, source).results
    line = 6  # the warning's line in the page: after the heading, a blank line, the fence, two lines
    assert step.streams == (
        Stream("stdout", "first\n"),
        Stream("stderr", f"{PAGE}:{line}: UserWarning: careful\n  warnings.warn('careful')\n"),
        Stream("stdout", "from C\n"),
        Stream("stderr", "err\n", 1),
        Stream("stdout", "last\n", 1),
    )
    assert step.output == "".join(s.text for s in step.streams)


def test_plain_blocks_share_the_session_and_keep_plain_python(server: WorkerServer) -> None:
    result = run(server, ("x = 2", False), "y = x * 3\ny", ("print(x, y)\n%who", False))
    first, second, third = result.results
    assert first.outcome is Outcome.OK and second.displays[0].get("text/plain") == "6"
    assert third.outcome is Outcome.RAISED and third.exc_type == "SyntaxError"
    assert third.error_line == 14  # the %who line, in the page


def test_errors_point_at_the_page_line(server: WorkerServer) -> None:
    result = run(server, "\n%matplotlib inline\nx = 1\nx / 0")
    (step,) = result.results
    assert step.exc_type == "ZeroDivisionError"
    assert step.error_line == 7  # fence on line 3; the cell's blank first line counts
    assert f'File "{PAGE}", line 7' in step.traceback and "x / 0" in step.traceback


def test_syntax_errors_point_at_the_page_line(server: WorkerServer) -> None:
    (step,) = run(server, "%time x = 1\n  y = (").results
    assert step.exc_type == "IndentationError" and step.error_line == 5
    assert "  y = (" in step.traceback


def test_a_cell_magics_body_keeps_its_lines(server: WorkerServer) -> None:
    result = run(server, "%%capture out\nprint('inside')\n1 / 0", "print(out.stdout)")
    assert result.results[0].outcome is Outcome.OK  # %%capture keeps the body's error, as Jupyter
    assert f"File {PAGE}:6" in result.results[1].output  # the body's 1 / 0, on the page


@pytest.mark.parametrize(
    ("source", "needle"),
    [
        ("x = 1\n%debug", "%debug opens an interactive debugger"),
        ("%%debug\nx = 1", "%debug opens an interactive debugger"),
        ("x = 1\n%pdb on", "%pdb turns on the interactive debugger"),
        ("x = 1\n%edit x.py", "%edit opens an editor"),
        ("x = 1\n%qtconsole", "%qtconsole opens a Qt console window"),
        ("x = 1\n%load other.py", "%load puts code into the notebook's editor"),
    ],
)
def test_magics_a_build_cannot_run_are_errors_at_their_line(
    server: WorkerServer, source: str, needle: str
) -> None:
    (step,) = run(server, source).results
    assert step.outcome is Outcome.RAISED
    assert step.exc_type == "wmbook.execute.ipython.NotInABuild"
    assert step.error_line == (4 if source.startswith("%%") else 5)
    assert needle in step.traceback and "skip-execution" in step.traceback
    assert "site-packages" not in step.traceback  # the page's line, not IPython's machinery


def test_input_is_an_error_that_says_why(server: WorkerServer) -> None:
    (step,) = run(server, "name = input('Your name? ')").results
    assert step.exc_type == "IPython.core.error.StdinNotImplementedError"
    assert "waits for a reader to type" in step.traceback and step.error_line == 4


def test_harmless_magics_do_nothing(server: WorkerServer) -> None:
    result = run(
        server, "%pdb off\n%matplotlib widget\n%autosave 0\n%config InlineBackend.figure_format = 'svg'"
    )
    assert result.results[0].outcome is Outcome.OK and result.results[0].output == ""


def test_display_updates_and_clear_output(server: WorkerServer) -> None:
    source = (
        "from IPython.display import clear_output, display\n"
        "handle = display('old', display_id=True)\n"
        "handle.update('new')\n"
        "display('kept')"
    )
    cleared = (
        "from IPython.display import clear_output, display\n"
        "print('gone')\ndisplay('gone')\nclear_output()\nprint('kept')\ndisplay('stays')"
    )
    updated, after_clear = run(server, source, cleared).results
    assert [d.get("text/plain") for d in updated.displays] == ["'new'", "'kept'"]
    assert [d.get("text/plain") for d in after_clear.displays] == ["'stays'"]
    assert after_clear.streams == (Stream("stdout", "kept\n"),)


def test_output_limit_holds_for_both_streams(server: WorkerServer) -> None:
    source = "import sys\nsys.stderr.write('e' * 3_000_000)\nprint('o' * 3_000_000)"
    (step,) = run(server, source, limits=Limits(file_bytes=1 << 20)).results
    assert step.outcome is Outcome.RAISED and "File too large" in step.traceback
    assert len(step.output) < 400_000


@pytest.mark.parametrize("ipython", [True, False])
def test_a_figure_that_cannot_be_drawn_fails_its_block_not_the_session(
    server: WorkerServer, ipython: bool
) -> None:
    source = (
        "import matplotlib.pyplot as plt\n"
        "from matplotlib.artist import Artist\n"
        "class Broken(Artist):\n"
        "    def draw(self, renderer):\n"
        "        raise ValueError('cannot draw this')\n"
        "fig, ax = plt.subplots()\n"
        "ax.add_artist(Broken())"
    )
    broken, after = run(server, (source, ipython), ("print('after')", ipython)).results
    assert broken.outcome is Outcome.RAISED and broken.exc_type == "ValueError"
    assert "cannot draw this" in broken.traceback and broken.figures == ()
    assert after.outcome is Outcome.NOT_RUN  # the session goes on no further, as after any error
