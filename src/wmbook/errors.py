"""The one exception that stops a build: its message says what to change.

The engine raises it without knowing which site generator runs it; the plugin hands it to
MkDocs as a ``PluginError`` (a clean message, no traceback).
"""

from __future__ import annotations


class BookError(Exception):
    """A problem that stops the build; the message names the setting or page to fix."""
