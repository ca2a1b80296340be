"""The process-wide session pool: it outlives single builds, so ``serve`` keeps its workers."""

from __future__ import annotations

import atexit
import signal
import threading
from types import FrameType

from wmbook.execute.runner import SessionPool

_lock = threading.Lock()
_pool: SessionPool | None = None


def shared_pool(workers: int) -> SessionPool:
    """The pool for this process, (re)created when the wanted size changes."""
    global _pool
    with _lock:
        if _pool is None or _pool.workers != workers:
            if _pool is not None:
                _pool.shutdown()
            _pool = SessionPool(workers)
        return _pool


def shutdown_pool() -> None:
    """Stop the worker server (end of ``serve`` or of the process)."""
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown()
            _pool = None


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
