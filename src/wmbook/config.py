"""wmbook's settings, read from ``extra: wmbook:`` in mkdocs.yml and the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError

ACCEPT_ENV = "WMBOOK_ACCEPT"
WORKERS_ENV = "WMBOOK_WORKERS"
VERBOSE_ENV = "WMBOOK_VERBOSE"
CACHE_ENV = "WMBOOK_CACHE"
CACHE_MODES = ("auto", "force", "cache-only")


class WmbookConfig(base.Config):  # type: ignore[no-untyped-call]
    """Schema of ``extra.wmbook`` in mkdocs.yml."""

    timeout = c.Type((int, float), default=60)
    workers = c.Type(int, default=0)  # 0: one per core
    verbose = c.Type(bool, default=False)
    cache = c.Choice(CACHE_MODES, default="auto")
    cache_dir = c.Type(str, default=".cache/wmbook")  # relative to mkdocs.yml
    cache_max_age_days = c.Type((int, float), default=30)
    cache_max_mb = c.Type((int, float), default=500)
    bibliography = c.Type(str, default="docs/references.bib")  # relative to mkdocs.yml


@dataclass(frozen=True)
class Settings:
    """Validated settings for one build."""

    timeout: float
    workers: int
    accept: bool
    verbose: bool
    cache_mode: str
    cache_dir: str
    cache_max_age_days: float
    cache_max_bytes: int
    bibliography: str


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def load_settings(extra: object, config_file: str, root: str) -> Settings:
    """Validate ``extra.wmbook``; errors name mkdocs.yml and the key to fix."""
    raw = extra.get("wmbook", {}) if isinstance(extra, Mapping) else {}
    if not isinstance(raw, Mapping):
        raise PluginError(f"{config_file}: extra.wmbook must be a mapping of settings")
    schema = WmbookConfig()
    schema.load_dict(dict(raw))
    failed, warnings = schema.validate()
    problems = [f"{config_file}: extra.wmbook.{key}: {err}" for key, err in [*failed, *warnings]]
    if problems:
        raise PluginError("\n".join(problems))
    if schema.timeout <= 0:
        raise PluginError(f"{config_file}: extra.wmbook.timeout must be a positive number of seconds")
    workers = schema.workers
    env_workers = os.environ.get(WORKERS_ENV, "").strip()
    if env_workers:
        if not env_workers.isdigit():
            raise PluginError(f"{WORKERS_ENV}={env_workers!r} must be a whole number")
        workers = int(env_workers)
    if workers <= 0:
        workers = os.cpu_count() or 1
    cache_mode = os.environ.get(CACHE_ENV, "").strip() or schema.cache
    if cache_mode not in CACHE_MODES:
        raise PluginError(f"{CACHE_ENV}={cache_mode!r} must be one of {', '.join(CACHE_MODES)}")
    return Settings(
        timeout=float(schema.timeout),
        workers=workers,
        accept=_env_flag(ACCEPT_ENV),
        verbose=schema.verbose or _env_flag(VERBOSE_ENV),
        cache_mode=cache_mode,
        cache_dir=os.path.join(root, schema.cache_dir),
        cache_max_age_days=float(schema.cache_max_age_days),
        cache_max_bytes=int(schema.cache_max_mb * 1024 * 1024),
        bibliography=schema.bibliography,
    )
