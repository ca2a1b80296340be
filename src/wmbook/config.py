"""wmbook's settings: the plugin's options in mkdocs.yml, then the environment.

```yaml
plugins:
  - search
  - wmbook:
      timeout: 60
```
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass

import pathspec
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError

from wmbook.parse.marked import ExecuteMode

ACCEPT_ENV = "WMBOOK_ACCEPT"
WORKERS_ENV = "WMBOOK_WORKERS"
VERBOSE_ENV = "WMBOOK_VERBOSE"
CACHE_ENV = "WMBOOK_CACHE"
CACHE_URL_ENV = "WMBOOK_CACHE_URL"
SCHEDULER_ENV = "WMBOOK_SCHEDULER"
EXECUTORS = ("local", "dask")
CACHE_MODES = ("auto", "force", "cache-only")
CACHE_KEYS = ("imports", "environment")
EXECUTE_MODES = ("all", "marked")
ON_ERROR = ("fail", "warn")


class WmbookConfig(base.Config):  # type: ignore[no-untyped-call]
    """The plugin's options (``plugins: - wmbook: {...}``)."""

    timeout = c.Type((int, float), default=60)  # default limit per block, seconds
    workers = c.Type(int, default=0)  # session processes at a time; 0: one per core
    verbose = c.Type(bool, default=False)  # a per-session table at the end of the build
    cache = c.Choice(CACHE_MODES, default="auto")
    cache_dir = c.Type(str, default=".cache/wmbook")  # relative to mkdocs.yml
    cache_max_age_days = c.Type((int, float), default=30)
    cache_max_mb = c.Type((int, float), default=500)
    # imports: a session's entry stays valid until a distribution it imported changes;
    # environment: until anything installed changes.
    cache_key = c.Choice(CACHE_KEYS, default="imports")
    cache_url = c.Optional(c.Type(str))  # a shared cache: any fsspec URL (s3://bucket/prefix, …)
    # Entries of the shared cache are used only when signed by this key's owner (Ed25519, base64).
    cache_public_key = c.Optional(c.Type(str))
    executor = c.Choice(EXECUTORS, default="local")  # dask: sessions run on a Dask cluster
    scheduler = c.Optional(c.Type(str))  # the Dask scheduler's address, tcp://host:8786
    bibliography = c.Optional(c.Type(str))  # default: references.bib in docs_dir
    instruments = c.Type(dict, default={})  # extra instruments: {name: "module:attribute"}
    progress_after = c.Type((int, float), default=3)  # report sessions running longer (s)
    sandbox = c.Type(bool, default=True)  # sessions may write only in their own folder (Landlock)
    memory_limit_mb = c.Type(int, default=0)  # memory of a session as a whole; 0: a quarter of the RAM
    max_output_mb = c.Type((int, float), default=64)  # what a session may write in its folder, in all
    max_display_mb = c.Type((int, float), default=5)  # a page's rich outputs together; the rest are cut
    max_processes = c.Type(int, default=512)  # processes and threads of a session as a whole
    network = c.Type(bool, default=False)  # whether sessions may open TCP connections
    sandbox_read = c.ListOfItems(c.Type(str), default=[])  # more paths sessions may read (from mkdocs.yml)
    env = c.ListOfItems(c.Type(str), default=[])  # more environment variables sessions see
    run_in_browser = c.Type(bool, default=False)  # readers may edit and run blocks (Pyodide)
    # Markdown pages' blocks run with IPython's semantics (magics, !cmd, ;) as notebooks' do.
    ipython = c.Type(bool, default=False)
    packages_url = c.Optional(c.Type(str))  # where Pyodide loads numpy & co. from; default: its CDN
    # all: every python fence runs unless exec="off"; marked: only exec="on" (or 1/true/yes) ones
    execute = c.Choice(EXECUTE_MODES, default="all")
    exclude = c.ListOfItems(c.Type(str), default=[])  # pages never run (patterns as in exclude_docs)
    on_error = c.Choice(ON_ERROR, default="fail")  # warn: problems are warnings (fail only --strict)
    math = c.Type(bool, default=True)  # False: wmbook leaves math alone (no arithmatex, no KaTeX)


@dataclass(frozen=True)
class Settings:
    """Validated settings for one build, environment overrides applied."""

    timeout: float
    workers: int
    accept: bool
    verbose: bool
    cache_mode: str
    cache_dir: str  # absolute
    cache_max_age_days: float
    cache_max_bytes: int
    cache_key: str
    bibliography: str  # absolute path
    bibliography_explicit: bool  # set in mkdocs.yml (a missing file is then an error)
    instruments: dict[str, str]
    progress_after: float
    run_in_browser: bool
    packages_url: str
    sandbox: bool = True
    memory_bytes: int = 0
    file_bytes: int = 0
    display_bytes: int = 5 * 2**20  # a page's rich outputs together
    max_processes: int = 0
    network: bool = False
    sandbox_read: tuple[str, ...] = ()  # absolute paths
    env: tuple[str, ...] = ()
    cache_url: str = ""  # the shared cache; "" for none
    cache_public_key: str = ""  # verifies the shared cache's entries; "" to trust them unverified
    scheduler: str = ""  # the Dask scheduler; "" to run sessions on this machine
    execute: ExecuteMode = ExecuteMode.ALL
    exclude: tuple[str, ...] = ()  # pages never run, as gitignore-style patterns (like exclude_docs)
    on_error: str = "fail"
    math: bool = True
    ipython: bool = False  # Markdown pages run with IPython's semantics (notebooks always do)

    def page_mode(self, src_uri: str) -> ExecuteMode:
        """Which fences of a page run by the site's settings (its front matter may change it)."""
        if self.exclude and _exclusion(self.exclude).match_file(src_uri):
            return ExecuteMode.NONE
        return self.execute


