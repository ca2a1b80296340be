"""The MkDocs side of execution: one worker process per session, watched with timeouts;
the ``local`` executor's pool, sessions on this machine (``SessionPool``, declared in
``execute.local``).

Worker processes are forked from a pre-started server (``zygote``) that has already
imported numpy and matplotlib, so a session pays no import cost, yet every session
starts from a fresh copy of that server: nothing leaks from one session to the next.
Every executor runs its sessions this way, here or on the machine it sends them to.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from wmbook.execute.capture import joined, read_streams, stderr_path
from wmbook.execute.cgroups import SessionGroups, Usage
from wmbook.execute.channel import (
    Channel,
    ChannelClosed,
    ChannelError,
    ForkSession,
    ServerReady,
    ServerReport,
    SessionExited,
    SessionRequest,
    channel_pair,
    encode,
)
from wmbook.execute.executors import ACTIVITY, Progress, Running
from wmbook.execute.protocol import DISK_FULL, ENVIRONMENT, OUT_OF_MEMORY, REFUSED, capture_path
from wmbook.execute.sandbox import Limits, end_process_tree, folder_bytes, session_environment
from wmbook.model import Outcome, SessionResult, SessionSpec, Step, StepResult

_STARTUP_TIMEOUT = 60.0
_SERVER_VARIABLES = ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "MPLCONFIGDIR")
log = logging.getLogger("mkdocs.plugins.wmbook")  # the plugin's logger, without importing MkDocs here


class WorkerServer:
    """Starts the worker server on first use and forks sessions from it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._exits: dict[int, int] = {}
        self._exit_seen = threading.Condition()
        self._process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._reports: Channel | None = None
        self._dir = ""
        self.groups: SessionGroups | None = None
        self.active: set[int] = set()  # session processes not yet reaped
        self._forgotten: set[int] = set()  # ended sessions whose exit report is not needed
        self._ready = False  # the running server said it is ready

    def _launch(self) -> None:
        """Start the server's process; it says when it is ready (``_await_ready``)."""
        self._ready = False
        with self._exit_seen:
            self._forgotten.clear()  # a server that ended reports no more exits
        self._dir = tempfile.mkdtemp(prefix="wmbook-workers-")
        if self.groups is None:
            self.groups = SessionGroups()
        if self._control is not None:
            self._control.close()
        if self._reports is not None:
            self._reports.close()
        # Seqpacket: each request is one message, and the server sees the build go as an end.
        self._control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # The server's stdout is a socket of frames (``ServerReport``): ready, then each exit.
        reports, their_reports = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self._reports = Channel(reports)
        # The server's environment holds nothing a session may not see: it is forked from it.
        # Unbuffered streams: what a block prints reaches the capture file in order with what
        # C code writes, and nothing is left in a buffer when the file reaches its size limit.
        # HOME and the cache folders only locate matplotlib's font cache (built once, not at
        # every start); each session is given its own HOME.
        fixed = {**ENVIRONMENT, "PYTHONPATH": python_path(), "PYTHONUNBUFFERED": "1"}
        env = session_environment(os.environ, _SERVER_VARIABLES, fixed)
        with theirs, their_reports:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "wmbook.execute.zygote", str(theirs.fileno())],
                stdin=subprocess.PIPE,
                stdout=their_reports.fileno(),
                env=env,
                cwd=self._dir,
                pass_fds=(theirs.fileno(),),
            )

    def _await_ready(self) -> None:
        assert self._reports is not None
        try:
            ready = self._reports.recv(ServerReport).message
        except (ChannelClosed, ChannelError):
            ready = None
        if not isinstance(ready, ServerReady):
            raise RuntimeError("the wmbook worker server did not start (is numpy installed?)")
        self._ready = True
        threading.Thread(target=self._read_exits, args=(self._reports,), daemon=True).start()

    def _read_exits(self, reports: Channel) -> None:
        while True:
            try:
                report = reports.recv(ServerReport).message
            except ChannelError:
                continue  # a frame that is no report: the next one is read
            except (ChannelClosed, OSError):
                return
            if isinstance(report, SessionExited):
                with self._exit_seen:
                    if report.pid in self._forgotten:
                        self._forgotten.discard(report.pid)
                        continue
                    self._exits[report.pid] = report.code
                    self._exit_seen.notify_all()

    def _ensure(self) -> None:
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._launch()
            if not self._ready:
                self._await_ready()

    def launch(self) -> None:
        """Start the server's process now, without waiting for it to be ready: it imports
        numpy and matplotlib while the build reads the book, and the first session waits
        only for what is left of that."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._launch()

    def start(self) -> None:
        """Start the server now instead of at the first session."""
        self._ensure()

    def session_dir(self) -> str:
        """A fresh folder for one session, inside the server's (which it removes if the build
        is killed)."""
        self._ensure()
        return tempfile.mkdtemp(prefix="session-", dir=self._dir)

    def connect(self, spec: SessionSpec, session_dir: str, limits: Limits) -> tuple[Channel, int]:
        """Fork a fresh process for ``spec``; return the channel to it and its pid."""
        self._ensure()
        ours, theirs = channel_pair()
        with self._lock:
            assert self._control is not None
            ipython = any(step.ipython for step in spec.steps)
            socket.send_fds(self._control, [encode(ForkSession(ipython=ipython))], [theirs.fileno()])
        theirs.close()
        pid = ours.recv(int, timeout=_STARTUP_TIMEOUT)
        with self._exit_seen:
            self.active.add(pid)
        home = {"HOME": session_dir, "TMPDIR": os.path.join(session_dir, "tmp")}
        environment = session_environment(
            os.environ, limits.environment, {**ENVIRONMENT, "PYTHONPATH": python_path(), **home}
        )
        assert self.groups is not None
        cgroups = self.groups.create(os.path.basename(session_dir), limits.memory_bytes, limits.processes)
        ours.send(SessionRequest(spec, session_dir, limits, tuple(sorted(environment.items())), cgroups))
        return ours, pid

    def end(self, pid: int, session_dir: str) -> Usage:
        """End a session's process and all it started; what it used (where cgroups count)."""
        assert self.groups is not None
        if "kill" not in self.groups.limits:
            _kill(pid)  # no cgroup to end at once: the process tree, from /proc
        return self.groups.end(os.path.basename(session_dir))

    def forget(self, pid: int) -> None:
        """Drop a finished session's records; its exit, when the server reports it later, is
        not kept (nothing waits for it: the next session starts at once)."""
        with self._exit_seen:
            self.active.discard(pid)
            if self._exits.pop(pid, None) is None:
                self._forgotten.add(pid)

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
            if self._control is not None:
                self._control.close()
                self._control = None
            if self._reports is not None:
                self._reports.close()
                self._reports = None
            if self.groups is not None:
                self.groups.close()
            if self._dir:
                shutil.rmtree(self._dir, ignore_errors=True)


