"""The process-wide session runner: it outlives single builds, so ``serve`` keeps its workers
(or its connection to the Dask scheduler)."""

from __future__ import annotations

import atexit
import signal
import threading
from types import FrameType
from typing import TYPE_CHECKING

from wmbook.execute.runner import SessionPool

if TYPE_CHECKING:
    from wmbook.execute.dask_runner import DaskRunner

_lock = threading.Lock()
_pool: SessionPool | DaskRunner | None = None
_identity: tuple[int, str] | None = None


def shared_pool(workers: int, scheduler: str = "") -> SessionPool | DaskRunner:
    """The runner for this process: ``workers`` local processes, or the Dask scheduler at
    ``scheduler``; (re)created when the wanted one changes."""
    global _pool, _identity
    with _lock:
        wanted = (0 if scheduler else workers, scheduler)
        if _pool is None or _identity != wanted:
            if _pool is not None:
                _pool.shutdown()
                _pool = None
            if scheduler:
                from wmbook.execute.dask_runner import DaskRunner  # distributed only when asked for

                _pool = DaskRunner(scheduler)
            else:
                _pool = SessionPool(workers)
            _identity = wanted
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
