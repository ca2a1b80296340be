"""The executor the build talks to: cache first, a session runner on a miss."""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future

from msgspec.structs import replace

from wmbook.execute.cache import SessionCache, fits_budget
from wmbook.execute.executors import SessionRunner
from wmbook.execute.keys import session_key
from wmbook.execute.sandbox import Limits
from wmbook.model import Outcome, PendingResult, SessionResult, SessionSpec, Step, StepResult


class CacheMode(enum.Enum):
    """How the build uses cached session results."""

    AUTO = "auto"  # use an entry when its key matches; run and store otherwise
    FORCE = "force"  # run everything; store the fresh results
    CACHE_ONLY = "cache-only"  # never run code; a missing entry is an error


def _done(result: SessionResult) -> Future[SessionResult]:
    future: Future[SessionResult] = Future()
    future.set_result(result)
    return future


def _forward(source: Future[SessionResult], target: Future[SessionResult]) -> None:
    """Resolve ``target`` as ``source`` resolves."""

    def copy(done: Future[SessionResult]) -> None:
        exc = done.exception()
        if exc is not None:
            target.set_exception(exc)
        else:
            target.set_result(done.result())

    source.add_done_callback(copy)


class CacheHit:
    """A local cache hit: its result is read from the store when the page asks for it, so
    that a big book holds the results of the pages being rendered only.  It holds the key
    and a way to build the session's spec again (not the spec, nor a Future: a book of
    thousands of cached pages holds one of these each).  An entry gone or damaged in
    between (another build pruned the cache) is run then."""

    __slots__ = ("_executor", "_key", "_spec")

    def __init__(self, executor: Executor, key: str, spec: SessionSpec | Callable[[], SessionSpec]) -> None:
        self._executor = executor
        self._key = key
        self._spec = spec

    def done(self) -> bool:
        """True: the entry is there (a damaged one runs when asked)."""
        return True

    def result(self, timeout: float | None = None) -> SessionResult:
        """The stored result, or the session's if the entry cannot be read now."""
        spec = self._spec if isinstance(self._spec, SessionSpec) else self._spec()
        found = self._executor.cache.read_found(self._key, spec)
        return found if found is not None else self._executor._run(self._key, spec).result(timeout)


class StoredRun(CacheHit):
    """A session this build runs: its result is held until the store has it, then read back
    when its page asks, as a ``CacheHit``'s, so that the sessions done before MkDocs gets to
    their pages do not all hold their outputs and figures at once.  A result the store did
    not take (a failed session, a read-only cache) stays held."""

    __slots__ = ("_future", "_stored")

    def __init__(self, executor: Executor, key: str, spec: SessionSpec | Callable[[], SessionSpec]) -> None:
        super().__init__(executor, key, spec)
        self._future: Future[SessionResult] | None = None
        self._stored = False

    def store(self, spec: SessionSpec, result: SessionResult) -> None:
        """Store the result (the runner calls this before the future resolves)."""
        self._stored = self._executor.cache.store_result(self._key, spec, result)

    def started(self, future: Future[SessionResult]) -> StoredRun:
        """Hold the running session's future until its result is stored."""
        self._future = future
        future.add_done_callback(self._let_go)
        return self

    def _let_go(self, done: Future[SessionResult]) -> None:
        if self._stored and not done.cancelled() and done.exception() is None:
            self._future = None

    def held(self) -> bool:
        """Whether the result is held in memory (running, or not stored), not in the store."""
        return self._future is not None

    def done(self) -> bool:
        """Whether the session has ended."""
        future = self._future
        return future is None or future.done()

    def result(self, timeout: float | None = None) -> SessionResult:
        """The session's result: from its future, or once stored, read from the store."""
        future = self._future
        if future is not None:
            return future.result(timeout)
        return replace(super().result(timeout), from_cache=False)


