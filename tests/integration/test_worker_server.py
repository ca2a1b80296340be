"""The worker server and the build speak in typed frames: a request that is not a
``ForkSession`` forks nothing (the socket sent with it is closed unused), and the server's
readiness and exit reports reach the build as records."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import pytest

from wmbook.execute import runner as runner_module
from wmbook.execute.channel import (
    Channel,
    ChannelClosed,
    ServerReport,
    SessionExited,
    channel_pair,
    encode,
    framed,
)
from wmbook.execute.runner import (
    SessionPool,
    WorkerServer,
    end_early_server,
    launch_early_server,
    run_in_process,
)
from wmbook.execute.sandbox import Limits
from wmbook.model import Outcome, SessionResult, SessionSpec, Step, StepKey, StepKind

SPEC = SessionSpec(
    "docs/page.md", "main", (Step(StepKey(StepKind.CODE, 0), "import os\nos._exit(3)", 4, 60.0),), ()
)


@pytest.mark.parametrize("request_body", [b"session", encode({"fork": True})])
def test_a_request_that_is_not_a_fork_session_forks_nothing(request_body: bytes) -> None:
    server = WorkerServer()
    try:
        server.start()
        assert server._control is not None
        ours, theirs = channel_pair()
        socket.send_fds(server._control, [request_body], [theirs.fileno()])
        theirs.close()
        with pytest.raises(ChannelClosed):  # no process was forked to send its pid
            ours.recv(int, timeout=60)
        ours.close()
        # The server still serves real requests, and reports how their processes ended.
        result = run_in_process(server, SPEC, Limits(sandbox=False))
        assert result.results[0].outcome is Outcome.DIED
        assert result.results[0].detail == "the session's process exited with status 3"
    finally:
        server.stop()


def _ipython_loaded(server: WorkerServer, *, ipython: bool) -> object:
    step = Step(StepKey(StepKind.CHECK, 0), "'IPython' in __import__('sys').modules", 1, 60.0, evaluate=True)
    cell = Step(StepKey(StepKind.CODE, 1), "x = 1", 2, 60.0, ipython=True)
    spec = SessionSpec("docs/page.md", "main", (step, cell) if ipython else (step,), ())
    result = run_in_process(server, spec, Limits(sandbox=False))
    assert result.results[0].outcome is Outcome.OK, result.results[0].detail
    return result.results[0].value


def test_the_server_loads_ipython_only_once_a_session_needs_it() -> None:
    server = WorkerServer()
    try:
        assert _ipython_loaded(server, ipython=False) is False
        # Loaded before the first IPython session is forked, and kept for every later session.
        assert _ipython_loaded(server, ipython=True) is True
        assert _ipython_loaded(server, ipython=False) is True
    finally:
        server.stop()


def _step(source: str, index: int = 0) -> Step:
    return Step(StepKey(StepKind.CODE, index), source, 1, 60.0)


def _fates(*futures: Future[SessionResult]) -> str:
    """What became of each session: still under way, its outcomes, or why it failed."""
    fates = []
    for future in futures:
        if not future.done():
            fates.append("under way")
        elif future.exception() is not None:
            fates.append(f"failed: {future.exception()!r}")
        else:
            fates.append(f"ended: {[(r.outcome.name, r.detail) for r in future.result().results]}")
    return "; ".join(fates)


def test_the_pool_readies_the_next_session_while_one_runs_and_gives_it_its_turn_after(tmp_path: Path) -> None:
    # One worker: the first session's block waits until the second session's process exists
    # (forked, in its cgroups and sandbox), which only a pool that readies sessions ahead has.
    signal = tmp_path / "go"
    pool = SessionPool(1, progress=lambda ident, running: None)
    limits = Limits(sandbox=False)
    try:
        waiting = f"import os, time\nwhile not os.path.exists({str(signal)!r}):\n    time.sleep(0.01)\n"
        first = pool.submit(SessionSpec("docs/a.md", "main", (_step(waiting),), ()), limits=limits)
        second = pool.submit(SessionSpec("docs/b.md", "main", (_step("print('b ran')"),), ()), limits=limits)
        deadline = time.monotonic() + 60
        while len(pool.server.active) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)  # polled, not waited on: the second process is forked at once
        # The first still runs: one worker, two processes (if not, say what became of each).
        assert len(pool.server.active) == 2, _fates(first, second)
        assert not first.done() and not second.done()  # ready, its turn comes when the first's ends
        signal.touch()
        assert first.result(timeout=60).results[0].outcome is Outcome.OK
        assert second.result(timeout=60).results[0].output == "b ran\n"
    finally:
        pool.shutdown()


def test_an_exit_reported_after_its_session_was_forgotten_is_not_kept() -> None:
    # The build does not wait for the server's report of a finished session's exit; the
    # report, when it comes, is dropped instead of kept for ever.
    server = WorkerServer()
    ours, theirs = socket.socketpair()
    reader = threading.Thread(target=server._read_exits, args=(Channel(ours),), daemon=True)
    reader.start()
    try:
        server.active.add(41)
        server.forget(41)
        assert 41 not in server.active
        theirs.sendall(framed(ServerReport(SessionExited(41, 0))))
        theirs.sendall(framed(ServerReport(SessionExited(42, -9))))
        assert server.exit_code(42, wait=60) == -9  # reports are read in order: 41's is in
        assert not server.has_exited(41)
    finally:
        theirs.close()
        reader.join(timeout=60)


def test_a_server_launched_ahead_serves_the_first_session_once_ready() -> None:
    server = WorkerServer()
    try:
        server.launch()
        process = server._process
        server.launch()  # already starting: nothing more is started
        assert server._process is process
        result = run_in_process(server, SPEC, Limits(sandbox=False))
        assert result.results[0].detail == "the session's process exited with status 3"
        assert server._process is process
    finally:
        server.stop()


def test_every_session_collects_garbage_though_the_server_loads_with_the_collector_off() -> None:
    # The server loads numpy, matplotlib and IPython with the collector off and freezes what
    # they made; each session, forked before or after IPython was loaded, has it on again.
    check = Step(StepKey(StepKind.CHECK, 0), "__import__('gc').isenabled()", 1, 60.0, evaluate=True)
    cell = Step(StepKey(StepKind.CODE, 1), "x = 1", 2, 60.0, ipython=True)
    server = WorkerServer()
    try:
        for steps in ((check,), (check, cell), (check,)):
            result = run_in_process(
                server, SessionSpec("docs/page.md", "main", steps, ()), Limits(sandbox=False)
            )
            assert result.results[0].outcome is Outcome.OK, result.results[0].detail
            assert result.results[0].value is True
    finally:
        server.stop()


def test_a_step_s_output_is_read_through_its_open_files_not_opened_again() -> None:
    # A block notes every file opened from then on; the next block shows the notes: the
    # capture files of the noting step were made (for writing and reading), never opened again.
    note = (
        "import sys\nopened = []\n"
        "sys.addaudithook(lambda event, args: event == 'open' and opened.append((str(args[0]), args[1])))\n"
        "print('noting')"
    )
    show = "print(sorted({mode for path, mode in opened if path.endswith(('.out', '.err'))}))"
    spec = SessionSpec("docs/page.md", "main", (_step(note), _step(show, 1)), ())
    server = WorkerServer()
    try:
        result = run_in_process(server, spec, Limits(sandbox=False))
        assert [step.output for step in result.results] == ["noting\n", "['w+']\n"]
    finally:
        server.stop()


_EARLY_PROBE = """
import json, sys
from mkdocs.commands.build import build
from mkdocs.config import load_config
config = load_config(sys.argv[1])
import wmbook.execute.runner as runner  # (loaded by the plugin's entry only when it launched one)
early = runner._early
launched = early is not None and early._process is not None and early._process.poll() is None
build(config)
from wmbook.execute import pool
taken = early is not None and getattr(pool._pool, "server", None) is early
print(json.dumps({"launched": launched, "taken": taken, "left": runner._early is not None}))
"""


@pytest.mark.parametrize(
    "settings", ["", "      cache: force\n", "      executor: local\n      workers: 1\n"]
)
def test_the_worker_server_launches_as_mkdocs_loads_the_plugin_when_sessions_surely_run(
    tmp_path: Path, settings: str
) -> None:
    """A book never built here (or ``cache: force``): the server is launched before the
    plugin's modules load, and the build's pool takes it; built once, the next build of the
    unchanged book launches none."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Early\n\n```python\nprint(6 * 7)\n```\n")
    plugin = "  - wmbook:\n" + settings if settings else "  - wmbook\n"
    (tmp_path / "mkdocs.yml").write_text(f"site_name: Early\nplugins:\n{plugin}")

    def probe() -> dict[str, bool]:
        done = subprocess.run(
            [sys.executable, "-c", _EARLY_PROBE, str(tmp_path / "mkdocs.yml")],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "42" in (tmp_path / "site" / "index.html").read_text()
        answer: dict[str, bool] = json.loads(done.stdout.splitlines()[-1])
        return answer

    assert probe() == {"launched": True, "taken": True, "left": False}
    again = probe()
    forced = "force" in settings
    assert again == {"launched": forced, "taken": forced, "left": False}


def test_a_server_launched_early_that_no_pool_takes_is_ended_with_its_folder() -> None:
    launch_early_server()
    early = runner_module._early
    assert early is not None and early._process is not None
    process, folder = early._process, early._dir
    assert Path(folder).is_dir()
    end_early_server()
    assert runner_module._early is None
    assert process.poll() is not None  # ended, not left to the build's exit
    assert not Path(folder).exists()
