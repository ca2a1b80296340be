"""What a build is told when its session runner cannot be made."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from msgspec.structs import replace

from wmbook.backends import RunnerWhenNeeded, runner_error, session_runner, sessions_expected
from wmbook.config import WmbookConfig
from wmbook.execute.executors import SchedulerUnreachable, SessionRunner, load
from wmbook.execute.sandbox import Limits
from wmbook.model import SessionResult, SessionSpec
from wmbook.settings import Settings, resolve_settings


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


def _settings(tmp_path: Path, **values: Any) -> Settings:
    cfg = WmbookConfig()
    cfg.load_dict(values)
    assert cfg.validate()[0] == []
    return resolve_settings(cfg, str(tmp_path), str(tmp_path / "docs"))


@pytest.mark.parametrize(
    ("values", "stored", "expected"),
    [
        pytest.param({}, (), True, id="never-built"),
        pytest.param({}, ("sessions/ab",), False, id="results-stored"),
        pytest.param({}, ("last-build.json",), False, id="built-before-without-sessions"),
        pytest.param({"cache": "force"}, ("sessions/ab",), True, id="force"),
        pytest.param({"cache": "cache-only"}, (), False, id="cache-only"),
        pytest.param({"cache_url": "memory://book"}, (), False, id="shared-cache"),
    ],
)
def test_the_worker_server_starts_with_the_build_only_when_sessions_will_run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    values: dict[str, Any],
    stored: tuple[str, ...],
    expected: bool,
) -> None:
    for name in ("WMBOOK_CACHE", "WMBOOK_CACHE_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = _settings(tmp_path, **values)
    for name in stored:
        path = Path(settings.cache_dir) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}", encoding="utf-8")
    assert sessions_expected(settings) is expected


def test_the_worker_server_starts_with_the_build_when_a_page_changed_since_the_last(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    docs = tmp_path / "docs"
    (docs / "part").mkdir(parents=True)
    page = docs / "part" / "page.md"
    page.write_text("# Page\n", encoding="utf-8")
    (docs / "data.csv").write_text("1\n", encoding="utf-8")
    cache = Path(settings.cache_dir)
    (cache / "sessions").mkdir(parents=True)
    report = cache / "last-build.json"
    report.write_text("{}", encoding="utf-8")
    built = report.stat().st_mtime
    os.utime(page, (built - 10, built - 10))
    os.utime(docs / "data.csv", (built + 10, built + 10))  # not a page: its readers' keys tell
    assert not sessions_expected(settings, str(docs))
    os.utime(page, (built + 10, built + 10))
    assert sessions_expected(settings, str(docs))
    (cache / "sessions").rmdir()  # a book that runs no code starts no server for an edit
    assert not sessions_expected(settings, str(docs))


class _Recording:
    """A runner that records what it is asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def submit(
        self,
        spec: SessionSpec,
        after: Callable[[SessionResult], None] | None = None,
        limits: Limits | None = None,
    ) -> Future[SessionResult]:
        self.asked.append(f"submit {spec.name}")
        done: Future[SessionResult] = Future()
        done.set_result(SessionResult(spec.page, spec.name, (), 0.0))
        return done

    def interrupt(self) -> None:
        self.asked.append("interrupt")

    def shutdown(self) -> None:
        self.asked.append("shutdown")


def test_a_runner_when_needed_is_made_by_the_first_session_only() -> None:
    made: list[_Recording] = []

    def make() -> SessionRunner:
        made.append(_Recording())
        return made[-1]

    runner = RunnerWhenNeeded(make)
    runner.interrupt()
    runner.shutdown()
    assert made == []  # nothing ran: nothing to end
    spec = SessionSpec("docs/p.md", "main", (), ())
    runner.submit(spec)
    runner.submit(replace(spec, name="other"))
    runner.interrupt()
    assert len(made) == 1 and made[0].asked == ["submit main", "submit other", "interrupt"]
