"""Executors as plug-ins: where a build's sessions run.

An executor is one module that declares an ``ExecutorPlugin`` and registers it under the
``wmbook.executors`` entry-point group (wmbook registers its own executors the
same way); ``executor: NAME`` in mkdocs.yml picks it.  Its ``start`` makes a ``SessionRunner``:
it runs each ``SessionSpec`` it is given and hands back a ``SessionResult``, ends running
sessions when the build is interrupted, lets go of what it holds at shutdown, and reports each
step as it starts (and each session as it ends) to the build's progress line.  An executor that
runs sessions on this machine uses wmbook's worker server (``runner.run_in_process``); one that
sends them elsewhere uses ``remote.RemoteRunner``, which brings the checks a result from another
machine needs.  Nothing here imports an executor's own packages: a plug-in is loaded only when it
is chosen.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from importlib.metadata import EntryPoint
from typing import Protocol

import msgspec

from wmbook.errors import not_registered
from wmbook.execute.sandbox import Limits
from wmbook.model import SessionResult, SessionSpec
from wmbook.registered import registered

ENTRY_POINT_GROUP = "wmbook.executors"
LOCAL = "local"  # sessions on this machine: the default
OWN = (LOCAL, "dask")  # wmbook's own executors (pyproject.toml registers them)


class Running(msgspec.Struct, frozen=True):
    """A step being run now: where it is written and since when (``time.monotonic``)."""

    page: str
    line: int
    since: float


class ActivityBoard:
    """What every running session is running at the moment, for progress reports."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[Hashable, Running] = {}

    def set(self, ident: Hashable, running: Running | None) -> None:
        """Record (or, with None, clear) what session ``ident`` runs."""
        with self._lock:
            if running is None:
                self._running.pop(ident, None)
            else:
                self._running[ident] = running

    def snapshot(self) -> list[Running]:
        """The steps running now, longest-running first."""
        with self._lock:
            return sorted(self._running.values(), key=lambda r: r.since)


ACTIVITY = ActivityBoard()

# A progress event: session ``ident`` (any key unique while it runs) started a step, or, with
# None, is over.  The build's progress line reads what these events leave on ``ACTIVITY``.
Progress = Callable[[Hashable, Running | None], None]


class SchedulerUnreachable(Exception):
    """Nothing that runs sessions answered at the configured ``scheduler`` address."""


class ExecutorError(ValueError):
    """The ``executor`` setting names nothing installed, or lacks what it needs."""


class SessionRunner(Protocol):
    """Runs sessions for a build; it may outlive the build (``serve`` keeps it)."""

    def submit(
        self,
        spec: SessionSpec,
        after: Callable[[SessionResult], None] | None = None,
        limits: Limits | None = None,
    ) -> Future[SessionResult]:
        """Start a session; the future resolves once ``after`` (storing the result) has been
        called with its result.  A session that could not run resolves to a result that says
        why at its first step (``Outcome.LOST``), not to an exception."""
        ...

    def interrupt(self) -> None:
        """End every running or queued session now (Ctrl-C, SIGTERM); their futures then
        resolve at once."""
        ...

    def shutdown(self) -> None:
        """Let go of workers and connections (the end of ``serve`` or of the process)."""
        ...


class RunnerOptions(msgspec.Struct, frozen=True):
    """What a build tells an executor when it starts one."""

    workers: int  # sessions at a time on this machine (the workers setting)
    address: str  # the scheduler setting; "" when none is set
    progress: Progress  # where each step starting and each session ending is reported


class ExecutorPlugin(msgspec.Struct, frozen=True):
    """What an executor's module declares (the object its entry point names)."""

    start: Callable[[RunnerOptions], SessionRunner]
    summary: str  # one line: where it runs sessions
    address: str = ""  # what the scheduler setting means to it; "" when it takes no address
    address_example: str = ""  # an address, as written in mkdocs.yml
    # Address schemes (``tcp`` of tcp://host:8786, "" for none) for which WMBOOK_SCHEDULER alone,
    # with executor left at local, selects this executor.
    schemes: tuple[str, ...] = ()
    requires: str = ""  # what ``start`` imports that may not be installed, for the error
    install: str = ""  # how to install it


@functools.cache
def _points() -> dict[str, EntryPoint]:
    """The entry points of the group by name (the first of a name wins), read once per process:
    scanning the installed distributions takes tens of milliseconds."""
    found: dict[str, EntryPoint] = {}
    for point in registered(ENTRY_POINT_GROUP):
        found.setdefault(point.name, point)
    return dict(sorted(found.items()))


def installed() -> dict[str, str]:
    """The registered executors' names and where each is declared (module:attribute)."""
    return {name: point.value for name, point in _points().items()}


def unknown(name: str) -> str:
    """What to say of a name no executor is registered as."""
    names = installed()
    missing = [own for own in OWN if own not in names]
    if missing:  # an install made before the entry points existed: nothing else is wrong
        return f"{name!r} is not an installed executor: " + not_registered(
            "executors", missing, ENTRY_POINT_GROUP
        )
    return (
        f"{name!r} is not an installed executor; installed: {', '.join(names)} "
        f"(a package adds one under the {ENTRY_POINT_GROUP} entry point)"
    )


def load(name: str) -> ExecutorPlugin:
    """The executor registered as ``name``; ``ExecutorError`` naming the installed ones if
    none is, or if what is registered is not an ``ExecutorPlugin``."""
    point = _points().get(name)
    if point is None:
        raise ExecutorError(unknown(name))
    declared = point.load()
    if not isinstance(declared, ExecutorPlugin):
        raise ExecutorError(
            f"the executor {name!r} ({point.value}) is not a wmbook.execute.executors.ExecutorPlugin"
        )
    return declared


def _scheme(address: str) -> str:
    return address.partition("://")[0] if "://" in address else ""


def by_scheme(address: str, variable: str) -> str:
    """The installed executor that takes addresses of ``address``'s scheme (``variable`` set
    it alone, so CI can switch without editing mkdocs.yml)."""
    scheme = _scheme(address)
    for candidate in installed():
        if candidate == LOCAL:
            continue
        try:
            schemes = load(candidate).schemes
        except (ImportError, ExecutorError):
            continue  # an executor that cannot load takes no address
        if scheme in schemes:
            return candidate
    kind = f"{scheme}://" if scheme else "scheme-less"
    raise ExecutorError(
        f"{variable}={address!r}: no installed executor takes {kind} addresses; "
        f"name one in mkdocs.yml: plugins.wmbook.executor (installed: {', '.join(installed())})"
    )


def address_for(name: str, given: str, variable: str) -> str:
    """The scheduler address executor ``name`` uses: ``given``, or "" for one that takes none;
    an executor that needs one and has none is an error that says what to set."""
    executor = load(name)
    if not executor.address:
        return ""
    if not given.strip():
        raise ExecutorError(
            f"mkdocs.yml: plugins.wmbook.executor is {name}, so set scheduler: {executor.address_example} "
            f"(or {variable}) to {executor.address}"
        )
    return given.strip()
