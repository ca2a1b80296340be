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


class WmbookConfig(base.Config):
    """Schema of ``extra.wmbook`` in mkdocs.yml."""

    timeout = c.Type((int, float), default=60)
    workers = c.Type(int, default=0)  # 0: one per core
    verbose = c.Type(bool, default=False)


@dataclass(frozen=True)
class Settings:
    """Validated settings for one build."""

    timeout: float
    workers: int
    accept: bool
    verbose: bool


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def load_settings(extra: object, config_file: str) -> Settings:
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
    return Settings(
        timeout=float(schema.timeout),
        workers=workers,
        accept=_env_flag(ACCEPT_ENV),
        verbose=schema.verbose or _env_flag(VERBOSE_ENV),
    )