@functools.cache
def _exclusion(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def resolve_settings(options: WmbookConfig, root: str, docs_dir: str) -> Settings:
    """Check the options' values and apply the environment; errors name the setting."""
    where = "mkdocs.yml: plugins.wmbook"
    if options.timeout <= 0:
        raise PluginError(f"{where}.timeout must be a positive number of seconds")
    if options.memory_limit_mb < 0 or options.max_output_mb <= 0 or options.max_display_mb <= 0:
        raise PluginError(f"{where}.memory_limit_mb must be >= 0, max_output_mb and max_display_mb > 0")
    if options.max_processes < 0:
        raise PluginError(f"{where}.max_processes must be >= 0 (0: no limit)")
    if options.progress_after < 0:
        raise PluginError(f"{where}.progress_after must be a number of seconds >= 0")
    for name, target in options.instruments.items():
        if not isinstance(name, str) or not isinstance(target, str) or ":" not in target:
            raise PluginError(f"{where}.instruments: write each as  name: 'package.module:ATTRIBUTE'")
    workers = options.workers
    env_workers = os.environ.get(WORKERS_ENV, "").strip()
    if env_workers:
        if not env_workers.isdigit():
            raise PluginError(f"{WORKERS_ENV}={env_workers!r} must be a whole number")
        workers = int(env_workers)
    if workers <= 0:
        workers = os.cpu_count() or 1
    cache_mode = os.environ.get(CACHE_ENV, "").strip() or options.cache
    if cache_mode not in CACHE_MODES:
        raise PluginError(f"{CACHE_ENV}={cache_mode!r} must be one of {', '.join(CACHE_MODES)}")
    explicit = options.bibliography is not None
    bibliography = (
        os.path.join(root, str(options.bibliography))
        if explicit
        else os.path.join(docs_dir, "references.bib")
    )
    if explicit and not os.path.isfile(bibliography):
        raise PluginError(f"{where}.bibliography: {bibliography} does not exist")
    return Settings(
        cache_url=_cache_url(options.cache_url, root),
        cache_public_key=_public_key(options.cache_public_key),
        scheduler=_scheduler(options.executor, options.scheduler),
        timeout=float(options.timeout),
        workers=workers,
        accept=_env_flag(ACCEPT_ENV),
        verbose=options.verbose or _env_flag(VERBOSE_ENV),
        cache_mode=cache_mode,
        cache_dir=os.path.join(root, options.cache_dir),
        cache_max_age_days=float(options.cache_max_age_days),
        cache_max_bytes=int(options.cache_max_mb * 1024 * 1024),
        cache_key=options.cache_key,
        bibliography=bibliography,
        bibliography_explicit=explicit,
        instruments=dict(options.instruments),
        progress_after=float(options.progress_after),
        run_in_browser=options.run_in_browser,
        packages_url=_packages_url(options.packages_url),
        sandbox=options.sandbox,
        memory_bytes=_memory_bytes(options.memory_limit_mb),
        file_bytes=int(options.max_output_mb * 1024 * 1024),
        execute=ExecuteMode(options.execute),
        exclude=tuple(options.exclude),
        on_error=options.on_error,
        math=options.math,
        ipython=options.ipython,
        display_bytes=int(options.max_display_mb * 1024 * 1024),
        max_processes=options.max_processes,
        network=options.network,
        sandbox_read=tuple(os.path.join(root, os.path.expanduser(p)) for p in options.sandbox_read),
        env=tuple(options.env),
    )


def _cache_url(given: str | None, root: str) -> str:
    """The shared cache's URL (the environment wins); a plain path is relative to mkdocs.yml."""
    url = os.environ.get(CACHE_URL_ENV, "").strip() or (given or "").strip()
    if url and "://" not in url:
        url = os.path.join(root, os.path.expanduser(url))
    return url


def _public_key(given: str | None) -> str:
    """The shared cache's public key, checked; "" when none is set."""
    if not (given or "").strip():
        return ""
    from wmbook.signing import CacheKeyError, public_key

    try:
        public_key(str(given))
    except CacheKeyError as exc:
        raise PluginError(
            f"mkdocs.yml: plugins.wmbook.cache_public_key: {exc}; make a pair with python -m wmbook.keys"
        ) from exc
    return str(given).strip()


def _scheduler(executor: str, given: str | None) -> str:
    """The Dask scheduler's address when sessions run on a cluster, else ''.  The
    environment alone selects the cluster, so CI can switch without editing mkdocs.yml."""
    address = os.environ.get(SCHEDULER_ENV, "").strip()
    if address:
        return address
    if executor != "dask":
        return ""
    address = (given or "").strip()
    if not address:
        raise PluginError(
            "mkdocs.yml: plugins.wmbook.executor is dask, so set scheduler: tcp://HOST:8786 "
            f"(or {SCHEDULER_ENV}) to the Dask scheduler's address"
        )
    return address


def _memory_bytes(megabytes: int) -> int:
    from wmbook.execute.sandbox import default_memory_bytes

    return megabytes * 1024 * 1024 if megabytes > 0 else default_memory_bytes()


def _packages_url(given: str | None) -> str:
    from wmbook.runner.pyodide import DEFAULT_PACKAGES_URL

    url = given or DEFAULT_PACKAGES_URL
    return url if url.endswith("/") else url + "/"


def reject_old_settings(extra: object) -> None:
    """Settings under ``extra: wmbook:`` are not read any more: say where they go."""
    if isinstance(extra, Mapping) and "wmbook" in extra:
        raise PluginError(
            "mkdocs.yml: extra.wmbook is no longer read; move its settings under the plugin:\n"
            "plugins:\n  - wmbook:\n      timeout: 60   # and the other settings that were under extra.wmbook"
        )
