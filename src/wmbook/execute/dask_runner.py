"""Sessions on a Dask cluster (``executor: dask``, ``scheduler: tcp://host:8786``).

Each session is one Dask task.  On the worker it runs exactly as on this machine: in
a process forked from wmbook's worker server there, in its own folder, under the same
timeouts, limits and sandbox (``runner.run_in_process``).  A worker may not have the docs
folder, so the session's declared files and the files of its page's folder travel inside
its ``SessionSpec`` (the small ones: ``pagefiles.ship``); a session that tried to read a
file beside its page that was not sent runs once more with that file too, and when the
file is too large to send, the build says so at the session.  The worker sends back the same ``SessionResult``,
which this build checks and caches as if it had run here.  A worker that is lost while
it runs a session (Dask reports ``KilledWorker``) costs one more attempt, elsewhere;
a second loss is reported at the session's first block.  Each step a worker starts is
sent to this build as a Dask event (``ACTIVITY_TOPIC``), so the progress line names the
sessions running on the cluster as it names local ones.  The scheduler's own
``allowed-failures`` comes first: with Dask's default (3) the scheduler itself runs a
lost session again up to three times before wmbook sees the loss.  This module, and
``distributed`` with it, is imported only when a scheduler is set.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace

import distributed

from wmbook.execute.channel import ChannelError, decode, encode
from wmbook.execute.executor import SchedulerUnreachable, reported_step, unfinished
from wmbook.execute.keys import engine_fingerprint, python_fingerprint
from wmbook.execute.pagefiles import missed, over_budget, ship
from wmbook.execute.runner import ACTIVITY, Running, WorkerServer, run_in_process
from wmbook.execute.sandbox import Limits
from wmbook.model import Outcome, SessionResult, SessionSpec
from wmbook.store import digest

CONNECT_TIMEOUT = 10.0  # seconds to reach the scheduler before the build gives up
_ATTEMPTS = 2  # a session whose worker is lost runs once more, elsewhere
_RESENDS = 3  # a session that missed files beside its page runs again with them, this many times at most
ACTIVITY_TOPIC = "wmbook-activity"  # {"task": key, "page": ..., "line": ...}, or {"task": key} at the end

_server: WorkerServer | None = None
_server_lock = threading.Lock()


def fingerprint() -> str:
    """What must be equal here and on every worker for results to be the same: the
    Python and the wmbook that run the sessions."""
    return digest(python_fingerprint(), engine_fingerprint())


def _worker_server() -> WorkerServer:
    """The worker server of this Dask worker process, started on its first session.  Dask
    keeps its task threads for the worker's life, so the server (which dies with the
    thread that started it) lives as long as the worker."""
    global _server
    with _server_lock:
        if _server is None:
            _server = WorkerServer()
            atexit.register(_server.stop)
        return _server


def start_worker_server() -> None:
    """Start this worker's server ahead of its first session (numpy and matplotlib load)."""
    _worker_server().start()


@dataclass(frozen=True)
class WorkerAnswer:
    """What a worker sends back for a session: the fingerprint of its Python and wmbook,
    and the session's result."""

    fingerprint: str
    result: SessionResult


def run_on_worker(request: bytes, task: str = "") -> bytes:
    """The Dask task: run one session (a msgspec-encoded ``SessionSpec`` and ``Limits``) on
    this worker with wmbook's own isolation, telling the build (as events under
    ``ACTIVITY_TOPIC``) which step of task ``task`` runs.  The answer is an encoded
    ``WorkerAnswer``: data the build validates, not an object it unpickles."""
    spec, limits = decode(request, tuple[SessionSpec, Limits])
    result = run_in_process(_worker_server(), spec, limits, _reporter(task))
    return encode(WorkerAnswer(fingerprint(), result))


def _reporter(task: str) -> Callable[[Running | None], None] | None:
    try:
        worker = distributed.get_worker()
    except ValueError:  # not in a Dask task: nobody to tell
        return None

    def report(running: Running | None) -> None:
        message = (
            {"task": task} if running is None else {"task": task, "page": running.page, "line": running.line}
        )
        with contextlib.suppress(Exception):  # progress is a courtesy; the session goes on
            worker.log_event(ACTIVITY_TOPIC, message)

    return report


def lost_result(spec: SessionSpec, detail: str) -> SessionResult:
    """A session that no worker could finish: its first step is reported, the rest not run."""
    return unfinished(spec, Outcome.LOST, detail, f"{spec.page}:{reported_step(spec).first_line}")


def _with_page_files(spec: SessionSpec, looked_for: list[str] | None = None) -> SessionSpec:
    """The spec with files of its page's folder sent along (those its last run read among
    them); with ``looked_for`` (files a run looked for), those and as much more of the folder
    as may be sent."""
    if spec.folder is None:
        return spec
    sent = [path for path, _ in spec.folder.shipped or ()]
    expected = [] if over_budget(spec.folder, spec.folder.expected) else list(spec.folder.expected)
    also = [*sent, *expected, *(looked_for or [])]
    return replace(spec, folder=ship(spec.folder, also, again=looked_for is not None))


def unsent_result(session: SessionResult, paths: list[str], why: str) -> SessionResult:
    """A session that read files beside its page that its worker did not have: its first
    step that did not finish says which (a step that finished without them says so too)."""
    detail = f"{', '.join(paths)} beside the page {'was' if len(paths) == 1 else 'were'} not on the Dask worker ({why})"
    results = list(session.results)
    at = next((i for i, r in enumerate(results) if r.outcome is not Outcome.OK), None)
    if at is None:
        at = next((i for i, r in enumerate(results) if any(read.path in paths for read in r.reads)), 0)
        results[at] = replace(results[at], outcome=Outcome.LOST)
    results[at] = replace(results[at], detail=detail)
    return replace(session, results=tuple(results))


