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

A build run as root needs no user namespace, and must not enter one: its sessions run as
``nobody`` (``sandbox``), who exists only outside a namespace that maps root alone.  Root
holds ``CAP_SYS_ADMIN``, so its session enters a mount namespace only, mounts the tmpfs
(owned by ``nobody``) and the overlay (whose written folders are ``nobody``'s), then
becomes ``nobody`` and gives up its capabilities: the mounts stay as they are.

Where the kernel refuses (user namespaces turned off, or allowed without capabilities as
Ubuntu's AppArmor does by default) the session goes without: ``/dev/shm`` stays outside
its sandbox and creating a semaphore is a ``PermissionError`` (joblib then runs its tasks
one after the other).  A short-lived process tries it first, so a refusal leaves the
session's process as it was.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import os
import pwd

from wmbook.execute.landlock import c_library

SHM = "/dev/shm"
_NOBODY = 65534  # the user and group a session runs as when the build runs as root
_CLONE_NEWNS, _CLONE_NEWUSER = 0x00020000, 0x10000000
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REC, _MS_PRIVATE = 2, 4, 8, 1 << 14, 1 << 18


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="ascii") as file:
        file.write(text)


def _enter(size_bytes: int, owner: tuple[int, int] | None) -> bool:
    """Enter a new mount namespace (this process must have one thread) and mount a tmpfs on
    ``/dev/shm``; whether it holds.  Without ``owner`` (a build not run as root) a new user
    namespace comes first, which maps only the process's own ids; with it (root) there is
    none, and the tmpfs is ``owner``'s (``nobody``, whom the session becomes)."""
    libc = c_library()
    uid, gid = os.getuid(), os.getgid()
    if not os.path.isdir(SHM) or libc.unshare(_CLONE_NEWNS | (0 if owner else _CLONE_NEWUSER)) != 0:
        return False
    if owner is None:
        try:
            _write("/proc/self/setgroups", "deny")
            _write("/proc/self/uid_map", f"{uid} {uid} 1")
            _write("/proc/self/gid_map", f"{gid} {gid} 1")
        except OSError:
            return False
    # Nothing mounted here reaches the build's namespace (nor anything of it this one).
    if libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        return False
    options = f"mode=1777,size={size_bytes}" if size_bytes > 0 else "mode=1777"
    if owner is not None:
        options += f",uid={owner[0]},gid={owner[1]}"
    flags = _MS_NOSUID | _MS_NODEV | _MS_NOEXEC
    return bool(libc.mount(b"tmpfs", SHM.encode(), b"tmpfs", flags, options.encode()) == 0)


@functools.cache
def unprivileged_ids() -> tuple[int, int] | None:
    """The user and group ``nobody`` (65534 where the system has no such user); None where
    they do not exist for this process (root of a user namespace that maps only itself)."""
    try:
        entry = pwd.getpwnam("nobody")
        uid, gid = entry.pw_uid, entry.pw_gid
    except KeyError:
        uid, gid = _NOBODY, _NOBODY
    if not (_mapped("/proc/self/uid_map", uid) and _mapped("/proc/self/gid_map", gid)):
        return None
    return uid, gid


def _mapped(path: str, ident: int) -> bool:
    """Whether ``ident`` is one of the ids a user namespace's map (``inside outside count``) holds."""
    try:
        with open(path) as file:
            ranges = [tuple(map(int, line.split())) for line in file if line.strip()]
    except (OSError, ValueError):
        return True  # no user namespaces here: every id exists
    return any(inside <= ident < inside + count for inside, _, count in ranges)


def _root_owner() -> tuple[int, int] | None:
    """``nobody``'s ids when this process is root (its sessions become ``nobody``), else None."""
    if os.geteuid() != 0:
        return None
    return unprivileged_ids()


@functools.cache
def private_shm_possible() -> bool:
    """Whether this kernel lets a process mount a tmpfs of its own on ``/dev/shm`` (tried
    in a process that ends at once; the answer is kept for every session forked later).
    Root that may not mount (no ``CAP_SYS_ADMIN``) goes without, rather than into a user
    namespace where its sessions could not become ``nobody``."""
    if not os.path.isdir(SHM):
        return False
    owner = _root_owner()
    if os.geteuid() == 0 and owner is None:
        return False
    pid = os.fork()
    if pid == 0:
        code = 1
        with contextlib.suppress(BaseException):
            code = 0 if _enter(1 << 20, owner) else 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def overlay(lower: str, upper: str, work: str, target: str, page: str = "") -> bool:
    """Mount at ``target`` the folder ``lower`` as seen through ``upper`` (in this process's
    own mount namespace): reads see ``lower``'s files, writes land in ``upper``; whether it
    holds.  A path the mount options cannot name (a comma, a colon) is not tried.

    Run as root (the session becomes ``nobody``), ``upper`` holds beforehand a folder,
    ``nobody``'s, for the page's folder (``page``, within ``lower``), each folder above it
    and the nearest hundred beneath it: the overlay shows a folder with the owner of
    its upper one, so the session may make and remove files there (the files it finds are
    copied before they change: ``workdir``).  Not for every folder of ``lower``: making
    them costs about 0.1 ms each, in every session."""
    if any(mark in path for path in (lower, upper, work) for mark in ",:\\"):
        return False
    os.makedirs(upper, exist_ok=True)
    os.makedirs(work, exist_ok=True)
    os.makedirs(target, exist_ok=True)
    owner = _root_owner()
    if owner is not None:
        _own_folders(lower, upper, page, *owner)  # before the mount: an upper layer must not change under it
    options = f"lowerdir={lower},upperdir={upper},workdir={work},userxattr"
    libc = c_library()
    # What the session writes is read once and removed with its folder: nothing need reach the
    # disk, so the overlay is volatile where the kernel knows the option (Linux 5.10 on), and
    # ending the session does not flush the whole file system the folder lies on.
    if not any(
        libc.mount(b"overlay", target.encode(), b"overlay", 0, (options + extra).encode()) == 0
        for extra in (",volatile", "")
    ):
        return False
    # The kernel makes its scratch folders unreadable even to their owner, which would keep the
    # build (not root) from removing the session's folder; it works in them with its own rights.
    with contextlib.suppress(OSError):
        for folder in _SCRATCH:
            os.chmod(os.path.join(work, folder), 0o700)
    return True


# The overlay's scratch folders within its work folder (the last two only when volatile).
_SCRATCH = ("work", os.path.join("work", "incompat"), os.path.join("work", "incompat", "volatile"))


_OWNED_FOLDERS = 100  # folders beneath the page's that a root build's session may write in, nearest first


def _own_folders(lower: str, upper: str, page: str, uid: int, gid: int) -> None:
    """Make in ``upper`` the folders of ``lower`` from its top to ``page`` and the nearest
    ``_OWNED_FOLDERS`` beneath it (each with its mode), owned by ``uid``/``gid``."""
    parts = [part for part in page.split("/") if part]
    chain = [os.path.join(*parts[:depth]) if depth else "" for depth in range(len(parts) + 1)]
    queue = collections.deque([os.path.join(lower, chain[-1])])
    while queue and len(chain) < len(parts) + 2 + _OWNED_FOLDERS:  # the page's folder comes twice
        here = queue.popleft()
        chain.append(os.path.relpath(here, lower))
        with contextlib.suppress(OSError), os.scandir(here) as entries:
            queue.extend(sorted(entry.path for entry in entries if entry.is_dir(follow_symlinks=False)))
    for rel in dict.fromkeys(os.path.normpath(rel) for rel in chain):
        mirror = os.path.join(upper, rel)
        with contextlib.suppress(OSError):
            os.makedirs(mirror, exist_ok=True)
            os.chmod(mirror, os.stat(os.path.join(lower, rel)).st_mode & 0o7777 | 0o700)
            os.chown(mirror, uid, gid)


def private_shm(size_bytes: int) -> bool:
    """Give this process (and what it starts) a ``/dev/shm`` of its own, ``size_bytes``
    large (0: the kernel's default, half the memory); whether it has one.  The caller must
    then give up its capabilities (``sandbox`` does) before running any code of the book."""
    return private_shm_possible() and _enter(size_bytes, _root_owner())
