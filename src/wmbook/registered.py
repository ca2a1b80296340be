"""What installed packages register under wmbook's entry-point groups (executors, block
kinds, instruments), read once per process: each reading scans every installed
distribution, and a build asks for three groups."""

from __future__ import annotations

import functools
from importlib.metadata import EntryPoints, entry_points
from typing import Protocol


class _Groups(Protocol):
    """Every group's entry points (Python 3.11 returns them grouped, later versions as one list)."""

    def select(self, *, group: str) -> EntryPoints: ...


@functools.cache
def _every_entry_point() -> _Groups:
    return entry_points()


def registered(group: str) -> EntryPoints:
    """The entry points of ``group``, in the order ``importlib.metadata`` finds them."""
    return _every_entry_point().select(group=group)
