"""Where a build keeps results and where its sessions run, from its settings: the store's
shared layer (``cache_url``) and the session runner (this machine's pool, or a Dask
cluster).  fsspec and distributed are imported only when a setting asks for them."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING

from wmbook.errors import BookError
from wmbook.execute.executor import SchedulerUnreachable, SessionRunner
from wmbook.execute.pool import shared_pool
from wmbook.settings import CACHE_URL_ENV, SCHEDULER_ENV, Settings
from wmbook.signing import SIGNING_KEY_ENV

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from wmbook.shared_process import SharedStoreProcess


def open_shared_store(url: str, signing_key: str = "", public_key: str = "") -> SharedStoreProcess | None:
    """Start opening the shared cache, when ``cache_url`` (or WMBOOK_CACHE_URL) names one:
    its helper process imports and connects while MkDocs reads the book.  A signing key
    must be an Ed25519 key, and the private half of ``public_key`` when that is set."""
    if not url:
        return None
    if signing_key:
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
    from wmbook.shared_process import SharedStoreProcess

    return SharedStoreProcess(url, signing_key, public_key)


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


def start_session_runner(settings: Settings) -> Future[SessionRunner]:
    """Start making the session runner while MkDocs reads the book: importing distributed
    and reaching the scheduler take a second. (This machine's worker server still starts
    with the first session: one started ahead of it, from another thread, delayed an
    interrupted build's stop by the server's exit report.)"""
    runner: Future[SessionRunner] = Future()

    def start() -> None:
        try:
            runner.set_result(shared_pool(settings.workers, settings.scheduler))
        except BaseException as exc:  # noqa: BLE001  (raised where the runner is needed: on_files)
            runner.set_exception(exc)

    threading.Thread(target=start, name="wmbook-runner-start", daemon=True).start()
    return runner


def session_runner(starting: Future[SessionRunner]) -> SessionRunner:
    """This machine's worker pool, or the Dask cluster when a scheduler is set."""
    try:
        return starting.result()
    except ImportError as exc:
        raise BookError(
            f"mkdocs.yml: plugins.wmbook.executor dask (or {SCHEDULER_ENV}) needs the distributed "
            f"package ({exc}): pip install wmbook[distributed]"
        ) from exc
    except SchedulerUnreachable as exc:
        raise BookError(
            f"mkdocs.yml: plugins.wmbook.scheduler (or {SCHEDULER_ENV}): {exc}; start the "
            "scheduler and its workers, or unset the address to run sessions on this machine"
        ) from exc
