"""The settings of one build: a frozen record the engine reads, each field derived from one
option of the book's configuration (``wmbook.config`` declares them for mkdocs.yml) after the
``WMBOOK_*`` variables of the environment (``ENVIRONMENT``) are applied.
"""

from __future__ import annotations

import enum
import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, cast

import msgspec
import pathspec

from wmbook.errors import BookError
from wmbook.execute.executor import CacheMode
from wmbook.parse.marked import ExecuteMode

ACCEPT_ENV = "WMBOOK_ACCEPT"
WORKERS_ENV = "WMBOOK_WORKERS"
VERBOSE_ENV = "WMBOOK_VERBOSE"
CACHE_ENV = "WMBOOK_CACHE"
CACHE_URL_ENV = "WMBOOK_CACHE_URL"
SCHEDULER_ENV = "WMBOOK_SCHEDULER"
WHERE = "mkdocs.yml: plugins.wmbook"


class CacheKey(enum.StrEnum):
    """What keeps a session's cache entry valid."""

    IMPORTS = "imports"  # until a distribution the session imported changes
    ENVIRONMENT = "environment"  # until anything installed changes


class OnError(enum.StrEnum):
    """What a problem in a block does to the build."""

    FAIL = "fail"
    WARN = "warn"  # problems are warnings (a --strict build still fails)


def _values(choices: type[enum.Enum], *left_out: enum.Enum) -> tuple[str, ...]:
    """An enum's values, as ``config_options.Choice`` lists them in its messages."""
    return tuple(str(member.value) for member in choices if member not in left_out)


CACHE_MODES = _values(CacheMode)
CACHE_KEYS = _values(CacheKey)
EXECUTE_MODES = _values(ExecuteMode, ExecuteMode.NONE)  # none is a page's own (execute: false)
ON_ERROR = _values(OnError)


# -- the environment ------------------------------------------------------------------------


def _flag(name: str, text: str) -> bool | None:
    """A WMBOOK_ flag: true when set to 1/true/yes/on; otherwise it leaves the option alone."""
    return True if text.strip().lower() in ("1", "true", "yes", "on") else None


def _whole_number(name: str, text: str) -> int | None:
    if not text.strip():
        return None
    if not text.strip().isdigit():
        raise BookError(f"{name}={text.strip()!r} must be a whole number")
    return int(text)


def _choice(choices: tuple[str, ...]) -> Callable[[str, str], str | None]:
    def parse(name: str, text: str) -> str | None:
        if text.strip() and text.strip() not in choices:
            raise BookError(f"{name}={text.strip()!r} must be one of {', '.join(choices)}")
        return text.strip() or None

    return parse


def _text(name: str, text: str) -> str | None:
    return text.strip() or None


def _by_address(name: str, text: str) -> tuple[str | None, str | None]:
    """The executor that takes the address's scheme, and the address (None, None when unset)."""
    from wmbook.execute.executors import ExecutorError, by_scheme

    address = _text(name, text)
    if address is None:
        return None, None
    try:
        return by_scheme(address, name), address
    except ExecutorError as exc:
        raise BookError(str(exc)) from exc


# Each variable: the options it sets, and how its text reads (None: the options stay as written).
# WMBOOK_SCHEDULER alone selects the executor that takes its address's scheme (tcp://: dask), so
# CI can switch without editing mkdocs.yml.
ENVIRONMENT: dict[str, tuple[tuple[str, ...], Callable[[str, str], Any]]] = {
    WORKERS_ENV: (("workers",), _whole_number),
    CACHE_ENV: (("cache",), _choice(CACHE_MODES)),
    ACCEPT_ENV: (("accept",), _flag),
    VERBOSE_ENV: (("verbose",), _flag),
    CACHE_URL_ENV: (("cache_url",), _text),
    SCHEDULER_ENV: (("executor", "scheduler"), lambda name, text: _by_address(name, text)),
}
ENVIRONMENT_ONLY = {"accept": False}  # settings with no option in mkdocs.yml


def environment_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """The option values the environment sets, by option name."""
    overrides: dict[str, Any] = {}
    for name, (options, parse) in ENVIRONMENT.items():
        value = parse(name, environ.get(name, ""))
        values = value if len(options) > 1 else (value,)
        if values[-1] is not None:
            overrides.update(zip(options, values, strict=True))
    return overrides


