"""The process-wide session runner: it outlives single builds, so ``serve`` keeps its workers
(or its connection to a cluster)."""

from __future__ import annotations

import atexit
import signal
import threading
from types import FrameType

from wmbook.execute.executors import ExecutorPlugin, RunnerOptions, SessionRunner

_lock = threading.Lock()
_pool: SessionRunner | None = None
_identity: tuple[str, RunnerOptions] | None = None


def shared_pool(name: str, executor: ExecutorPlugin, options: RunnerOptions) -> SessionRunner:
    """The runner for this process: the executor registered as ``name`` started with
    ``options``; (re)created when the wanted one changes."""
    global _pool, _identity
    with _lock:
        wanted = (name, options)
        if _pool is None or _identity != wanted:
            if _pool is not None:
                _pool.shutdown()
                _pool = None
            _pool = executor.start(options)
            _identity = wanted
        return _pool


def current_runner() -> SessionRunner | None:
    """The runner this process holds now (None before the first build's)."""
    with _lock:
        return _pool


def shutdown_pool() -> None:
    """Stop the worker server (end of ``serve`` or of the process)."""
    global _pool, _identity
    with _lock:
        if _pool is not None:
            _pool.shutdown()
            _pool = None
            _identity = None


def interrupt_sessions() -> None:
    """End every running session at once (the build was interrupted)."""
    with _lock:
        pool = _pool
    if pool is not None:
        pool.interrupt()


def install_interrupt_handlers() -> None:
    """Ctrl-C and SIGTERM end the running sessions first, so the build stops at once instead
    of when the running block reaches its timeout. Only from the main thread."""
    if threading.current_thread() is not threading.main_thread():
        return

    def on_interrupt(signum: int, frame: FrameType | None) -> None:
        interrupt_sessions()
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise SystemExit(128 + signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        current = signal.getsignal(signum)
        if current in (signal.default_int_handler, signal.SIG_DFL):
            signal.signal(signum, on_interrupt)


atexit.register(shutdown_pool)
