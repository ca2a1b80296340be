"""Nothing a session sends is run by the build, and a session reaches no process but its own:
the result channel carries data, not pickles; no socket of the worker server has a path;
the Dask scheduler is out of reach.  Each attack comes in a silent form (the page looks
right) and a loud one; either way the marker file the escaped code would write stays absent.

The builds run in a process of their own, so "the build process" is not the test's.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from wmbook.execute.sandbox import landlock_abi

from .conftest import build_in_subprocess, one_page_book, subprocess_env

# A pickle whose loading runs `open(MARKER, "w")`: what an escaped block would do.
EVIL = """
import os, pickle, stat, struct

class Evil:
    def __reduce__(self):
        return (eval, (f"open({MARKER!r}, 'w').write('escaped') and 0",))

def session_sockets():
    found = []
    for fd in range(3, 256):
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                found.append(fd)
        except OSError:
            pass
    return found
"""

# Silent: a well-formed result for this block (the page shows the expected output) with
# the payload in a field nobody reads.
PICKLE_SILENT = """
from wmbook.model import Outcome, StepKey, StepKind, StepResult
forged = StepResult(StepKey(StepKind.CODE, 0), Outcome.OK, "all is well\\n", value=Evil())
for fd in session_sockets():
    body = pickle.dumps(forged)
    os.write(fd, struct.pack("!i", len(body)) + body)
print("all is well")
"""

# Loud: the payload alone, in place of the result.
PICKLE_LOUD = """
for fd in session_sockets():
    body = pickle.dumps(Evil())
    os.write(fd, struct.pack("!i", len(body)) + body)
print("sent")
"""

# The worker server's socket, two folders up from the working directory (as it was), or
# any socket path the session can find there.
SOCKET_ATTACK = """
from multiprocessing.connection import Client
reached = 0
for path in ["../../socket"]:
    try:
        conn = Client(path)
    except OSError:
        continue
    conn.recv()  # the pid of the fresh process forked for us
    conn.send(Evil())
    reached += 1
"""
SOCKET_SILENT = SOCKET_ATTACK + 'print("all is well")\n'
SOCKET_LOUD = SOCKET_ATTACK + 'assert reached == 0, "reached the worker server"\nprint("all is well")\n'


def _book(tmp_path: Path, code: str, extra: str = "") -> tuple[Path, Path]:
    marker = tmp_path / "ESCAPED"
    block = f"MARKER = {str(marker)!r}\n" + EVIL + code
    page = f"# Escape\n\n```python\n{block}```\n\n```\nall is well\n```\n"
    return one_page_book(tmp_path, page, title="Escapes", options="      timeout: 30\n" + extra), marker


@pytest.mark.parametrize("form", ["silent", "loud"])
def test_a_pickle_sent_on_the_result_channel_is_not_run(tmp_path: Path, form: str) -> None:
    code = PICKLE_SILENT if form == "silent" else PICKLE_LOUD
    root, marker = _book(tmp_path, code)
    done = build_in_subprocess(root, subprocess_env(tmp_path), timeout=180)
    assert not marker.exists(), "the build process ran code a session sent"
    # The session's forged message is refused and reported at the block, not taken as its result.
    assert done.returncode == 1, done.stderr
    assert "docs/index.md:4:" in done.stderr
    assert "not a valid StepResult" in done.stderr
    assert "nothing it sent was run" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("form", ["silent", "loud"])
def test_the_worker_server_cannot_be_reached_from_a_session(tmp_path: Path, form: str) -> None:
    code = SOCKET_SILENT if form == "silent" else SOCKET_LOUD
    root, marker = _book(tmp_path, code)
    done = build_in_subprocess(root, subprocess_env(tmp_path), timeout=180)
    assert not marker.exists(), "a session reached the worker server"
    assert done.returncode == 0, done.stderr
    assert "all is well" in (root / "site" / "index.html").read_text()


def test_a_session_holds_no_descriptor_but_its_own_channel(tmp_path: Path) -> None:
    code = 'print("sockets:", len(session_sockets()))\nprint("all is well")\n'
    root, _ = _book(tmp_path, code)
    done = build_in_subprocess(root, subprocess_env(tmp_path), timeout=180)
    assert done.returncode == 0, done.stderr
    assert "sockets: 1" in (root / "site" / "index.html").read_text()


DASK_ATTACK = """
import distributed
try:
    with distributed.Client({address!r}, timeout=5) as client:
        client.submit(eval, f"open({{MARKER!r}}, 'w').write('escaped')", pure=False).result()
except OSError as exc:
    refused = exc
{ending}print("all is well")
"""


@pytest.mark.skipif(landlock_abi() < 4, reason="this kernel's Landlock has no network rules")
@pytest.mark.parametrize("form", ["silent", "loud"])
def test_a_session_on_a_dask_worker_cannot_reach_the_scheduler(tmp_path: Path, form: str) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None, host="127.0.0.1"
    ) as cluster:
        ending = "" if form == "silent" else "raise refused\n"
        code = textwrap.dedent(DASK_ATTACK.format(address=cluster.scheduler_address, ending=ending))
        root, marker = _book(
            tmp_path, code, f"      executor: dask\n      scheduler: {cluster.scheduler_address}\n"
        )
        done = build_in_subprocess(root, subprocess_env(tmp_path), timeout=180)
    assert not marker.exists(), "a session submitted a task to the scheduler"
    if form == "silent":
        assert done.returncode == 0, done.stderr
    else:
        assert done.returncode == 1
        assert "PermissionError" in done.stderr
