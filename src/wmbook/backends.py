"""Where a build keeps results and where its sessions run, from its settings: the store's
shared layer (``cache_url``) and the session runner (this machine's pool, or a Dask
cluster).  fsspec and distributed are imported only when a setting asks for them."""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING

from mkdocs.exceptions import PluginError

from wmbook.config import CACHE_URL_ENV, SCHEDULER_ENV, Settings
from wmbook.execute.executor import SchedulerUnreachable, SessionRunner
from wmbook.execute.pool import shared_pool

if TYPE_CHECKING:
    from wmbook.shared_store import SharedStore


def open_shared_store(url: str) -> Future[SharedStore] | None:
    """Start opening the shared cache, when ``cache_url`` (or WMBOOK_CACHE_URL) names one."""
    if not url:
        return None
    from wmbook.shared_store import open_soon  # fsspec only when asked for

    return open_soon(url)


def shared_store(opening: Future[SharedStore] | None, url: str) -> SharedStore | None:
    """The shared layer of the store, once opened; a URL no store answers to is an error."""
    if opening is None:
        return None
    from wmbook.shared_store import SharedStoreError

    try:
        return opening.result()
    except SharedStoreError as exc:
        raise PluginError(
            f"mkdocs.yml: plugins.wmbook.cache_url (or {CACHE_URL_ENV}) {url!r}: {exc}; "
            "s3:// needs pip install wmbook[s3], gs:// wmbook[gcs], https:// wmbook[http]"
        ) from exc


def session_runner(settings: Settings) -> SessionRunner:
    """This machine's worker pool, or the Dask cluster when a scheduler is set."""
    try:
        return shared_pool(settings.workers, settings.scheduler)
    except ImportError as exc:
        raise PluginError(
            f"mkdocs.yml: plugins.wmbook.executor dask (or {SCHEDULER_ENV}) needs the distributed "
            f"package ({exc}): pip install wmbook[distributed]"
        ) from exc
    except SchedulerUnreachable as exc:
        raise PluginError(
            f"mkdocs.yml: plugins.wmbook.scheduler (or {SCHEDULER_ENV}): {exc}; start the "
            "scheduler and its workers, or unset the address to run sessions on this machine"
        ) from exc