class Executor:
    """Starts sessions: answered from the cache when possible, else run by the runner."""

    def __init__(
        self,
        pool: SessionRunner,
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

    def submit(self, spec: SessionSpec) -> PendingResult:
        """The session's result to come (read when asked on a local cache hit)."""
        return self.submit_all([spec])[0]

    def submit_all(
        self, specs: Sequence[SessionSpec], again: Sequence[Callable[[], SessionSpec] | None] = ()
    ) -> list[PendingResult]:
        """The sessions' results to come, in order: local cache hits are read when asked, the
        shared layer is asked for all the local misses in one batch (off the build's thread:
        it waits on the network), and what neither holds is run.  ``again[i]``, if given,
        builds ``specs[i]`` anew: a cache hit holds it rather than the spec."""
        keyed = [(session_key(spec, whole_environment=self.whole_environment), spec) for spec in specs]
        batch = [key for key, _ in keyed]
        self.cache.store.bundle("sessions", batch)  # the next build asking for them reads them at once
        rebuild = list(again) or [None] * len(keyed)
        if self.mode is CacheMode.FORCE:
            pairs = zip(keyed, rebuild, strict=True)
            return [self._run_stored(key, spec, spec_again) for (key, spec), spec_again in pairs]
        futures: list[PendingResult] = []
        waiting: list[tuple[str, SessionSpec, Future[SessionResult]]] = []
        for (key, spec), spec_again in zip(keyed, rebuild, strict=True):
            if self.cache.found(key, spec, self.limits.display_bytes):
                futures.append(CacheHit(self, key, spec_again or spec))
            elif self.cache.store.shared is None:
                futures.append(self._run_stored(key, spec, spec_again))
            else:
                waiting.append((key, spec, Future()))
                futures.append(waiting[-1][2])
        if waiting:
            threading.Thread(
                target=self._look_up_shared, args=(waiting, batch), name="wmbook-lookup", daemon=True
            ).start()
        return futures

    def _look_up_shared(
        self, waiting: list[tuple[str, SessionSpec, Future[SessionResult]]], batch: list[str]
    ) -> None:
        try:
            found = self.cache.load_many({key: spec for key, spec, _ in waiting}, local=False, batch=batch)
        except Exception as exc:  # noqa: BLE001  (each page reports it; the build goes on)
            for _, _, result in waiting:
                result.set_exception(exc)
            return
        for key, spec, result in waiting:
            try:
                cached = usable(found.get(key), self.limits.display_bytes)
                _forward(_done(cached) if cached is not None else self._run(key, spec), result)
            except Exception as exc:  # noqa: BLE001  (the page reports it; the build goes on)
                result.set_exception(exc)

    def _run_stored(
        self, key: str, spec: SessionSpec, again: Callable[[], SessionSpec] | None
    ) -> PendingResult:
        """The session run, its result read back from the store once stored (``StoredRun``)."""
        if self.mode is CacheMode.CACHE_ONLY:
            return self._run(key, spec)
        pending = StoredRun(self, key, again or spec)
        after = lambda result: pending.store(spec, result)  # noqa: E731
        return pending.started(
            self.pool.submit(self.cache.with_expected_reads(key, spec), after=after, limits=self.limits)
        )

    def _run(self, key: str, spec: SessionSpec) -> Future[SessionResult]:
        if self.mode is CacheMode.CACHE_ONLY:
            return _done(self._uncached(spec, shared=self.cache.store.shared is not None))

        # Stored before the future resolves: a build that ends right after still finds it.
        def store(result: SessionResult) -> None:
            self.cache.store_result(key, spec, result)

        return self.pool.submit(self.cache.with_expected_reads(key, spec), after=store, limits=self.limits)

    @staticmethod
    def _uncached(spec: SessionSpec, shared: bool = False) -> SessionResult:
        where = "the local or the shared cache" if shared else "the cache"
        detail = f"session {spec.name!r} is not in {where} and the cache mode is cache-only"
        return unfinished(spec, Outcome.UNCACHED, detail)


def reported_step(spec: SessionSpec) -> Step:
    """The step a session that did not run is reported at: its page's first (the blocks of
    earlier pages a session spanning pages runs first are reported on their own pages)."""
    return next((step for step in spec.steps if not step.written_at), spec.steps[0])


def usable(cached: SessionResult | None, display_bytes: int) -> SessionResult | None:
    """A stored result, unless its session cut a rich output by another budget than this
    build's (``max_display_mb``): it runs again, as the output may fit now."""
    if cached is None:
        return None
    return (
        cached if fits_budget((d for step in cached.results for d in step.displays), display_bytes) else None
    )


def unfinished(spec: SessionSpec, outcome: Outcome, detail: str, rest_detail: str = "") -> SessionResult:
    """A session that did not run: its page's first step reported with ``outcome``, the rest
    not run."""
    first = reported_step(spec)
    steps = tuple(
        StepResult(step.key, outcome, detail=detail)
        if step is first
        else StepResult(step.key, Outcome.NOT_RUN, detail=rest_detail)
        for step in spec.steps
    )
    return SessionResult(spec.page, spec.name, steps, 0.0)
