"""The terminal that ``!cmd`` lines of IPython blocks run on.

Jupyter runs ``!cmd`` on a pseudo-terminal, so programs print as they would for a person
(``ls`` in columns) and their stderr joins their stdout.  The sandbox forbids opening a
pseudo-terminal, so the session opens one before the sandbox is applied and every
command of the session reuses it; what a command writes is printed to the cell's stdout.
"""

from __future__ import annotations

import codecs
import fcntl
import os
import secrets
import select
import shutil
import struct
import subprocess
import sys
import termios
from typing import Any


class Terminal:
    """A pseudo-terminal for ``!cmd``, opened before the sandbox (which forbids opening one).

    Programs see a terminal, as under Jupyter (``ls`` prints columns); what they write,
    stdout and stderr alike, is printed to the cell's stdout."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        for fd in (self.master, self.slave):
            os.set_inheritable(fd, False)

    def run(self, command: str) -> int:
        """Run ``command`` with the shell, print its output as it comes; its exit status."""
        shell = shutil.which("sh") or "/bin/sh"
        process = subprocess.Popen(
            [shell, "-c", command], stdin=subprocess.DEVNULL, stdout=self.slave, stderr=self.slave
        )
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        marker = f"\x1e{secrets.token_hex(8)}\x1e".encode()
        pending = b""
        sent = False
        while True:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                pending += os.read(self.master, 65536)
            if sent and marker in pending:
                sys.stdout.write(decoder.decode(pending[: pending.index(marker)], final=True))
                break
            keep = len(marker) if sent else 0  # the marker may arrive split between reads
            if len(pending) > keep:
                sys.stdout.write(decoder.decode(pending[: len(pending) - keep]))
                pending = pending[len(pending) - keep :]
            if not sent and process.poll() is not None:
                # Everything the command wrote is in the terminal before this marker.
                os.write(self.slave, marker)
                sent = True
        sys.stdout.flush()
        return process.wait()


def open_terminal() -> Terminal | None:
    """A terminal for the session's ``!cmd`` lines; None where none can be opened."""
    try:
        return Terminal()
    except OSError:
        return None


def run_piped(command: str) -> int:
    """``!cmd`` without a terminal: stdout and stderr through one pipe."""
    shell = shutil.which("sh") or "/bin/sh"
    process = subprocess.Popen(
        [shell, "-c", command], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    assert process.stdout is not None
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pipe: Any = process.stdout  # a BufferedReader (bufsize -1), which has read1
    for chunk in iter(lambda: pipe.read1(65536), b""):
        sys.stdout.write(decoder.decode(chunk))
    sys.stdout.write(decoder.decode(b"", final=True))
    sys.stdout.flush()
    return process.wait()
