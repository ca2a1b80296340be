"""The shared layer of the store, served by a helper process.

An object store's client costs the build's process dearly: a second of imports and
set-up (s3fs, botocore) and Python work on every request, all of it competing with
MkDocs for the interpreter.  So the build starts a helper process as soon as it reads
its settings (``open_shared_store``), or earlier, as MkDocs loads the plugin, when
``WMBOOK_CACHE_URL`` names an object store (``start_early``); the helper imports and
connects on another core while MkDocs reads the book (it needs no key for that: the keys
come after), answers each batch of reads at once and publishes writes in the background.
The helper runs the store's own shared layer
(``shared_store.SharedStore``), so its rules hold unchanged: checksums verified on
read, damaged entries reported and removed, atomic publishing, the read-only and the
unreachable modes, signing and verifying.  The keys reach the helper as the first
message on its socket; the signing key never through its environment or command line.  Every
message either way is a typed msgspec frame (``channel.ToHelper``, ``channel.FromHelper``),
decoded against its type: nothing received is unpickled, and a message of another shape
ends the exchange unread.  The helper's log lines are logged by the build, at their level.  It ends when the build flushes the
layer, or when the build's process is gone.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from wmbook.execute.channel import (
    Channel,
    ChannelClosed,
    ChannelError,
    Entries,
    Flush,
    Flushed,
    FromHelper,
    LogLine,
    ReadEntries,
    StoreKeys,
    ToHelper,
    Verdict,
    WriteBundle,
    WriteEntry,
)
from wmbook.signing import SIGNING_KEY_ENV

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

    from wmbook.shared_store import SharedStore

log = logging.getLogger("mkdocs.plugins.wmbook")  # store problems never fail a strict build


class SharedStoreProcess:
    """The shared layer at ``url``, as the store sees it: reads, writes and flush, each
    sent to the helper process.  The helper opens the store at once; ``start`` sends it
    the keys, which it awaits before it reads or writes anything."""

    def __init__(self, url: str) -> None:
        self.url = url
        ours, theirs = socket.socketpair()
        env = {
            **{name: value for name, value in os.environ.items() if name != SIGNING_KEY_ENV},
            "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
        }
        self._process = subprocess.Popen(
            [sys.executable, "-m", "wmbook.shared_process", url, str(theirs.fileno())],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            env=env,
        )
        theirs.close()
        self._socket = ours
        self._channel = Channel(ours)
        self._lock = threading.Lock()
        self._waiting: dict[int, tuple[Future[Any], Any]] = {}
        self._ids = itertools.count()
        self._gone = False
        self._closing = False
        self._verdict: Future[str] = Future()  # "" when the URL names a store, else why not
        self._wrote = False  # a write was sent: the helper may have one to finish
        self.replies = threading.Thread(target=self._receive, name="wmbook-shared-replies", daemon=True)
        self.replies.start()  # ends once the helper has (after saying so, if it was not asked to)

    def start(self, signing_key: str = "", public_key: str = "") -> None:
        """Send the helper its keys: the first message, which it reads before any other."""
        self._send(StoreKeys(signing_key, public_key))

    def problem(self) -> str:
        """Why no store answers to the URL (an unknown scheme, a missing package), or ""."""
        return self._verdict.result()

    def read(self, namespace: str, key: str, what: str = "") -> bytes | None:
        """The entry's payload, or None when it is missing, damaged or unreachable."""
        return self.read_many(namespace, [key], {key: what} if what else None).get(key)

    def read_many(
        self,
        namespace: str,
        keys: Iterable[str],
        what: Mapping[str, str] | None = None,
        batch: Sequence[str] = (),
    ) -> dict[str, bytes]:
        """The stored payloads among ``keys``, asked for in one batch (``batch``'s bundles first)."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        found: dict[str, bytes] = self._ask(
            lambda ident: ReadEntries(ident, namespace, tuple(wanted), dict(what or {}), tuple(batch)), {}
        )
        return found

    def write(self, namespace: str, key: str, sealed: bytes, what: str = "") -> None:
        """Publish an entry (``store.seal``ed) in the background, where writes are allowed."""
        self._wrote = True
        self._send(WriteEntry(namespace, key, sealed, what))

    def write_bundle(self, namespace: str, batch: Sequence[str], folder: str) -> None:
        """Publish the batch's bundles from the local cache at ``folder``, where they are
        missing or out of date (``SharedStore.write_bundle``)."""
        self._wrote = True
        self._send(WriteBundle(namespace, tuple(batch), folder))

    def flush(self) -> None:
        """Wait until every write of this build is published, then end the helper."""
        with self._lock:
            self._closing = True  # the helper ends after its answer: that is no loss
        self._ask(Flush, None)
        self.close()

    def close(self) -> None:
        """End the helper (writes it has not published yet are dropped)."""
        with self._lock:
            self._gone = True
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)  # the helper, and the reply thread, see the end
        if not self._wrote:
            self._process.kill()  # sent no write, it has nothing to finish (it may still be connecting)
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._socket.close()

    def _send(self, message: StoreKeys | ReadEntries | WriteEntry | WriteBundle | Flush) -> bool:
        with self._lock:
            if self._gone:
                return False
            try:
                self._channel.send(ToHelper(message))
            except OSError:
                return False
        return True

    def _ask(self, question: Callable[[int], ReadEntries | Flush], otherwise: Any) -> Any:
        """Send the question numbered by a fresh ident; its answer (``otherwise`` when the
        helper is gone)."""
        answer: Future[Any] = Future()
        with self._lock:
            ident = next(self._ids) + 1
            self._waiting[ident] = (answer, otherwise)
        if not self._send(question(ident)):
            with self._lock:
                self._waiting.pop(ident, None)
            return otherwise
        return answer.result()

    def _receive(self) -> None:
        try:
            while True:
                message = self._channel.recv(FromHelper).message
                if isinstance(message, LogLine):
                    log.log(message.level or logging.INFO, message.text)
                elif isinstance(message, Verdict):
                    with self._lock:
                        self._closing = bool(message.problem)  # no store: the helper ends, as it should
                    self._verdict.set_result(message.problem)
                else:
                    with self._lock:
                        answer, _ = self._waiting.pop(message.ident, (None, None))
                    if answer is not None:
                        answer.set_result(message.found if isinstance(message, Entries) else None)
        except ChannelError as exc:
            log.info(f"wmbook: the shared cache's helper sent {exc}; it is no longer asked")
        except (ChannelClosed, OSError):
            pass
        with self._lock:
            lost = not (self._gone or self._closing)
            self._gone = True
            waiting, self._waiting = self._waiting, {}
        if not self._verdict.done():
            self._verdict.set_result("")
        if lost:
            log.info(
                f"wmbook: the shared cache at {self.url} cannot be reached (its helper process ended); "
                "this build goes on with the local cache only"
            )
        for answer, otherwise in waiting.values():
            answer.set_result(otherwise)


_early: list[SharedStoreProcess] = []  # the helper ``start_early`` started, until a build takes it


def start_early(url: str) -> None:
    """Start the helper for ``url`` (an object store's) as MkDocs loads the plugin, before
    the build has read its settings: it imports and connects while the plugin's modules
    load.  ``take_early`` hands it to the build."""
    url = url.strip()
    if "://" in url and not _early:
        _early.append(SharedStoreProcess(url))


def take_early(url: str) -> SharedStoreProcess | None:
    """The helper ``start_early`` started, when it serves ``url``; one started for another
    URL (the settings chose another, or none) is ended.  Taken once: ``serve``'s next
    builds start their own."""
    early = _early.pop() if _early else None
    if early is not None and early.url != url:
        early.close()
        return None
    return early


def unknown_store(url: str) -> str:
    """Why fsspec has no store for ``url`` (an unknown scheme, a package not installed), or
    "": told without importing the store's package, which is what takes time."""
    import importlib.util

    from fsspec.core import split_protocol
    from fsspec.registry import known_implementations, registry

    for part in url.split("::"):
        protocol = split_protocol(part)[0] or "file"
        if protocol in registry:
            continue
        known = known_implementations.get(protocol)
        if known is None:
            return f"Protocol not known: {protocol}"
        package = str(known["class"]).split(".", 1)[0]
        if importlib.util.find_spec(package) is None:
            return str(known.get("err") or f"{package} is not installed")
    return ""


def _keys(signing_key: str, public_key: str) -> tuple[Ed25519PrivateKey | None, Ed25519PublicKey | None]:
    from wmbook.signing import private_key
    from wmbook.signing import public_key as load_public_key

    return (
        private_key(signing_key) if signing_key else None,
        load_public_key(public_key) if public_key else None,
    )


def _answer(
    store: SharedStore | None,
    first: object | None,
    receive: Callable[[], object | None],
    send: Callable[[Entries], None],
) -> Flush | None:
    """Answer the build's reads and carry out its writes (``first``, then what it sends)
    until it asks for a flush (returned) or hangs up.  Without a store, reads find nothing."""
    message = first or receive()
    while message is not None:
        if isinstance(message, ReadEntries):
            found = (
                store.read_many(message.namespace, message.keys, message.what, message.batch)
                if store is not None
                else {}
            )
            send(Entries(message.ident, found))
        elif isinstance(message, WriteEntry) and store is not None:
            store.write(message.namespace, message.key, message.sealed, message.what)
        elif isinstance(message, WriteBundle) and store is not None:
            store.write_bundle(message.namespace, message.batch, message.folder)
        elif isinstance(message, Flush):
            return message
        message = receive()
    return None


def serve(url: str, channel: Channel) -> None:
    """The helper: open the store at ``url`` and answer the build until it hangs up (or
    sends something that is not a ``ToHelper`` message: it is not read, nothing is run).
    What takes time (importing the store's package, connecting) is done before the keys
    are read: the build sends them only once it has read its settings."""
    sending = threading.Lock()

    def send(message: LogLine | Verdict | Entries | Flushed) -> None:
        # A build that has hung up (it ended, or failed before it sent anything) hears
        # nothing: the next read from the channel sees the end, and the helper ends quietly.
        with sending, contextlib.suppress(OSError):
            channel.send(FromHelper(message))

    class Forward(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            send(LogLine(record.levelno, record.getMessage()))

    log.addHandler(Forward())
    log.setLevel(logging.INFO)
    log.propagate = False

    def receive() -> object | None:
        """The next message for the helper; None when the channel ends or sent something else."""
        try:
            return channel.recv(ToHelper).message
        except ChannelError as exc:
            log.warning(f"wmbook: the shared cache's helper was sent {exc}; it ends")
        except (ChannelClosed, OSError):
            pass
        return None

    problem = unknown_store(url)
    send(Verdict(problem))
    if problem:
        return
    from wmbook.shared_store import SharedStore, SharedStoreError, connect, open_filesystem

    opened: tuple[Any, str] | None = None
    try:
        opened = open_filesystem(url)
        connect(opened[0])
    except SharedStoreError as exc:
        log.info(
            f"wmbook: the shared cache at {url} cannot be opened ({exc}); this build goes on with the local cache only"
        )
    first = receive()
    if first is None:
        return
    keys = first if isinstance(first, StoreKeys) else StoreKeys("", "")
    store = SharedStore(url, *_keys(keys.signing_key, keys.public_key), opened=opened) if opened else None
    later = None if isinstance(first, StoreKeys) else first  # a build that sent no keys
    flush = _answer(store, later, receive, send)
    if store is not None:
        store.flush()
    if flush is not None:
        send(Flushed(flush.ident))
    channel.close()
    # Every write is published: what is left to close (the client's connections) the
    # kernel closes faster than the interpreter's finalizers would.
    os._exit(0)


if __name__ == "__main__":
    serve(sys.argv[1], Channel(socket.socket(fileno=int(sys.argv[2]))))
