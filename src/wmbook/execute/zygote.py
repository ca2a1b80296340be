"""A pre-started worker server: it imports numpy and matplotlib once, then forks one
fresh process per session on request (IPython too, at the first session that needs it).

Protocol: the build holds one end of a socketpair whose other end the server inherits
(its descriptor number is the server's argument); no socket has a path a session could
reach.  For each session the build sends, over it, one end of a fresh socketpair
(``SCM_RIGHTS``); the server forks, and the child keeps only that end: it sends its pid,
receives a ``SessionRequest`` and runs it (see ``child.run_session``), every message a
typed msgspec frame.  The server's stdout is a socket to the build, where it writes
frames (``ServerReport``): that it is ready, then each child's exit status, so the build
can say how a process that vanished mid-block ended.
It is a child subreaper, so what an ended session left behind comes back to it and is
ended too.  It exits when its stdin or its control socket closes: the build is gone.
"""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import signal
import socket
import string
import sys
import threading
from types import FrameType

# No collection while numpy and matplotlib load into the server: each automatic collection on
# the way would walk all they made so far again (a tenth of the server's start), and the
# collection would only free the import's scraps, whose holes the sessions would then fill,
# copying the pages they lie in.  What is loaded is frozen (``_frozen``), and the collector runs
# again after.  Only in the server's process (run as ``-m``), not wherever this is imported.
if __name__ == "__main__":
    gc.disable()

import msgspec  # this and what follows load after the collector is off

from wmbook.execute import child, figures  # preload: numpy, matplotlib, the runner
from wmbook.execute.channel import (
    Channel,
    ChannelError,
    ForkSession,
    ServerReady,
    ServerReport,
    SessionExited,
    SessionRequest,
    decode,
    framed,
)
from wmbook.execute.landlock import c_library
from wmbook.execute.namespaces import private_shm_possible
from wmbook.execute.sandbox import children, end_process_tree, readable_paths


def _report_exits(signum: int, frame: FrameType | None) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        code = os.waitstatus_to_exitcode(status)
        if pid not in _sessions:
            continue  # something an ended session left behind (this server is its subreaper)
        _sessions.discard(pid)
        # What the session started is ended with it (it led a process group of its own).
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
        _end_orphans()
        os.write(_reports, framed(ServerReport(SessionExited(pid, code))))


def _end_orphans() -> None:
    """End every child of this server that is not a running session: it was started by a
    session that has ended (a daemon, say), and came back to this subreaper."""
    for pid in children(os.getpid()):
        if pid not in _sessions:
            end_process_tree(pid)


def _exit_when_orphaned() -> None:
    # Exit reports run on the main thread only, where they can be held off around a fork.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
    sys.stdin.buffer.read()
    _end_everything(signal.SIGTERM, None)


_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36


def die_with_parent(signum: int) -> None:
    """Ask the kernel to send ``signum`` to this process when its parent ends (Linux)."""
    try:
        libc = c_library()
        libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the stdin watch below still ends the server with the build


_sessions: set[int] = set()  # session process groups this server started


def _end_everything(signum: int, frame: FrameType | None) -> None:
    """The build is gone: end every session (and what it started), remove our files, exit."""
    for group in list(_sessions):
        with contextlib.suppress(OSError):
            os.killpg(group, signal.SIGKILL)
        with contextlib.suppress(OSError):  # one just forked may not lead its group yet
            os.kill(group, signal.SIGKILL)
    # A killed session may still finish the call it was in (a folder being made while it was
    # readied): its folder is removed once it has ended, not while it could still add to it.
    for pid in list(_sessions):
        with contextlib.suppress(OSError):
            os.waitpid(pid, 0)
    _end_orphans()
    for _ in range(3):
        shutil.rmtree(_folder, ignore_errors=True)
        if not os.path.lexists(_folder):
            break
    os._exit(0)


