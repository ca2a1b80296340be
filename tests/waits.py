"""Waiting in tests for something to happen, never for a fixed time.

Where the thing waited for signals (a process ends, a fake stream is written to), the
wait wakes on that signal; otherwise ``until`` looks again at growing intervals and
returns as soon as the condition holds.  The timeouts only keep a broken test from
hanging: they are never what a test measures."""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
from collections.abc import Callable


def until(condition: Callable[[], object], timeout: float = 60.0) -> bool:
    """Whether ``condition()`` became true before ``timeout`` seconds passed."""
    deadline = time.monotonic() + timeout
    pause = 0.005
    while not condition():
        left = deadline - time.monotonic()
        if left <= 0:
            return bool(condition())
        time.sleep(min(pause, left))
        pause = min(pause * 2, 0.2)
    return True


def process_ended(pid: int, timeout: float = 60.0) -> bool:
    """Whether process ``pid`` (any process, not only a child) ended within ``timeout``: the
    kernel wakes the wait when it does (a pidfd); a zombie counts as ended."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        ready, _, _ = select.select([fd], [], [], timeout)
        return bool(ready) or _zombie(pid)
    finally:
        os.close(fd)


def _zombie(pid: int) -> bool:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/stat", "rb") as file:
        return file.read().rpartition(b")")[2].split()[0] == b"Z"
    return True


class Written:
    """What was written, in order, and a wait that wakes at each write."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._changed = threading.Condition()

    def add(self, text: str) -> None:
        with self._changed:
            self.items.append(text)
            self._changed.notify_all()

    def wait_for(self, condition: Callable[[list[str]], bool], timeout: float = 60.0) -> bool:
        """Whether ``condition(items)`` held at some write within ``timeout``."""
        with self._changed:
            return self._changed.wait_for(lambda: condition(self.items), timeout)
