"""The one exception that stops a build: its message says what to change.

The engine raises it without knowing which site generator runs it; the plugin hands it to
MkDocs as a ``PluginError`` (a clean message, no traceback).
"""

from __future__ import annotations


class BookError(Exception):
    """A problem that stops the build; the message names the setting or page to fix."""


def not_registered(what: str, missing: list[str], group: str) -> str:
    """What to say when wmbook's own plug-ins (``what``: block kinds, executors) are missing
    from their entry-point group: an install made before the entry points existed (a stale
    editable install) does not declare them, and only reinstalling does."""
    return (
        f"wmbook's own {what} ({', '.join(missing)}) are not registered in the {group} "
        "entry-point group: reinstall wmbook (pip install wmbook, or pip install -e . in a checkout)"
    )