def _only_descriptors(keep: int) -> None:
    """Close every descriptor but 0, 1, 2 and ``keep``: a session must hold no way to the
    server, the build or another session."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd != keep:
            with contextlib.suppress(OSError):
                os.close(fd)


def _run_child(control: socket.socket, session: socket.socket) -> None:
    """In the forked child: become the session's process and run the session."""
    control.detach()  # closed below with the rest; the object must not close it again
    for sig in (signal.SIGCHLD, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
    # Its own process group, so that everything the session starts ends with it; and
    # it dies with the server, so nothing spins on when the build is killed.
    os.setsid()
    die_with_parent(signal.SIGKILL)
    # Nothing it starts may hold the build's terminal or the server's report socket.
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    _only_descriptors(session.fileno())
    channel = Channel(session)
    try:
        channel.send(os.getpid())
        request = channel.recv(SessionRequest)
        child.run_session(request, channel)
    finally:
        os._exit(0)


def _request(message: bytes) -> ForkSession | None:
    try:
        return decode(message, ForkSession)
    except ChannelError:
        return None


_ipython_loaded = False


def _load_ipython() -> None:
    """Import IPython in the server at the first session that needs it, so that this and every
    later session forked share it; a book without IPython cells never pays for it."""
    global _ipython_loaded
    if _ipython_loaded:
        return
    _ipython_loaded = True
    gc.disable()  # as while numpy and matplotlib load (see the top of this module)
    from wmbook.execute import ipython  # IPython only for books that use it

    ipython.preload()
    _frozen()


def _serve(control: socket.socket) -> None:
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 256, 1)
        except OSError:
            message, fds = b"", []
        if not message:
            _end_everything(signal.SIGTERM, None)
        request = _request(message) if len(fds) == 1 else None
        if request is None:
            for fd in fds:
                os.close(fd)
            continue
        if request.ipython:
            _load_ipython()
        session = socket.socket(fileno=fds[0])
        # No exit report may run between the fork and the new pid being recorded.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
        pid = os.fork()
        if pid == 0:
            _run_child(control, session)
        _sessions.add(pid)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
        session.close()


def _warm_up() -> None:
    """Draw figures once, so fonts, glyph outlines and the SVG backend are ready in every
    forked session instead of being rebuilt by each."""
    figures.apply_style()
    text = string.ascii_letters + string.digits + string.punctuation + " −·×"
    figures.plot_xy(range(50), [v * v for v in range(50)], title=text, xlabel=text, ylabel=text)
    figures.collect_figures("warm-up", "warm-up")
    readable_paths(())  # the folders of Python and its packages, found once for every session
    private_shm_possible()  # asked of the kernel once for every session
    msgspec.msgpack.Decoder(SessionRequest)  # msgspec keeps what it learnt of the types on them
    # Last: every session is forked with the book's style already in place.
    figures.apply_style()
    _frozen()


def _frozen() -> None:
    """Freeze what was loaded with the collector off, then turn it on again: a collection then
    never touches (and so copies) the preloaded objects in a session, and collects the server's
    and every session's own objects as in any Python process."""
    gc.freeze()
    gc.enable()


_folder = ""  # the build's folder for this server (its working directory), removed at the end
_reports = 1  # where frames to the build go: the stdout it was started with


def main(control_fd: int) -> None:
    """Serve session requests arriving on the inherited socket ``control_fd``."""
    global _folder, _reports
    _folder = os.getcwd()
    # Frames only on the report socket: anything printed goes to stderr instead.
    _reports = os.dup(1)
    os.dup2(2, 1)
    die_with_parent(signal.SIGTERM)
    with contextlib.suppress(OSError, AttributeError):
        c_library().prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    signal.signal(signal.SIGTERM, _end_everything)
    _warm_up()
    control = socket.socket(fileno=control_fd)
    signal.signal(signal.SIGCHLD, _report_exits)
    threading.Thread(target=_exit_when_orphaned, daemon=True).start()
    os.write(_reports, framed(ServerReport(ServerReady())))
    _serve(control)


if __name__ == "__main__":
    main(int(sys.argv[1]))