def _connect(address: str, timeout: float) -> distributed.Client:
    """A client of the scheduler at ``address``, or ``SchedulerUnreachable`` within about
    ``timeout`` seconds.  Dask's own timeout covers reaching the address, not its answer:
    a port that accepts and never answers (another service, a hung scheduler) would keep
    the build waiting for good, so the connection is made on a thread of its own and left
    behind when it does not finish in time."""
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


class DaskRunner:
    """Submits sessions to the Dask scheduler at ``address``."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.client = _connect(address, CONNECT_TIMEOUT)
        self._fingerprint = fingerprint()
        self._lock = threading.Lock()
        self._running: set[distributed.Future] = set()
        self._ended: set[str] = set()  # tasks whose step events are over (a late one is dropped)
        self.client.subscribe_topic(ACTIVITY_TOPIC, self._on_activity)
        # Workers load numpy and matplotlib while this build reads its pages.  A task's
        # future is kept until it is done (a dropped one is forgotten), then let go, so a
        # worker lost later does not make the scheduler start it again.
        for worker in self.client.scheduler_info().get("workers", {}):
            warming = self.client.submit(
                start_worker_server, workers=[worker], allow_other_workers=True, pure=False
            )
            self._track(warming)

    def _on_activity(self, event: tuple[float, dict[str, object]]) -> None:
        """A worker started a step of a session (or finished the session)."""
        message = event[1]
        task = str(message.get("task", ""))
        line = message.get("line")
        with self._lock:  # held while the board changes, so an ended task stays off it
            if task in self._ended:
                return
            if "page" in message:
                running = Running(
                    str(message["page"]), line if isinstance(line, int) else 0, time.monotonic()
                )
                ACTIVITY.set(task, running)
            else:
                self._ended.add(task)
                ACTIVITY.set(task, None)

    def _end_activity(self, task: str) -> None:
        with self._lock:
            self._ended.add(task)
            ACTIVITY.set(task, None)

    def _track(self, task: distributed.Future) -> None:
        with self._lock:
            self._running.add(task)

        def untrack(done: distributed.Future) -> None:
            with self._lock:
                self._running.discard(done)

        task.add_done_callback(untrack)

    def submit(
        self,
        spec: SessionSpec,
        after: Callable[[SessionResult], None] | None = None,
        limits: Limits | None = None,
    ) -> Future[SessionResult]:
        """Start a session on the cluster; the future resolves once ``after`` (storing the
        result) has been called with its result."""
        result: Future[SessionResult] = Future()
        self._attempt(_with_page_files(spec), limits or Limits(), after, result, 1)
        return result

    def _attempt(
        self,
        spec: SessionSpec,
        limits: Limits,
        after: Callable[[SessionResult], None] | None,
        result: Future[SessionResult],
        attempt: int,
        resent: int = 0,
    ) -> None:
        # A fresh key per attempt: the scheduler must not hand back the lost attempt's state.
        key = f"wmbook-session-{uuid.uuid4().hex}"
        task = self.client.submit(run_on_worker, encode((spec, limits)), key, key=key, pure=False)
        self._track(task)

        def finished(done: distributed.Future) -> None:
            self._end_activity(key)  # also when the worker was lost before it could say so
            try:
                session = self._collect(done, spec)
            except distributed.client.FutureCancelledError as exc:
                result.set_exception(exc)
                return
            except distributed.scheduler.KilledWorker as exc:
                if attempt < _ATTEMPTS:
                    self._attempt(spec, limits, after, result, attempt + 1, resent)
                    return
                last = getattr(getattr(exc, "last_worker", None), "address", "") or "unknown"
                detail = f"the Dask worker running this session was lost {attempt} times (the last: {last})"
                session = lost_result(spec, detail)
            except Exception as exc:  # noqa: BLE001  (reported at the page; the build goes on)
                result.set_exception(exc)
                return
            folder = spec.folder
            unsent = missed(folder, session.reads) if folder is not None else []
            if folder is not None and unsent:
                sent = [path for path, _ in folder.shipped or ()]
                too_large = over_budget(folder, [*sent, *unsent])
                if too_large:
                    session = unsent_result(session, unsent, too_large)
                elif resent >= _RESENDS:
                    why = f"it was run {resent + 1} times, each time missing other files; list them in depends_on"
                    session = unsent_result(session, unsent, why)
                else:  # run it again, with the files it looked for
                    self._attempt(_with_page_files(spec, unsent), limits, after, result, attempt, resent + 1)
                    return
            if after is not None:
                after(session)
            result.set_result(session)

        task.add_done_callback(finished)

    def _collect(self, done: distributed.Future, spec: SessionSpec) -> SessionResult:
        answer = done.result()
        if not isinstance(answer, bytes):
            return lost_result(
                spec, f"a Dask worker of {self.address} answered with something that is not data"
            )
        try:
            decoded = decode(answer, WorkerAnswer)
        except ChannelError as exc:
            return lost_result(spec, f"a Dask worker of {self.address} sent {exc}")
        theirs, session = decoded.fingerprint, decoded.result
        if theirs != self._fingerprint:
            detail = (
                f"a Dask worker of {self.address} runs another Python or another wmbook than this build; "
                "install the same versions on the workers"
            )
            return lost_result(spec, detail)
        return session

    def interrupt(self) -> None:
        """Cancel every session still queued or running on the cluster (Ctrl-C, SIGTERM)."""
        with self._lock:
            running = list(self._running)
        if running:
            self.client.cancel(running)

    def shutdown(self) -> None:
        """Close the connection to the scheduler (the cluster stays up)."""
        self.interrupt()
        self.client.close()
