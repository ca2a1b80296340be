"""Where MkDocs loads the plugin from (the ``mkdocs.plugins`` entry point).

Before the plugin's own modules load, what takes longer to start than MkDocs takes to
reach the plugin's ``on_config`` is started here, on another core, and the build takes it
over once its settings are read:

- the shared cache's helper process, when ``WMBOOK_CACHE_URL`` names an object store
  (``shared_process.take_early``; one started for a URL the settings do not use is ended);
- the worker server, when the configuration being loaded says that sessions will surely
  run (``backends.start_server_early``; one the build does not take is ended).
"""

from __future__ import annotations

import os
import sys
from types import FrameType
from typing import Any

from wmbook.settings import CACHE_URL_ENV


def _config_being_loaded() -> tuple[str, str, dict[str, Any]] | None:
    """The MkDocs configuration whose plugins are being loaded, further up the stack: its
    file, its ``docs_dir`` (checked before the plugins) and the options it gives wmbook (in
    hand where MkDocs loads this plugin); None when this module is imported any other way."""
    from mkdocs.config.config_options import Plugins
    from mkdocs.config.defaults import MkDocsConfig

    options: object = None
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        found = frame.f_locals
        if options is None and isinstance(found.get("self"), Plugins) and found.get("name") == "wmbook":
            options = found.get("config") or {}  # ``load_plugin``'s (a null config is no options)
        elif isinstance(found.get("self"), MkDocsConfig):
            config: MkDocsConfig = found["self"]
            docs_dir = config.get("docs_dir")
            if isinstance(options, dict) and config.config_file_path and isinstance(docs_dir, str):
                return config.config_file_path, docs_dir, options
            return None
        frame = frame.f_back
    return None


def _start_server_early() -> None:
    """Launch the worker server now when the book's sessions will surely run (a guess the
    build checks at ``on_config``: it must never keep MkDocs from loading the plugin)."""
    try:
        found = _config_being_loaded()
        if found is None:
            return
        config_file, docs_dir, raw = found
        from wmbook.backends import start_server_early
        from wmbook.config import WmbookConfig

        options = WmbookConfig(config_file_path=config_file)
        options.load_dict(raw)
        errors, _ = options.validate()
        if not errors:
            start_server_early(options, os.path.dirname(os.path.abspath(config_file)), docs_dir)
    except Exception:  # noqa: BLE001  (on_config reads the settings again, and says what is wrong)
        pass


if os.environ.get(CACHE_URL_ENV, "").strip():  # the helper's modules load only when one may start
    from wmbook.shared_process import start_early

    start_early(os.environ[CACHE_URL_ENV])

_start_server_early()

from wmbook.plugin import WmbookPlugin  # noqa: E402  (after the helper's and the server's start)

__all__ = ["WmbookPlugin"]
