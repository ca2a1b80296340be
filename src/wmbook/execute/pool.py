"""The process-wide session pool: it outlives single builds, so ``serve`` keeps its workers."""

from __future__ import annotations

import atexit
import threading

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


atexit.register(shutdown_pool)
