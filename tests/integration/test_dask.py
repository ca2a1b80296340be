"""Sessions on a real Dask cluster (``distributed.LocalCluster`` with worker processes):
the same pages as a local build, files that travel, a lost worker survived or reported,
and a clear error when no scheduler answers."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import pytest

from .conftest import S3Server, SiteBuild, build_site, copy_fixture, session_report, site_files

pytestmark = pytest.mark.slow  # Dask: a cluster, or the wait for one that is not there

# The session finds the Dask worker that runs it (its server's parent) and ends it, as a
# machine that fails mid-session would; with a marker it does so only on its first attempt.
KILL_WORKER = """\
import os
import pathlib
import signal

marker = pathlib.Path({marker!r})
if {always!r} or not marker.exists():
    marker.write_text("a worker was lost here")
    with open(f"/proc/{{os.getppid()}}/stat") as stat:
        worker = int(stat.read().rsplit(")", 1)[1].split()[1])
    os.kill(worker, signal.SIGKILL)
print("finished")
"""


def _lost_worker_book(tmp_path: Path, always: bool) -> Path:
    root = tmp_path / "lost"
    (root / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(
        "site_name: Lost worker\nplugins:\n  - wmbook:\n      sandbox: false\n      timeout: 60\n"
    )
    code = KILL_WORKER.format(marker=str(tmp_path / "marker"), always=always)
    (root / "docs" / "index.md").write_text(
        f"# Lost\n\n```python\n{code}```\n\n```python\nprint('next')\n```\n"
    )
    return root


def test_a_cluster_build_equals_a_local_build_byte_for_byte(
    dask_cluster: str, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = build_site(copy_fixture("cluster", tmp_path / "local"), caplog)
    assert not local.failed, local.messages
    monkeypatch.setenv("WMBOOK_SCHEDULER", dask_cluster)
    remote = build_site(copy_fixture("cluster", tmp_path / "dask"), caplog)
    assert not remote.failed, remote.messages
    report = session_report(remote.root)
    assert len(report) == 3 and set(report.values()) == {False}  # all three ran, on the cluster
    assert site_files(remote.site) == site_files(local.site)
    assert "sum of weights: 3.50" in remote.html()  # the page's declared file went with its session


def test_a_worker_lost_mid_session_is_survived(
    dask_cluster: str, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WMBOOK_SCHEDULER", dask_cluster)
    site = build_site(_lost_worker_book(tmp_path, always=False), caplog)
    assert (tmp_path / "marker").exists()  # the first attempt did end its worker
    assert not site.failed, site.messages
    assert "finished" in site.html() and "next" in site.html()


def test_a_session_that_loses_its_worker_twice_is_reported_at_its_page(
    dask_cluster: str, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WMBOOK_SCHEDULER", dask_cluster)
    site = build_site(_lost_worker_book(tmp_path, always=True), caplog)
    assert site.failed
    assert "docs/index.md:4: the Dask worker running this session was lost 2 times" in site.messages
    assert "docs/index.md:17: not run because the block at docs/index.md:4 failed" in site.messages


def test_no_scheduler_at_the_address_is_a_clear_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The port is held (bound, not listening) for the whole test: a connection is refused,
    # and no process started meanwhile (a Dask worker, say) can take the port.
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{held.getsockname()[1]}"
        monkeypatch.setenv("WMBOOK_SCHEDULER", address)
        site = build_site(copy_fixture("cluster", tmp_path), caplog)
    assert site.failed
    assert f"WMBOOK_SCHEDULER): no Dask scheduler answers at {address}" in site.messages


@pytest.mark.timeout(120)
def test_an_address_that_accepts_but_never_answers_is_an_error_in_bounded_time(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dask's own timeout does not cover the scheduler's answer: without wmbook's bound, a
    wrong service at the address kept the build (and every later one) waiting for good.  The
    message below comes only from wmbook's bound; the test's timeout catches a build that hangs."""
    from wmbook.execute import dask_runner

    monkeypatch.setattr(dask_runner, "CONNECT_TIMEOUT", 1.0)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        address = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
        monkeypatch.setenv("WMBOOK_SCHEDULER", address)
        site = build_site(copy_fixture("cluster", tmp_path), caplog)
    assert site.failed
    assert (
        f"WMBOOK_SCHEDULER): no Dask scheduler answers at {address} (something accepts connections "
        "there, but gave no scheduler's answer within 3 s)" in site.messages
    )


