"""A session's working folder: its page's folder, read in place, written only privately.

Jupyter runs a notebook in the notebook's folder, so ``pd.read_csv("data.csv")`` reads the
file beside it.  A session does the same without being able to change the docs folder: its
working folder is a private folder that holds the docs folder's *layout*, each name of the
page's folder (and of every folder above it, up to the docs folder) a symbolic link to the
real file or folder.  Reads go through the links; new files land in the private folder.

A Python write to a linked file, or inside a linked folder, first replaces the link by a
private copy (copy-on-write), so ``open("data.csv", "a")`` appends to the session's own
copy; a write to the docs folder by its real path is a ``PermissionError`` at that line.
Writes that bypass Python (C code, a shell command) are stopped by the sandbox
(``sandbox.py``) instead.  The same audit hook (``sys.addaudithook``) notes every file
and folder of the docs folder the session read, for the cache (``execute.pagefiles``).

Where the session has a mount namespace of its own (``namespaces``), the working folder
is the docs folder itself seen through an overlay instead: its folders are folders and
its files files (``ls -F`` shows ``data/``, ``os.path.islink`` is false, as in Jupyter),
and the kernel puts every write in the session's ``upper`` folder.  The audit hook then
notes reads, and, where the session's user does not own the docs folder's files (a build
run as root, whose sessions are ``nobody``), gives it its own copy of a file before a Python
write to it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sys
import threading
from collections.abc import Callable, Iterator

from wmbook.model import FileRead, PageFolder, ReadKind, SessionSpec

MIRROR = "book"  # the session folder's copy of the docs folder's layout
UPPER, OVERLAY_WORK = ".upper", ".overlay"  # an overlay's written files, and its own scratch folder

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
# Audit events that change a file's content (the file is copied before) or a folder's names
# (the folders on the way are made private before); the first argument is the path.
_CONTENT_EVENTS = frozenset(
    {"os.chmod", "os.chown", "os.truncate", "os.utime", "os.setxattr", "os.removexattr"}
)
_NAME_EVENTS = frozenset({"os.remove", "os.rmdir", "os.mkdir", "os.mkfifo", "os.mknod", "shutil.rmtree"})
_TWO_NAME_EVENTS = frozenset({"os.rename", "os.link", "os.symlink"})  # (source, target, ...)
_LIST_EVENTS = frozenset({"os.listdir", "os.scandir"})
_CHDIR = "os.chdir"  # into a linked folder: made private first, so the working folder stays private
# Every audit event the hook acts on: it runs for every event of the process (``id()`` raises
# one), so anything else must cost it one set lookup.
_WATCHED = frozenset({"open", _CHDIR}) | _CONTENT_EVENTS | _NAME_EVENTS | _TWO_NAME_EVENTS | _LIST_EVENTS


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder + os.sep)


def _write_files(base: str, files: tuple[tuple[str, bytes], ...]) -> list[str]:
    made = []
    for rel, content in files:
        target = os.path.join(base, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as file:
            file.write(content)
        made.append(target)
    return made


class _Refused(Exception):
    """Carries the error an operation is refused with out of the watch's own error handling."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error)
        self.error = error


