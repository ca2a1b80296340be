"""What every executor that sends sessions to other machines needs, whatever carries them.

A remote executor provides a ``Cluster``: it launches a task (an encoded ``WorkerRequest``)
on some worker, where the task calls ``run_on_worker``, and tells how the task ended.  The
rest is here, the same for every cluster:

- on the worker, the session runs exactly as on this machine: in a process forked from
  wmbook's worker server there (one per worker process, started with its first session),
  in its own folder, under the same timeouts, limits and sandbox (``runner.run_in_process``);
- a worker process readies sessions while others run, as the local pool does: a cluster
  whose task can leave its thread (Dask's ``secede``) hands the thread to its next task once
  the session is under way, so the next session is forked and sandboxed, and the last one
  ended and its folder removed, while this one runs; at most as many sessions as the worker
  has threads run code at once (``WorkerTurns``);
- a worker may not have the docs folder, so the session's declared files and the files of
  its page's folder travel inside its ``SessionSpec`` (the small ones: ``pagefiles.ship``); a
  session that read a file beside its page that was not sent runs once more with that file
  too, and when the file is too large to send, the build says so at the session;
- the worker sends back a ``WorkerAnswer``, data validated on receipt (never an object that is
  unpickled), with the fingerprint of its Python and wmbook: a worker unlike the build is not
  trusted;
- a worker lost while it runs a session costs one more attempt, elsewhere; a second loss is
  reported at the session's first block;
- each step a worker starts and that runs a while is sent back as an ``Activity`` event (the
  progress relay, ``StepRelay``), so the progress line names the sessions running on the
  cluster as it names local ones; quick steps, most of a book's, cost the cluster no message.
"""

from __future__ import annotations

import atexit
import math
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

import msgspec
from msgspec.structs import replace

from wmbook.execute.channel import Activity, ChannelError, WorkerAnswer, WorkerRequest, decode, encode
from wmbook.execute.executor import reported_step, unfinished
from wmbook.execute.executors import Progress, Running
from wmbook.execute.keys import engine_fingerprint, python_fingerprint
from wmbook.execute.pagefiles import missed, over_budget, ship
from wmbook.execute.runner import WorkerServer, run_in_process
from wmbook.execute.sandbox import Limits
from wmbook.model import Outcome, SessionResult, SessionSpec
from wmbook.store import digest

ATTEMPTS = 2  # a session whose worker is lost runs once more, elsewhere
RESENDS = 3  # a session that missed files beside its page runs again with them, this many times at most

_server: WorkerServer | None = None
_server_lock = threading.Lock()
# The thread that starts the worker server: the server dies with the thread that started it
# (the kernel's parent-death signal follows a thread), and a task's thread may end with its task.
_starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wmbook-worker-server")
_turns: WorkerTurns | None = None


def fingerprint() -> str:
    """What must be equal here and on every worker for results to be the same: the
    Python and the wmbook that run the sessions."""
    return digest(python_fingerprint(), engine_fingerprint())


def worker_server() -> WorkerServer:
    """The worker server of this worker process, started (or started again, if it ended) on
    a thread that lives as long as the worker: the server dies with the thread that started it."""
    global _server
    with _server_lock:
        if _server is None:
            _server = WorkerServer()
            atexit.register(_server.stop)
        server = _server
    _starter.submit(server.start).result()
    return server


def start_worker_server() -> None:
    """Start this worker's server ahead of its first session (numpy and matplotlib load)."""
    worker_server()


class WorkerTurns:
    """The sessions of one worker process: as many run code at once as the worker has
    threads, and ``AHEAD`` times as many more are under way (being readied, waiting ready,
    or being ended)."""

    # Two per thread, one more than the local pool readies: a task reaches the worker's
    # thread only once the cluster has handed it over, after the last one left it.
    AHEAD = 2

    def __init__(self, threads: int) -> None:
        self.threads = max(1, threads)
        self.turns = threading.BoundedSemaphore(self.threads)
        self.under_way = threading.BoundedSemaphore((1 + self.AHEAD) * self.threads)


def worker_turns(threads: int) -> WorkerTurns:
    """This worker process's turns, for a worker of ``threads`` task threads (its first call's)."""
    global _turns
    with _server_lock:
        if _turns is None:
            _turns = WorkerTurns(threads)
        return _turns


