"""Landlock rulesets: what a session's process, and everything it starts, may read, write,
connect to and signal (Linux 5.13+, no privileges needed; each kernel ABI adds rights).

A ruleset names the rights it *handles*; every handled right is refused except where a
rule grants it.  Files: reading and writing are handled (executing is not: a program can
only run what it can reach, and what it can read is confined).  Network (ABI 4): TCP
``bind`` and ``connect``.  Scopes (ABI 6): signals and abstract Unix sockets reach only
processes of the same sandbox.
"""

from __future__ import annotations

import ctypes
import functools
import os
import stat

import msgspec

_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446  # the same on every arch
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH, _RULE_NET_PORT = 1, 2
_PR_SET_NO_NEW_PRIVS = 38

_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_CHANGES_ABI1 = sum(1 << bit for bit in range(4, 13))  # remove, make dir/file/socket/fifo/link …
_REFER = 1 << 13  # ABI 2
_TRUNCATE = 1 << 14  # ABI 3
_IOCTL_DEV = 1 << 15  # ABI 5
_READ = _READ_FILE | _READ_DIR
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1  # ABI 4
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1  # ABI 6


@functools.cache
def c_library() -> ctypes.CDLL:
    """The C library, loaded once per process: a session's process has the worker server's,
    with each function it calls already looked up, instead of loading it again at each use."""
    handle = ctypes.CDLL(None, use_errno=True)
    handle.syscall.restype = ctypes.c_long
    return handle


def landlock_abi() -> int:
    """The kernel's Landlock version (0 when it has none)."""
    try:
        abi = int(
            c_library().syscall(
                _SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION)
            )
        )
    except (OSError, AttributeError):
        return 0
    return max(abi, 0)


def unenforced(abi: int, network: bool) -> tuple[str, ...]:
    """What a kernel of Landlock version ``abi`` cannot confine, in words."""
    if abi <= 0:
        return ("file writes", "file reads", "network", "signals")
    missing: list[str] = []
    if abi < 4 and not network:
        missing.append("network")
    if abi < 6:
        missing.append("signals and abstract Unix sockets")
    return tuple(missing)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _attr_size(abi: int) -> int:
    """How much of ``_RulesetAttr`` this kernel knows (a field it does not know must be left out)."""
    return 24 if abi >= 6 else 16 if abi >= 4 else 8


def _fs_rights(abi: int) -> int:
    rights = _WRITE_FILE | _READ | _CHANGES_ABI1
    if abi >= 2:
        rights |= _REFER
    if abi >= 3:
        rights |= _TRUNCATE
    if abi >= 5:
        rights |= _IOCTL_DEV
    return rights


def _file_rights(rights: int) -> int:
    """The rights a rule on a single file may hold (the others concern folders)."""
    return rights & (_EXECUTE | _WRITE_FILE | _READ_FILE | _TRUNCATE | _IOCTL_DEV)


class Confinement(msgspec.Struct, frozen=True):
    """What a sandboxed process may reach; everything else is refused."""

    readable: tuple[str, ...]  # files and folders it may read (not change)
    writable: tuple[str, ...]  # files and folders it may read and change
    network: bool = False  # whether TCP bind and connect stay open


def confine(confinement: Confinement) -> bool:
    """Confine this process (and what it starts) from now on; False when the kernel offers
    no Landlock.  Paths that do not exist are skipped."""
    abi = landlock_abi()
    if abi <= 0:
        return False
    libc = c_library()
    handled = _fs_rights(abi)
    attr = _RulesetAttr(handled, 0, 0)
    if abi >= 4 and not confinement.network:
        attr.handled_access_net = _NET_BIND_TCP | _NET_CONNECT_TCP  # handled, and no rule grants it
    if abi >= 6:
        attr.scoped = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL
    ruleset = int(
        libc.syscall(
            _SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(_attr_size(abi)), ctypes.c_uint32(0)
        )
    )
    if ruleset < 0:
        return False
    try:
        for paths, rights in ((confinement.readable, _READ), (confinement.writable, handled)):
            for path in paths:
                _allow(libc, ruleset, path, rights & handled)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return False
        return int(libc.syscall(_SYS_RESTRICT_SELF, ruleset, ctypes.c_uint32(0))) == 0
    finally:
        os.close(ruleset)


def _allow(libc: ctypes.CDLL, ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            rights = _file_rights(rights)
        rule = _PathBeneath(rights, fd)
        libc.syscall(_SYS_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), ctypes.c_uint32(0))
    finally:
        os.close(fd)
