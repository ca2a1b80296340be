"""The MkDocs side of execution: one worker process per session, watched with timeouts.

Worker processes are forked from a pre-started server (``zygote``) that has already
imported numpy and matplotlib, so a session pays no import cost, yet every session
starts from a fresh copy of that server: nothing leaks from one session to the next.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection

from wmbook.execute.capture import joined, read_streams
from wmbook.execute.protocol import ENVIRONMENT
from wmbook.execute.sandbox import Limits
from wmbook.model import Outcome, SessionResult, SessionSpec, Step, StepResult

_STARTUP_TIMEOUT = 60.0


class WorkerServer:
    """Starts the worker server on first use and forks sessions from it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._exits: dict[int, int] = {}
        self._exit_seen = threading.Condition()
        self._process: subprocess.Popen[bytes] | None = None
        self._dir = ""
        self.active: set[int] = set()  # session processes not yet reaped

    def _start(self) -> None:
        self._dir = tempfile.mkdtemp(prefix="wmbook-workers-")
        env = {**os.environ, **ENVIRONMENT, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "wmbook.execute.zygote", os.path.join(self._dir, "socket")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=self._dir,
        )
        assert self._process.stdout is not None
        ready = self._process.stdout.readline()
        if ready.strip() != b"ready":
            raise RuntimeError("the wmbook worker server did not start (is numpy installed?)")
        threading.Thread(target=self._read_exits, args=(self._process,), daemon=True).start()

    def _read_exits(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            parts = line.split()
            if len(parts) == 3 and parts[0] == b"exit":
                with self._exit_seen:
                    self._exits[int(parts[1])] = int(parts[2])
                    self._exit_seen.notify_all()

    def _ensure(self) -> None:
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._start()

    def start(self) -> None:
        """Start the server now instead of at the first session."""
        self._ensure()

    def session_dir(self) -> str:
        """A fresh folder for one session, inside the server's (which it removes if the build
        is killed)."""
        self._ensure()
        return tempfile.mkdtemp(prefix="session-", dir=self._dir)

    def connect(self, spec: SessionSpec, session_dir: str, limits: Limits) -> tuple[Connection, int]:
        """Fork a fresh process for ``spec``; return the connection and its pid."""
        self._ensure()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(os.path.join(self._dir, "socket"))
        conn = Connection(sock.detach())
        pid = int(conn.recv())
        with self._exit_seen:
            self.active.add(pid)
        conn.send((spec, session_dir, limits))
        return conn, pid

    def forget(self, pid: int, wait: float = 0.5) -> None:
        """Drop a finished session's records (once the server has reaped it)."""
        with self._exit_seen:
            if pid in self.active:
                self._exit_seen.wait_for(lambda: pid in self._exits, timeout=wait)
            self.active.discard(pid)
            self._exits.pop(pid, None)

    def has_exited(self, pid: int) -> bool:
        """Whether the server has reported the session process's end."""
        with self._exit_seen:
            return pid in self._exits

    def kill_all(self) -> None:
        """End every running session at once (an interrupted build)."""
        with self._exit_seen:
            pids = list(self.active)
        for pid in pids:
            _kill(pid)

    def exit_code(self, pid: int, wait: float = 2.0) -> int | None:
        """Exit status of a session process, once the server has reaped it."""
        with self._exit_seen:
            self._exit_seen.wait_for(lambda: pid in self._exits, timeout=wait)
            self.active.discard(pid)
            return self._exits.pop(pid, None)

    def stop(self) -> None:
        """Stop the server (its sessions have ended by then)."""
        with self._lock:
            if self._process is not None:
                self._process.kill()
                self._process.wait()
                self._process = None
            if self._dir:
                shutil.rmtree(self._dir, ignore_errors=True)


def _exit_detail(code: int | None) -> str:
    if code is None:
        return "the session's process ended"
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        return f"the session's process was killed by signal {name}"
    return f"the session's process exited with status {code}"


def _kill(pid: int) -> None:
    """End a session process and its process group (whatever it started)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


_SLICE = 0.2  # seconds between looks at a session that has not answered yet


def _wait_for_step(conn: Connection, server: WorkerServer, pid: int, timeout: float) -> str:
    """'data' when the step's result can be read, 'exited' when the process ended without
    one (even if something it started still holds the connection), 'timeout' otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if conn.poll(max(0.0, min(_SLICE, left))):
            return "data"
        if server.has_exited(pid) and not conn.poll(0):
            return "exited"
        if left <= 0:
            return "timeout"


@dataclass(frozen=True)
class Running:
    """A step being run now: where it is written and since when (``time.monotonic``)."""

    page: str
    line: int
    since: float


class ActivityBoard:
    """What every session process is running at the moment, for progress reports."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[Hashable, Running] = {}

    def set(self, ident: Hashable, running: Running | None) -> None:
        """Record (or, with None, clear) what session ``ident`` runs."""
        with self._lock:
            if running is None:
                self._running.pop(ident, None)
            else:
                self._running[ident] = running

    def snapshot(self) -> list[Running]:
        """The steps running now, longest-running first."""
        with self._lock:
            return sorted(self._running.values(), key=lambda r: r.since)


ACTIVITY = ActivityBoard()


def _unfinished(step: Step, session_dir: str, index: int, outcome: Outcome, detail: str) -> StepResult:
    """A step whose process ended or was ended: what it wrote before that, from its files."""
    streams = read_streams(session_dir, index)
    return StepResult(step.key, outcome, joined(streams), detail=detail, streams=streams)


def run_in_process(
    server: WorkerServer,
    spec: SessionSpec,
    limits: Limits,
    report: Callable[[Running | None], None] | None = None,
) -> SessionResult:
    """Run one session in its own worker process and collect every step's result.

    Each step is reported to ``report`` as it starts, and ``None`` once the session is
    over; by default to ``ACTIVITY``, for this process's progress line."""
    if report is None:
        ident = threading.get_ident()

        def report(running: Running | None) -> None:
            ACTIVITY.set(ident, running)

    started = time.perf_counter()
    session_dir = server.session_dir()
    conn, pid = server.connect(spec, session_dir, limits)
    results: list[StepResult] = []
    try:
        for index, step in enumerate(spec.steps):
            report(Running(spec.page, step.first_line, time.monotonic()))
            failed: StepResult | None = None
            state = _wait_for_step(conn, server, pid, step.timeout)
            if state == "timeout":
                _kill(pid)
                failed = _unfinished(
                    step, session_dir, index, Outcome.TIMEOUT, f"timed out after {step.timeout:g} s"
                )
            elif state == "exited":
                detail = _exit_detail(server.exit_code(pid))
                failed = _unfinished(step, session_dir, index, Outcome.DIED, detail)
            else:
                try:
                    results.append(conn.recv())
                except EOFError:
                    detail = _exit_detail(server.exit_code(pid))
                    failed = _unfinished(step, session_dir, index, Outcome.DIED, detail)
            if failed is None and results[-1].outcome is Outcome.DIED:
                failed = results.pop()
            if failed is not None:
                results.append(failed)
                cause = f"{spec.page}:{step.first_line}"
                results.extend(
                    StepResult(s.key, Outcome.NOT_RUN, detail=cause) for s in spec.steps[index + 1 :]
                )
                break
    finally:
        report(None)
        conn.close()
        _kill(pid)
        server.forget(pid)
        shutil.rmtree(session_dir, ignore_errors=True)
    return SessionResult(spec.page, spec.name, tuple(results), time.perf_counter() - started)


class SessionPool:
    """Runs sessions concurrently, at most ``workers`` processes at a time."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self.server = WorkerServer()
        self._threads = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="wmbook")

    def submit(
        self,
        spec: SessionSpec,
        after: Callable[[SessionResult], None] | None = None,
        limits: Limits | None = None,
    ) -> Future[SessionResult]:
        """Start a session; the future resolves when all its steps have run and ``after``
        (storing the result, say) has been called with the result."""

        def run() -> SessionResult:
            result = run_in_process(self.server, spec, limits or Limits())
            if after is not None:
                after(result)
            return result

        return self._threads.submit(run)

    def interrupt(self) -> None:
        """End running sessions now (Ctrl-C, SIGTERM): their threads then finish at once."""
        self.server.kill_all()

    def shutdown(self) -> None:
        """Wait for running sessions, then stop the worker server."""
        self._threads.shutdown(wait=True, cancel_futures=True)
        self.server.stop()
