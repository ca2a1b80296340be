"""Typed messages between the build, the worker server and a session's process.

Every message is a msgspec MessagePack frame (a 4-byte length, then the body), decoded
into the one type its reader expects: a session's process can send wrong data, which is
refused, but never an object that runs code in the reader (as a pickle could).
"""

from __future__ import annotations

import select
import socket
import struct
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec

from wmbook.execute.sandbox import Limits
from wmbook.model import SessionSpec

T = TypeVar("T")

MAX_FRAME = 256 << 20  # bytes; a longer frame is refused before anything is read into memory
_HEADER = struct.Struct(">I")


@dataclass(frozen=True)
class SessionRequest:
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
        self._encoder = msgspec.msgpack.Encoder()

    def send(self, message: object) -> None:
        """Encode ``message`` (dataclasses, enums, tuples, plain values) and send it."""
        body = self._encoder.encode(message)
        self.sock.sendall(_HEADER.pack(len(body)) + body)

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


def encode(message: object) -> bytes:
    """``message`` as one msgspec MessagePack body (for channels that carry bytes, as Dask's)."""
    return msgspec.msgpack.encode(message)


def decode(body: bytes, kind: type[T]) -> T:
    """``body`` decoded and validated as ``kind``; ``ChannelError`` if it is not one."""
    try:
        decoded: Any = msgspec.msgpack.decode(body, type=kind)
    except msgspec.MsgspecError as exc:
        raise ChannelError(f"a message that is not a valid {getattr(kind, '__name__', kind)}: {exc}") from exc
    return decoded  # type: ignore[no-any-return]
