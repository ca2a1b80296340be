"""The error of an option that cannot be accepted, shared by the option readers
(``parse.options`` and markdown-exec's ``parse.mdexec``, which ``parse.options`` uses)."""

from __future__ import annotations


class OptionError(ValueError):
    """An option string that cannot be accepted; the message says what to change."""
