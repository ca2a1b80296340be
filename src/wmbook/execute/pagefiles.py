"""Files beside a page, on the build's side: what a cached result read, and what a remote
session is sent.

A session reads its page's folder in place (``execute.workdir``) and reports the paths of
the docs folder it read.  Its cache entry records each with the state it had
(``record_reads``): a file's SHA-256, a folder's list of names, or that it was absent.  The
entry is stale once any of them differs (``reads_unchanged``), so editing ``data.csv``
runs again exactly the sessions that read it.  A remote worker may not have the docs folder:
``ship`` sends the files of the page's folder along, within a size budget.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence

from msgspec.structs import replace

from wmbook.model import FileRead, PageFolder, ReadKind
from wmbook.store import digest

# A recorded read: [kind, path relative to the docs folder, state]; the state is the SHA-256
# of a file or of a folder's sorted names, or "" when the path was absent.
ReadRecord = list[str]

SHIP_FILE_BYTES = 1 << 20  # files of the page's folder sent to a worker up front: at most 1 MiB each
SHIP_TOTAL_BYTES = 2 << 20  # ... and 2 MiB in all (every session of a page at the top would send them)
_PAGE_SOURCES = (".md", ".ipynb")  # not sent up front: pages are rarely what a session reads
SHIP_MAX_BYTES = 64 << 20  # a file a session read is sent on a second attempt if all fit in this


def _inside(root: str, path: str) -> bool:
    """Whether ``path`` (as a session reported it) names something inside the docs folder: a
    session's report is not trusted to stay there (it could name ``../../.ssh/id_rsa``)."""
    if os.path.isabs(path) or path.split("/")[0] == ".." or ".." in path.split("/"):
        return False
    real_root = os.path.realpath(root)
    real = os.path.realpath(os.path.join(root, path))
    return real == real_root or real.startswith(real_root + os.sep)


def _state(root: str, kind: str, path: str) -> str:
    full = os.path.join(root, path)
    try:
        if kind == ReadKind.LISTING.value:
            return digest(*sorted(os.listdir(full)))
        hasher = hashlib.sha256()
        with open(full, "rb") as file:
            while chunk := file.read(1 << 20):
                hasher.update(chunk)
        return hasher.hexdigest()
    except OSError:  # absent, or not a file (a folder opened as one)
        return ""


def _kind(read: FileRead) -> str:
    # Whether a file was there when it was opened is a question of its state, as for any file.
    return ReadKind.LISTING.value if read.kind is ReadKind.LISTING else ReadKind.FILE.value


def record_reads(
    folder: PageFolder, reads: Iterable[FileRead], memo: dict[tuple[str, str], str]
) -> list[ReadRecord]:
    """What a cache entry keeps of the paths a session read: each with its state now."""
    records = []
    for path, kind in sorted({(read.path, _kind(read)) for read in reads if _inside(folder.root, read.path)}):
        if (kind, path) not in memo:
            memo[(kind, path)] = _state(folder.root, kind, path)
        records.append([kind, path, memo[(kind, path)]])
    return records


def reads_unchanged(
    folder: PageFolder | None, records: Sequence[ReadRecord], memo: dict[tuple[str, str], str]
) -> bool:
    """Whether every path a cached session read is as it was.  ``memo`` holds the states
    already looked at in this build (many sessions read one data file)."""
    if not records:
        return True
    if folder is None:
        return False  # a page without a folder cannot have read one
    for kind, path, state in records:
        if (kind, path) not in memo:
            memo[(kind, path)] = _state(folder.root, kind, path)
        if memo[(kind, path)] != state:
            return False
    return True


def _files_below(folder: PageFolder) -> list[tuple[int, str]]:
    """(size, path relative to the docs folder) of every file in and below the page's folder."""
    found = []
    for here, dirs, names in os.walk(folder.path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            full = os.path.join(here, name)
            try:
                size = os.stat(full).st_size
            except OSError:
                continue
            found.append((size, os.path.relpath(full, folder.root).replace(os.sep, "/")))
    return found


def _read(root: str, paths: Iterable[str]) -> tuple[tuple[str, bytes], ...]:
    files = []
    for path in paths:
        if not _inside(root, path):
            continue
        try:
            with open(os.path.join(root, path), "rb") as file:
                files.append((path, file.read()))
        except OSError:
            continue
    return tuple(files)


def ship(folder: PageFolder, also: Iterable[str] = (), *, again: bool = False) -> PageFolder:
    """The page's folder with its files sent along: the smallest files of the page's folder
    and below within ``SHIP_TOTAL_BYTES`` (none over ``SHIP_FILE_BYTES``, no page sources), and every path of
    ``also`` (files a first attempt missed); the others are named, so that a listing of the
    folder is the same on the worker and a read of one is noticed.  ``again`` (a session that
    missed files) sends as much of the page's folder as ``SHIP_MAX_BYTES`` allows."""
    chosen: set[str] = set(also)
    each, budget = (SHIP_MAX_BYTES, SHIP_MAX_BYTES) if again else (SHIP_FILE_BYTES, SHIP_TOTAL_BYTES)
    total = size_of(folder, chosen)
    below = sorted(_files_below(folder))
    for size, path in below:
        if path in chosen or (not again and path.endswith(_PAGE_SOURCES)):
            continue
        if size > each or total + size > budget:
            break
        chosen.add(path)
        total += size
    unsent = tuple(sorted(path for _, path in below if path not in chosen))
    return replace(folder, shipped=_read(folder.root, sorted(chosen)), unsent=unsent)


def missed(folder: PageFolder, reads: Iterable[FileRead]) -> list[str]:
    """Paths a session found absent that the docs folder has (a worker was not sent them)."""
    sent = {path for path, _ in folder.shipped or ()}
    return sorted(
        {
            read.path
            for read in reads
            if read.kind is ReadKind.ABSENT
            and read.path not in sent
            and _inside(folder.root, read.path)
            and os.path.isfile(os.path.join(folder.root, read.path))
        }
    )


def over_budget(folder: PageFolder, paths: Iterable[str]) -> str:
    """Why the files ``paths`` cannot all be sent with a session ('' when they can)."""
    if size_of(folder, paths) <= SHIP_MAX_BYTES:
        return ""
    limit = f"{SHIP_MAX_BYTES / 2**20:.0f} MiB" if SHIP_MAX_BYTES >= 2**20 else f"{SHIP_MAX_BYTES} bytes"
    return f"it is too large: wmbook sends at most {limit} of files with a session"


def size_of(folder: PageFolder, paths: Iterable[str]) -> int:
    """Bytes of the files ``paths`` (relative to the docs folder) on this machine."""
    total = 0
    for path in paths:
        try:
            total += os.stat(os.path.join(folder.root, path)).st_size
        except OSError:
            continue
    return total