class StepRelay:
    """The steps this worker's sessions start, sent on (by each task's ``send``) only once they
    have run ``DELAY`` seconds: the progress line names only steps that run for seconds, and
    a session of quick steps then costs the cluster no message at all.  A session's end is
    sent only if one of its steps was."""

    DELAY = 0.5  # seconds; the progress line's own threshold is seconds (``progress_after``)

    def __init__(self) -> None:
        self._changed = threading.Condition()
        # task: (when its step started, the step's Activity, where to send it)
        self._due: dict[str, tuple[float, Activity, Callable[[bytes], None]]] = {}
        self._shown: set[str] = set()  # tasks a step of which was sent
        self._thread: threading.Thread | None = None

    def started(self, task: str, page: str, line: int, send: Callable[[bytes], None]) -> None:
        """Task ``task`` started the step at ``page``:``line`` (sent if it runs ``DELAY`` s)."""
        with self._changed:
            self._due[task] = (time.monotonic(), Activity(task, page, line), send)
            if self._thread is None:
                self._thread = threading.Thread(target=self._send_due, name="wmbook-step-relay", daemon=True)
                self._thread.start()
            self._changed.notify()

    def ended(self, task: str, send: Callable[[bytes], None]) -> None:
        """Task ``task``'s session is over: its end is sent if a step of it was."""
        with self._changed:
            self._due.pop(task, None)
            if task not in self._shown:
                return
            self._shown.discard(task)
        send(encode(Activity(task)))

    def _send_due(self) -> None:
        while True:
            with self._changed:
                now = time.monotonic()
                due = [task for task, (since, _, _) in self._due.items() if now - since >= self.DELAY]
                sending = [(self._due.pop(task), now) for task in due]
                self._shown.update(due)
                if not sending:
                    first = min((since for since, _, _ in self._due.values()), default=None)
                    self._changed.wait(None if first is None else first + self.DELAY - now)
                    continue
            for (since, step, send), now in sending:
                send(encode(replace(step, ran=now - since)))


_relay = StepRelay()


def run_on_worker(
    request: bytes,
    task: str,
    send: Callable[[bytes], None] | None = None,
    leave: Callable[[], None] | None = None,
    threads: int = 1,
) -> bytes:
    """The task on a worker: run one session (an encoded ``WorkerRequest``) with wmbook's own
    isolation, sending each step it starts, and its end, to ``send`` as an encoded ``Activity``
    of ``task``.  The answer is an encoded ``WorkerAnswer``.

    ``leave`` hands the task's thread back to the cluster (which then starts its next task)
    once this session is under way; the session then waits for one of the worker's turns
    (``threads`` of them) to run its steps, readied while others run.  Without it, the
    task keeps its thread and runs at once."""
    asked = decode(request, WorkerRequest)
    report: Callable[[Running | None], None] | None = None
    if send is not None:
        relay = send

        def report(running: Running | None) -> None:
            if running is None:
                _relay.ended(task, relay)
            else:
                _relay.started(task, running.page, running.line, relay)

    server = worker_server()
    if leave is None:
        result = run_in_process(server, asked.spec, asked.limits, report)
    else:
        turns = worker_turns(threads)
        # Waited for in the cluster's thread: while as many sessions as may be are under way,
        # the cluster sends this worker no further task.
        with turns.under_way:
            leave()
            result = run_in_process(server, asked.spec, asked.limits, report, turns.turns)
    return encode(WorkerAnswer(fingerprint(), result))


def lost_result(spec: SessionSpec, detail: str) -> SessionResult:
    """A session that no worker could finish: its first step is reported, the rest not run."""
    return unfinished(spec, Outcome.LOST, detail, f"{spec.page}:{reported_step(spec).first_line}")


def with_page_files(spec: SessionSpec, looked_for: list[str] | None = None) -> SessionSpec:
    """The spec with files of its page's folder sent along (those its last run read among
    them); with ``looked_for`` (files a run looked for), those and as much more of the folder
    as may be sent."""
    if spec.folder is None:
        return spec
    sent = [path for path, _ in spec.folder.shipped or ()]
    expected = [] if over_budget(spec.folder, spec.folder.expected) else list(spec.folder.expected)
    also = [*sent, *expected, *(looked_for or [])]
    return replace(spec, folder=ship(spec.folder, also, again=looked_for is not None))


def unsent_result(session: SessionResult, paths: list[str], why: str, kind: str) -> SessionResult:
    """A session that read files beside its page that its ``kind`` worker did not have: its
    first step that did not finish says which (a step that finished without them says so too)."""
    verb = "was" if len(paths) == 1 else "were"
    detail = f"{', '.join(paths)} beside the page {verb} not on the {kind} worker ({why})"
    results = list(session.results)
    at = next((i for i, r in enumerate(results) if r.outcome is not Outcome.OK), None)
    if at is None:
        at = next((i for i, r in enumerate(results) if any(read.path in paths for read in r.reads)), 0)
        results[at] = replace(results[at], outcome=Outcome.LOST)
    results[at] = replace(results[at], detail=detail)
    return replace(session, results=tuple(results))


class Answered(msgspec.Struct, frozen=True):
    """The task ended with the worker's answer (what ``run_on_worker`` returned, or so it says)."""

    answer: object


class WorkerLost(msgspec.Struct, frozen=True):
    """The worker running the task went away; ``last`` names it."""

    last: str


class Failed(msgspec.Struct, frozen=True):
    """The task ended otherwise: cancelled (an interrupted build) or the cluster's error."""

    error: BaseException


Ending = Answered | WorkerLost | Failed