def test_the_ci_recipe_cluster_and_shared_cache_together(
    dask_cluster: str,
    s3_server: S3Server,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """CI runs the sessions on the cluster and publishes them; a contributor's fresh clone
    then runs nothing, on no cluster, and gets the same site."""
    url = s3_server.url(f"ci-{uuid.uuid4().hex[:8]}")
    with monkeypatch.context() as ci:
        ci.setenv("WMBOOK_SCHEDULER", dask_cluster)
        ci.setenv("WMBOOK_CACHE_URL", url)
        published = build_site(copy_fixture("cluster", tmp_path / "ci"), caplog)
    assert not published.failed, published.messages
    assert set(session_report(published.root).values()) == {False}
    monkeypatch.setenv("WMBOOK_CACHE_URL", url)
    clone = build_site(copy_fixture("cluster", tmp_path / "contributor"), caplog)
    assert not clone.failed, clone.messages
    assert set(session_report(clone.root).values()) == {True}
    assert site_files(clone.site) == site_files(published.site)


def test_a_worker_server_outlives_the_task_thread_that_started_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Dask task that secedes ends its thread with it: the worker server it started (which
    dies with the thread that started it) must go on serving the worker's later sessions."""
    import threading

    from wmbook.execute import remote
    from wmbook.execute.runner import run_in_process
    from wmbook.execute.sandbox import Limits
    from wmbook.model import SessionSpec, Step, StepKey, StepKind

    monkeypatch.setattr(remote, "_server", None)
    task = threading.Thread(target=remote.start_worker_server)
    task.start()
    task.join()
    server = remote.worker_server()
    try:
        assert server._process is not None
        first = server._process.pid
        spec = SessionSpec(
            "docs/page.md", "main", (Step(StepKey(StepKind.CODE, 0), "print(2 + 2)", 4, 60.0),), ()
        )
        session = run_in_process(server, spec, Limits(sandbox=False))
        assert not session.failed, session
        assert server._process.pid == first  # the same server: it was not started again
    finally:
        server.stop()


def test_the_progress_board_names_the_step_a_worker_runs(dask_cluster: str) -> None:
    """A step running on the cluster shows in this build's progress line, at its page and
    line, while it runs, and leaves it when the session is over."""
    import time

    from wmbook.execute.executors import ACTIVITY, RunnerOptions, Running, load
    from wmbook.execute.sandbox import Limits
    from wmbook.model import SessionSpec, Step, StepKey, StepKind

    spec = SessionSpec(
        "docs/slow.md",
        "main",
        (
            Step(StepKey(StepKind.CODE, 0), "x = 1", 4, 60.0),
            Step(StepKey(StepKind.CODE, 1), "import time\ntime.sleep(3)", 9, 60.0),
        ),
        (),
    )
    runner = load("dask").start(RunnerOptions(1, dask_cluster, ACTIVITY.set))
    try:
        result = runner.submit(spec, limits=Limits(sandbox=False))
        seen: list[Running] = []
        deadline = time.monotonic() + 60
        while not result.done() and time.monotonic() < deadline:
            seen += [r for r in ACTIVITY.snapshot() if r.page == "docs/slow.md"]
            time.sleep(0.05)
        session = result.result(timeout=60)
        assert not session.failed, session
        assert ("docs/slow.md", 9) in {(r.page, r.line) for r in seen}, seen
        time.sleep(0.5)  # a late event must not bring the session back
        assert [r for r in ACTIVITY.snapshot() if r.page == "docs/slow.md"] == []
    finally:
        runner.shutdown()


def _page_file_texts(site: SiteBuild) -> list[str]:
    readings = (site.site / "lab" / "readings" / "index.html").read_text()
    notebook = (site.site / "lab" / "analysis" / "index.html").read_text()
    return [
        *("heights: 7.5 weights: 10" in readings, "sub: 15" in readings, "shared: 42" in readings),
        *("rows now: 4" in readings, "mean height: 2.5" in notebook),
    ]


def test_files_beside_a_page_travel_to_the_worker(
    dask_cluster: str, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker reads no docs folder: the page's files are sent with the session, the
    listing of the folder is the same there, and the site equals a local build's."""
    local = build_site(copy_fixture("pagefiles", tmp_path / "local"), caplog)
    assert not local.failed, local.messages
    monkeypatch.setenv("WMBOOK_SCHEDULER", dask_cluster)
    remote = build_site(copy_fixture("pagefiles", tmp_path / "dask"), caplog)
    assert not remote.failed, remote.messages
    assert set(session_report(remote.root).values()) == {False}
    assert site_files(remote.site) == site_files(local.site)


def test_a_file_not_sent_up_front_is_sent_on_a_second_run(
    dask_cluster: str, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wmbook.execute import pagefiles

    monkeypatch.setattr(pagefiles, "SHIP_FILE_BYTES", 0)  # nothing is sent up front
    monkeypatch.setenv("WMBOOK_SCHEDULER", dask_cluster)
    site = build_site(copy_fixture("pagefiles", tmp_path), caplog)
    assert not site.failed, site.messages
    assert all(_page_file_texts(site))


def test_a_file_too_large_to_send_is_named_at_the_session(
    dask_cluster: str, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wmbook.execute import pagefiles

    monkeypatch.setattr(pagefiles, "SHIP_FILE_BYTES", 0)
    monkeypatch.setattr(pagefiles, "SHIP_MAX_BYTES", 10)
    monkeypatch.setenv("WMBOOK_SCHEDULER", dask_cluster)
    site = build_site(copy_fixture("pagefiles", tmp_path), caplog)
    assert site.failed
    assert (
        "docs/lab/analysis.ipynb: cell 2, line 2: lab/measurements.csv beside the page was not on the "
        "Dask worker (it is too large: wmbook sends at most 10 bytes of files with a session)"
        in site.messages
    ), site.messages
