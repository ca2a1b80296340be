"""The worker server and the build speak in typed frames: a request that is not a
``ForkSession`` forks nothing (the socket sent with it is closed unused), and the server's
readiness and exit reports reach the build as records."""

from __future__ import annotations

import socket

import pytest

from wmbook.execute.channel import ChannelClosed, channel_pair, encode
from wmbook.execute.runner import WorkerServer, run_in_process
from wmbook.execute.sandbox import Limits
from wmbook.model import Outcome, SessionSpec, Step, StepKey, StepKind

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
