"""The ``dask`` executor: sessions on a Dask cluster (``executor: dask``, ``scheduler: tcp://host:8786``).

Each session is one Dask task that runs ``remote.run_on_worker`` on a worker; retries,
files sent along, answers checked and the progress relay are ``remote.RemoteRunner``'s.
What is Dask's own is here: reaching the scheduler within a bounded time, warming every
worker's server ahead of its first session, a lost worker (Dask's ``KilledWorker``), and
progress events carried as Dask events (``ACTIVITY_TOPIC``).  The scheduler's own
``allowed-failures`` comes first: with Dask's default (3) the scheduler itself runs a lost
session again up to three times before wmbook sees the loss.  ``distributed`` is imported
only when this executor starts.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from wmbook.execute import remote
from wmbook.execute.executors import ExecutorPlugin, RunnerOptions, SchedulerUnreachable

if TYPE_CHECKING:
    import distributed

CONNECT_TIMEOUT = 10.0  # seconds to reach the scheduler before the build gives up
# Results fetched at once: each is a round trip through the scheduler, and Dask runs every
# done-callback on one thread, where they would be fetched one after another.
FETCHERS = 4
ACTIVITY_TOPIC = "wmbook-activity"  # each event an encoded ``channel.Activity``


def run_task(request: bytes, task: str) -> bytes:
    """The Dask task: ``remote.run_on_worker``, its progress sent as events of this worker.
    Once the session is under way the task secedes from the worker's thread pool, so the
    worker starts its next task (readying that session) while this one runs; the worker's
    own thread count bounds how many run code at once."""
    import distributed

    try:
        threads = distributed.get_worker().state.nthreads
    except ValueError:  # not in a Dask task: run here, at once
        return remote.run_on_worker(request, task, _events())
    return remote.run_on_worker(request, task, _events(), distributed.secede, threads)


def _events() -> Callable[[bytes], None] | None:
    import distributed

    try:
        worker = distributed.get_worker()
    except ValueError:  # not in a Dask task: nobody to tell
        return None

    def send(event: bytes) -> None:
        with contextlib.suppress(Exception):  # progress is a courtesy; the session goes on
            worker.log_event(ACTIVITY_TOPIC, event)

    return send


def _connect(address: str, timeout: float) -> distributed.Client:
    """A client of the scheduler at ``address``, or ``SchedulerUnreachable`` within about
    ``timeout`` seconds.  Dask's own timeout covers reaching the address, not its answer:
    a port that accepts and never answers (another service, a hung scheduler) would keep
    the build waiting for good, so the connection is made on a thread of its own and left
    behind when it does not finish in time."""
    import distributed

    made: Future[distributed.Client] = Future()

    def connect() -> None:
        try:
            made.set_result(distributed.Client(address, timeout=timeout, set_as_default=False))
        except BaseException as exc:  # noqa: BLE001  (handed to the waiting build)
            made.set_exception(exc)

    threading.Thread(target=connect, name="wmbook-dask-connect", daemon=True).start()
    try:
        return made.result(timeout=timeout + 2.0)
    except (OSError, TimeoutError) as exc:  # a refused connection, Dask's timeout, or ours
        if not made.done():
            raise SchedulerUnreachable(
                f"no Dask scheduler answers at {address} (something accepts connections there, "
                f"but gave no scheduler's answer within {timeout + 2.0:g} s)"
            ) from exc
        raise SchedulerUnreachable(f"no Dask scheduler answers at {address} ({exc})") from exc


class DaskCluster:
    """The Dask scheduler at ``address``, as a ``remote.Cluster``."""

    kind = "Dask"

    def __init__(self, address: str, client: distributed.Client | None = None) -> None:
        """The scheduler at ``address``, through ``client`` if one is connected already."""
        self.address = address
        self.client = client or _connect(address, CONNECT_TIMEOUT)
        self._lock = threading.Lock()
        self._running: set[distributed.Future] = set()
        self._fetch = ThreadPoolExecutor(max_workers=FETCHERS, thread_name_prefix="wmbook-dask-results")
        # Workers load numpy and matplotlib while this build reads its pages.  A task's
        # future is kept until it is done (a dropped one is forgotten), then let go, so a
        # worker lost later does not make the scheduler start it again.
        for worker in self.client.scheduler_info().get("workers", {}):
            warming = self.client.submit(
                remote.start_worker_server, workers=[worker], allow_other_workers=True, pure=False
            )
            self._track(warming)

    def _track(self, task: distributed.Future) -> None:
        with self._lock:
            self._running.add(task)

        def untrack(done: distributed.Future) -> None:
            with self._lock:
                self._running.discard(done)

        task.add_done_callback(untrack)

    def listen(self, relay: Callable[[object], None]) -> None:
        """Dask hands each event over as (time, message)."""
        self.client.subscribe_topic(ACTIVITY_TOPIC, lambda event: relay(event[1]))

    def launch(self, task: str, request: bytes, ended: Callable[[remote.Ending], None]) -> None:
        import distributed

        future = self.client.submit(run_task, request, task, key=task, pure=False)
        self._track(future)

        def finished(done: distributed.Future) -> None:
            try:
                answer = done.result()
            except distributed.scheduler.KilledWorker as exc:
                ended(remote.WorkerLost(getattr(getattr(exc, "last_worker", None), "address", "") or ""))
            except Exception as exc:  # noqa: BLE001  (reported at the page; the build goes on)
                ended(remote.Failed(exc))
            else:
                ended(remote.Answered(answer))

        def fetch(done: distributed.Future) -> None:
            try:
                self._fetch.submit(finished, done)
            except RuntimeError:  # let go of already (the build is over): fetched here
                finished(done)

        future.add_done_callback(fetch)

    def cancel(self) -> None:
        with self._lock:
            running = list(self._running)
        if running:
            self.client.cancel(running)

    def close(self) -> None:
        self._fetch.shutdown(wait=False)
        self.client.close()


def start(options: RunnerOptions) -> remote.RemoteRunner:
    """The dask executor's runner: the cluster at the scheduler setting's address."""
    return remote.RemoteRunner(DaskCluster(options.address), options.progress)


EXECUTOR = ExecutorPlugin(
    start=start,
    summary="sessions run on a Dask cluster",
    address="the Dask scheduler's address",
    address_example="tcp://HOST:8786",
    schemes=("tcp", "tls", "ucx", "inproc", "ws", "wss", ""),  # Dask's own; no scheme is tcp
    requires="the distributed package",
    install="pip install wmbook[distributed]",
)
