"""The Dask cluster's side of a remote build, with a client of our own making: results are
fetched side by side, not one after another on Dask's single callback thread."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from wmbook.execute import dask_runner, remote

pytest.importorskip("distributed")  # a task's ending is told apart with Dask's own exceptions


class Future:
    """A task that is done at once; its result can be fetched only while the other task's is
    being fetched too (as two round trips through a scheduler may overlap)."""

    def __init__(self, both: threading.Barrier) -> None:
        self.both = both

    def add_done_callback(self, callback: Callable[[Future], None]) -> None:
        callback(self)  # on the launching thread, as Dask runs every callback on one thread

    def result(self) -> bytes:
        self.both.wait()
        return b"answer"


class Client:
    def __init__(self) -> None:
        self.both = threading.Barrier(2, timeout=10)

    def scheduler_info(self) -> dict[str, dict[str, object]]:
        return {"workers": {}}

    def submit(self, *args: object, **kwargs: object) -> Future:
        return Future(self.both)

    def close(self) -> None:
        pass


def test_results_are_fetched_side_by_side() -> None:
    cluster = dask_runner.DaskCluster("tcp://toy:8786", Client())  # type: ignore[arg-type]
    endings: list[remote.Ending] = []
    done = threading.Semaphore(0)

    def ended(how: remote.Ending) -> None:
        endings.append(how)
        done.release()

    cluster.launch("t1", b"request", ended)
    cluster.launch("t2", b"request", ended)
    assert done.acquire(timeout=30) and done.acquire(timeout=30)
    assert endings == [remote.Answered(b"answer"), remote.Answered(b"answer")]
    cluster.close()
