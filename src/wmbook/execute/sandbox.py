"""Limits and a sandbox for a session's process, set in the process before its code runs.

* Landlock (Linux 5.13+, no privileges needed): the process, and everything it starts,
  may write only in its session folder (its working directory and temporary folder) and
  to ``/dev/null``; reading stays open.  A write elsewhere is a ``PermissionError`` at
  the line that tried it.
* ``RLIMIT_AS``: an address-space limit, so a runaway allocation is a ``MemoryError``
  in the block instead of a machine out of memory.
* ``RLIMIT_FSIZE``: no file (the captured output included) grows past a limit; past it
  a write fails (``OSError: File too large``) instead of filling the disk.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
from dataclasses import dataclass

_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446  # the same on every arch
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

# Landlock's filesystem rights that change something (reading and executing stay open).
_WRITE_FILE = 1 << 1
_WRITES_ABI1 = _WRITE_FILE | sum(1 << bit for bit in range(4, 13))  # remove, make dir/file/…
_REFER = 1 << 13  # ABI 2
_TRUNCATE = 1 << 14  # ABI 3
_IOCTL_DEV = 1 << 15  # ABI 5


@dataclass(frozen=True)
class Limits:
    """What a session may use; 0 turns a limit off."""

    sandbox: bool = True
    memory_bytes: int = 0
    file_bytes: int = 0


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def landlock_abi() -> int:
    """The kernel's Landlock version (0 when it has none)."""
    try:
        abi = int(_libc().syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1)))
    except (OSError, AttributeError):
        return 0
    return max(abi, 0)


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _write_rights(abi: int) -> int:
    rights = _WRITES_ABI1
    if abi >= 2:
        rights |= _REFER
    if abi >= 3:
        rights |= _TRUNCATE
    if abi >= 5:
        rights |= _IOCTL_DEV
    return rights


def confine_writes(writable: list[str]) -> bool:
    """Allow writes only beneath ``writable`` (folders or files) from now on; False when the
    kernel offers no Landlock."""
    abi = landlock_abi()
    if abi <= 0:
        return False
    libc = _libc()
    handled = _write_rights(abi)
    attr = ctypes.c_uint64(handled)  # struct landlock_ruleset_attr, its first field only
    ruleset = int(
        libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(8), ctypes.c_uint32(0))
    )
    if ruleset < 0:
        return False
    try:
        for path in writable:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                rights = handled if os.path.isdir(path) else (_WRITE_FILE | (_TRUNCATE if abi >= 3 else 0))
                rule = _PathBeneath(rights, fd)
                libc.syscall(
                    _SYS_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), ctypes.c_uint32(0)
                )
            finally:
                os.close(fd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return False
        return int(libc.syscall(_SYS_RESTRICT_SELF, ruleset, ctypes.c_uint32(0))) == 0
    finally:
        os.close(ruleset)


def apply_limits(limits: Limits, session_dir: str) -> bool:
    """Set the session's limits and sandbox; whether writes are confined."""
    if limits.memory_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    if limits.file_bytes > 0:
        # Past the limit a write fails with EFBIG (instead of the process being killed).
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
    if not limits.sandbox:
        return False
    return confine_writes([session_dir, os.devnull])


def default_memory_bytes() -> int:
    """A quarter of the machine's memory, at least 2 GiB."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        total = 8 << 30
    return max(2 << 30, total // 4)