_early: WorkerServer | None = None  # launched before the build read its settings, not yet taken
_early_lock = threading.Lock()


def launch_early_server() -> None:
    """Launch a worker server before the build has read its settings (as MkDocs loads the
    plugin, when its sessions will surely run): the first pool takes it
    (``take_early_server``); one no pool took is ended (``end_early_server``)."""
    global _early
    with _early_lock:
        if _early is None:
            _early = WorkerServer()
            _early.launch()


def take_early_server() -> WorkerServer | None:
    """The server launched early, now this caller's; None when none is waiting."""
    global _early
    with _early_lock:
        server, _early = _early, None
    return server


def end_early_server() -> None:
    """End a server launched early that no pool took: this build runs its sessions elsewhere,
    or has a pool of its own already."""
    server = take_early_server()
    if server is not None:
        server.stop()


def _exit_detail(code: int | None) -> str:
    if code is None:
        return "the session's process ended"
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        return f"the session's process was killed by signal {name}"
    return f"the session's process exited with status {code}"


def python_path() -> str:
    """This process's import path, for the worker server to import the same packages."""
    return os.pathsep.join(p for p in sys.path if p)


def _kill(pid: int) -> None:
    """End a session process and everything beneath it (whatever it started)."""
    end_process_tree(pid)


_SLICE = 0.2  # seconds between looks at a session that has not answered yet


