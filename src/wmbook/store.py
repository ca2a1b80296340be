"""The one store for everything wmbook keeps between builds: session results, rendered
instruments and rendered math.

Each entry is a file ``<root>/<namespace>/<key[:2]>/<key>``: a header line with the
SHA-256 of the payload (and, in a shared store, its publisher's signature: ``signing``),
then the payload (JSON or other plain data, never pickles).  A damaged entry is reported
once, removed and treated as missing; anything but a regular file in an entry's place (a
FIFO, a socket, a symbolic link) is skipped unread.  Every write in wmbook, entries and
the build's own files alike, goes through ``atomic_write``, whose files honour the umask.
A folder that cannot be written (read-only, full) is reported once; the build goes on.

A store may have a second, shared layer (``SharedLayer``: entries at any fsspec URL)
under the same rules: the local folder is read first, an entry found in the shared
layer is copied into it, and new entries are written to both.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import errno
import hashlib
import logging
import os
import re
import shutil
import stat
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

_HEADER = b"WMBOOK-STORE-1 "
_SIGNATURE = b" ed25519:"
_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}
_KEY = re.compile(r"^[0-9a-f]{16,128}$")
_TMP_PREFIX = ".tmp-"
NAMESPACES = ("sessions", "instruments", "math")
# Store problems are the tool's business, not the book's: reported in MkDocs' format, at a
# level that does not fail a strict build.
log = logging.getLogger("mkdocs.plugins.wmbook")


def atomic_write(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write ``path`` so that readers see the old or the new content, never half of it;
    with the mode a newly created file gets (0644 under umask 022), unless ``mode`` is given."""
    try:
        fd, temp = _temporary(path.parent, mode)
    except FileNotFoundError:  # the folder is made only when it is missing: most writes find it
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = _temporary(path.parent, mode)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            if mode is not None:
                os.fchmod(file.fileno(), mode)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _temporary(folder: Path, mode: int | None) -> tuple[int, Path]:
    """A new file in ``folder`` under an unused random name, open for writing.  Without
    ``mode`` it is created 0666 and the kernel takes the umask off, as for any new file (the
    umask need not be read, nor the mode set); with one, 0600 until the writer sets it."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for _ in range(100):
        temp = folder / f"{_TMP_PREFIX}{os.urandom(6).hex()}"
        try:
            return os.open(temp, flags, 0o666 if mode is None else 0o600), temp
        except FileExistsError:
            continue  # another writer's name, by chance
    raise FileExistsError(errno.EEXIST, "no unused temporary name", str(folder))


def digest(*parts: str | bytes) -> str:
    """SHA-256 (hex) of the parts, each length-prefixed so that no two splits collide."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        hasher.update(f"{len(data)}:".encode())
        hasher.update(data)
    return hasher.hexdigest()


def seal(payload: bytes, signature: bytes = b"") -> bytes:
    """An entry as stored: the header line with the payload's SHA-256 (and its signature,
    if it has one), then the payload."""
    head = _HEADER + hashlib.sha256(payload).hexdigest().encode()
    if signature:
        head += _SIGNATURE + base64.b64encode(signature)
    return head + b"\n" + payload


def open_entry(data: bytes) -> tuple[bytes, bytes] | None:
    """The payload of a stored entry and its signature (b"" when unsigned), or None when
    its checksum does not match."""
    head, _, payload = data.partition(b"\n")
    checksum, _, signature = head.partition(_SIGNATURE)
    if checksum != _HEADER + hashlib.sha256(payload).hexdigest().encode():
        return None
    try:
        return payload, base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return None


def unseal(data: bytes) -> bytes | None:
    """The payload of a stored entry, or None when its checksum does not match."""
    opened = open_entry(data)
    return None if opened is None else opened[0]


def read_regular(path: Path | str, limit: int | None = None) -> bytes:
    """The content of ``path`` if it is a regular file; ``OSError`` for anything else (a
    FIFO would block the build, a link to ``/dev/zero`` would never end).  ``limit``:
    the most bytes to read."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        return file.read(info.st_size if limit is None else min(info.st_size, limit))


def entry_name(namespace: str, key: str) -> str:
    """An entry's place inside a store, the same in every layer: ``sessions/ab/abcd…``."""
    if namespace not in NAMESPACES or not _KEY.match(key):
        raise ValueError(f"bad store address {namespace}/{key}")
    return f"{namespace}/{key[:2]}/{key}"


class SharedLayer(Protocol):
    """A store's second layer: ``shared_store.SharedStore`` itself, or the helper process
    that runs one (``shared_process.SharedStoreProcess``)."""

    def read(self, namespace: str, key: str, what: str = "") -> bytes | None: ...

    def read_many(
        self,
        namespace: str,
        keys: Iterable[str],
        what: Mapping[str, str] | None = None,
        batch: Sequence[str] = (),
    ) -> dict[str, bytes]: ...

    def write(self, namespace: str, key: str, sealed: bytes, what: str = "") -> None: ...

    def write_bundle(self, namespace: str, batch: Sequence[str], folder: str) -> None: ...

    def flush(self) -> None: ...


