"""Sessions leave nothing behind: no process outlives the build, nothing holds its output
streams, a killed or interrupted build stops at once and leaves no temporary folder."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from .conftest import build_in_subprocess, subprocess_env

CONFIG = """site_name: Processes
theme:
  name: material
  font: false
markdown_extensions:
  - pymdownx.superfences
plugins:
  - wmbook:
      timeout: {timeout}
"""


def _book(tmp_path: Path, page: str, timeout: int = 20) -> Path:
    root = tmp_path / "book"
    (root / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(CONFIG.format(timeout=timeout))
    (root / "docs" / "index.md").write_text(page)
    return root


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline and "pytest" not in cmdline:
            found.append(int(entry.name))
    return found


def _wait_until(check: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def marker() -> str:
    return f"{300 + uuid.uuid4().int % 1000}.{uuid.uuid4().int % 10**6:06d}"


def test_a_started_process_does_not_outlive_thebuild_in_subprocess(tmp_path: Path, marker: str) -> None:
    page = f'# P\n\n```python\nimport subprocess\nsubprocess.Popen(["sleep", "{marker}"])\nprint("started")\n```\n'
    done = build_in_subprocess(_book(tmp_path, page), subprocess_env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert _wait_until(lambda: not _processes_with(f"sleep {marker}"), 3), _processes_with(marker)


def test_a_forked_grandchild_cannot_hold_the_build_output(tmp_path: Path) -> None:
    page = "# P\n\n```python\nimport os, time\nif os.fork() == 0:\n    time.sleep(45)\n    os._exit(0)\nprint('parent')\n```\n"
    started = time.monotonic()
    done = build_in_subprocess(
        _book(tmp_path, page), subprocess_env(tmp_path), timeout=40
    )  # capture_output waits for EOF
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 30


def test_exit_with_a_grandchild_holding_the_connection_is_not_a_timeout(tmp_path: Path) -> None:
    page = "# P\n\n```python\nimport os, time\nif os.fork() == 0:\n    time.sleep(30)\n    os._exit(0)\nos._exit(3)\n```\n"
    started = time.monotonic()
    done = build_in_subprocess(_book(tmp_path, page, timeout=20), subprocess_env(tmp_path))
    assert done.returncode != 0
    assert "the session's process exited with status 3" in done.stderr
    assert "timed out" not in done.stderr
    assert time.monotonic() - started < 15


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_a_stopped_build_leaves_no_process_and_no_folder(tmp_path: Path, marker: str, signum: int) -> None:
    page = f"# P\n\n```python\nimport time\nwhile True:\n    time.sleep(0.01)  # {marker}\n    sum(range(10_000))\n```\n"
    root = _book(tmp_path, page, timeout=60)
    env = subprocess_env(tmp_path)
    build = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "build", "-q"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    temp = Path(env["TMPDIR"])
    assert _wait_until(lambda: any(temp.glob("wmbook-workers-*/session-*")), 60), "the session never started"
    time.sleep(0.5)
    started = time.monotonic()
    build.send_signal(signum)
    build.wait(timeout=10)
    if signum != signal.SIGKILL:
        assert time.monotonic() - started < 2.0  # stopped at once, not at the block's timeout
    assert _wait_until(lambda: not _processes_with("wmbook.execute.zygote " + str(temp)), 5)
    assert _wait_until(lambda: not list(temp.glob("wmbook-*")), 5), list(temp.iterdir())