class _Waited(enum.Enum):
    """How waiting for a step's result ended."""

    DATA = "data"  # the result can be read
    EXITED = "exited"  # the process ended without one (even if something it started holds the channel)
    DISK = "disk"  # the session's folder grew past its limit
    TIMEOUT = "timeout"


def _wait_for_step(
    conn: Channel, server: WorkerServer, pid: int, timeout: float, disk: Callable[[], bool]
) -> _Waited:
    """How the wait for the step's result ended (see ``_Waited``)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if conn.poll(max(0.0, min(_SLICE, left))):
            return _Waited.DATA
        if server.has_exited(pid) and not conn.poll(0):
            return _Waited.EXITED
        if disk():
            return _Waited.DISK
        if left <= 0:
            return _Waited.TIMEOUT


def _unfinished(step: Step, session_dir: str, index: int, outcome: Outcome, detail: str) -> StepResult:
    """A step whose process ended or was ended: what it wrote before that, from its files."""
    streams = read_streams(session_dir, index)
    return StepResult(step.key, outcome, joined(streams), detail=detail, streams=streams)


class _DiskWatch:
    """The disk space a session's folder takes, looked at while its steps run."""

    def __init__(self, session_dir: str, steps: int, limit: int) -> None:
        self.session_dir = session_dir
        self.limit = limit
        # The captured output of each step is bounded by the file limit on its own.
        self._captures = [
            path
            for index in range(steps)
            for path in (capture_path(session_dir, index), stderr_path(session_dir, index))
        ]
        self.most = 0

    def over(self) -> bool:
        """Whether the folder now takes more than the limit."""
        if self.limit <= 0:
            return False
        used = folder_bytes(self.session_dir, self._captures)
        self.most = max(self.most, used)
        return used > self.limit


def _next_result(
    conn: Channel, server: WorkerServer, pid: int, step: Step, index: int, session_dir: str, watch: _DiskWatch
) -> StepResult:
    """The result of ``step``: as the session sent it, or what the build saw happen."""
    state = _wait_for_step(conn, server, pid, step.timeout, watch.over)
    if state is _Waited.DATA:
        try:
            result = conn.recv(StepResult, timeout=step.timeout)
        except TimeoutError:
            state = _Waited.TIMEOUT
        except ChannelClosed:
            state = _Waited.EXITED
        except ChannelError as exc:
            _kill(pid)
            return _unfinished(step, session_dir, index, Outcome.DIED, REFUSED.format(what=exc))
        else:
            if result.key != step.key:
                _kill(pid)
                detail = REFUSED.format(what=f"a result for {result.key}, not for this block")
                return _unfinished(step, session_dir, index, Outcome.DIED, detail)
            if not watch.over():  # also a step too quick for a look while it ran
                return result
            state = _Waited.DISK
    if state is _Waited.TIMEOUT:
        _kill(pid)
        return _unfinished(step, session_dir, index, Outcome.TIMEOUT, f"timed out after {step.timeout:g} s")
    if state is _Waited.DISK:
        _kill(pid)
        return _unfinished(step, session_dir, index, Outcome.DIED, DISK_FULL.format(mb=watch.limit / 2**20))
    detail = _exit_detail(server.exit_code(pid))
    if server.groups is not None and server.groups.out_of_memory(os.path.basename(session_dir)):
        detail = OUT_OF_MEMORY
    return _unfinished(step, session_dir, index, Outcome.DIED, detail)


def _await_ready(conn: Channel, server: WorkerServer, pid: int, timeout: float) -> None:
    """Wait until the session's process says it is ready to run its first step.  A process
    that ended, or took too long, is not waited for: its first step reports it."""
    if _wait_for_step(conn, server, pid, timeout, lambda: False) is _Waited.DATA:
        with contextlib.suppress(ChannelClosed, ChannelError, TimeoutError):
            conn.recv(bool, timeout=timeout)