class FolderWatch:
    """Builds the working folder of one session and watches what its code does there."""

    def __init__(self, folder: PageFolder, session_dir: str) -> None:
        self.folder = folder
        self.mirror = os.path.join(session_dir, MIRROR)
        self.unsent = os.path.join(session_dir, "unsent")  # the empty stand-in of files not sent
        self._stand_ins: dict[str, str] = {}  # real path in the mirror -> docs path, of a file not sent
        self._stand_in_files: set[tuple[int, int]] = set()  # (device, inode) of the stand-ins
        self.root = os.path.realpath(folder.root)
        self.reads: set[FileRead] = set()
        self.upper: str | None = None  # where the session's writes land, with an overlay
        self._dirs: set[str] = set()  # folders of the mirror standing for docs folders
        self._shipped: set[str] = set()  # files sent along with the session (a remote worker)
        self._busy = threading.local()  # set while the watch itself works on files

    def build(self, overlay: Callable[[str, str, str, str, str], bool] | None = None) -> str:
        """Make the working folder (the page's folder in the mirror) and return it; with
        ``overlay`` (it mounts one, or says it could not), the docs folder through one."""
        session_dir = os.path.dirname(self.mirror)
        upper, scratch = os.path.join(session_dir, UPPER), os.path.join(session_dir, OVERLAY_WORK)
        if (
            self.folder.shipped is None
            and overlay is not None
            and overlay(self.root, upper, scratch, self.mirror, self.folder.page)
        ):
            self.upper = upper
            os.makedirs(os.path.join(self.mirror, self.folder.page), exist_ok=True)
        elif self.folder.shipped is None:
            self._link_layout()
        else:
            os.makedirs(os.path.join(self.mirror, self.folder.page), exist_ok=True)
            self._shipped.update(_write_files(self.mirror, self.folder.shipped))
            self._stand_in(self.folder.unsent)
            self._dirs.update(here for here, _, _ in os.walk(self.mirror))
        return os.path.join(self.mirror, self.folder.page)

    def _stand_in(self, unsent: tuple[str, ...]) -> None:
        """Each file not sent is there as the docs folder has it (listed, ``os.path.exists``),
        as a hard link to one empty stand-in: a name, not a file of its own, so that a folder of
        thousands of pages costs each session no inodes (creating and removing an inode is
        what a disk makes slow); opening one is a FileNotFoundError the build notices."""
        real_mirror = os.path.realpath(self.mirror)
        stand_in = self._new_stand_in(self.unsent) if unsent else ""
        for rel in unsent:
            link = os.path.join(self.mirror, rel)
            os.makedirs(os.path.dirname(link), exist_ok=True)
            try:
                os.link(stand_in, link)
            except OSError as exc:
                if exc.errno != errno.EMLINK:
                    raise
                # A file's links are bounded: another stand-in.
                stand_in = self._new_stand_in(f"{self.unsent}.{len(self._stand_in_files)}")
                os.link(stand_in, link)
            self._stand_ins[os.path.normpath(os.path.join(real_mirror, rel))] = rel

    def _new_stand_in(self, path: str) -> str:
        _write_files(os.path.dirname(path), ((os.path.basename(path), b""),))
        found = os.stat(path)
        self._stand_in_files.add((found.st_dev, found.st_ino))
        return path

    def _not_sent_at(self, real: str) -> str | None:
        """The docs path of the file not sent that ``real`` (in the mirror) still stands for:
        not once the session has put a file of its own there (written, renamed over)."""
        rel = self._stand_ins.get(real)
        if rel is None:
            return None
        try:
            found = os.stat(real)
        except OSError:
            return None
        return rel if (found.st_dev, found.st_ino) in self._stand_in_files else None

    def overlay_folders(self) -> tuple[str, ...]:
        """The mounted folder and the overlay's own folders (none without an overlay)."""
        if self.upper is None:
            return ()
        return self.mirror, self.upper, os.path.join(os.path.dirname(self.mirror), OVERLAY_WORK)

    def _link_layout(self) -> None:
        """Each folder from the docs folder down to the page's, holding a link per name beside it.

        Each link leads through one link per folder (``.docsN``, in the session folder), so
        its own target is short: a short link lives inside its inode, which makes creating
        and removing thousands of them several times cheaper on a disk."""
        parts = [part for part in self.folder.page.split("/") if part]
        real, here = self.root, self.mirror
        session_dir = os.path.dirname(self.mirror)
        for depth in range(len(parts) + 1):
            os.mkdir(here)
            self._dirs.add(here)
            os.symlink(real, os.path.join(session_dir, f".docs{depth}"))
            via = "../" * (depth + 1) + f".docs{depth}/"
            below = parts[depth] if depth < len(parts) else None
            with os.scandir(real) as entries:
                for entry in entries:
                    if entry.name != below:
                        os.symlink(via + entry.name, os.path.join(here, entry.name))
            if below is None:
                return
            real, here = os.path.join(real, below), os.path.join(here, below)

    def place(self, files: tuple[tuple[str, bytes], ...], work: str) -> None:
        """Write declared files (``depends_on``) into the working folder as private copies."""
        with self._quiet():
            for rel, _ in files:
                if self.upper is None:
                    self._make_private(os.path.join(work, rel), copy=False)
            _write_files(work, files)

    def install(self) -> None:
        """Start watching (an audit hook lasts as long as the process: the session's), and
        let the session import modules that lie beside the page, as Jupyter does."""
        sys.addaudithook(self._hook)
        sys.path.insert(0, "")

    def take(self) -> tuple[FileRead, ...]:
        """The docs folder's paths read since the last call."""
        found, self.reads = self.reads, set()
        return tuple(sorted(found, key=lambda read: (read.path, read.kind.value)))

    # -- the audit hook ----------------------------------------------------------------

    @contextlib.contextmanager
    def _quiet(self) -> Iterator[None]:
        self._busy.on = True
        try:
            yield
        finally:
            self._busy.on = False

    def _hook(self, event: str, args: tuple[object, ...]) -> None:
        if event not in _WATCHED or getattr(self._busy, "on", False):
            return
        try:
            with self._quiet():
                self._act(event, args)
        except _Refused as refused:  # the error the user's line gets
            raise refused.error from None
        except (OSError, ValueError):
            # The watch's own work failed (the working folder was removed, say): the
            # operation goes on as it would without the watch, and fails by itself if it must.
            return

    def _act(self, event: str, args: tuple[object, ...]) -> None:
        """Note a read, or make a write land in the session's folder."""
        if event == "open":
            flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
            if flags & _WRITE_FLAGS:
                self._before_write(args[0], content=True, truncate=bool(flags & os.O_TRUNC))
            else:
                self._note(args[0], listing=False)
        elif event in _LIST_EVENTS:
            if sys._getframe(2).f_code.co_filename.startswith("<frozen importlib"):  # below _hook
                return  # the import system looking for a module: the module it opens is noted
            self._note(args[0] if args and args[0] is not None else ".", listing=True)
        elif event in _CONTENT_EVENTS:
            self._before_write(args[0], content=True, truncate=False)
        elif event in _NAME_EVENTS:
            self._before_write(args[0], content=event in ("os.rmdir", "shutil.rmtree"), truncate=True)
        elif event in _TWO_NAME_EVENTS and len(args) > 1:
            if event == "os.rename":
                self._before_write(args[0], content=False, truncate=True)
            elif event == "os.link":  # a hard link to a docs file would write through it
                self._refuse_docs(args[0], self._raw(args[0]))
            self._before_write(args[1], content=False, truncate=True)
        elif event == _CHDIR and args and self.upper is None:
            raw = self._raw(args[0])
            if raw is not None and _within(os.path.normpath(raw), self.mirror):
                self._make_private(os.path.normpath(raw), copy=False)

    @staticmethod
    def _raw(path: object) -> str | None:
        """The path as given, made absolute; None for descriptors and odd values."""
        if path is None or isinstance(path, int):
            return None
        try:
            text = os.fsdecode(path)  # type: ignore[arg-type]  # str, bytes or PathLike; else TypeError
        except (TypeError, ValueError):
            return None
        return os.path.join(os.getcwd(), text)

    def _note(self, path: object, *, listing: bool) -> None:
        """Record a read of the docs folder."""
        raw = self._raw(path)
        if raw is None:
            return
        if os.path.isabs(os.fsdecode(path)) and not (  # type: ignore[arg-type]  # checked by _raw
            _within(os.path.normpath(raw), self.root) or _within(os.path.normpath(raw), self.mirror)
        ):
            return  # an absolute path elsewhere (every import opens some): nothing of the book
        real = os.path.realpath(raw)
        if (stand_in := self._not_sent_at(real)) is not None:
            self._not_sent(stand_in)
        if _within(real, self.root):
            rel = os.path.relpath(real, self.root)
            exists = os.path.exists(real)
        elif _within(real, self.mirror) and self.upper is not None:
            rel = os.path.relpath(real, self.mirror)
            docs = os.path.normpath(os.path.join(self.root, rel))
            if listing and not os.path.isdir(docs):
                return  # a folder the session made
            if not listing and os.path.lexists(os.path.join(self.upper, rel)):
                return  # a file the session wrote (or removed)
            exists = os.path.exists(docs)
        elif _within(real, self.mirror):
            rel = os.path.relpath(real, self.mirror)
            if listing:
                if real not in self._dirs:
                    return  # a folder the session made
            elif real not in self._shipped and os.path.exists(real):
                return  # a file the session wrote
            exists = real in self._shipped or real in self._dirs
        else:
            return
        if "__pycache__" in rel.split(os.sep):
            return  # bytecode of a module beside the page: its source is what counts
        kind = ReadKind.LISTING if listing else (ReadKind.FILE if exists else ReadKind.ABSENT)
        self.reads.add(FileRead("" if rel == "." else rel.replace(os.sep, "/"), kind))

    def _not_sent(self, rel: str) -> None:
        """A file of the docs folder that was not sent to this machine was opened: noted (the
        build sends it on a second run) and refused, as a file that is not there."""
        self.reads.add(FileRead(rel, ReadKind.ABSENT))
        raise _Refused(FileNotFoundError(errno.ENOENT, "No such file (not sent to this machine)", rel))

    def _before_write(self, path: object, *, content: bool, truncate: bool) -> None:
        """Make a write land in the session's folder, or refuse it when it would reach the
        docs folder."""
        raw = self._raw(path)
        if raw is None:
            return
        logical = os.path.normpath(raw)
        if _within(logical, self.mirror) and self.upper is None:
            with contextlib.suppress(OSError):  # if no private copy could be made, the check below refuses
                self._make_private(logical, copy=content and not truncate, whole=content)
        elif _within(logical, self.mirror) and content:
            with contextlib.suppress(OSError):  # without a copy the kernel refuses the write itself
                self._copy_foreign(logical, copy=not truncate)
        # Resolved after the links on the way were replaced: a path such as 'data/../x' must
        # not reach the docs folder through a link either.
        self._refuse_docs(path, raw if content else os.path.join(os.path.dirname(raw), "x"))

    def _refuse_docs(self, path: object, raw: str | None) -> None:
        """A ``PermissionError`` at the user's line when ``raw`` resolves into the docs folder."""
        if raw is not None and _within(os.path.realpath(raw), self.root):
            raise _Refused(
                PermissionError(
                    errno.EACCES,
                    "Permission denied (the docs folder is read-only while the book builds; write to "
                    "a relative path instead, which lands in the session's own folder)",
                    os.fsdecode(path),  # type: ignore[arg-type]  # a path: _raw gave one for it
                )
            )

    def _copy_foreign(self, logical: str, *, copy: bool) -> None:
        """Through an overlay, replace a file of the docs folder that the session's user does
        not own (a root build's, the session being ``nobody``) by the session's own copy
        (``copy``) or an empty file of the same mode: the kernel would refuse the write, as
        its owner and mode are the docs file's.  Its folder is the session's (``namespaces``)."""
        found = os.lstat(logical)
        if not os.path.isfile(logical) or os.path.islink(logical) or found.st_uid == os.geteuid():
            return
        content = b""
        if copy:
            with open(logical, "rb") as file:
                content = file.read()
            rel = os.path.relpath(logical, self.mirror).replace(os.sep, "/")
            self.reads.add(FileRead(rel, ReadKind.FILE))
        os.unlink(logical)
        descriptor = os.open(logical, os.O_WRONLY | os.O_CREAT | os.O_EXCL, found.st_mode & 0o7777)
        with open(descriptor, "wb") as file:
            file.write(content)
        os.chmod(logical, found.st_mode & 0o7777)  # as the docs file had it, whatever the umask
        os.utime(logical, ns=(found.st_atime_ns, found.st_mtime_ns))

    def _make_private(self, logical: str, *, copy: bool, whole: bool = True) -> None:
        """Replace the links on the way to ``logical`` (inside the mirror) by private folders
        of links, and with ``whole`` the link at ``logical`` itself: by a copy of its file
        (``copy``), by nothing (a file about to be overwritten) or by a private folder."""
        parts = os.path.relpath(logical, self.mirror).split(os.sep)
        here = self.mirror
        for depth, part in enumerate(parts):
            here = os.path.join(here, part)
            last = depth == len(parts) - 1
            stand_in = self._not_sent_at(os.path.realpath(here)) if last and whole else None
            if stand_in is not None:  # a file not sent: once written, the session's own
                if copy:
                    self._not_sent(stand_in)
                os.unlink(here)
                continue
            if not os.path.islink(here) or (last and not whole):
                continue
            target = os.path.realpath(here)
            if os.path.isdir(target):
                os.unlink(here)
                os.mkdir(here)
                self._dirs.add(here)
                with os.scandir(target) as entries:
                    for entry in entries:
                        os.symlink(entry.path, os.path.join(here, entry.name))
            elif last:
                os.unlink(here)
                if copy and os.path.isfile(target):
                    shutil.copy2(target, here)
                    if _within(target, self.root):
                        rel = os.path.relpath(target, self.root).replace(os.sep, "/")
                        self.reads.add(FileRead(rel, ReadKind.FILE))
        self._shipped.discard(logical)  # from now on the session's own file


def prepare_workdir(
    spec: SessionSpec, session_dir: str, overlay: Callable[[str, str, str, str, str], bool] | None = None
) -> tuple[str, FolderWatch | None]:
    """Make the session's working folder: the page's folder as above (through ``overlay``
    where it mounts one), or (for a session without one) an empty private folder;
    declared files are written into it."""
    if spec.folder is None or not (spec.folder.shipped is not None or os.path.isdir(spec.folder.path)):
        work = os.path.join(session_dir, "cwd")
        os.mkdir(work)
        _write_files(work, spec.files)
        return work, None
    watch = FolderWatch(spec.folder, session_dir)
    work = watch.build(overlay)
    watch.place(spec.files, work)
    return work, watch
