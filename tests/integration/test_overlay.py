"""A session's working folder through an overlay: volatile (nothing is flushed to disk when the
session ends), and its scratch folders removable by a build that is not root."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest

from wmbook.execute import namespaces
from wmbook.execute.namespaces import overlay, private_shm, private_shm_possible

pytestmark = pytest.mark.skipif(
    not private_shm_possible(), reason="this kernel lets no process have a mount namespace of its own"
)


class _WithoutVolatile:
    """The C library as on a kernel before 5.10: an overlay mount naming ``volatile`` fails."""

    def __init__(self, libc: Any) -> None:
        self._libc = libc

    def __getattr__(self, name: str) -> Any:
        return getattr(self._libc, name)  # unshare, and the rest, as they are

    def mount(self, source: bytes, target: bytes, kind: bytes, flags: int, options: bytes | None) -> int:
        if kind == b"overlay" and options is not None and b"volatile" in options.split(b","):
            return -1
        return int(self._libc.mount(source, target, kind, flags, options))


def _mounted_in_child(tmp_path: Path, old_kernel: bool = False) -> tuple[str, Path]:
    """Mount an overlay as a session does, in a process that ends at once; its line of
    ``/proc/self/mountinfo`` as the process saw it, and the overlay's work folder.  With
    ``old_kernel``, the mount refuses the ``volatile`` option."""
    lower, upper, work, target = (tmp_path / name for name in ("lower", "upper", "work", "target"))
    lower.mkdir()
    (lower / "data.csv").write_text("a,b\n")
    report = tmp_path / "options"
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            if old_kernel:
                libc = namespaces.c_library()
                namespaces.c_library = lambda: _WithoutVolatile(libc)  # type: ignore[assignment]
            if private_shm(1 << 20) and overlay(str(lower), str(upper), str(work), str(target)):
                (target / "written.txt").write_text("the session's")
                mounts = Path("/proc/self/mountinfo").read_text().splitlines()
                report.write_text(next(line for line in mounts if f" {target} " in line))
                code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the overlay could not be mounted"
    return report.read_text(), work


def test_the_overlay_is_volatile(tmp_path: Path) -> None:
    line, _ = _mounted_in_child(tmp_path)
    options = line.split(" - ", 1)[1].split()[2].split(",")  # type, source, then its options
    assert {"volatile", "fsync=volatile"} & set(options), line  # the later kernels' spelling second
    assert (tmp_path / "upper" / "written.txt").read_text() == "the session's"


def test_the_overlay_leaves_no_folder_its_owner_cannot_enter(tmp_path: Path) -> None:
    _, work = _mounted_in_child(tmp_path)
    folders = [Path(root) for root, _, _ in os.walk(work)]
    assert len(folders) >= 3  # the work folder, the kernel's, and a volatile mount's marker
    locked = [f for f in folders if stat.S_IMODE(f.stat().st_mode) & 0o700 != 0o700]
    assert not locked, f"a build that is not root could not remove {locked}"
    shutil.rmtree(tmp_path)


def test_a_kernel_without_volatile_overlays_mounts_one_as_before(tmp_path: Path) -> None:
    line, work = _mounted_in_child(tmp_path, old_kernel=True)
    options = line.split(" - ", 1)[1].split()[2].split(",")
    assert not {"volatile", "fsync=volatile"} & set(options), line
    assert (tmp_path / "upper" / "written.txt").read_text() == "the session's"
    shutil.rmtree(tmp_path)  # the work folder's own included
    assert not work.exists()
