"""A pre-started worker server: it imports numpy and matplotlib once, then forks one
fresh process per session on request.

Protocol: the server listens on a Unix socket.  For every connection it forks; the
child sends its pid, receives a ``SessionSpec`` and runs it (see ``child.run_session``).
The server reports each child's exit status on its stdout as ``exit PID STATUS``, so
the build can say how a process that vanished mid-block ended.  It exits when its
stdin closes, i.e. when the build that started it is gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import shutil
import signal
import socket
import string
import sys
import threading
from multiprocessing.connection import Connection
from types import FrameType

from wmbook.execute import child, figures, ipython  # preload: numpy, matplotlib, IPython, the runner


def _report_exits(signum: int, frame: FrameType | None) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        code = os.waitstatus_to_exitcode(status)
        _sessions.discard(pid)
        # What the session started is ended with it (it led a process group of its own).
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
        os.write(1, f"exit {pid} {code}\n".encode())


def _exit_when_orphaned() -> None:
    sys.stdin.buffer.read()
    _end_everything(signal.SIGTERM, None)


_PR_SET_PDEATHSIG = 1


def die_with_parent(signum: int) -> None:
    """Ask the kernel to send ``signum`` to this process when its parent ends (Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the stdin watch below still ends the server with the build


_sessions: set[int] = set()  # session process groups this server started


def _end_everything(signum: int, frame: FrameType | None) -> None:
    """The build is gone: end every session (and what it started), remove our files, exit."""
    for group in list(_sessions):
        with contextlib.suppress(OSError):
            os.killpg(group, signal.SIGKILL)
    shutil.rmtree(os.path.dirname(_socket_path), ignore_errors=True)
    os._exit(0)


def _serve(listener: socket.socket) -> None:
    while True:
        conn_sock, _ = listener.accept()
        pid = os.fork()
        if pid == 0:
            listener.close()
            for sig in (signal.SIGCHLD, signal.SIGTERM):
                signal.signal(sig, signal.SIG_DFL)
            # Its own process group, so that everything the session starts ends with it; and
            # it dies with the server, so nothing spins on when the build is killed.
            os.setsid()
            die_with_parent(signal.SIGKILL)
            # Nothing it starts may hold the build's terminal or the server's report pipe.
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            conn = Connection(conn_sock.detach())
            conn.send(os.getpid())
            try:
                spec, session_dir, limits = conn.recv()
                child.run_session(spec, conn, session_dir, limits)
            finally:
                os._exit(0)
        _sessions.add(pid)
        conn_sock.close()


def _warm_up() -> None:
    """Draw figures once, so fonts, glyph outlines and the SVG backend are ready in every
    forked session instead of being rebuilt by each."""
    figures.apply_style()
    text = string.ascii_letters + string.digits + string.punctuation + " −·×"
    figures.plot_xy(range(50), [v * v for v in range(50)], title=text, xlabel=text, ylabel=text)
    figures.collect_figures("warm-up", "warm-up")
    ipython.preload()
    gc.collect()
    gc.freeze()  # keep the collector from touching (and so copying) the preloaded objects


_socket_path = ""


def main(path: str) -> None:
    """Serve session requests on the Unix socket ``path``."""
    global _socket_path
    _socket_path = path
    die_with_parent(signal.SIGTERM)
    signal.signal(signal.SIGTERM, _end_everything)
    _warm_up()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(128)
    signal.signal(signal.SIGCHLD, _report_exits)
    threading.Thread(target=_exit_when_orphaned, daemon=True).start()
    os.write(1, b"ready\n")
    _serve(listener)


if __name__ == "__main__":
    main(sys.argv[1])
