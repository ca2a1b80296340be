"""The installed entry points are read once per process for every group wmbook asks for."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable
from typing import Any

import pytest

from wmbook import registered
from wmbook.execute import executors
from wmbook.instruments.registry import InstrumentRegistry


def test_every_group_is_served_by_one_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    readings: list[int] = []
    real = importlib.metadata.distributions

    def counted(**kwargs: Any) -> Iterable[importlib.metadata.Distribution]:
        readings.append(1)
        return real(**kwargs)

    monkeypatch.setattr(importlib.metadata, "distributions", counted)
    registered._every_entry_point.cache_clear()
    executors._points.cache_clear()
    try:
        first, second = InstrumentRegistry(), InstrumentRegistry()
        names = executors.installed()
    finally:
        registered._every_entry_point.cache_clear()
        executors._points.cache_clear()
    assert len(readings) == 1
    assert first.targets == second.targets and "latent_rollout" in first.targets
    assert set(names) >= {"local", "dask"}
