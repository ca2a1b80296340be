"""Session results cached on disk, keyed by a hash of everything that can change them.

One entry per session.  The key covers the session's steps and options in order,
the files the page declares it reads, the page path, and the environment (wmbook,
Python and every installed distribution with its version).  Line numbers are left
out of the key, so editing prose above a block does not re-run it; a cached
result's Markdown line numbers are moved to where its blocks now stand instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import re
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import wmbook
from wmbook.model import SessionResult, SessionSpec

_MAGIC = b"WMBOOK-SESSION-1\n"
_DIGEST = hashlib.sha256().digest_size
# Cache problems are the tool's business, not the book's: they must not fail a strict build.
log = logging.getLogger("wmbook.cache")


def environment_fingerprint() -> str:
    """Hash of wmbook's, Python's and every installed distribution's name and version.

    Installed distributions are read from the names of their ``*.dist-info`` and
    ``*.egg-info`` folders on ``sys.path`` (``numpy-2.1.0.dist-info``), which carry
    name and version; listing folders is far cheaper than reading every METADATA file.
    """
    dists: list[str] = []
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        dists += [
            f"{entry}/{n}" for n in names if n.endswith((".dist-info", ".egg-info", ".egg-link", ".pth"))
        ]
    text = "\n".join([wmbook.__version__, sys.version, sys.platform, *sorted(dists)])
    return hashlib.sha256(text.encode()).hexdigest()


def session_key(spec: SessionSpec, fingerprint: str) -> str:
    """The content hash that names a session's cache entry."""
    payload = {
        "page": spec.page,
        "session": spec.name,
        "steps": [[s.kind.value, s.source, s.timeout, s.raises, s.key] for s in spec.steps],
        "files": [[rel, hashlib.sha256(content).hexdigest()] for rel, content in spec.files],
        "environment": fingerprint,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def relocate(result: SessionResult, old_firsts: tuple[int, ...], spec: SessionSpec) -> SessionResult:
    """Move Markdown line numbers in a cached result to where the blocks stand now."""
    spans = [
        (old, old + step.source.count("\n"), step.first_line - old)
        for old, step in zip(old_firsts, spec.steps, strict=True)
    ]
    if all(shift == 0 for _, _, shift in spans):
        return result

    def moved(line: int) -> int:
        for first, last, shift in spans:
            if first <= line <= last:
                return line + shift
        return line

    page = re.escape(spec.page)
    pattern = re.compile(rf'(File "{page}", line |{page}:)(\d+)')

    def text(value: str) -> str:
        return pattern.sub(lambda m: m[1] + str(moved(int(m[2]))), value)

    steps = tuple(
        replace(
            r,
            output=text(r.output),
            traceback=text(r.traceback),
            error_line=moved(r.error_line) if r.error_line else r.error_line,
        )
        for r in result.results
    )
    return replace(result, results=steps)


class SessionCache:
    """Entries under ``directory``: a header, a SHA-256 of the payload, then the payload."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path:
        return self.directory / "sessions" / key[:2] / f"{key}.bin"

    def load(self, key: str, spec: SessionSpec) -> SessionResult | None:
        """The cached result for ``key``, or None on a miss or a damaged entry."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        payload = data[len(_MAGIC) + _DIGEST :]
        digest = data[len(_MAGIC) : len(_MAGIC) + _DIGEST]
        try:
            if not data.startswith(_MAGIC) or hashlib.sha256(payload).digest() != digest:
                raise ValueError("checksum mismatch")
            old_firsts, result = pickle.loads(payload)
            if not isinstance(result, SessionResult):
                raise ValueError("unexpected content")
        except Exception as exc:  # noqa: BLE001  (any damage means: run the session again)
            log.warning(
                f"wmbook: cache entry {path} for {spec.page} is damaged ({exc}); running the session again"
            )
            path.unlink(missing_ok=True)
            return None
        os.utime(path)  # recently used entries survive pruning
        return replace(relocate(result, old_firsts, spec), from_cache=True)

    def store(self, key: str, spec: SessionSpec, result: SessionResult) -> None:
        """Write an entry atomically; failed sessions are never stored."""
        if result.failed:
            return
        firsts = tuple(step.first_line for step in spec.steps)
        payload = pickle.dumps((firsts, result), protocol=pickle.HIGHEST_PROTOCOL)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(_MAGIC + hashlib.sha256(payload).digest() + payload)
            os.replace(temp, path)  # atomic: concurrent builds see the old or the new entry
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def prune(self, max_age_days: float, max_bytes: int) -> int:
        """Delete entries unused for ``max_age_days``, then the oldest beyond ``max_bytes``."""
        entries = []
        # Session results, and the instrument renderings kept beside them.
        paths = [*(self.directory / "sessions").glob("*/*"), *(self.directory / "instruments").glob("*")]
        for path in paths:
            try:
                stat = path.stat()
            except OSError:
                continue
            entries.append((stat.st_mtime, stat.st_size, path))
        entries.sort()
        now = time.time()
        total = sum(size for _, size, _ in entries)
        removed = 0
        for mtime, size, path in entries:
            stale_tmp = path.name.startswith(".tmp-") and now - mtime > 3600
            too_old = now - mtime > max_age_days * 86400
            if stale_tmp or too_old or total > max_bytes:
                path.unlink(missing_ok=True)
                total -= size
                removed += 1
        return removed
