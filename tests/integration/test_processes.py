"""Sessions leave nothing behind: no process outlives the build, nothing holds its output
streams, a killed or interrupted build stops at once and leaves no temporary folder."""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from waits import until

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


# A process that never ends by itself: it waits on a pipe nobody writes to.
FOREVER = "import os\n\ndef forever():\n    r, _ = os.pipe()\n    os.read(r, 1)\n\n"


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


@pytest.fixture
def marker() -> str:
    return f"{300 + uuid.uuid4().int % 1000}.{uuid.uuid4().int % 10**6:06d}"


def test_a_started_process_does_not_outlive_thebuild_in_subprocess(tmp_path: Path, marker: str) -> None:
    page = f'# P\n\n```python\nimport subprocess\nsubprocess.Popen(["sleep", "{marker}"])\nprint("started")\n```\n'
    done = build_in_subprocess(_book(tmp_path, page), subprocess_env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert until(lambda: not _processes_with(f"sleep {marker}"), 3), _processes_with(marker)


def test_a_forked_grandchild_cannot_hold_the_build_output(tmp_path: Path) -> None:
    # The grandchild never ends by itself (it waits on a pipe nobody writes to): a build that
    # waited for it, or for the output it holds open, would hang until the run's timeout.
    page = f"# P\n\n```python\n{FOREVER}if os.fork() == 0:\n    forever()\nprint('parent')\n```\n"
    done = build_in_subprocess(_book(tmp_path, page), subprocess_env(tmp_path))  # waits for EOF
    assert done.returncode == 0, done.stderr


def test_exit_with_a_grandchild_holding_the_connection_is_not_a_timeout(tmp_path: Path) -> None:
    page = f"# P\n\n```python\n{FOREVER}if os.fork() == 0:\n    forever()\nos._exit(3)\n```\n"
    done = build_in_subprocess(_book(tmp_path, page, timeout=20), subprocess_env(tmp_path))
    assert done.returncode != 0
    assert "the session's process exited with status 3" in done.stderr
    assert "timed out" not in done.stderr  # the block's 20 s ran out only if the build waited


def _interruptible() -> None:
    """Ctrl-C as a terminal delivers it: a shell starts a background job (a test run started
    with ``&``, say) with SIGINT ignored, and a build that inherits that rightly ignores it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_a_stopped_build_leaves_no_process_and_no_folder(tmp_path: Path, marker: str, signum: int) -> None:
    page = (
        f"# P\n\n```python\nimport os, tempfile, time\n"
        f"open(os.path.join(tempfile.gettempdir(), 'looping'), 'w').close()\n"
        f"while True:\n    time.sleep(0.01)  # {marker}\n    sum(range(10_000))\n```\n"
    )
    root = _book(tmp_path, page, timeout=60)
    env = subprocess_env(tmp_path, PYTHONFAULTHANDLER="1")
    build = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "build", "-q"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_interruptible,
    )
    temp = Path(env["TMPDIR"])
    # The block says it is in its loop by leaving a file in its temporary folder.
    assert until(lambda: any(temp.glob("wmbook-workers-*/session-*/tmp/looping"))), "the block never ran"
    build.send_signal(signum)
    try:
        build.wait(timeout=30)  # the block's own timeout is 60 s: the build stopped because of the signal
    except subprocess.TimeoutExpired:
        build.send_signal(signal.SIGABRT)  # PYTHONFAULTHANDLER: every thread's stack on stderr
        _, stderr = build.communicate(timeout=30)
        pytest.fail(f"the build did not stop within 30 s of the signal; where its threads were:\n{stderr}")
    assert until(lambda: not _processes_with("wmbook.execute.zygote " + str(temp)), 5)
    assert until(lambda: not list(temp.glob("wmbook-*")), 5), list(temp.iterdir())
