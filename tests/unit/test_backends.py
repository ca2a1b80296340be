"""What a build is told when its session runner cannot be made."""

from __future__ import annotations

from concurrent.futures import Future

import pytest

from wmbook.backends import runner_error, session_runner
from wmbook.execute.executors import SchedulerUnreachable, SessionRunner, load


def test_an_executor_without_its_package_installed_says_what_to_install() -> None:
    error = runner_error("dask", load("dask"), ImportError("No module named 'distributed'"))
    message = str(error)
    assert message.startswith("mkdocs.yml: plugins.wmbook.executor dask (or WMBOOK_SCHEDULER)")
    assert "needs the distributed package (No module named 'distributed')" in message
    assert message.endswith(": pip install wmbook[distributed]")


def test_an_executor_whose_module_does_not_import_names_the_missing_package() -> None:
    missing = ImportError("No module named 'ray'", name="ray")
    assert str(runner_error("ray", None, missing)) == (
        "mkdocs.yml: plugins.wmbook.executor ray (or WMBOOK_SCHEDULER) needs the ray package "
        "(No module named 'ray')"
    )


def test_an_unreachable_scheduler_names_the_setting_and_the_way_out() -> None:
    error = runner_error(
        "dask", load("dask"), SchedulerUnreachable("no Dask scheduler answers at tcp://h:8786")
    )
    message = str(error)
    assert message.startswith("mkdocs.yml: plugins.wmbook.scheduler (or WMBOOK_SCHEDULER): no Dask scheduler")
    assert "unset the address to run sessions on this machine" in message


def test_any_other_failure_is_raised_as_it_is() -> None:
    starting: Future[SessionRunner] = Future()
    starting.set_exception(OSError("disk full"))
    with pytest.raises(OSError, match="disk full"):
        session_runner(starting)
