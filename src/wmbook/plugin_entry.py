"""Where MkDocs loads the plugin from (the ``mkdocs.plugins`` entry point).

Before the plugin's own modules load, the shared cache's helper process is started when
``WMBOOK_CACHE_URL`` names an object store: importing its client and connecting take
longer than MkDocs takes to reach the plugin's ``on_config``, so it starts here, on
another core, and the build takes it over once its settings are read
(``shared_process.take_early``; one started for a URL the settings do not use is ended).
"""

from __future__ import annotations

import os

from wmbook.settings import CACHE_URL_ENV

if os.environ.get(CACHE_URL_ENV, "").strip():  # the helper's modules load only when one may start
    from wmbook.shared_process import start_early

    start_early(os.environ[CACHE_URL_ENV])

from wmbook.plugin import WmbookPlugin  # after the helper's start: see above

__all__ = ["WmbookPlugin"]
