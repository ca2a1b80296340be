"""Sessions may write only in their own folder, and run within a memory and a file-size limit."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from wmbook.execute.namespaces import private_shm_possible
from wmbook.execute.sandbox import landlock_abi

from .conftest import build_site, one_page_book

ALLOWED = """```python
import os
import tempfile

with open("here.txt", "w") as file:
    file.write("in the working directory")
with tempfile.NamedTemporaryFile() as file:
    file.write(b"in the session's temporary folder")
with open(os.devnull, "w") as null:
    null.write("nowhere")
print("allowed writes work")
```
"""


def _book(tmp_path: Path, page: str, extra: str = "") -> Path:
    options = "      timeout: 30\n      memory_limit_mb: 1500\n      max_output_mb: 1\n" + extra
    return one_page_book(tmp_path, "# S\n\n" + page, title="Sandbox", options=options)


needs_landlock = pytest.mark.skipif(landlock_abi() <= 0, reason="this kernel offers no Landlock")


@needs_landlock
def test_a_write_outside_the_session_is_refused_at_its_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    target = tmp_path / "book" / "docs" / "zz" / "INJECTED.md"
    page = (
        ALLOWED
        + f'\n```python session="escape"\nimport os\nos.makedirs("{target.parent}", exist_ok=True)\n```\n'
    )
    page += f'\n```python session="file"\nopen("{tmp_path / "book" / "ROOT.txt"}", "w").write("no")\n```\n'
    site = build_site(_book(tmp_path, page), caplog)
    assert site.failed
    assert "docs/index.md:18: PermissionError: [Errno 13] Permission denied" in site.messages
    assert "docs/index.md:22: PermissionError: [Errno 13] Permission denied" in site.messages
    assert not target.parent.exists() and not (tmp_path / "book" / "ROOT.txt").exists()
    assert "allowed writes work" in site.html()


def test_the_sandbox_can_be_turned_off(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    outside = tmp_path / "written-by-the-book.txt"
    page = f'```python\nopen("{outside}", "w").write("intended")\n```\n'
    site = build_site(_book(tmp_path, page, "      sandbox: false\n"), caplog, strict=True)
    assert not site.failed, site.messages
    assert outside.read_text() == "intended"


def test_running_out_of_memory_names_the_limit(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    page = "```python\nimport numpy as np\nbig = np.ones((40_000, 10_000))\n```\n"
    site = build_site(_book(tmp_path, page), caplog)
    assert site.failed
    assert "docs/index.md:5: out of memory (limit 1.5 GB)" in site.messages


def test_a_flood_of_output_is_cut_at_the_file_size_limit(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    page = (
        '```python\nfor i in range(100_000):\n    print("x" * 100)\n```\n\n```python\nprint("after")\n```\n'
    )
    site = build_site(_book(tmp_path, page), caplog)
    assert site.failed
    assert "docs/index.md:5: wrote more than the 1 MB a file may have (its output was cut)" in site.messages
    cache = tmp_path / "book" / ".cache"
    assert sum(p.stat().st_size for p in cache.rglob("*") if p.is_file()) < 4 * 1024 * 1024


def test_a_kernel_without_landlock_is_told_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import wmbook.launch

    monkeypatch.setattr(wmbook.launch, "landlock_abi", lambda: 0)
    site = build_site(_book(tmp_path, ALLOWED), caplog)
    assert site.messages.count("this system offers no Landlock, so the sandbox is off") == 1


needs_private_shm = pytest.mark.skipif(
    not private_shm_possible(), reason="this kernel lets no process mount a /dev/shm of its own"
)


@needs_landlock
@needs_private_shm
def test_shared_memory_is_the_session_s_own(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    theirs = Path("/dev/shm") / f"wmbook-test-{os.getpid()}-theirs"
    left = Path("/dev/shm") / f"wmbook-test-{os.getpid()}-left"
    theirs.write_text("another session's")
    page = f"""```python
import os
from multiprocessing import shared_memory

print("listed:", os.listdir("/dev/shm"))
try:
    open("{theirs}").read()
except OSError as exc:
    print("theirs:", type(exc).__name__)
open("{left}", "w").write("left behind")
block = shared_memory.SharedMemory(create=True, size=4096)
print("made:", block.name in os.listdir("/dev/shm"))
size = os.statvfs("/dev/shm")
print("size:", size.f_blocks * size.f_frsize >> 20)
```
"""
    try:
        site = build_site(_book(tmp_path, page), caplog, strict=True)
    finally:
        theirs.unlink()
    assert not site.failed, site.messages
    html = site.html()
    assert "listed: []" in html  # neither the build's files nor another session's
    assert "theirs: FileNotFoundError" in html
    assert "made: True" in html
    assert "size: 1500" in html  # no larger than the session's memory limit
    assert not left.exists()  # gone with the session


# A process set up as a session is: the book's limits and sandbox, then code that reads
# its orders from stdin (an inherited pipe, as a session's channel is).
SESSION = """import os, signal, sys
from wmbook.execute.sandbox import Limits, apply_limits
signal.signal(signal.SIGUSR1, lambda *_: print("signalled", flush=True))
apply_limits(Limits(sandbox=sys.argv[2] == "1"), sys.argv[1])
print(os.getpid(), flush=True)
for line in sys.stdin:
    try:
        os.kill(int(line), signal.SIGUSR1)
        print("sent", flush=True)
    except OSError as exc:
        print(type(exc).__name__, flush=True)
