"""Long-running steps are reported while they run: a status line on a terminal, log lines elsewhere."""

from __future__ import annotations

import io
import logging
import threading
import time

import pytest

from waits import Written, until
from wmbook.execute.executors import ActivityBoard, Running
from wmbook.progress import ProgressReporter, status_line

NOW = 1000.0
CLEAR = "\r\x1b[K"


@pytest.mark.parametrize(
    ("running", "line"),
    [
        pytest.param([], "", id="nothing-runs"),
        pytest.param([Running("docs/x.md", 40, NOW - 1)], "", id="not-long-yet"),
        pytest.param(
            [Running("docs/x.md", 40, NOW - 3)], "running docs/x.md:40 … 3 s", id="just-long-enough"
        ),
        pytest.param([Running("docs/x.md", 40, NOW - 12.4)], "running docs/x.md:40 … 12 s", id="one"),
        pytest.param(
            [
                Running("docs/x.md", 40, NOW - 30),
                Running("docs/y.md", 7, NOW - 5),
                Running("docs/z.md", 1, NOW - 1),
            ],
            "running docs/x.md:40 … 30 s (+1 more)",
            id="two-slow-one-fast",
        ),
        pytest.param(
            [
                Running("docs/a.md", 2, NOW - 9),
                Running("docs/b.md", 3, NOW - 8),
                Running("docs/c.md", 4, NOW - 7),
            ],
            "running docs/a.md:2 … 9 s (+2 more)",
            id="three-slow",
        ),
    ],
)
def test_status_line(running: list[Running], line: str) -> None:
    assert status_line(running, NOW, after=3) == line


def test_activity_board_lists_the_longest_running_first() -> None:
    board = ActivityBoard()
    board.set(1, Running("docs/b.md", 1, 20.0))
    board.set(2, Running("docs/a.md", 5, 10.0))
    board.set(3, Running("docs/c.md", 9, 30.0))
    board.set(3, None)
    board.set(4, None)
    assert board.snapshot() == [Running("docs/a.md", 5, 10.0), Running("docs/b.md", 1, 20.0)]


class FakeStream(io.StringIO):
    """A stream that is, or is not, a terminal, and keeps each write."""

    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty
        self.written = Written()
        self.writes = self.written.items

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> int:
        self.written.add(text)
        return super().write(text)


def _reporters() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name == "wmbook-progress"]


@pytest.mark.parametrize(
    ("stream", "live"),
    [(FakeStream(tty=True), True), (FakeStream(tty=False), False), (io.StringIO(), False), (object(), False)],
)
def test_live_only_on_a_terminal(stream: object, live: bool) -> None:
    reporter = ProgressReporter(logging.getLogger("test"), 3, stream=stream)  # type: ignore[arg-type]
    assert reporter.live is live


def test_on_a_terminal_one_line_is_rewritten_and_cleared() -> None:
    board = ActivityBoard()
    board.set(1, Running("docs/x.md", 40, time.monotonic() - 100))
    stream = FakeStream(tty=True)
    reporter = ProgressReporter(logging.getLogger("test"), 1, board=board, stream=stream)
    reporter.start()
    try:
        assert stream.written.wait_for(lambda writes: any("running docs/x.md:40 …" in w for w in writes))
    finally:
        reporter.stop()
    shown = [w for w in stream.writes if w != CLEAR]
    assert shown and all(w.startswith(CLEAR + "running docs/x.md:40 … ") and w.endswith(" s") for w in shown)
    assert stream.writes[-1] == CLEAR
    assert _reporters() == []


def test_on_a_terminal_a_finished_step_clears_the_line() -> None:
    board = ActivityBoard()
    board.set(1, Running("docs/x.md", 40, time.monotonic() - 100))
    stream = FakeStream(tty=True)
    reporter = ProgressReporter(logging.getLogger("test"), 1, board=board, stream=stream)
    reporter.start()
    try:
        assert stream.written.wait_for(lambda writes: len(writes) >= 1)
        board.set(1, None)
        assert stream.written.wait_for(lambda writes: writes[-1] == CLEAR)
        count = len(stream.writes)
    finally:
        reporter.stop()
    assert len(stream.writes) == count  # nothing shown, so nothing to clear again


def test_elsewhere_lines_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    board = ActivityBoard()
    board.set(1, Running("docs/x.md", 40, time.monotonic() - 100))
    stream = FakeStream(tty=False)
    log = logging.getLogger("wmbook.test-progress")
    reporter = ProgressReporter(log, 1, board=board, stream=stream, interval=0)
    with caplog.at_level(logging.INFO, logger="wmbook.test-progress"):
        reporter.start()
        try:
            assert until(lambda: caplog.records)
        finally:
            reporter.stop()
    assert caplog.records[0].getMessage().startswith("running docs/x.md:40 … ")
    assert stream.writes == []


def test_zero_seconds_turns_reporting_off() -> None:
    stream = FakeStream(tty=True)
    reporter = ProgressReporter(logging.getLogger("test"), 0, stream=stream)
    reporter.start()
    assert _reporters() == []
    reporter.stop()
    assert stream.writes == []
