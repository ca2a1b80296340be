"""What a build is told when its session runner cannot be made."""

from __future__ import annotations

from concurrent.futures import Future

import pytest

from wmbook.backends import session_runner
from wmbook.errors import BookError
from wmbook.execute.executor import SchedulerUnreachable, SessionRunner


def _failed(exc: BaseException) -> Future[SessionRunner]:
    starting: Future[SessionRunner] = Future()
    starting.set_exception(exc)
    return starting


def test_a_cluster_without_distributed_installed_says_what_to_install() -> None:
    with pytest.raises(BookError) as caught:
        session_runner(_failed(ImportError("No module named 'distributed'")))
    message = str(caught.value)
    assert message.startswith("mkdocs.yml: plugins.wmbook.executor dask (or WMBOOK_SCHEDULER)")
    assert "No module named 'distributed'" in message and "pip install wmbook[distributed]" in message


def test_an_unreachable_scheduler_names_the_setting_and_the_way_out() -> None:
    with pytest.raises(BookError) as caught:
        session_runner(_failed(SchedulerUnreachable("no Dask scheduler answers at tcp://h:8786 (refused)")))
    message = str(caught.value)
    assert message.startswith("mkdocs.yml: plugins.wmbook.scheduler (or WMBOOK_SCHEDULER): no Dask scheduler")
    assert "unset the address to run sessions on this machine" in message


def test_any_other_failure_is_raised_as_it_is() -> None:
    with pytest.raises(OSError, match="disk full"):
        session_runner(_failed(OSError("disk full")))