def run_in_process(
    server: WorkerServer,
    spec: SessionSpec,
    limits: Limits,
    report: Callable[[Running | None], None] | None = None,
    turn: contextlib.AbstractContextManager[object] | None = None,
) -> SessionResult:
    """Run one session in its own worker process and collect every step's result.

    Each step is reported to ``report`` as it starts, and ``None`` once the session is
    over; by default to ``ACTIVITY``, for this process's progress line.  The process is
    made ready (forked, its cgroups joined, its sandbox set) before ``turn`` is entered,
    and the session runs its steps within it: a pool readies sessions while others run."""
    if report is None:
        ident = threading.get_ident()

        def report(running: Running | None) -> None:
            ACTIVITY.set(ident, running)

    started = time.perf_counter()
    session_dir = server.session_dir()
    conn, pid = server.connect(spec, session_dir, limits)
    watch = _DiskWatch(session_dir, len(spec.steps), limits.file_bytes)
    results: list[StepResult] = []
    waited = 0.0  # for its turn: not the session's own time
    try:
        _await_ready(conn, server, pid, spec.steps[0].timeout if spec.steps else _STARTUP_TIMEOUT)
        waiting = time.perf_counter()
        with turn or contextlib.nullcontext():
            waited = time.perf_counter() - waiting
            with contextlib.suppress(OSError):  # a process that ended: its first step says how
                conn.send(True)
            for index, step in enumerate(spec.steps):
                report(Running(spec.page, step.first_line, time.monotonic()))
                result = _next_result(conn, server, pid, step, index, session_dir, watch)
                results.append(result)
                if result.outcome in (Outcome.DIED, Outcome.TIMEOUT):
                    cause = step.written_at or f"{spec.page}:{step.first_line}"
                    results.extend(
                        StepResult(s.key, Outcome.NOT_RUN, detail=cause) for s in spec.steps[index + 1 :]
                    )
                    break
    finally:
        report(None)
        conn.close()
        usage = server.end(pid, session_dir)
        server.forget(pid)
        shutil.rmtree(session_dir, ignore_errors=True)
    log.debug(
        "%s (session %s) used at most %.0f MB of memory, %d processes and threads, %.1f MB of disk",
        spec.page,
        spec.name,
        usage.memory_bytes / 2**20,
        usage.processes,
        watch.most / 2**20,
    )
    return SessionResult(spec.page, spec.name, tuple(results), time.perf_counter() - started - waited)


class SessionPool:
    """Runs sessions concurrently, at most ``workers`` of them running code at a time, each
    step reported to ``progress`` (by default this process's progress line).

    A session's process is readied (forked, put in its cgroups and sandbox: mostly waiting
    on the kernel) and ended (its cgroups and folder removed) outside its turn, while the
    others run: the cores stay busy with code between one session and the next.  As many
    sessions as run may wait ready, so that two ending at once both have a successor."""

    def __init__(self, workers: int, progress: Progress = ACTIVITY.set) -> None:
        self.workers = max(1, workers)
        self.progress = progress
        self.server = take_early_server() or WorkerServer()
        self._turns = threading.BoundedSemaphore(self.workers)
        self._threads = ThreadPoolExecutor(max_workers=2 * self.workers, thread_name_prefix="wmbook")

    def submit(
        self,
        spec: SessionSpec,
        after: Callable[[SessionResult], None] | None = None,
        limits: Limits | None = None,
    ) -> Future[SessionResult]:
        """Start a session; the future resolves when all its steps have run and ``after``
        (storing the result, say) has been called with the result."""

        def run() -> SessionResult:
            ident = threading.get_ident()
            report = lambda running: self.progress(ident, running)  # noqa: E731
            result = run_in_process(self.server, spec, limits or Limits(), report, self._turns)
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