class Cluster(Protocol):
    """What a remote executor provides: a way to run tasks on workers."""

    kind: str  # how messages name its workers: "the {kind} worker running this session …"
    address: str  # where its scheduler is, for messages

    def launch(self, task: str, request: bytes, ended: Callable[[Ending], None]) -> None:
        """Run ``run_on_worker(request, task, send)`` on a worker, its ``send`` delivering each
        event to the relay given to ``listen``; call ``ended`` once with how it ended."""
        ...

    def listen(self, relay: Callable[[object], None]) -> None:
        """Deliver every event a task sends to ``relay`` (in any thread)."""
        ...

    def cancel(self) -> None:
        """Cancel every task still queued or running."""
        ...

    def close(self) -> None:
        """Let go of the cluster (it stays up)."""
        ...


class RemoteRunner:
    """A ``SessionRunner`` over a ``Cluster``: retries, files sent along, answers checked,
    progress relayed to ``progress``."""

    def __init__(self, cluster: Cluster, progress: Progress) -> None:
        self.cluster = cluster
        self.progress = progress
        self._fingerprint = fingerprint()
        self._lock = threading.Lock()
        self._ended: set[str] = set()  # tasks whose step events are over (a late one is dropped)
        cluster.listen(self.relay)

    def relay(self, event: object) -> None:
        """A worker started a step of a session (or finished the session); anything that is
        not an encoded ``Activity`` is dropped."""
        if not isinstance(event, bytes):
            return
        try:
            activity = decode(event, Activity)
        except ChannelError:
            return
        with self._lock:  # held while the board changes, so an ended task stays off it
            if activity.task in self._ended:
                return
            if activity.page:
                ran = activity.ran if 0.0 < activity.ran < math.inf else 0.0  # sent once it ran a while
                self.progress(activity.task, Running(activity.page, activity.line, time.monotonic() - ran))
            else:
                self._ended.add(activity.task)
                self.progress(activity.task, None)

    def _end_activity(self, task: str) -> None:
        with self._lock:
            self._ended.add(task)
            self.progress(task, None)

    def submit(
        self,
        spec: SessionSpec,
        after: Callable[[SessionResult], None] | None = None,
        limits: Limits | None = None,
    ) -> Future[SessionResult]:
        """Start a session on the cluster; the future resolves once ``after`` (storing the
        result) has been called with its result."""
        result: Future[SessionResult] = Future()
        self._attempt(with_page_files(spec), limits or Limits(), after, result, 1)
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
        # A fresh name per attempt: the cluster must not hand back the lost attempt's state.
        task = f"wmbook-session-{uuid.uuid4().hex}"

        def ended(how: Ending) -> None:
            self._end_activity(task)  # also when the worker was lost before it could say so
            if isinstance(how, Failed):
                result.set_exception(how.error)
                return
            if isinstance(how, WorkerLost):
                if attempt < ATTEMPTS:
                    self._attempt(spec, limits, after, result, attempt + 1, resent)
                    return
                detail = (
                    f"the {self.cluster.kind} worker running this session was lost {attempt} times "
                    f"(the last: {how.last or 'unknown'})"
                )
                session = lost_result(spec, detail)
            else:
                session = self.collect(how.answer, spec)
            folder = spec.folder
            unsent = missed(folder, session.reads) if folder is not None else []
            if folder is not None and unsent:
                sent = [path for path, _ in folder.shipped or ()]
                too_large = over_budget(folder, [*sent, *unsent])
                if too_large:
                    session = unsent_result(session, unsent, too_large, self.cluster.kind)
                elif resent >= RESENDS:
                    why = f"it was run {resent + 1} times, each time missing other files; list them in depends_on"
                    session = unsent_result(session, unsent, why, self.cluster.kind)
                else:  # run it again, with the files it looked for
                    self._attempt(with_page_files(spec, unsent), limits, after, result, attempt, resent + 1)
                    return
            if after is not None:
                after(session)
            result.set_result(session)

        self.cluster.launch(task, encode(WorkerRequest(spec, limits)), ended)

    def collect(self, answer: object, spec: SessionSpec) -> SessionResult:
        """The session's result from a worker's answer, if it is one and the worker runs the
        build's Python and wmbook; otherwise a lost session that says why."""
        where = f"a {self.cluster.kind} worker of {self.cluster.address}"
        if not isinstance(answer, bytes):
            return lost_result(spec, f"{where} answered with something that is not data")
        try:
            decoded = decode(answer, WorkerAnswer)
        except ChannelError as exc:
            return lost_result(spec, f"{where} sent {exc}")
        if decoded.fingerprint != self._fingerprint:
            detail = (
                f"{where} runs another Python or another wmbook than this build; "
                "install the same versions on the workers"
            )
            return lost_result(spec, detail)
        return decoded.result

    def interrupt(self) -> None:
        """Cancel every session still queued or running on the cluster (Ctrl-C, SIGTERM)."""
        self.cluster.cancel()

    def shutdown(self) -> None:
        """Cancel what runs, then let go of the cluster (it stays up)."""
        self.interrupt()
        self.cluster.close()
