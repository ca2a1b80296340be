"""The executor the build talks to: cache first, worker pool on a miss."""

from __future__ import annotations

import enum
from concurrent.futures import Future

from wmbook.execute.cache import SessionCache
from wmbook.execute.keys import session_key
from wmbook.execute.runner import SessionPool
from wmbook.execute.sandbox import Limits
from wmbook.model import Outcome, SessionResult, SessionSpec, StepResult


class CacheMode(enum.Enum):
    """How the build uses cached session results."""

    AUTO = "auto"  # use an entry when its key matches; run and store otherwise
    FORCE = "force"  # run everything; store the fresh results
    CACHE_ONLY = "cache-only"  # never run code; a missing entry is an error


def _done(result: SessionResult) -> Future[SessionResult]:
    future: Future[SessionResult] = Future()
    future.set_result(result)
    return future


class Executor:
    """Starts sessions: answered from the cache when possible, else run in the pool."""

    def __init__(
        self,
        pool: SessionPool,
        cache: SessionCache,
        mode: CacheMode,
        whole_environment: bool = False,
        limits: Limits | None = None,
    ) -> None:
        self.pool = pool
        self.limits = limits or Limits()
        self.cache = cache
        self.mode = mode
        self.whole_environment = whole_environment

    def submit(self, spec: SessionSpec) -> Future[SessionResult]:
        """A future for the session's result; it is already resolved on a cache hit."""
        key = session_key(spec, whole_environment=self.whole_environment)
        if self.mode is not CacheMode.FORCE:
            cached = self.cache.load(key, spec)
            if cached is not None:
                return _done(cached)
        if self.mode is CacheMode.CACHE_ONLY:
            return _done(self._uncached(spec))
        # Stored before the future resolves: a build that ends right after still finds it.
        store = lambda result: self.cache.store_result(key, spec, result)  # noqa: E731
        return self.pool.submit(spec, after=store, limits=self.limits)

    @staticmethod
    def _uncached(spec: SessionSpec) -> SessionResult:
        detail = f"session {spec.name!r} is not in the cache and the cache mode is cache-only"
        first, *rest = spec.steps
        steps = [StepResult(first.key, Outcome.UNCACHED, detail=detail)]
        steps += [StepResult(step.key, Outcome.NOT_RUN) for step in rest]
        return SessionResult(spec.page, spec.name, tuple(steps), 0.0)
