"""Sessions that run long are reported while they run.

On a terminal one status line is rewritten in place (``running docs/x.md:40 … 12 s``);
elsewhere (CI logs) a plain line is logged every ``interval`` seconds.  Only steps
running longer than ``after`` seconds are mentioned, so a fast build says nothing.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import TextIO

from wmbook.execute.executors import ACTIVITY, ActivityBoard, Running


def status_line(running: list[Running], now: float, after: float) -> str:
    """``running docs/x.md:40 … 12 s (+2 more)``, or '' when nothing runs that long."""
    slow = [r for r in running if now - r.since >= after]
    if not slow:
        return ""
    first = slow[0]
    more = f" (+{len(slow) - 1} more)" if len(slow) > 1 else ""
    return f"running {first.page}:{first.line} … {now - first.since:.0f} s{more}"


class ProgressReporter:
    """A daemon thread that reports long-running steps until ``stop``."""

    def __init__(
        self,
        log: logging.Logger | logging.LoggerAdapter[logging.Logger],
        after: float,
        *,
        board: ActivityBoard = ACTIVITY,
        stream: TextIO | None = None,
        interval: float = 10.0,
    ) -> None:
        self.log = log
        self.after = after
        self.board = board
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._shown = False

    def start(self) -> None:
        """Begin watching (a no-op when already watching)."""
        if self._thread is None and self.after > 0:
            self._thread = threading.Thread(target=self._watch, name="wmbook-progress", daemon=True)
            self._thread.start()

    def _watch(self) -> None:
        last_logged = 0.0
        reported: set[Running] = set()
        tick = 0.5 if self.live else 1.0
        while not self._stop.wait(tick):
            now = time.monotonic()
            running = self.board.snapshot()
            line = status_line(running, now, self.after)
            if self.live:
                self._show(line)
                continue
            # Plain lines: as soon as a step becomes slow, then every `interval` seconds.
            slow = {r for r in running if now - r.since >= self.after}
            if line and (slow - reported or now - last_logged >= self.interval):
                self.log.info(line)
                last_logged = now
            reported = slow

    def _show(self, line: str) -> None:
        if line or self._shown:
            self.stream.write("\r\x1b[K" + line)
            self.stream.flush()
            self._shown = bool(line)

    def stop(self) -> None:
        """Stop watching and clear the status line."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        if self.live:
            self._show("")
        self._stop = threading.Event()
