"""A session's own ``/dev/shm``, in a mount namespace of its own.

POSIX semaphores and shared memory (``multiprocessing.Lock``, a ``Pool``, joblib's
processes, ``%memit``) are files in ``/dev/shm``.  A session must not read nor list the
files of another session or of the build there, so the shared folder stays out of its
sandbox; instead the session's process, where the kernel allows it, enters a new user
namespace (no privilege needed) with a mount namespace, mounts an empty tmpfs of its own
on ``/dev/shm``, then gives up the capabilities the namespace lent it.  The tmpfs is seen
only by the session's processes, is as large as the session's memory limit (its pages
are charged to the session's memory cgroup, as the process that writes them is in it),
and is gone with the last process of the session.

Where the kernel refuses (user namespaces turned off, or allowed without capabilities as
Ubuntu's AppArmor does by default) the session goes without: ``/dev/shm`` stays outside
its sandbox and creating a semaphore is a ``PermissionError`` (joblib then runs its tasks
one after the other).  A short-lived process tries it first, so a refusal leaves the
session's process as it was.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os

SHM = "/dev/shm"
_CLONE_NEWNS, _CLONE_NEWUSER = 0x00020000, 0x10000000
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REC, _MS_PRIVATE = 2, 4, 8, 1 << 14, 1 << 18


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="ascii") as file:
        file.write(text)


def _enter(size_bytes: int) -> bool:
    """Enter new user and mount namespaces (this process must have one thread) and mount a
    tmpfs on ``/dev/shm``; whether it holds.  The process keeps its user and group ids."""
    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.getuid(), os.getgid()
    if not os.path.isdir(SHM) or libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNS) != 0:
        return False
    try:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    except OSError:
        return False
    # Nothing mounted here reaches the build's namespace (nor anything of it this one).
    libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None)
    options = f"mode=1777,size={size_bytes}" if size_bytes > 0 else "mode=1777"
    flags = _MS_NOSUID | _MS_NODEV | _MS_NOEXEC
    return bool(libc.mount(b"tmpfs", SHM.encode(), b"tmpfs", flags, options.encode()) == 0)


@functools.cache
def private_shm_possible() -> bool:
    """Whether this kernel lets a process mount a tmpfs of its own on ``/dev/shm`` (tried
    in a process that ends at once; the answer is kept for every session forked later)."""
    if not os.path.isdir(SHM):
        return False
    pid = os.fork()
    if pid == 0:
        code = 1
        with contextlib.suppress(BaseException):
            code = 0 if _enter(1 << 20) else 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def overlay(lower: str, upper: str, work: str, target: str) -> bool:
    """Mount at ``target`` the folder ``lower`` as seen through ``upper`` (in this process's
    own mount namespace): reads see ``lower``'s files, writes land in ``upper``; whether it
    holds.  A path the mount options cannot name (a comma, a colon) is not tried."""
    if any(mark in path for path in (lower, upper, work) for mark in ",:\\"):
        return False
    os.makedirs(upper, exist_ok=True)
    os.makedirs(work, exist_ok=True)
    os.makedirs(target, exist_ok=True)
    options = f"lowerdir={lower},upperdir={upper},workdir={work},userxattr"
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.mount(b"overlay", target.encode(), b"overlay", 0, options.encode()) != 0:
        return False
    # The kernel makes its scratch folder unreadable even to its owner, which would keep the
    # build (not root) from removing the session's folder; it works in it with its own rights.
    with contextlib.suppress(OSError):
        os.chmod(os.path.join(work, "work"), 0o700)
    return True


def private_shm(size_bytes: int) -> bool:
    """Give this process (and what it starts) a ``/dev/shm`` of its own, ``size_bytes``
    large (0: the kernel's default, half the memory); whether it has one.  The caller must
    then give up its capabilities (``sandbox`` does) before running any code of the book."""
    return private_shm_possible() and _enter(size_bytes)
