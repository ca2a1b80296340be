"""The build's start, once the page set is final: the ``Book``, its sessions under their
limits, the progress report, and the assets the pages need.

Called from the plugin's ``on_files``; nothing here knows MkDocs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from wmbook import stages
from wmbook.assets_files import SiteAssets, site_assets
from wmbook.backends import open_shared_store, shared_store, start_session_runner
from wmbook.book import Book
from wmbook.errors import BookError
from wmbook.execute.cache import SessionCache
from wmbook.execute.cgroups import whole_session_limits
from wmbook.execute.executor import Executor
from wmbook.execute.executors import SessionRunner
from wmbook.execute.landlock import unenforced
from wmbook.execute.sandbox import Limits, landlock_abi
from wmbook.instruments.registry import InstrumentRegistry
from wmbook.kinds import registry
from wmbook.kinds.base import BlockKind
from wmbook.model import AssetKind
from wmbook.parse.snippets import SnippetReader
from wmbook.progress import ProgressReporter
from wmbook.settings import CacheKey, Settings
from wmbook.store import Store

if TYPE_CHECKING:
    from wmbook.shared_process import SharedStoreProcess

Log = logging.Logger | logging.LoggerAdapter[logging.Logger]


class Site(msgspec.Struct, frozen=True):
    """What the book needs to know of the site that publishes it."""

    root: str  # the folder of the site's configuration file
    docs_dir: str
    name: str = ""
    url: str = ""
    snippets: SnippetReader | None = None  # the site's pymdownx.snippets settings, if it uses them


def start_backends(
    settings: Settings, signing_key: str, docs_dir: str = ""
) -> tuple[SharedStoreProcess | None, Future[SessionRunner]]:
    """Start opening the shared cache and making the session runner while the site is read
    (``docs_dir``: the pages, whose changes tell whether sessions will run)."""
    shared = open_shared_store(settings.cache_url, signing_key, settings.cache_public_key)
    return shared, start_session_runner(settings, docs_dir)


class Started(msgspec.Struct, frozen=True):
    """A build under way: its book, the progress report, the assets its site gets."""

    book: Book
    progress: ProgressReporter
    assets: SiteAssets


def start_build(
    settings: Settings,
    site: Site,
    shared: SharedStoreProcess | None,
    files: Iterable[stages.SourceFile],
    runner: Callable[[], SessionRunner],
    log: Log,
) -> Started:
    """Parse every page and start every session (``runner``, and the helper's word on
    ``shared``'s URL, are awaited once the pages are read); choose the assets the book uses."""
    book = open_book(settings, site, shared)
    stages.load_references(book)
    read = stages.parse(book, files)  # set aside (parsed again as MkDocs renders it), or kept whole
    shared_store(shared, settings.cache_url)  # a URL no store answers to stops the build here
    executor = session_executor(book, runner(), log)
    progress = start_progress(book, log)
    stages.execute(book, executor, read)
    runtime = choose_assets(book, read)
    return Started(book, progress, site_assets(book.assets, runtime, block_kinds_used(read)))


def open_book(settings: Settings, site: Site, shared: SharedStoreProcess | None) -> Book:
    """The ``Book`` of one build, over the store (this machine's, and ``shared`` behind it)."""
    store = Store(Path(settings.cache_dir), shared)
    return Book(
        settings=settings,
        root=site.root,
        docs_dir=site.docs_dir,
        store=store,
        instruments=InstrumentRegistry(settings.instruments),
        site_name=site.name,
        site_url=site.url,
        accept_hint=accept_hint(site.root),
        snippets=site.snippets,
    )


def accept_hint(root: str) -> str:
    """How this book takes new outputs: the environment variable, and nox where it has it."""
    hint = "WMBOOK_ACCEPT=1 mkdocs build"
    try:
        with open(Path(root) / "noxfile.py", encoding="utf-8") as file:
            has_session = "def accept(" in file.read()
    except OSError:
        has_session = False
    return f"nox -s accept, or {hint}," if has_session else hint


def session_limits(settings: Settings) -> Limits:
    """What sessions may use and reach, from the book's settings."""
    return Limits(
        sandbox=settings.sandbox,
        memory_bytes=settings.memory_bytes,
        file_bytes=settings.file_bytes,
        processes=settings.max_processes,
        network=settings.network,
        readable=settings.sandbox_read,
        environment=settings.env,
        display_bytes=settings.display_bytes,
    )


def session_executor(book: Book, runner: SessionRunner, log: Log) -> Executor:
    """The executor of this build: the store's cache first, ``runner`` on a miss; what of the
    sandbox this system cannot enforce is said once."""
    settings = book.settings
    limits = session_limits(settings)
    report_sandbox(limits, landlock_abi(), log)
    return Executor(
        runner,
        SessionCache(book.store),
        settings.cache_mode,
        whole_environment=settings.cache_key is CacheKey.ENVIRONMENT,
        limits=limits,
    )


def start_progress(book: Book, log: Log) -> ProgressReporter:
    """The report of long-running sessions, started (stopped by the report stage's caller)."""
    progress = ProgressReporter(log, book.settings.progress_after)
    progress.start()
    return progress


def choose_assets(book: Book, pages: Sequence[stages.ReadPage]) -> Path | None:
    """Which asset kinds every page links (math, instruments, runner); the folder of
    Pyodide's files when readers may run blocks, or a page has blocks only a browser runs
    (fetched once into the cache)."""
    book.assets |= {asset for p in pages for asset in p.assets if asset is not AssetKind.MATH}
    if book.settings.math and any(p.has_math for p in pages):
        book.assets.add(AssetKind.MATH)
    # markdown-exec's pyodide fences run in the reader's browser only: they bring the runner.
    pyodide_page = next((p.page.parsed.path for p in pages if p.browser_only), "")
    if not book.settings.run_in_browser and not pyodide_page:
        return None
    from wmbook.runner.pyodide import RuntimeUnavailable, ensure_runtime, runtime_bytes

    try:
        runtime = ensure_runtime(Path(book.settings.cache_dir))
    except RuntimeUnavailable as exc:
        where = "mkdocs.yml: plugins.wmbook.run_in_browser" if book.settings.run_in_browser else pyodide_page
        raise BookError(f"{where}: {exc}") from exc
    book.runtime_bytes = runtime_bytes(runtime)
    book.assets.add(AssetKind.RUNNER)
    return runtime


def block_kinds_used(pages: Iterable[stages.ReadPage]) -> list[BlockKind[Any]]:
    """The block kinds some page of the book has a block of (their own files are shipped)."""
    used = {kind for page in pages for kind in page.kinds}
    return [kind for kind in registry().kinds if kind.record in used]


def report_sandbox(limits: Limits, abi: int, log: Log) -> None:
    """Say, once per build, what of the sandbox this system cannot enforce."""
    if limits.sandbox and abi <= 0:
        log.warning(
            "this system offers no Landlock, so the sandbox is off: a block may read and write anywhere "
            "you can, and open connections (set sandbox: false to say that is intended)"
        )
    elif limits.sandbox and (gaps := unenforced(abi, limits.network)):
        log.warning(
            "this system's Landlock cannot confine %s: sessions are not kept from it", " nor ".join(gaps)
        )
    counted = whole_session_limits()
    per_process = [
        what
        for what, name, wanted in (
            ("memory", "memory", limits.memory_bytes),
            ("processes", "pids", limits.processes),
        )
        if wanted and name not in counted
    ]
    if per_process:
        # Not a warning: most CI runners have no cgroup to give, and --strict would stop every build.
        log.info(
            "no cgroup can be made here, so %s are limited per process (and per user), not for a "
            "session as a whole",
            " and ".join(per_process),
        )
