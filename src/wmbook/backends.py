"""Where a build keeps results and where its sessions run, from its settings: the store's
shared layer (``cache_url``) and the session runner (the executor the settings name).
fsspec, and an executor's own packages, are imported only when a setting asks for them."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from wmbook.errors import BookError
from wmbook.execute.executor import CacheMode
from wmbook.execute.executors import (
    ACTIVITY,
    LOCAL,
    ExecutorPlugin,
    RunnerOptions,
    SchedulerUnreachable,
    SessionRunner,
    load,
)
from wmbook.execute.pool import shared_pool
from wmbook.execute.sandbox import Limits
from wmbook.model import SessionResult, SessionSpec
from wmbook.settings import CACHE_URL_ENV, SCHEDULER_ENV, Settings, resolve_settings
from wmbook.signing import SIGNING_KEY_ENV

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from wmbook.shared_process import SharedStoreProcess


def open_shared_store(url: str, signing_key: str = "", public_key: str = "") -> SharedStoreProcess | None:
    """Start opening the shared cache, when ``cache_url`` (or WMBOOK_CACHE_URL) names one:
    its helper process imports and connects while MkDocs reads the book.  A signing key
    must be an Ed25519 key, and the private half of ``public_key`` when that is set."""
    if url and signing_key:
        from wmbook.signing import CacheKeyError, private_key, public_text

        try:
            owner = public_text(private_key(signing_key))
        except CacheKeyError as exc:
            raise BookError(f"{SIGNING_KEY_ENV}: {exc}; make a pair with python -m wmbook.keys") from exc
        if public_key and owner != public_text(_public(public_key)):
            raise BookError(
                f"{SIGNING_KEY_ENV} is not the private key of plugins.wmbook.cache_public_key in mkdocs.yml; "
                f"its public key is {owner}"
            )
    if not url and "wmbook.shared_process" not in sys.modules:
        return None  # nor was a helper started early: its module loads only to start one
    from wmbook.shared_process import SharedStoreProcess, take_early

    early = take_early(url)  # started as MkDocs loaded the plugin; ended when it serves another URL
    if not url:
        return None
    helper = early or SharedStoreProcess(url)
    helper.start(signing_key, public_key)
    return helper


def _public(text: str) -> Ed25519PublicKey:
    from wmbook.signing import public_key

    return public_key(text)


def shared_store(opening: SharedStoreProcess | None, url: str) -> SharedStoreProcess | None:
    """The shared layer of the store; a URL no store answers to is an error."""
    if opening is None:
        return None
    problem = opening.problem()
    if problem:
        opening.close()
        raise BookError(
            f"mkdocs.yml: plugins.wmbook.cache_url (or {CACHE_URL_ENV}) {url!r}: {problem}; "
            "s3:// needs pip install wmbook[s3], gs:// wmbook[gcs], https:// wmbook[http]"
        )
    return opening


def sessions_expected(settings: Settings, docs_dir: str = "") -> bool:
    """Whether the build will run sessions, as far as can be told before the book is read:
    every session runs (``cache: force``); this folder has never been built (nothing stored
    here, no earlier build's report); or a page under ``docs_dir`` changed since the last
    build of a book that runs code.  Never with a shared cache, which may hold the results."""
    if settings.cache_mode is CacheMode.FORCE:
        return True
    if settings.cache_mode is CacheMode.CACHE_ONLY or settings.cache_url:
        return False
    stored = os.path.exists(os.path.join(settings.cache_dir, "sessions"))
    try:
        built = os.stat(os.path.join(settings.cache_dir, "last-build.json")).st_mtime
    except OSError:
        return not stored
    return stored and bool(docs_dir) and _page_changed_since(docs_dir, built)


def _page_changed_since(folder: str, when: float) -> bool:
    """Whether a Markdown page or notebook under ``folder`` was written after ``when``."""
    todo = [folder]
    while todo:
        with contextlib.suppress(OSError), os.scandir(todo.pop()) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    todo.append(entry.path)
                elif entry.name.endswith((".md", ".ipynb")) and entry.stat().st_mtime > when:
                    return True
    return False


def start_session_runner(settings: Settings, docs_dir: str = "") -> Future[SessionRunner]:
    """Start making the session runner while MkDocs reads the book: importing an executor's
    packages and reaching its scheduler take a second.  This machine's worker server starts
    too when sessions will run for sure (``sessions_expected``): it loads numpy and matplotlib
    while the book is read.  Otherwise this machine's runner is made when the first session
    runs (``RunnerWhenNeeded``), so that a build whose results are all stored imports none of
    it and never starts the server."""
    runner: Future[SessionRunner] = Future()
    options = RunnerOptions(settings.workers, settings.scheduler, ACTIVITY.set)

    def start() -> None:
        # Looked at here, off the build's thread (a big book has many pages to look at), and
        # before the build may run a session, which would store results.
        early = False
        if settings.executor == LOCAL:
            with contextlib.suppress(Exception):  # a guess: it must never keep the runner from the build
                early = sessions_expected(settings, docs_dir)
            if not early:
                _end_unused_early_server()
                runner.set_result(RunnerWhenNeeded(lambda: made_runner(settings, options)))
                return
        try:
            pool = made_runner(settings, options)
        except BaseException as exc:  # noqa: BLE001  (raised where the runner is needed: on_files)
            runner.set_exception(exc)
            return
        finally:
            _end_unused_early_server()
        runner.set_result(pool)
        from wmbook.execute.runner import SessionPool  # loaded with the local executor already

        if early and isinstance(pool, SessionPool):
            with contextlib.suppress(Exception):  # the first session tries again, and says why not
                pool.server.launch()

    threading.Thread(target=start, name="wmbook-runner-start", daemon=True).start()
    return runner


def start_server_early(options: Mapping[str, Any], root: str, docs_dir: str) -> None:
    """As MkDocs loads the plugin, before the plugin's own modules load: launch this machine's
    worker server when the book's sessions will surely run and nothing but the settings and
    the cache folder tell it (``cache: force``, or a book never built here), so that numpy and
    matplotlib load on another core while MkDocs reads the rest of its configuration.  The
    build's pool takes it (``start_session_runner``); one it does not take is ended there.
    ``options``: the plugin's options, validated."""
    settings = resolve_settings(options, root, docs_dir)
    if settings.executor == LOCAL and sessions_expected(settings):  # no pages looked at: see above
        from wmbook.execute.runner import launch_early_server

        launch_early_server()


def _end_unused_early_server() -> None:
    """End a worker server launched early (``start_server_early``) that the build's pool did
    not take: its sessions run elsewhere, or this process has a pool already."""
    if "wmbook.execute.runner" in sys.modules:  # loaded by then when one was launched
        from wmbook.execute.runner import end_early_server

        end_early_server()


def made_runner(settings: Settings, options: RunnerOptions) -> SessionRunner:
    """The runner of the executor the settings name (the process's, when it has one for
    these options); a ``BookError`` that says what to install or start when it cannot be made."""
    executor: ExecutorPlugin | None = None
    try:
        executor = load(settings.executor)  # the settings have checked that it is installed
        return shared_pool(settings.executor, executor, options)
    except (ImportError, SchedulerUnreachable) as exc:
        raise runner_error(settings.executor, executor, exc) from exc


def runner_error(
    name: str, executor: ExecutorPlugin | None, exc: ImportError | SchedulerUnreachable
) -> BookError:
    """What the build says when executor ``name`` (None: its module did not import) cannot
    start: a package it needs is not installed, or nothing answers at its address."""
    if isinstance(exc, ImportError):
        needs = (executor and executor.requires) or f"the {exc.name or 'missing'} package"
        install = f": {executor.install}" if executor and executor.install else ""
        return BookError(
            f"mkdocs.yml: plugins.wmbook.executor {name} (or {SCHEDULER_ENV}) needs {needs} ({exc}){install}"
        )
    return BookError(
        f"mkdocs.yml: plugins.wmbook.scheduler (or {SCHEDULER_ENV}): {exc}; start the "
        "scheduler and its workers, or unset the address to run sessions on this machine"
    )


def session_runner(starting: Future[SessionRunner]) -> SessionRunner:
    """The runner of the executor the settings name, once started (or why it could not)."""
    return starting.result()


class RunnerWhenNeeded:
    """A session runner made (by ``make``) when the first session is submitted to it, from
    whichever thread submits first."""

    def __init__(self, make: Callable[[], SessionRunner]) -> None:
        self._make = make
        self._lock = threading.Lock()
        self._runner: SessionRunner | None = None

    def _made(self) -> SessionRunner:
        with self._lock:
            if self._runner is None:
                self._runner = self._make()
            return self._runner

    def submit(
        self,
        spec: SessionSpec,
        after: Callable[[SessionResult], None] | None = None,
        limits: Limits | None = None,
    ) -> Future[SessionResult]:
        """Start a session (the runner is made first, if this is the first)."""
        return self._made().submit(spec, after, limits)

    def interrupt(self) -> None:
        """End the running sessions, if any session was started."""
        with self._lock:
            runner = self._runner
        if runner is not None:
            runner.interrupt()

    def shutdown(self) -> None:
        """Let go of the runner, if it was made."""
        with self._lock:
            runner = self._runner
        if runner is not None:
            runner.shutdown()
