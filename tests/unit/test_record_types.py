"""wmbook's records are ``msgspec.Struct`` types, not dataclasses: every build imports
them, and Python writes and compiles a frozen dataclass's methods when its module is
imported (about a millisecond each on Python 3.11, some ninety of them), where a Struct's
are made in C.  ``Settings`` stays a dataclass: its fields carry the option each comes from
(field metadata), read once per build."""

from __future__ import annotations

import dataclasses
import importlib

import msgspec
import pytest
from test_import_graph import module_files

KEPT_DATACLASSES = {"wmbook.settings.Settings"}


def _classes(module_name: str) -> list[type]:
    module = importlib.import_module(module_name)
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type) and value.__module__ == module_name
    ]


@pytest.mark.parametrize("module_name", sorted(module_files()))
def test_records_are_structs(module_name: str) -> None:
    made = [f"{c.__module__}.{c.__qualname__}" for c in _classes(module_name) if dataclasses.is_dataclass(c)]
    assert set(made) <= KEPT_DATACLASSES, f"make these msgspec.Struct records (frozen=True): {made}"


def test_the_build_records_are_frozen_structs() -> None:
    from wmbook.blocks import CodeBlock
    from wmbook.book import ParsedPage
    from wmbook.model import Fence, SessionResult, SessionSpec, StepResult

    for record in (CodeBlock, Fence, ParsedPage, SessionSpec, SessionResult, StepResult):
        assert issubclass(record, msgspec.Struct)
        assert record.__struct_config__.frozen, record
