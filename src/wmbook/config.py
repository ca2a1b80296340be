"""wmbook's options in mkdocs.yml, as MkDocs validates them; ``wmbook.settings`` derives the
build's settings from them.

```yaml
plugins:
  - search
  - wmbook:
      timeout: 60
```
"""

from __future__ import annotations

from collections.abc import Mapping

from mkdocs.config import base
from mkdocs.config import config_options as c

from wmbook.errors import BookError
from wmbook.settings import CACHE_KEYS, CACHE_MODES, EXECUTE_MODES, ON_ERROR


def executor_name(name: str) -> str:
    """The executor an ``executor:`` option names, checked against the installed ones
    (``wmbook.executors`` entry points)."""
    from wmbook.execute.executors import installed, unknown

    if name not in installed():
        raise base.ValidationError(unknown(name))
    return name


class _ExecutorOption(c.Type[str]):
    """``executor:``: a name, checked by ``executor_name``."""

    def run_validation(self, value: object) -> str:
        return executor_name(super().run_validation(value))


class WmbookConfig(base.Config):  # type: ignore[no-untyped-call]
    """The plugin's options (``plugins: - wmbook: {...}``)."""

    timeout = c.Type((int, float), default=60)  # default limit per block, seconds
    workers = c.Type(int, default=0)  # session processes at a time; 0: one per core
    verbose = c.Type(bool, default=False)  # a per-session table at the end of the build
    cache = c.Choice(CACHE_MODES, default="auto")
    cache_dir = c.Type(str, default=".cache/wmbook")  # relative to mkdocs.yml
    cache_max_age_days = c.Type((int, float), default=30)
    cache_max_mb = c.Type((int, float), default=500)
    cache_key = c.Choice(CACHE_KEYS, default="imports")
    cache_url = c.Optional(c.Type(str))  # a shared cache: any fsspec URL (s3://bucket/prefix, …)
    # Entries of the shared cache are used only when signed by this key's owner (Ed25519, base64).
    cache_public_key = c.Optional(c.Type(str))
    executor = _ExecutorOption(str, default="local")  # where sessions run: an installed executor
    scheduler = c.Optional(c.Type(str))  # the address of the executor's scheduler, if it takes one
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


def reject_old_settings(extra: object) -> None:
    """Settings under ``extra: wmbook:`` are not read any more: say where they go.  (MkDocs'
    ``Deprecated(moved_to=…)`` moves an option within one config, not from ``extra`` into a
    plugin's, so this one move is checked here.)"""
    if isinstance(extra, Mapping) and "wmbook" in extra:
        raise BookError(
            "mkdocs.yml: extra.wmbook is no longer read; move its settings under the plugin:\n"
            "plugins:\n  - wmbook:\n      timeout: 60   # and the other settings that were under extra.wmbook"
        )