# -- from options to settings ---------------------------------------------------------------


class Source(msgspec.Struct, frozen=True):
    """What a setting is derived from: the options (environment applied) and the book's folders."""

    values: Mapping[str, Any]
    root: str  # the folder of mkdocs.yml
    docs_dir: str


Derive = Callable[[Any, Source], Any]


def _same(value: Any, source: Source) -> Any:
    return value


def _from(option: str, derive: Derive | type[enum.Enum] = _same) -> dict[str, Any]:
    """A field's metadata: the setting is read from ``option`` through ``derive`` (which
    checks the value), or as a member of the enum ``derive``."""
    if isinstance(derive, type):
        choices = derive
        derive = lambda value, source: choices(value)  # noqa: E731
    return {"option": option, "derive": derive}


def _bad(option: str, requirement: str) -> BookError:
    return BookError(f"{WHERE}.{option} {requirement}")


def _checked(ok: Callable[[Any], bool], rule: str, then: Callable[[Any], Any] = lambda v: v) -> Derive:
    """A number checked against ``ok``; ``rule`` says what it must be (after the option's place)."""

    def derive(value: Any, source: Source) -> Any:
        if not ok(value):
            raise BookError(f"{WHERE}.{rule}")
        return then(value)

    return derive


_LIMITS = "memory_limit_mb must be >= 0, max_output_mb and max_display_mb > 0"


def _megabytes(value: float) -> int:
    return int(value * 1024 * 1024)


def _under_root(value: str, source: Source) -> str:
    return os.path.join(source.root, value)


def _workers(value: int, source: Source) -> int:
    return value if value > 0 else os.cpu_count() or 1


def _instruments(value: dict[Any, Any], source: Source) -> dict[str, str]:
    for name, target in value.items():
        if not isinstance(name, str) or not isinstance(target, str) or ":" not in target:
            raise _bad("instruments:", "write each as  name: 'package.module:ATTRIBUTE'")
    return dict(value)


def _bibliography(value: str | None, source: Source) -> str:
    if value is None:
        return os.path.join(source.docs_dir, "references.bib")
    path = os.path.join(source.root, value)
    if not os.path.isfile(path):
        raise _bad("bibliography:", f"{path} does not exist")
    return path


def _cache_url(value: str | None, source: Source) -> str:
    """The shared cache's URL; a plain path is relative to mkdocs.yml."""
    url = (value or "").strip()
    return os.path.join(source.root, os.path.expanduser(url)) if url and "://" not in url else url


def _public_key(value: str | None, source: Source) -> str:
    """The shared cache's public key, checked; "" when none is set."""
    if not (value or "").strip():
        return ""
    from wmbook.signing import CacheKeyError, public_key

    try:
        public_key(str(value))
    except CacheKeyError as exc:
        raise _bad("cache_public_key:", f"{exc}; make a pair with python -m wmbook.keys") from exc
    return str(value).strip()


def _scheduler(value: str | None, source: Source) -> str:
    """The address of the executor's scheduler, when it takes one, else ''."""
    from wmbook.execute.executors import ExecutorError, address_for

    try:
        return address_for(source.values["executor"], value or "", SCHEDULER_ENV)
    except ExecutorError as exc:
        raise BookError(str(exc)) from exc


def _memory_bytes(value: int, source: Source) -> int:
    if value < 0:
        raise BookError(f"{WHERE}.{_LIMITS}")
    from wmbook.execute.sandbox import default_memory_bytes

    return _megabytes(value) if value > 0 else default_memory_bytes()


def _packages_url(value: str | None, source: Source) -> str:
    from wmbook.runner.pyodide import DEFAULT_PACKAGES_URL

    url = value or DEFAULT_PACKAGES_URL
    return url if url.endswith("/") else url + "/"


def _paths(value: list[str], source: Source) -> tuple[str, ...]:
    return tuple(os.path.join(source.root, os.path.expanduser(p)) for p in value)


def _strings(value: list[str], source: Source) -> tuple[str, ...]:
    return tuple(value)


_TIMEOUT = _checked(lambda v: v > 0, "timeout must be a positive number of seconds", float)
_PROGRESS_AFTER = _checked(lambda v: v >= 0, "progress_after must be a number of seconds >= 0", float)
_BYTES = _checked(lambda v: v > 0, _LIMITS, _megabytes)
_PROCESSES = _checked(lambda v: v >= 0, "max_processes must be >= 0 (0: no limit)")


