"""Whole-session limits with cgroups: the memory and the number of processes of a session
and of everything it starts, and ending all of them at once.

A worker server makes one folder per session under a folder of its own, inside the
cgroup the build runs in, in each hierarchy it may write to: cgroup v2 (memory, pids and
``cgroup.kill``), or, on a system that still mounts them, the v1 ``memory`` and ``pids``
hierarchies.  A session's process joins its folders before the block's code runs and
cannot leave them (the sandbox refuses writes there).  Where no folder can be made (an
unprivileged build without a delegated cgroup) the limits fall back to per-process ones.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import re
import threading
import time

import msgspec

from wmbook.execute.sandbox import kill_until_gone

_OWN_FOLDER = re.compile(r"wmbook-(\d+)(?:-\d+)?")  # a worker server's folder: wmbook-PID-SERIAL
_serial = itertools.count()  # each worker server of a process has folders of its own
_KILL_ROUNDS = 1000  # rounds of SIGKILL; a cgroup lists its members until they are really gone


class Usage(msgspec.Struct, frozen=True):
    """The most a session used of what cgroups count (0 when not counted)."""

    memory_bytes: int = 0
    processes: int = 0
    out_of_memory: bool = False  # the kernel ended a process of the session for its memory


class _Hierarchy(msgspec.Struct, frozen=True):
    mount: str
    version: int  # 1 or 2
    controllers: frozenset[str]  # "memory", "pids" (v1: what the mount holds)


def _hierarchies() -> list[_Hierarchy]:
    """Mounted cgroup hierarchies, from ``/proc/self/mountinfo``."""
    found: list[_Hierarchy] = []
    try:
        with open("/proc/self/mountinfo") as file:
            lines = file.read().splitlines()
    except OSError:
        return found
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3:
            continue
        if tail[0] == "cgroup2":
            found.append(_Hierarchy(fields[4], 2, frozenset()))
        elif tail[0] == "cgroup":
            wanted = {"memory", "pids"} & set(tail[2].split(","))
            if wanted:
                found.append(_Hierarchy(fields[4], 1, frozenset(wanted)))
    return found


def _own_paths() -> dict[str, str]:
    """This process's cgroup in each hierarchy: ``{"": v2 path, "memory": …, "pids": …}``."""
    paths: dict[str, str] = {}
    try:
        with open("/proc/self/cgroup") as file:
            for line in file:
                _, controllers, path = line.rstrip("\n").split(":", 2)
                for name in controllers.split(",") if controllers else [""]:
                    paths[name] = path
    except (OSError, ValueError):
        pass
    return paths


def _write(path: str, value: str) -> bool:
    try:
        with open(path, "w") as file:
            file.write(value)
    except OSError:
        return False
    return True


def _read_int(path: str, key: str = "") -> int:
    """A number from a cgroup file: the whole file, or the value after ``key``."""
    try:
        with open(path) as file:
            text = file.read()
    except OSError:
        return 0
    for line in text.splitlines():
        parts = line.split()
        if key and len(parts) == 2 and parts[0] == key and parts[1].isdigit():
            return int(parts[1])
        if not key and parts and parts[0].isdigit():
            return int(parts[0])
    return 0


