"""Limits and a sandbox for a session's process, set in the process before its code runs.

* Landlock (``landlock``): the process, and everything it starts, may write only in its
  session folder, ``/dev/null`` and a ``/dev/shm`` of its own (``namespaces``), read only the interpreter, installed packages, the
  system's libraries and configuration, the page's folder and what the book names in
  ``sandbox_read``, and ``/proc``, where the files of another process that would tell its
  secrets (``environ``, ``maps``, ``mem``, ``cwd``, ``fd/N``) are refused by the kernel to
  processes outside that process's sandbox (Landlock's ptrace rule, without the
  capabilities the session gives up); it may not open TCP connections (unless
  ``network: true``), nor signal or reach through abstract Unix sockets any process
  outside its own sandbox.
* A cgroup (``cgroups``) bounds the memory and the processes of the session as a whole,
  where the build may create one; ``RLIMIT_AS`` bounds each process's address space in
  any case, so a runaway allocation is a ``MemoryError`` in the block.
* ``RLIMIT_FSIZE``: no file grows past ``max_output_mb``; the build also ends a session
  whose folder as a whole grows past it.
* The process is a child subreaper: what it starts, even a daemon that called ``setsid``,
  stays beneath it, and the build ends the whole tree with the session.
* Run as root, the process becomes ``nobody`` (its folder given to it) and keeps only the
  capability to read: Landlock has no right for metadata, and as ``nobody`` it cannot
  ``chmod``, ``chown``, ``utime`` or set extended attributes on files outside its folder
  (root of a user namespace without ``nobody`` only gives up every capability).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import resource
import signal
import site
import sys
from collections.abc import Callable, Iterable, Mapping

import msgspec

from wmbook.execute.landlock import Confinement, c_library, confine, landlock_abi
from wmbook.execute.namespaces import SHM, unprivileged_ids

__all__ = ["Limits", "apply_limits", "give_session_folder", "landlock_abi", "session_environment"]

_PR_SET_CHILD_SUBREAPER = 36
_PR_CAPBSET_DROP = 24
_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
_CAPABILITY_VERSION_3 = 0x20080522
_PR_SET_SECUREBITS, _PR_SET_DUMPABLE, _PR_CAP_AMBIENT_RAISE = 28, 4, 2
# The change of user leaves the capabilities alone (they are then set by hand), and
# access(2) keeps them: a library asking whether its folder is writable gets the truth.
_SECBIT_NO_SETUID_FIXUP = (1 << 2) | (1 << 3)  # and locked
_CAP_DAC_READ_SEARCH = 2  # read any file and search any folder (Landlock still confines which)


class Limits(msgspec.Struct, frozen=True):
    """What a session may use and reach; 0 turns a limit off."""

    sandbox: bool = True
    memory_bytes: int = 0  # the session as a whole where a cgroup allows, else each process
    file_bytes: int = 0  # each file, and the session's folder as a whole
    processes: int = 0  # processes and threads of the session as a whole (a cgroup)
    network: bool = False  # whether TCP connections stay open
    readable: tuple[str, ...] = ()  # more folders and files sessions may read (``sandbox_read``)
    environment: tuple[str, ...] = ()  # more environment variables sessions see (``env``)
    display_bytes: int = 0  # the rich outputs a session may send (``max_display_mb``); more are cut


# The environment a session sees: these names, when the build has them, and wmbook's own.
PASSED_VARIABLES = ("PATH", "TZ", "LANG", "LANGUAGE", "TERM", "VIRTUAL_ENV", "CONDA_PREFIX")
PASSED_PREFIXES = ("LC_",)

# What of /etc a program may need: certificates, fonts, time zones, names of users and
# hosts, the dynamic linker's cache, MIME types.  Not /etc as a whole: it holds secrets.
_ETC = (
    "ssl", "pki", "ca-certificates", "ca-certificates.conf", "fonts", "localtime", "timezone",
    "zoneinfo", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "nsswitch.conf", "passwd", "group",
    "hosts", "host.conf", "resolv.conf", "gai.conf", "services", "protocols", "mime.types",
    "matplotlibrc", "os-release", "locale.alias", "locale.conf", "alternatives", "xdg", "magic",
)  # fmt: skip
_SYSTEM = ("/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin")
_DEVICES = ("/dev/urandom", "/dev/random", "/dev/zero", "/dev/full")
# The CPU quota, as joblib (loky) and others read it to size a pool of processes.
_CPU_QUOTA = (
    "/sys/fs/cgroup/cpu.max",
    "/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
    "/sys/fs/cgroup/cpu/cpu.cfs_period_us",
)


def session_environment(
    source: Mapping[str, str], names: Iterable[str], fixed: Mapping[str, str]
) -> dict[str, str]:
    """A session's environment: the allowed ``PASSED_*`` variables and ``names`` taken from
    ``source``, then ``fixed`` (wmbook's own settings, ``HOME``, ``TMPDIR``) over them."""
    wanted = set(PASSED_VARIABLES) | set(names)
    passed = {k: v for k, v in source.items() if k in wanted or k.startswith(PASSED_PREFIXES)}
    return {**passed, **fixed}


@functools.cache
def _python_paths() -> tuple[str, ...]:
    """The interpreter, the standard library and every installed or importable package."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    paths.add(os.path.dirname(os.path.realpath(sys.executable)))
    with contextlib.suppress(AttributeError):
        paths.update(site.getsitepackages())
    if site.ENABLE_USER_SITE and site.USER_SITE:
        paths.add(site.USER_SITE)
    found: list[str] = []
    for path in sorted(paths | {p for p in sys.path if p}):
        found.extend(_without_hidden(os.path.abspath(path)))
    return tuple(found)


def _without_hidden(path: str) -> list[str]:
    """``path``, or, for a folder that is a project (it holds ``.git``, as the folder a book
    is built from may be on ``sys.path``), what it holds except hidden entries."""
    if not os.path.exists(os.path.join(path, ".git")):
        return [path]
    with contextlib.suppress(OSError):
        return [entry.path for entry in os.scandir(path) if not entry.name.startswith(".")]
    return []


def readable_paths(extra: Iterable[str]) -> tuple[str, ...]:
    """Everything a session may read: Python, the system, ``extra`` (the page's folder …)."""
    paths = [*_python_paths(), *_SYSTEM, *(os.path.join("/etc", name) for name in _ETC)]
    # /proc as any process sees it (psutil, joblib and memory_profiler read their children's
    # there); what of another process would tell its secrets (environ, memory, maps, open
    # files, folders) the kernel shows only to processes of the same sandbox or beneath it.
    paths += ["/proc", "/sys/devices/system/cpu", *_CPU_QUOTA, *_DEVICES, *extra]
    return tuple(paths)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def give_session_folder(limits: Limits, folder: str, skip: Iterable[str] = ()) -> None:
    """In a build run as root, give the session's folder and what it holds (``skip`` aside:
    an overlay's folders, which are given before it is mounted) to the user the session will
    run as (``apply_limits``), so that its own files stay its own.  Called before anything
    watches the session's file operations."""
    if limits.sandbox and os.geteuid() == 0 and (ids := unprivileged_ids()) is not None:
        _own_folder(folder, *ids, skip=frozenset(skip))


def _own_folder(folder: str, uid: int, gid: int, skip: frozenset[str]) -> None:
    os.chown(folder, uid, gid, follow_symlinks=False)
    for parent, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if os.path.join(parent, name) not in skip]
        for name in (*folders, *files):
            if (path := os.path.join(parent, name)) not in skip:
                with contextlib.suppress(OSError):
                    os.chown(path, uid, gid, follow_symlinks=False)


def _drop_capabilities() -> None:
    """Give up every capability (root of a user namespace, where no other user exists)."""
    libc = c_library()
    libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    for cap in range(64):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() == 22:  # past the last
            break
    header = _CapHeader(_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    libc.capset(ctypes.byref(header), data)


def _become_unprivileged(uid: int, gid: int) -> None:
    """Run on as ``nobody`` with no capability but reading (a build run as root).

    Landlock has no right for a file's metadata: as root (the owner of root's files) a
    session could still ``chmod``, ``chown``, ``utime`` or set extended attributes on
    files outside its folder.  As ``nobody`` it owns only its folder, so the kernel refuses
    those changes elsewhere (``PermissionError``).  It keeps ``CAP_DAC_READ_SEARCH``, here
    and in the programs it starts, so that it still reads what a root build may read (a page
    folder under ``/root``), within what Landlock lets it read."""
    libc = c_library()  # its folder is already theirs (give_session_folder)
    libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    for cap in range(64):
        if cap == _CAP_DAC_READ_SEARCH:
            continue
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() == 22:  # past the last
            break
    if libc.prctl(_PR_SET_SECUREBITS, _SECBIT_NO_SETUID_FIXUP, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_SECUREBITS")
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    header = _CapHeader(_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    kept = 1 << _CAP_DAC_READ_SEARCH
    data[0].effective = data[0].permitted = data[0].inheritable = kept
    if libc.capset(ctypes.byref(header), data) != 0:  # all but reading given up, for good
        raise OSError(ctypes.get_errno(), "capset")
    libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_RAISE, _CAP_DAC_READ_SEARCH, 0, 0)
    libc.prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0)  # its /proc/self is its own again


def apply_limits(
    limits: Limits, session_dir: str, readable: Iterable[str] = (), cgroups: bool = False, shm: bool = False
) -> bool:
    """Set the session's limits and sandbox; whether the sandbox holds.  ``cgroups``: the
    process is in cgroups that bound the session's processes (so no per-user limit is set);
    ``shm``: it has a ``/dev/shm`` of its own (``namespaces``), which it may then use."""
    libc = c_library()
    libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    if limits.memory_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    if limits.file_bytes > 0:
        # Past the limit a write fails with EFBIG (instead of the process being killed).
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
    if limits.processes > 0 and not cgroups and os.geteuid() != 0:  # root is never held by it
        # Per user, not per session: the user's processes now plus the session's allowance.
        mine = sum(1 for p in os.listdir("/proc") if p.isdigit() and _owned(p))
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NPROC, (mine + limits.processes,) * 2)
    if not limits.sandbox:
        return False
    paths = readable_paths([*readable, *limits.readable])
    writable = (session_dir, os.devnull, *((SHM,) if shm else ()))
    held = confine(Confinement(paths, writable, limits.network))
    if os.geteuid() == 0:
        ids = unprivileged_ids()
        if ids is None:
            _drop_capabilities()
        else:
            _become_unprivileged(*ids)
    elif shm:  # a namespace of its own lent it every capability there
        _drop_capabilities()
    return held


def _owned(pid: str) -> bool:
    with contextlib.suppress(OSError):
        return os.stat(f"/proc/{pid}").st_uid == os.getuid()
    return False


def default_memory_bytes() -> int:
    """A quarter of the machine's memory, at least 2 GiB."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        total = 8 << 30
    return max(2 << 30, total // 4)


def _parents() -> dict[int, list[int]]:
    """Every live process's children, from ``/proc`` (zombies left out: they are ended)."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as file:
                fields = file.read().rpartition(b")")[2].split()
        except OSError:
            continue
        if len(fields) > 1 and fields[0] != b"Z":
            children.setdefault(int(fields[1]), []).append(int(name))
    return children


def children(pid: int) -> list[int]:
    """The live children of ``pid``: from its threads' ``children`` files where the kernel
    has them (a look at a few files), else from a scan of every process."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    found: list[int] = []
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", "rb") as file:
                found.extend(int(child) for child in file.read().split())
        except FileNotFoundError:
            return _parents().get(pid, [])  # a kernel without CONFIG_PROC_CHILDREN
        except OSError:
            continue
    return [child for child in found if _alive(child)]


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie is already ended)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as file:
            fields = file.read().rpartition(b")")[2].split()
    except OSError:
        return False
    return bool(fields) and fields[0] != b"Z"


def descendants(pid: int) -> list[int]:
    """The live processes beneath ``pid``."""
    found: list[int] = []
    todo = children(pid)
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children(current))
    return found


def kill_until_gone(members: Callable[[], list[int]], rounds: int = 100) -> None:
    """SIGKILL the processes ``members`` lists until it lists none: one that forks while it
    is being ended is ended in a later round."""
    for _ in range(rounds):
        pids = members()
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def end_process_tree(leader: int) -> None:
    """End ``leader`` and every process beneath it.  The leader is a child subreaper, so a
    daemon that left its process group is still beneath it; the leader goes last, so none
    is handed to another parent on the way."""
    kill_until_gone(lambda: descendants(leader))
    with contextlib.suppress(OSError):
        os.killpg(leader, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.kill(leader, signal.SIGKILL)


def folder_bytes(folder: str, skip: Iterable[str] = ()) -> int:
    """Disk space the files beneath ``folder`` take (the names in ``skip`` at its top aside)."""
    skipped = set(skip)
    total = 0
    todo = [folder]
    while todo:
        with contextlib.suppress(OSError), os.scandir(todo.pop()) as entries:
            for entry in entries:
                if entry.path in skipped:
                    continue
                with contextlib.suppress(OSError):
                    if entry.is_dir(follow_symlinks=False):
                        todo.append(entry.path)
                    else:
                        total += entry.stat(follow_symlinks=False).st_blocks * 512
    return total