@dataclass(frozen=True)
class Settings:
    """Validated settings for one build, environment overrides applied: each field is
    derived from the option its metadata names (``resolve_settings``)."""

    timeout: float = field(metadata=_from("timeout", _TIMEOUT))
    workers: int = field(metadata=_from("workers", _workers))
    accept: bool = field(metadata=_from("accept"))  # WMBOOK_ACCEPT only
    verbose: bool = field(metadata=_from("verbose"))
    cache_mode: CacheMode = field(metadata=_from("cache", CacheMode))
    cache_dir: str = field(metadata=_from("cache_dir", _under_root))  # absolute
    cache_max_age_days: float = field(metadata=_from("cache_max_age_days", lambda v, s: float(v)))
    cache_max_bytes: int = field(metadata=_from("cache_max_mb", lambda v, s: _megabytes(v)))
    cache_key: CacheKey = field(metadata=_from("cache_key", CacheKey))
    bibliography: str = field(metadata=_from("bibliography", _bibliography))  # absolute path
    # Set in mkdocs.yml: a missing file is then an error.
    bibliography_explicit: bool = field(metadata=_from("bibliography", lambda v, s: v is not None))
    instruments: dict[str, str] = field(metadata=_from("instruments", _instruments))
    progress_after: float = field(metadata=_from("progress_after", _PROGRESS_AFTER))
    run_in_browser: bool = field(metadata=_from("run_in_browser"))
    packages_url: str = field(metadata=_from("packages_url", _packages_url))
    sandbox: bool = field(metadata=_from("sandbox"))
    memory_bytes: int = field(metadata=_from("memory_limit_mb", _memory_bytes))
    file_bytes: int = field(metadata=_from("max_output_mb", _BYTES))
    display_bytes: int = field(metadata=_from("max_display_mb", _BYTES))  # a page's rich outputs together
    max_processes: int = field(metadata=_from("max_processes", _PROCESSES))
    network: bool = field(metadata=_from("network"))
    sandbox_read: tuple[str, ...] = field(metadata=_from("sandbox_read", _paths))  # absolute paths
    env: tuple[str, ...] = field(metadata=_from("env", _strings))
    cache_url: str = field(metadata=_from("cache_url", _cache_url))  # the shared cache; "" for none
    # Verifies the shared cache's entries; "" to trust them unverified.
    cache_public_key: str = field(metadata=_from("cache_public_key", _public_key))
    executor: str = field(metadata=_from("executor"))
    scheduler: str = field(metadata=_from("scheduler", _scheduler))  # "" to run sessions here
    execute: ExecuteMode = field(metadata=_from("execute", ExecuteMode))
    # Pages never run, as gitignore-style patterns (like exclude_docs).
    exclude: tuple[str, ...] = field(metadata=_from("exclude", _strings))
    on_error: OnError = field(metadata=_from("on_error", OnError))
    math: bool = field(metadata=_from("math"))
    ipython: bool = field(metadata=_from("ipython"))  # Markdown pages run with IPython's semantics

    def page_mode(self, src_uri: str) -> ExecuteMode:
        """Which fences of a page run by the site's settings (its front matter may change it)."""
        if self.exclude and _exclusion(self.exclude).match_file(src_uri):
            return ExecuteMode.NONE
        return self.execute


@functools.cache
def _exclusion(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


def setting_options() -> dict[str, str]:
    """Each setting's option (a name of ``WmbookConfig`` or ``ENVIRONMENT_ONLY``)."""
    return {f.name: str(f.metadata["option"]) for f in fields(Settings)}


def resolve_settings(
    options: Mapping[str, Any], root: str, docs_dir: str, environ: Mapping[str, str] | None = None
) -> Settings:
    """Check the options' values and apply the environment; errors name the setting."""
    values = {
        **ENVIRONMENT_ONLY,
        **options,
        **environment_overrides(os.environ if environ is None else environ),
    }
    source = Source(values, root, docs_dir)
    derived = {
        f.name: cast(Derive, f.metadata["derive"])(values[f.metadata["option"]], source)
        for f in fields(Settings)
    }
    return Settings(**derived)