"""


def _session(folder: Path, sandbox: bool) -> subprocess.Popen[str]:
    folder.mkdir()
    command = [sys.executable, "-c", SESSION, str(folder), "1" if sandbox else "0"]
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


@pytest.mark.skipif(landlock_abi() < 6, reason="this kernel's Landlock does not scope signals")
@pytest.mark.parametrize("sandbox", [True, False])
def test_a_session_cannot_signal_another_running_session(tmp_path: Path, sandbox: bool) -> None:
    first, second = _session(tmp_path / "first", sandbox), _session(tmp_path / "second", sandbox)
    try:
        assert first.stdout is not None and second.stdout is not None and second.stdin is not None
        victim = first.stdout.readline().strip()
        second.stdout.readline()  # confined by now
        second.stdin.write(victim + "\n")
        second.stdin.close()
        answer = second.stdout.read().strip()
        # Without the sandbox the signal reaches the other session (the test can tell).
        assert answer == ("PermissionError" if sandbox else "sent")
    finally:
        first.kill()
        second.kill()
        first.wait()
        second.wait()


# Each attempt is a session of its own, so that each fails at its own line.
METADATA_CALLS = {
    "chmod": "os.chmod(VICTIM, 0o777)",
    "utime": "os.utime(VICTIM, (0, 0))",
    "touch": "os.utime(VICTIM)",
    "chown": "os.chown(VICTIM, 65534, 65534)",
    "setxattr": 'os.setxattr(VICTIM, "user.wmbook", b"changed")',
    "removexattr": 'os.removexattr(VICTIM, "user.kept")',
    "mknod": 'os.mknod(VICTIM + ".fifo", 0o600 | stat.S_IFIFO)',
}


@needs_landlock
@pytest.mark.skipif(os.geteuid() != 0, reason="a build run as root is what this concerns")
def test_a_session_of_a_root_build_cannot_change_metadata_outside_its_folder(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("root's file\n")
    victim.chmod(0o600)
    os.setxattr(victim, "user.kept", b"1")
    before = victim.stat()
    page = "".join(
        f'```python session="{name}"\nimport os, stat\nVICTIM = {str(victim)!r}\n{call}\n```\n\n'
        for name, call in METADATA_CALLS.items()
    )
    # Its own files still take every change.
    own = 'open("mine.txt", "w").close()\nos.chmod("mine.txt", 0o640)\nos.utime("mine.txt", (0, 0))\n'
    own += 'os.setxattr("mine.txt", "user.x", b"1")\nos.mkfifo("pipe")\nprint("own files:", oct(os.stat("mine.txt").st_mode & 0o777))\n'
    page += f'```python session="own"\nimport os\n{own}```\n'
    site = build_site(_book(tmp_path, page), caplog)
    assert site.failed and f"found {len(METADATA_CALLS)} errors" in site.messages  # not the own session
    for number, name in enumerate(METADATA_CALLS):
        line = 6 + 6 * number  # "# S" and a blank line, then six lines per block
        assert re.search(rf"docs/index.md:{line}: PermissionError: \[Errno (1|13)\]", site.messages), name
    after = victim.stat()
    assert (after.st_mode, after.st_uid, after.st_mtime_ns) == (
        before.st_mode,
        before.st_uid,
        before.st_mtime_ns,
    )
    assert os.getxattr(victim, "user.kept") == b"1" and not Path(f"{victim}.fifo").exists()
    assert "own files: 0o640" in site.html()
