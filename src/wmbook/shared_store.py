"""The shared layer of the store: entries at any fsspec URL, under the local store's rules.

``cache_url`` names it: a folder, ``s3://bucket/prefix`` (s3fs, which reads the standard
``AWS_*`` variables, ``AWS_ENDPOINT_URL`` included), ``gs://bucket/prefix`` (gcsfs) or a
published, read-only ``https://`` copy.  Entries have the same names and the same
checksummed format as in the local folder (``store.seal``); a damaged one is reported,
removed where the store can be written, and made again.  Publishing is atomic: into a
folder by writing a temporary file and renaming it, into an object store by one put
(an object appears whole or not at all).  Writes happen in the background and are
awaited at the end of the build (``flush``); credentials that may only read make the
layer read-only for the build, and a store that cannot be reached at all is reported
once and left alone until the build ends.  This module, and fsspec with it, is imported
only when a ``cache_url`` is set.

With a signing key, every entry published is signed (``signing``); with a public key, an
entry read is used only if that key's owner signed it at its address.  The others
(unsigned, or signed by another key or for another address) are ignored and made again,
and counted in one message at the end of the build: a warning if any carried a signature
that does not verify.  A build that verifies but cannot sign publishes nothing: readers
would ignore its entries anyway.

The entries a build asks for together are also published as a few bundles (``shared_bundle``),
which the next build asking for the same ones reads first; each entry in them is checked
as at its own address, and any other is read there.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fsspec.core import url_to_fs

from wmbook.shared_bundle import bundle_parts, checked_entries, pack_bundle, unpack_bundle
from wmbook.signing import SIGNING_KEY_ENV, entry_signed, sign_entry
from wmbook.store import entry_name, open_entry, read_regular, seal, unseal

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

log = logging.getLogger("mkdocs.plugins.wmbook")  # store problems never fail a strict build
_READ_ONLY_PROTOCOLS = {"http", "https"}
_THREADS = 8  # writes in flight at once: a remote store answers each in a few milliseconds


class SharedStoreError(Exception):
    """The URL names no store wmbook can open (an unknown scheme, a missing package)."""


def open_filesystem(url: str) -> tuple[Any, str]:
    """The fsspec file system that serves ``url`` (its package imported), and the root
    inside it.  Needs no key: the helper opens it while the build has not sent them yet."""
    try:
        fs, root = url_to_fs(url)
    except (ImportError, ValueError) as exc:
        raise SharedStoreError(str(exc)) from exc
    return fs, root


def connect(fs: Any) -> None:
    """Make an object store's first connection now (an S3 client is costly to set up), not
    at the first read; an error is left for that read to report."""
    protocols = {fs.protocol} if isinstance(fs.protocol, str) else set(fs.protocol)
    start = getattr(fs, "connect", None)
    if "s3" in protocols and callable(start):
        with contextlib.suppress(Exception):
            start()


class SharedStore:
    """Checksummed entries under ``url``, read and written through fsspec; signed with
    ``signing_key``, and used only when ``public_key`` verifies them (when given).
    ``opened``: what ``open_filesystem(url)`` gave, when it was called ahead."""

    def __init__(
        self,
        url: str,
        signing_key: Ed25519PrivateKey | None = None,
        public_key: Ed25519PublicKey | None = None,
        opened: tuple[Any, str] | None = None,
    ) -> None:
        self.fs, root = opened or open_filesystem(url)
        self.url = url
        self.root = root.rstrip("/")
        protocols = {self.fs.protocol} if isinstance(self.fs.protocol, str) else set(self.fs.protocol)
        self.is_folder = bool(protocols & {"file", "local"})
        self.writable = not protocols & _READ_ONLY_PROTOCOLS
        # An entry is small: s3fs then reads it with one GET, instead of asking its size first
        # (a HEAD, and on a miss a listing too) to read a large object in parallel parts.
        self._read_options = {"max_concurrency": 1} if "s3" in protocols else {}
        self.reachable = True
        self._lock = threading.Lock()
        self._threads: ThreadPoolExecutor | None = None
        self._pending: list[Future[None]] = []
        self.signing_key = signing_key
        self.public_key = public_key
        self.unsigned = 0  # entries ignored this build: without a signature
        self.badly_signed = 0  # with a signature the public key does not verify
        self.bundled_bad = 0  # entries in bundles ignored this build: damaged, unsigned, forged
        self.bundled_forged = 0  # of which with a signature the public key does not verify
        self._written: set[tuple[str, str]] = set()  # entries this build made
        # Entries this build can vouch for: it made them, or read them here signed by the owner.
        self._vouched: set[tuple[str, str]] = set()
        self._bundles_read: set[str] = set()  # bundles this build asked for
        self._bundles_whole: set[str] = set()  # of which every entry checked out
        if public_key is None:
            log.info(
                f"wmbook: entries of the shared cache at {url} are used unverified (no cache_public_key): "
                "whoever may write it decides what its outputs show"
            )
        elif signing_key is None and self.writable:
            self.writable = False
            log.info(
                f"wmbook: this build has no signing key ({SIGNING_KEY_ENV}), so it publishes nothing "
                f"to the shared cache at {url}: readers verify its entries with cache_public_key"
            )

    def connect(self) -> None:
        """Make the first connection now, not at the first read (``connect``)."""
        connect(self.fs)

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._threads is None:
                self._threads = ThreadPoolExecutor(_THREADS, thread_name_prefix="wmbook-shared")
            return self._threads

    def location(self, namespace: str, key: str) -> str:
        """Where the entry lives in the shared store."""
        return f"{self.root}/{entry_name(namespace, key)}"

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
        """The stored payloads among ``keys``, all asked for in one batch: an object store's
        requests go out together on its client's event loop, with no thread per request
        (``what`` names entries in messages: 'docs/x.md (session main)').  ``batch``: every
        key the build asks for together, whose bundles are read first (``shared_bundle``)."""
        wanted = list(dict.fromkeys(keys))
        found = self._read_bundled(namespace, wanted, batch) if batch and wanted else {}
        where = {self.location(namespace, key): key for key in wanted if key not in found}
        for place, data in self._fetch(list(where)).items():
            key = where[place]
            opened = open_entry(data)
            if opened is None:
                name = (what or {}).get(key) or place
                log.info(
                    f"wmbook: the shared {namespace} entry {name} at {self.url} is damaged; "
                    "it is made again" + (" and replaced" if self.writable else "")
                )
                self._remove(place)
            elif self._trusted(entry_name(namespace, key), *opened):
                found[key] = opened[0]
        if self.public_key is not None:  # checked against the owner's key, not merely found
            with self._lock:
                self._vouched.update((namespace, key) for key in found)
        return found

    def _fetch(self, places: list[str]) -> dict[str, bytes]:
        """The content of those of ``places`` that hold something, asked for at once."""
        if self.is_folder:
            places = [where for where in places if not self._not_a_file(where)]
        if not (places and self.reachable):
            return {}
        try:
            answers = self.fs.cat(places, on_error="return", **self._read_options)
        except FileNotFoundError:
            return {}
        except Exception as exc:  # noqa: BLE001  (network, credentials: the build goes on without it)
            self._unreachable(exc)
            return {}
        if not isinstance(answers, dict):  # one path: fsspec answers with its bytes alone
            answers = {places[0]: answers}
        got: dict[str, bytes] = {}
        for where in places:
            data = answers.get(self.fs._strip_protocol(where), answers.get(where))
            if data is None or isinstance(data, FileNotFoundError):
                continue
            if isinstance(data, Exception):
                self._unreachable(data)
                continue
            got[where] = data
        return got

    def _read_bundled(self, namespace: str, wanted: list[str], batch: Sequence[str]) -> dict[str, bytes]:
        """The payloads among ``wanted`` that the batch's bundles hold and that check out
        as they would at their own address; the rest are left to be read there."""
        needed = set(wanted)
        parts = {
            f"{self.root}/{name}": held
            for name, held in bundle_parts(namespace, batch).items()
            if needed.intersection(held)
        }
        with self._lock:
            self._bundles_read.update(parts)
        found: dict[str, bytes] = {}
        for where, data in self._fetch(list(parts)).items():
            entries = unpack_bundle(data)
            if entries is None:
                log.info(
                    f"wmbook: the bundle {where} of the shared cache at {self.url} is damaged; "
                    "its entries are read at their own addresses"
                )
                continue
            checked = checked_entries(namespace, parts[where], entries, self._verifies)
            found.update((key, payload) for key, payload in checked.payloads.items() if key in needed)
            with self._lock:
                self.bundled_bad += checked.bad
                self.bundled_forged += checked.forged
                if len(checked.payloads) == len(parts[where]):
                    self._bundles_whole.add(where)
        return found

    def _verifies(self, name: str, payload: bytes, signature: bytes) -> bool:
        """Whether an entry is to be used: signed by the owner for ``name``, or no owner set."""
        if self.public_key is None:
            return True  # no cache_public_key: whoever may write the store is trusted
        return bool(signature) and entry_signed(self.public_key, name, payload, signature)

    def _trusted(self, name: str, payload: bytes, signature: bytes) -> bool:
        if self._verifies(name, payload, signature):
            return True
        with self._lock:
            if signature:
                self.badly_signed += 1
            else:
                self.unsigned += 1
        return False

    def _not_a_file(self, where: str) -> bool:
        """In a folder, whether something else than a regular file (a FIFO, which would
        block the read, a socket, a link) is in an entry's place."""
        try:
            return not stat.S_ISREG(os.lstat(where).st_mode)
        except OSError:
            return False

    def write(self, namespace: str, key: str, sealed: bytes, what: str = "") -> None:
        """Publish an entry (``store.seal``ed) in the background, where writes are allowed."""
        with self._lock:
            self._written.add((namespace, key))  # a bundle holding it is out of date
            self._vouched.add((namespace, key))
        if not (self.writable and self.reachable):
            return
        signed = self._signed(namespace, key, sealed)
        if signed is not None:
            self._background(self._publish, self.location(namespace, key), signed, what)

    def _signed(self, namespace: str, key: str, sealed: bytes) -> bytes | None:
        """The entry as published: signed for its address when this build has the key."""
        payload = unseal(sealed)
        if payload is None:
            return None
        if self.signing_key is None:
            return sealed
        return seal(payload, sign_entry(self.signing_key, entry_name(namespace, key), payload))

    def _background(self, publish: Callable[..., None], *args: object) -> None:
        future = self._pool().submit(publish, *args)
        with self._lock:
            self._pending.append(future)

    def write_bundle(self, namespace: str, batch: Sequence[str], folder: str) -> None:
        """Publish, in the background, the batch's bundles that are missing or out of date,
        from the entries the local cache at ``folder`` holds now (``shared_bundle``).  A build
        that neither read the batch here nor made any of its entries leaves the store alone."""
        if not (self.writable and self.reachable):
            return
        parts = {f"{self.root}/{name}": held for name, held in bundle_parts(namespace, batch).items()}
        with self._lock:
            changed = {
                where for where, held in parts.items() if any((namespace, k) in self._written for k in held)
            }
            read, whole = parts.keys() & self._bundles_read, parts.keys() & self._bundles_whole
            vouched = frozenset(key for space, key in self._vouched if space == namespace)
        if not (changed or read):
            return  # everything came from this machine's cache, as it did last time
        for where, held in parts.items():
            if where in changed or where not in whole:
                # One this build did not read is published only where there is none yet.
                unread = where not in changed and where not in read
                self._background(self._publish_bundle, namespace, where, held, folder, unread, vouched)

    def _exists(self, where: str) -> bool:
        """Whether an object is at ``where``: one request that reads a byte of it."""
        try:
            self.fs.cat_file(where, start=0, end=1)
        except Exception:  # noqa: BLE001  (missing, or unknown: publishing it again is harmless)
            return False
        return True

    def _publish_bundle(
        self,
        namespace: str,
        where: str,
        held: tuple[str, ...],
        folder: str,
        unless_there: bool,
        vouched: frozenset[str],
    ) -> None:
        """Publish the bundle ``where`` from the local cache's entries of ``held``.  A build
        that signs takes only those of ``vouched`` (made this build, or read here signed by the owner):
        an entry found only in the local cache (restored from elsewhere, say) is not signed
        for every reader on its word; a reader finds it at its own address, if at all."""
        if unless_there and self._exists(where):
            return
        entries: dict[str, bytes] = {}
        for key in held:
            if self.signing_key is not None and key not in vouched:
                continue
            try:
                sealed = read_regular(Path(folder) / entry_name(namespace, key))
            except OSError:
                continue  # not made this build (a failed session): read at its address, if at all
            signed = self._signed(namespace, key, sealed)
            if signed is not None:
                entries[key] = signed
        if entries:
            self._publish(where, pack_bundle(entries), f"the bundle {where}")

    def _publish(self, where: str, sealed: bytes, what: str = "") -> None:
        if not (self.writable and self.reachable):
            return
        try:
            if self.is_folder:  # readers of a folder must never see half an entry
                folder = where.rsplit("/", 1)[0]
                temp = f"{folder}/.tmp-{uuid.uuid4().hex}"
                self.fs.makedirs(folder, exist_ok=True)
                self.fs.pipe_file(temp, sealed)
                self.fs.mv(temp, where)
            else:
                self.fs.pipe_file(where, sealed)
        except PermissionError as exc:
            self._read_only(exc)
        except Exception as exc:  # noqa: BLE001  (network, quota: the entry stays local)
            log.info(f"wmbook: could not publish {what or where} to the shared cache at {self.url} ({exc})")

    def _remove(self, where: str) -> None:
        if not (self.writable and self.reachable):
            return
        try:
            self.fs.rm_file(where)
        except PermissionError as exc:
            self._read_only(exc)
        except Exception:  # noqa: BLE001  (the rewrite after the re-run replaces it anyway)
            pass

    def _read_only(self, exc: Exception) -> None:
        with self._lock:
            if not self.writable:
                return
            self.writable = False
        log.info(
            f"wmbook: the shared cache at {self.url} may only be read with these credentials ({exc}); "
            "this build keeps its new results in the local cache"
        )

    def _unreachable(self, exc: Exception) -> None:
        with self._lock:
            if not self.reachable:
                return
            self.reachable = False
        log.info(
            f"wmbook: the shared cache at {self.url} cannot be reached ({type(exc).__name__}: {exc}); "
            "this build goes on with the local cache only"
        )

    def flush(self) -> None:
        """Wait for every write of this build, then let the threads go (``serve`` builds again)."""
        with self._lock:
            pending, self._pending = self._pending, []
            threads, self._threads = self._threads, None
        for future in pending:
            future.result()
        if threads is not None:
            threads.shutdown(wait=True)
        with self._lock:
            self._written.clear()
            self._vouched.clear()
            self._bundles_read.clear()
            self._bundles_whole.clear()
        self._report_untrusted()
        self._report_bundled()

    def _report_bundled(self) -> None:
        with self._lock:
            bad, forged = self.bundled_bad, self.bundled_forged
            self.bundled_bad = self.bundled_forged = 0
        if not bad:
            return
        one = bad == 1
        log.log(
            logging.WARNING if forged else logging.INFO,  # a signature that fails: someone tried
            f"wmbook: {bad} entr{'y' if one else 'ies'} in bundles of the shared cache at {self.url} "
            f"{'was' if one else 'were'} damaged or not signed by cache_public_key's owner"
            f"{f' ({forged} with a signature that does not verify)' if forged else ''}; "
            f"{'it was' if one else 'each was'} read at its own address instead",
        )

    def _report_untrusted(self) -> None:
        with self._lock:
            unsigned, badly_signed = self.unsigned, self.badly_signed
            self.unsigned = self.badly_signed = 0
        if not (unsigned or badly_signed):
            return
        counts = " and ".join(
            part
            for part in (
                f"{unsigned} unsigned" if unsigned else "",
                f"{badly_signed} not signed by cache_public_key's owner" if badly_signed else "",
            )
            if part
        )
        level = logging.WARNING if badly_signed else logging.INFO
        log.log(
            level,
            f"wmbook: the shared cache at {self.url} offered {counts} entr"
            f"{'y' if unsigned + badly_signed == 1 else 'ies'}; they were ignored and made again",
        )