class Store:
    """Content-addressed entries under ``root``, in a few namespaces; with ``shared``, a
    second layer that every build of the book can read (and CI writes)."""

    def __init__(self, root: Path, shared: SharedLayer | None = None) -> None:
        self.root = root
        self.shared = shared
        self._unwritable = False  # reported once per build
        self._lock = threading.Lock()
        self._batches: list[tuple[str, tuple[str, ...]]] = []  # bundled for the shared layer at flush

    def path(self, namespace: str, key: str) -> Path:
        """Where the entry ``key`` of ``namespace`` lives."""
        return self.root / entry_name(namespace, key)

    def read(
        self, namespace: str, key: str, what: str = "", *, local: bool = True, shared: bool = True
    ) -> bytes | None:
        """The entry's payload, or None when it is missing or damaged (``what`` names it in
        the message: 'docs/x.md (session main)'); the local layer first, then the shared
        one (an entry found there is kept locally)."""
        payload = self._read_local(namespace, key, what) if local else None
        if payload is None and shared and self.shared is not None:
            payload = self.shared.read(namespace, key, what)
            if payload is not None:
                self._write_local(namespace, key, payload, what)
        return payload

    def read_many(
        self,
        namespace: str,
        keys: Iterable[str],
        what: Mapping[str, str] | None = None,
        *,
        local: bool = True,
        batch: Sequence[str] = (),
    ) -> dict[str, bytes]:
        """The payloads of those of ``keys`` that are stored; the shared layer is asked for
        the local misses all at once (``local=False``: for all of them), from the bundles
        of ``batch`` first (``bundle``)."""
        found: dict[str, bytes] = {}
        missing = []
        for key in dict.fromkeys(keys):
            payload = self._read_local(namespace, key, (what or {}).get(key, "")) if local else None
            if payload is None:
                missing.append(key)
            else:
                found[key] = payload
        if missing and self.shared is not None:
            for key, payload in self.shared.read_many(namespace, missing, what, batch).items():
                self._write_local(namespace, key, payload, (what or {}).get(key, ""))
                found[key] = payload
        return found

    def _read_local(self, namespace: str, key: str, what: str) -> bytes | None:
        path = self.path(namespace, key)
        try:
            data = read_regular(path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.info(
                f"wmbook: the stored {namespace} entry {what or path} is unreadable ({exc}); it is made again"
            )
            self._clear(path)
            return None
        payload = unseal(data)
        if payload is None:
            log.info(f"wmbook: the stored {namespace} entry {what or path} is damaged; it is made again")
            self._clear(path)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used entries survive pruning
        return payload

    @staticmethod
    def _clear(path: Path) -> None:
        with contextlib.suppress(OSError):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)

    def write(self, namespace: str, key: str, payload: bytes, what: str = "") -> bool:
        """Publish an entry atomically (concurrent builds see the old or the new one), in
        both layers; a store that cannot be written is reported, and the build goes on
        without the entry.  Whether the local layer took it."""
        written = self._write_local(namespace, key, payload, what)
        if self.shared is not None:
            self.shared.write(namespace, key, seal(payload), what)
        return written

    def _write_local(self, namespace: str, key: str, payload: bytes, what: str) -> bool:
        path = self.path(namespace, key)
        try:
            if path.is_dir() and not path.is_symlink():
                self._clear(path)  # not an entry: something else took its place
            atomic_write(path, seal(payload))
        except OSError as exc:
            if exc.errno not in _FULL:
                log.info(f"wmbook: could not store the {namespace} entry {what or path} ({exc})")
            else:
                self.cannot_write(exc)
            return False
        return True

    def cannot_write(self, exc: OSError) -> None:
        """Report, once per build, that the folder cannot take new files (read-only, full)."""
        with self._lock:
            if self._unwritable:
                return
            self._unwritable = True
        log.info(
            f"wmbook: the cache folder {self.root} cannot be written ({exc.strerror or exc}); "
            "this build goes on, and keeps nothing for the next one"
        )

    def bundle(self, namespace: str, batch: Sequence[str]) -> None:
        """Note that the build asks for ``batch``'s entries together: a shared layer that
        may be written gets them as bundles at ``flush`` (``shared_bundle``), so that the
        next build asking for them reads a few objects rather than one per entry."""
        if self.shared is not None and len(set(batch)) > 1:  # one entry is its own bundle
            with self._lock:
                self._batches.append((namespace, tuple(batch)))

    def flush(self) -> None:
        """Wait until the entries written this build, and its bundles, have reached the
        shared layer."""
        if self.shared is not None:
            with self._lock:
                batches, self._batches = self._batches, []
            for namespace, batch in batches:
                self.shared.write_bundle(namespace, batch, str(self.root.resolve()))
            self.shared.flush()

    def prune(self, max_age_days: float, max_bytes: int) -> int:
        """Delete entries unused for ``max_age_days``, then the least recently used beyond
        ``max_bytes`` (all namespaces together); also leftovers of interrupted writes.
        Only the local layer: a shared store is pruned by its owner (a bucket's lifecycle
        rule, say), since no single build sees which entries the others still use."""
        entries = []
        for namespace in NAMESPACES:
            for path in (self.root / namespace).glob("*/*"):
                try:
                    info = path.lstat()
                except OSError:
                    continue
                entries.append((info.st_mtime, info.st_size, path))
        entries.sort()
        now = time.time()
        total = sum(size for _, size, _ in entries)
        removed = 0
        for mtime, size, path in entries:
            stale_tmp = path.name.startswith(_TMP_PREFIX) and now - mtime > 3600
            too_old = now - mtime > max_age_days * 86400
            if stale_tmp or too_old or total > max_bytes:
                try:
                    path.unlink(missing_ok=True)
                except OSError as exc:
                    self.cannot_write(exc)
                    break
                total -= size
                removed += 1
        # The single-file math store of earlier versions is replaced by the math namespace.
        with contextlib.suppress(OSError):
            (self.root / "katex.json").unlink(missing_ok=True)
        return removed
