"""Memory, processes and disk are limits of a session as a whole, and nothing a session
started (a daemon that called setsid included) outlives it."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from waits import process_ended
from wmbook.execute.cgroups import whole_session_limits

from .conftest import build_site

CONFIG = """site_name: Limits
theme:
  name: material
  font: false
plugins:
  - wmbook:
      timeout: 60
{extra}"""


def _book(tmp_path: Path, code: str, extra: str = "") -> Path:
    root = tmp_path / "book"
    (root / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(CONFIG.format(extra=extra))
    (root / "docs" / "index.md").write_text(f"# Limits\n\n```python\n{code}```\n")
    return root


def _needs(limit: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        limit not in whole_session_limits(), reason=f"no cgroup bounds a session's {limit} here"
    )


# Eight children, each holding more than an eighth of the limit at the same time.
FORKED_MEMORY = """import os
import numpy as np
ready_r, ready_w = os.pipe()
go_r, go_w = os.pipe()
children = []
for _ in range(8):
    pid = os.fork()
    if pid == 0:
        os.close(go_w)
        held = np.ones(80 * 2**20 // 8)  # 80 MB, every page written
        os.write(ready_w, b"1")
        os.close(ready_w)  # so the parent sees the end once every child has answered or died
        os.read(go_r, 1)  # hold it until the parent has counted
        os._exit(0)
    children.append(pid)
os.close(ready_w)
while os.read(ready_r, 1):  # until every child has answered or died
    pass
# A child the kernel ended after it answered holds nothing: count the ones alive now.
alive = [pid for pid in children if os.waitpid(pid, os.WNOHANG)[0] == 0]
os.close(go_w)
for pid in alive:
    os.waitpid(pid, 0)
print(f"held {len(alive)} of 8")
"""


@_needs("memory")
def test_forked_children_share_the_session_s_memory_limit(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = build_site(_book(tmp_path, FORKED_MEMORY, "      memory_limit_mb: 400\n"), caplog)
    # Either a child was ended for the session's memory, or the whole session was.
    if site.failed:
        assert "ran out of memory" in site.messages, site.messages
    else:
        held = re.search(r"held (\d) of 8", site.html())
        assert held is not None and int(held.group(1)) < 8


MEMFD = """import os
held = 0
files = []
try:
    for _ in range(32):
        fd = os.memfd_create("hidden")
        chunk = b"x" * 2**20
        for _ in range(64):
            os.write(fd, chunk)
        files.append(fd)
        held += 64
except OSError as exc:
    print("refused:", exc)
print(f"held {held} MB in memory files")
"""


@_needs("memory")
def test_memory_files_count_against_the_session(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    site = build_site(_book(tmp_path, MEMFD, "      memory_limit_mb: 512\n"), caplog)
    if site.failed:
        assert "ran out of memory" in site.messages, site.messages
    else:
        held = re.search(r"held (\d+) MB", site.html())
        assert held is not None and int(held.group(1)) <= 512


FORKS = """import os
children = []
r, w = os.pipe()
try:
    for _ in range(2000):
        pid = os.fork()
        if pid == 0:
            os.close(w)
            os.read(r, 1)
            os._exit(0)
        children.append(pid)
except OSError as exc:
    print("refused:", type(exc).__name__)
os.close(w)
for pid in children:
    os.waitpid(pid, 0)
print(f"started {len(children)} processes")
"""


@pytest.mark.skipif(
    "pids" not in whole_session_limits() and os.geteuid() == 0,
    reason="root is not held by a per-user process limit, and no cgroup is here",
)
def test_forks_are_bounded(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    site = build_site(_book(tmp_path, FORKS, "      max_processes: 100\n"), caplog)
    assert not site.failed, site.messages
    started = re.search(r"started (\d+) processes", site.html())
    assert started is not None and int(started.group(1)) < 100
    assert "refused: BlockingIOError" in site.html()


FILES = """import os
for i in range(40):
    with open(f"big-{i}.bin", "wb") as file:
        file.write(os.urandom(2**20) * 32)
    print("file", i, flush=True)
"""


def test_many_files_are_bounded_by_the_session_total(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = build_site(_book(tmp_path, FILES, "      max_output_mb: 32\n"), caplog)
    assert site.failed
    assert "docs/index.md:4: the session wrote more than the 32 MB its folder may hold" in site.messages
    assert "must not end its process" not in site.messages  # the build ended it, not the block


def test_a_quick_writer_is_caught_when_its_block_ends(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    code = 'for i in range(3):\n    open(f"part-{i}.bin", "wb").write(bytes(12 * 2**20))\n'
    site = build_site(_book(tmp_path, code + "print('done')\n", "      max_output_mb: 32\n"), caplog)
    assert site.failed
    assert "docs/index.md:4: the session wrote more than the 32 MB its folder may hold" in site.messages


DAEMON = """import os, time
r, w = os.pipe()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.write(w, str(os.getpid()).encode())
        os.close(w)
        while True:
            time.sleep(1)
    os._exit(0)
os.close(w)
print("daemon", os.read(r, 32).decode())
"""


def test_a_setsid_daemon_does_not_outlive_its_session(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = build_site(_book(tmp_path, DAEMON), caplog)
    assert not site.failed, site.messages
    found = re.search(r"daemon (\d+)", site.html())
    assert found is not None
    pid = int(found.group(1))
    assert process_ended(pid), f"the daemon {pid} outlived its session"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


@_needs("kill")
def test_folders_a_killed_build_left_are_removed_at_the_next_start() -> None:
    """A build ended by SIGKILL leaves its cgroup folders, and may leave a session running
    in one; the next worker server ends that session and removes the folders."""
    from wmbook.execute import cgroups

    probe = cgroups.SessionGroups()
    base = probe._bases["kill"][0]  # this process's own folder, in the build's cgroup
    probe.close()
    gone = subprocess.Popen(["true"])
    gone.wait()  # a process id nothing runs under any more
    stale = Path(base).parent / f"wmbook-{gone.pid}-3"
    session = stale / "session-left"
    session.mkdir(parents=True)
    orphan = subprocess.Popen(["sleep", "300"])
    (session / "cgroup.procs").write_text(str(orphan.pid))
    live = Path(base).parent / f"wmbook-{os.getpid()}-99"  # a running build's folder stays
    live.mkdir()
    try:
        cgroups.SessionGroups().close()
        assert orphan.wait(timeout=30) == -9
        assert not stale.exists()
        assert live.is_dir()
    finally:
        orphan.kill()
        live.rmdir()
