"""The registry of executors: wmbook's own are found through the entry points as anyone's,
and what an entry point names must be an ``ExecutorPlugin``."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

from wmbook.execute import executors
from wmbook.execute.executors import (
    ENTRY_POINT_GROUP,
    ExecutorError,
    ExecutorPlugin,
    address_for,
    by_scheme,
    load,
)


def test_wmbook_s_own_executors_are_registered_entry_points() -> None:
    assert executors.installed() == {
        "dask": "wmbook.execute.dask_runner:EXECUTOR",
        "local": "wmbook.execute.local:EXECUTOR",
    }
    assert isinstance(load("local"), ExecutorPlugin) and isinstance(load("dask"), ExecutorPlugin)


def test_an_entry_point_that_names_no_executor_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = EntryPoint("wrong", "wmbook.execute.executors:LOCAL", ENTRY_POINT_GROUP)  # a str
    monkeypatch.setattr(executors, "_points", lambda: {"wrong": wrong})
    with pytest.raises(ExecutorError, match=r"'wrong' \(wmbook.execute.executors:LOCAL\) is not a"):
        load("wrong")


def test_missing_own_executors_say_to_reinstall(monkeypatch: pytest.MonkeyPatch) -> None:
    """An editable install made before the entry points existed registers no executor: the
    message says to reinstall wmbook, not that nothing is installed."""
    monkeypatch.setattr(executors, "_points", lambda: {})
    with pytest.raises(ExecutorError) as caught:
        load("local")
    assert str(caught.value) == (
        "'local' is not an installed executor: wmbook's own executors (local, dask) are not registered "
        "in the wmbook.executors entry-point group: reinstall wmbook (pip install wmbook, or pip install "
        "-e . in a checkout)"
    )
    toy = EntryPoint("toy", "toy_executor:EXECUTOR", ENTRY_POINT_GROUP)
    monkeypatch.setattr(executors, "_points", lambda: {"toy": toy})  # another package's only
    with pytest.raises(ExecutorError, match=r"'ray' is not .*own executors \(local, dask\) are not"):
        load("ray")


@pytest.mark.parametrize(
    ("name", "given", "expected"),
    [("local", "tcp://ignored:8786", ""), ("dask", " tcp://given:8786", "tcp://given:8786")],
)
def test_the_address_an_executor_uses(name: str, given: str, expected: str) -> None:
    assert address_for(name, given, "WMBOOK_SCHEDULER") == expected


@pytest.mark.parametrize(("address", "expected"), [("tcp://ci:8786", "dask"), ("tls://ci:8786", "dask")])
def test_an_address_selects_the_executor_of_its_scheme(address: str, expected: str) -> None:
    assert by_scheme(address, "WMBOOK_SCHEDULER") == expected


def test_an_executor_that_needs_an_address_says_which() -> None:
    with pytest.raises(ExecutorError) as caught:
        address_for("dask", "", "WMBOOK_SCHEDULER")
    assert str(caught.value) == (
        "mkdocs.yml: plugins.wmbook.executor is dask, so set scheduler: tcp://HOST:8786 "
        "(or WMBOOK_SCHEDULER) to the Dask scheduler's address"
    )
