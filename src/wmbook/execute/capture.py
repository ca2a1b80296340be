"""A step's stdout and stderr, captured apart and in the order they were written.

File descriptors 1 and 2 go to two files while a step runs, so output of C extensions
and of child processes is caught as well as ``print``.  Python's ``sys.stdout`` and
``sys.stderr`` are line-buffered writers on those descriptors that note each switch from
one stream to the other (and each rich output shown), with how far both files had
grown: the text is then cut into ``Stream`` runs in the order a reader saw it.  Text a
C extension wrote between two such notes is placed after the Python writes around it.

The build side (``read_streams``) reads the same files when a session's process died,
without the notes: stdout, then stderr (where a crash's traceback lands).
"""

from __future__ import annotations

import contextlib
import faulthandler
import io
import os
import sys
from collections.abc import Iterator
from typing import Any

import msgspec

from wmbook.execute.protocol import MAX_OUTPUT, capture_path
from wmbook.model import Stream

STDOUT, STDERR = "stdout", "stderr"


class Segment(msgspec.Struct, frozen=True):
    """Bytes ``start:end`` of one stream's file, shown after ``displays`` rich outputs."""

    name: str
    start: int
    end: int
    displays: int


def stderr_path(session_dir: str, step_index: int) -> str:
    """File that receives a step's stderr (its stdout goes to ``capture_path``)."""
    return capture_path(session_dir, step_index)[: -len(".out")] + ".err"


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.read(MAX_OUTPUT * 4 + 1)
    except OSError:
        return b""


def _read_open(file: io.BufferedRandom, path: str) -> bytes:
    """What an open capture file holds; read by ``path`` if the step closed its descriptor."""
    try:
        size = os.fstat(file.fileno()).st_size
        return os.pread(file.fileno(), min(size, MAX_OUTPUT * 4 + 1), 0)
    except OSError:
        return _read(path)


def assemble(data: dict[str, bytes], segments: list[Segment]) -> tuple[Stream, ...]:
    """The runs of text the segments describe, neighbours of one stream joined, cut at
    ``MAX_OUTPUT`` characters in all."""
    runs: list[Stream] = []
    left = MAX_OUTPUT
    for segment in segments:
        text = data[segment.name][segment.start : segment.end].decode("utf-8", errors="replace")
        if not text:
            continue
        if len(text) > left:
            text = text[:left] + f"\n[output cut at {MAX_OUTPUT} characters]\n"
        left -= len(text)
        last = runs[-1] if runs else None
        if last is not None and last.name == segment.name and last.displays_before == segment.displays:
            runs[-1] = Stream(last.name, last.text + text, last.displays_before)
        else:
            runs.append(Stream(segment.name, text, segment.displays))
        if left <= 0:
            break
    return tuple(runs)


def read_streams(session_dir: str, step_index: int) -> tuple[Stream, ...]:
    """What a step wrote, read by the build after its process ended: stdout, then stderr."""
    data = {
        STDOUT: _read(capture_path(session_dir, step_index)),
        STDERR: _read(stderr_path(session_dir, step_index)),
    }
    return assemble(data, [Segment(name, 0, len(data[name]), 0) for name in (STDOUT, STDERR)])


def joined(streams: tuple[Stream, ...]) -> str:
    """The runs as one text, in order (what an ``output`` fence is compared with)."""
    return "".join(stream.text for stream in streams)


class _NotingWriter(io.TextIOWrapper):
    """``sys.stdout`` or ``sys.stderr`` of a session: it tells the capture before it writes."""

    capture: StreamCapture | None = None
    stream_name = STDOUT

    def write(self, text: str) -> int:
        if self.capture is not None:
            self.capture.writing(self.stream_name)
        return super().write(text)


def _writer(fd: int, name: str, capture: StreamCapture) -> _NotingWriter:
    raw = io.FileIO(fd, "w", closefd=False)
    writer = _NotingWriter(
        io.BufferedWriter(raw), encoding="utf-8", errors="backslashreplace", line_buffering=True
    )
    writer.stream_name = name
    writer.capture = capture
    return writer


def _flush(stream: Any) -> None:
    """Flush a stream; when its file is at the size limit, forget what it could not write."""
    try:
        stream.flush()
    except (OSError, ValueError):
        buffer = getattr(stream, "buffer", None)
        raw = getattr(buffer, "raw", None)
        if buffer is not None and raw is not None:
            with contextlib.suppress(OSError, ValueError, TypeError):
                stream.__init__(
                    buffer.__class__(raw),
                    encoding=stream.encoding,
                    errors=stream.errors,
                    line_buffering=stream.line_buffering,
                )


class StreamCapture:
    """The session's output streams, captured step by step (in the session's process)."""

    def __init__(self) -> None:
        self.out = _writer(1, STDOUT, self)
        self.err = _writer(2, STDERR, self)
        sys.stdout, sys.stderr = self.out, self.err
        self._active = False
        self._segments: list[Segment] = []
        self._done = {STDOUT: 0, STDERR: 0}
        self._current = STDOUT
        self._displays = 0
        self._fds = {STDOUT: 1, STDERR: 2}
        self._data = {STDOUT: b"", STDERR: b""}  # the last step's files, read when it ended

    def _flush_all(self) -> None:
        for stream in {self.out, self.err, sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__}:
            if stream is not None:
                _flush(stream)

    def _note(self) -> None:
        """Cut what both files gained since the last note into segments, the stream that
        was being written first."""
        # The files' own descriptors: the block may have closed or moved 1 and 2.
        sizes = {name: os.fstat(fd).st_size for name, fd in self._fds.items()}
        other = STDERR if self._current == STDOUT else STDOUT
        for name in (self._current, other):
            if sizes[name] > self._done[name]:
                self._segments.append(Segment(name, self._done[name], sizes[name], self._displays))
                self._done[name] = sizes[name]

    def writing(self, name: str) -> None:
        """Python code is about to write to ``name``."""
        if not self._active or name == self._current:
            return
        _flush(self.err if name == STDOUT else self.out)  # what the other stream holds goes first
        self._note()
        self._current = name

    def showing(self) -> None:
        """A rich output is about to be shown: the text before it stays before it."""
        if self._active:
            self._flush_all()
            self._note()
            self._displays += 1

    def clear(self) -> None:
        """Forget the text written so far in this step (``clear_output``)."""
        if self._active:
            self._flush_all()
            self._note()
            self._segments, self._displays = [], 0

    @contextlib.contextmanager
    def step(self, out_path: str, err_path: str) -> Iterator[None]:
        """Send descriptors 1 and 2 to the step's two files while the step runs."""
        self._flush_all()
        saved = (os.dup(1), os.dup(2))
        with open(out_path, "w+b") as out, open(err_path, "w+b") as err:
            os.dup2(out.fileno(), 1)
            os.dup2(err.fileno(), 2)
            faulthandler.enable(err)  # a crash's Python traceback lands in stderr
            self._segments, self._done, self._current, self._displays = [], {STDOUT: 0, STDERR: 0}, STDOUT, 0
            self._fds = {STDOUT: out.fileno(), STDERR: err.fileno()}
            self._active = True
            try:
                yield
            finally:
                self._flush_all()
                self._note()
                self._active = False
                faulthandler.disable()
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
                os.close(saved[0])
                os.close(saved[1])
                # Read through the files still open rather than opened again by name.
                self._data = {STDOUT: _read_open(out, out_path), STDERR: _read_open(err, err_path)}

    def streams(self) -> tuple[Stream, ...]:
        """The last step's runs of text, in the order they were written."""
        return assemble(self._data, self._segments)