class SessionGroups:
    """The cgroup folders of one worker server's sessions."""

    def __init__(self) -> None:
        own = _own_paths()
        base = f"wmbook-{os.getpid()}-{next(_serial)}"
        self._leftover: set[str] = set()  # ended sessions' folders not removed yet
        self._lock = threading.Lock()
        self._bases: dict[str, tuple[str, int]] = {}  # "memory"/"pids"/"kill" -> (folder, version)
        for hierarchy in _hierarchies():
            if hierarchy.version == 2:
                parent = os.path.join(hierarchy.mount, own.get("", "/").lstrip("/"))
                remove_stale(parent)
                self._add_v2(os.path.join(parent, base))
            else:
                for name in sorted(hierarchy.controllers - set(self._bases)):
                    parent = os.path.join(hierarchy.mount, own.get(name, "/").lstrip("/"))
                    remove_stale(parent)
                    folder = os.path.join(parent, base)
                    with contextlib.suppress(OSError):
                        os.makedirs(folder, exist_ok=True)
                        self._bases[name] = (folder, 1)

    def _add_v2(self, folder: str) -> None:
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError:
            return
        self._bases.setdefault("kill", (folder, 2))
        # The build's own cgroup must hand the controllers down; that fails where it holds
        # processes itself (then the controllers are used only if they are already there).
        _write(os.path.join(os.path.dirname(folder), "cgroup.subtree_control"), "+memory +pids")
        try:
            with open(os.path.join(folder, "cgroup.controllers")) as file:
                available = set(file.read().split()) & {"memory", "pids"}
        except OSError:
            return
        if available and _write(
            os.path.join(folder, "cgroup.subtree_control"), " ".join(f"+{n}" for n in sorted(available))
        ):
            for name in available:
                self._bases.setdefault(name, (folder, 2))

    @property
    def limits(self) -> frozenset[str]:
        """What is limited for a session as a whole: ``memory``, ``pids`` and ``kill``."""
        return frozenset(self._bases)

    def _folders(self, name: str) -> dict[str, tuple[str, int]]:
        """Session ``name``'s folder per controller (one folder serves all of a v2 hierarchy)."""
        return {c: (os.path.join(base, name), v) for c, (base, v) in self._bases.items()}

    def create(self, name: str, memory_bytes: int, processes: int) -> tuple[str, ...]:
        """Make session ``name``'s folders with its limits; the folders its process joins."""
        folders = self._folders(name)
        for folder, _ in folders.values():
            with contextlib.suppress(OSError):
                os.makedirs(folder, exist_ok=True)
        for controller, (folder, version) in folders.items():
            if controller == "memory" and memory_bytes > 0:
                if version == 2:
                    _write(os.path.join(folder, "memory.max"), str(memory_bytes))
                    _write(os.path.join(folder, "memory.swap.max"), "0")
                else:
                    _write(os.path.join(folder, "memory.limit_in_bytes"), str(memory_bytes))
                    _write(os.path.join(folder, "memory.memsw.limit_in_bytes"), str(memory_bytes))
            elif controller == "pids" and processes > 0:
                _write(os.path.join(folder, "pids.max"), str(processes))
        return tuple(sorted({folder for folder, _ in folders.values() if os.path.isdir(folder)}))

    def out_of_memory(self, name: str) -> bool:
        """Whether the kernel has ended a process of session ``name`` for its memory."""
        if "memory" not in self._bases:
            return False
        folder, version = self._folders(name)["memory"]
        events = ("memory.events", "oom_kill") if version == 2 else ("memory.oom_control", "oom_kill")
        return _read_int(os.path.join(folder, events[0]), events[1]) > 0

    def end(self, name: str) -> Usage:
        """End every process of session ``name`` (``kill`` must be in ``limits``, or the
        processes already ended), and remove its folders; what it used."""
        folders = self._folders(name)
        kill = folders.get("kill")
        if kill is not None:
            _write(os.path.join(kill[0], "cgroup.kill"), "1")  # at once, a forking process too
        memory = processes = 0
        if "memory" in folders:
            folder, version = folders["memory"]
            memory = _read_int(
                os.path.join(folder, "memory.peak" if version == 2 else "memory.max_usage_in_bytes")
            )
        if "pids" in folders:
            processes = _read_int(os.path.join(folders["pids"][0], "pids.peak"))
        usage = Usage(memory, processes, self.out_of_memory(name))
        # A folder goes once its processes are gone; those still dying go at a later look.
        with self._lock:  # sessions end on several threads at once
            self._leftover.update(folder for folder, _ in folders.values())
            self._leftover = {folder for folder in self._leftover if not _removed(folder)}
        return usage

    def close(self) -> None:
        """Remove the server's folders (its sessions have ended)."""
        for base, _ in self._bases.values():
            with contextlib.suppress(OSError):
                for entry in os.scandir(base):
                    if entry.is_dir(follow_symlinks=False):
                        _kill_members(entry.path)
                        _remove(entry.path)
            _remove(base)


def remove_stale(parent: str) -> None:
    """Remove the folders a worker server left in ``parent`` when its build was killed
    (SIGKILL leaves no time to clean up): those named after a process that no longer runs,
    with any session processes still in them ended first."""
    with contextlib.suppress(OSError), os.scandir(parent) as entries:
        stale = [e.path for e in entries if _is_stale(e.name) and e.is_dir(follow_symlinks=False)]
    for base in stale:
        with contextlib.suppress(OSError), os.scandir(base) as sessions:
            for entry in list(sessions):
                if entry.is_dir(follow_symlinks=False):
                    _write(os.path.join(entry.path, "cgroup.kill"), "1")
                    _kill_members(entry.path)
                    _remove(entry.path)
        _remove(base)


def _is_stale(name: str) -> bool:
    """Whether ``name`` is the folder of a worker server whose process has ended."""
    match = _OWN_FOLDER.fullmatch(name)
    return match is not None and not os.path.exists(f"/proc/{match.group(1)}")


@functools.cache
def whole_session_limits() -> frozenset[str]:
    """What this process's sessions are limited in as a whole (``memory``, ``pids``, ``kill``)."""
    groups = SessionGroups()
    groups.close()
    return groups.limits


def _members(folder: str) -> list[int]:
    try:
        with open(os.path.join(folder, "cgroup.procs")) as file:
            return [int(line) for line in file if line.strip()]
    except (OSError, ValueError):
        return []


def _kill_members(folder: str) -> None:
    """SIGKILL every process in ``folder`` until none is left (v1 has no ``cgroup.kill``)."""
    kill_until_gone(lambda: _members(folder), _KILL_ROUNDS)


def _removed(folder: str) -> bool:
    """Remove an empty cgroup folder now; whether it is gone."""
    try:
        os.rmdir(folder)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True


def _remove(folder: str) -> None:
    """Remove a cgroup folder once the processes in it are gone (they take a moment to die)."""
    deadline = time.monotonic() + 2.0
    while True:
        try:
            os.rmdir(folder)
            return
        except FileNotFoundError:
            return
        except OSError:
            if time.monotonic() > deadline:
                return
            time.sleep(0.005)
