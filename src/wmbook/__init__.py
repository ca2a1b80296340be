"""wmbook: a static book builder whose Python examples run and are checked at build time."""

from __future__ import annotations

__version__ = "0.1.0"
