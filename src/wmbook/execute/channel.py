"""Typed messages between wmbook's processes: the build, the worker server, a session's
process, the shared store's helper, and a remote executor's workers.

Every message is a msgspec MessagePack frame (a 4-byte length, then the body), decoded
into the one type its reader expects: a process can send wrong data, which is refused,
but never an object that runs code in the reader (as a pickle could).  Where a reader
expects one of several messages, they are tagged records in one envelope.
"""

from __future__ import annotations

import select
import socket
import struct
from typing import Any, TypeVar

import msgspec

from wmbook.execute.sandbox import Limits
from wmbook.model import SessionResult, SessionSpec

T = TypeVar("T")

MAX_FRAME = 256 << 20  # bytes; a longer frame is refused before anything is read into memory
_HEADER = struct.Struct(">I")


class ForkSession(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Build → worker server: fork a session process for the socket sent along (``SCM_RIGHTS``)."""

    ipython: bool = False  # the session runs IPython cells: the server loads IPython first (once)


class ServerReady(msgspec.Struct, frozen=True, tag=True):
    """Worker server → build: numpy and matplotlib are loaded; sessions can be forked."""


class SessionExited(msgspec.Struct, frozen=True, tag=True):
    """Worker server → build: a session process ended, with this exit code (-N: signal N)."""

    pid: int
    code: int


class ServerReport(msgspec.Struct, frozen=True):
    """What the worker server writes to the build."""

    message: ServerReady | SessionExited


class StoreKeys(msgspec.Struct, frozen=True, tag=True):
    """Build → shared-store helper, first: the key that signs what it publishes and the one
    that verifies what it reads ("" for none)."""

    signing_key: str
    public_key: str


class ReadEntries(msgspec.Struct, frozen=True, tag=True):
    """Build → helper: the payloads of ``keys`` (``what`` names each in the helper's log),
    read from the bundles of ``batch`` first."""

    ident: int
    namespace: str
    keys: tuple[str, ...]
    what: dict[str, str]
    batch: tuple[str, ...] = ()


class WriteEntry(msgspec.Struct, frozen=True, tag=True):
    """Build → helper: publish one sealed entry, in the background."""

    namespace: str
    key: str
    sealed: bytes
    what: str


class WriteBundle(msgspec.Struct, frozen=True, tag=True):
    """Build → helper: publish the bundles of ``batch`` from the local cache at ``folder``."""

    namespace: str
    batch: tuple[str, ...]
    folder: str


class Flush(msgspec.Struct, frozen=True, tag=True):
    """Build → helper: publish every write, answer, then end."""

    ident: int


class ToHelper(msgspec.Struct, frozen=True):
    """What the build sends the shared-store helper."""

    message: StoreKeys | ReadEntries | WriteEntry | WriteBundle | Flush


class LogLine(msgspec.Struct, frozen=True, tag=True):
    """Helper → build: a line for the build's log, at ``level`` (``logging``'s numbers)."""

    level: int
    text: str


class Verdict(msgspec.Struct, frozen=True, tag=True):
    """Helper → build: why no store answers to its URL, or "" when one does."""

    problem: str


class Entries(msgspec.Struct, frozen=True, tag=True):
    """Helper → build: the stored payloads found for ``ReadEntries`` number ``ident``."""

    ident: int
    found: dict[str, bytes]


class Flushed(msgspec.Struct, frozen=True, tag=True):
    """Helper → build: every write is published (the answer to ``Flush`` number ``ident``)."""

    ident: int


class FromHelper(msgspec.Struct, frozen=True):
    """What the shared-store helper sends the build."""

    message: LogLine | Verdict | Entries | Flushed


class WorkerRequest(msgspec.Struct, frozen=True):
    """Build → a remote executor's worker: one session to run, under these limits."""

    spec: SessionSpec
    limits: Limits


class WorkerAnswer(msgspec.Struct, frozen=True):
    """A remote worker → build: the fingerprint of its Python and wmbook, and the session's result."""

    fingerprint: str
    result: SessionResult


class Activity(msgspec.Struct, frozen=True):
    """A remote worker → build (the progress relay): task ``task`` started the step at
    ``page``:``line`` ``ran`` seconds ago, or, with ``page`` empty, is over."""

    task: str
    page: str = ""
    line: int = 0
    ran: float = 0.0


class SessionRequest(msgspec.Struct, frozen=True):
    """What a session's fresh process needs to run: sent by the build once it has started."""

    spec: SessionSpec
    session_dir: str
    limits: Limits
    environment: tuple[tuple[str, str], ...]  # the session's whole environment
    cgroups: tuple[str, ...] = ()  # cgroup folders the process joins before the block's code runs


class ChannelClosed(EOFError):
    """The other end closed the channel."""


class ChannelError(ValueError):
    """The other end sent something that is not the expected message."""


class Channel:
    """One end of a stream socket carrying length-prefixed msgspec frames."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def send(self, message: object) -> None:
        """Encode ``message`` (dataclasses, enums, tuples, plain values) and send it."""
        self.sock.sendall(framed(message))

    def poll(self, timeout: float) -> bool:
        """Whether something (a frame, or the end of the stream) can be read within ``timeout``."""
        readable, _, _ = select.select([self.sock], [], [], max(0.0, timeout))
        return bool(readable)

    def recv(self, kind: type[T], timeout: float | None = None) -> T:
        """The next frame, decoded and validated as ``kind``: ``ChannelClosed`` if there is none,
        ``ChannelError`` if it is not a ``kind``, ``TimeoutError`` when a started frame does not arrive whole
        within ``timeout`` seconds."""
        self.sock.settimeout(timeout)
        try:
            (size,) = _HEADER.unpack(self._read(_HEADER.size))
            if size > MAX_FRAME:
                raise ChannelError(f"a message of {size} bytes is larger than the {MAX_FRAME} allowed")
            body = self._read(size)
        finally:
            self.sock.settimeout(None)
        return decode(body, kind)

    def _read(self, size: int) -> bytes:
        chunks = bytearray()
        while len(chunks) < size:
            try:
                chunk = self.sock.recv(min(size - len(chunks), 1 << 20))
            except ConnectionError as exc:
                raise ChannelClosed("the channel was closed") from exc
            if not chunk:
                raise ChannelClosed("the channel was closed")
            chunks += chunk
        return bytes(chunks)

    def fileno(self) -> int:
        """The socket's descriptor."""
        return self.sock.fileno()

    def close(self) -> None:
        """Close this end."""
        self.sock.close()


def channel_pair() -> tuple[Channel, Channel]:
    """Two connected channels (a socketpair): the build keeps one, a session inherits the other."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    return Channel(ours), Channel(theirs)


def framed(message: object) -> bytes:
    """``message`` as one frame: its length, then its body (what ``Channel.recv`` reads)."""
    body = msgspec.msgpack.encode(message)
    return _HEADER.pack(len(body)) + body


def encode(message: object) -> bytes:
    """``message`` as one msgspec MessagePack body (for transports that carry bytes, as a cluster's)."""
    return msgspec.msgpack.encode(message)


def decode(body: bytes, kind: type[T]) -> T:
    """``body`` decoded and validated as ``kind``; ``ChannelError`` if it is not one."""
    try:
        decoded: Any = msgspec.msgpack.decode(body, type=kind)
    except msgspec.MsgspecError as exc:
        raise ChannelError(f"a message that is not a valid {getattr(kind, '__name__', kind)}: {exc}") from exc
    return decoded  # type: ignore[no-any-return]
