"""Every build of the same input is the same site, byte for byte: built cold, from a cache that
holds only some of its entries, after a build that was killed half way, and two at once."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from waits import until

pytestmark = pytest.mark.slow  # builds books in processes of their own

ROOT = Path(__file__).resolve().parents[2]

# A fixed build date: the cite texts and the sitemap carry it.
EPOCH = "1790000000"


def _copy_book(dest: Path, runtime_from: Path = ROOT) -> Path:
    """The repository's book (chapter with instruments, math, figures, notebooks), own cache."""
    dest.mkdir(parents=True)
    shutil.copytree(ROOT / "docs", dest / "docs")
    shutil.copy(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    pyodide = runtime_from / ".cache" / "wmbook" / "pyodide"
    if pyodide.is_dir():  # the in-browser runtime is fetched once, not per copy
        shutil.copytree(pyodide, dest / ".cache" / "wmbook" / "pyodide")
    return dest


def _command(site: str) -> list[str]:
    return [sys.executable, "-m", "mkdocs", "build", "-q", "--strict", "-d", site]


def _env() -> dict[str, str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": EPOCH}
    for name in ("WMBOOK_ACCEPT", "WMBOOK_CACHE"):
        env.pop(name, None)
    return env


def _build(root: Path, site: str) -> Path:
    done = subprocess.run(_command(site), cwd=root, env=_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return root / site


def _files(site: Path) -> dict[str, bytes]:
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def _differences(a: Path, b: Path) -> list[str]:
    left, right = _files(a), _files(b)
    names = sorted(set(left) | set(right))
    return [name for name in names if left.get(name) != right.get(name)]


def _entries(root: Path) -> Iterator[Path]:
    for namespace in ("sessions", "instruments", "math"):
        yield from sorted(p for p in (root / ".cache" / "wmbook" / namespace).rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The book built once, cold."""
    root = _copy_book(tmp_path_factory.mktemp("cold") / "book")
    return _build(root, "site")


def test_a_partly_cached_build_is_the_cold_build(reference: Path) -> None:
    root = reference.parent
    entries = list(_entries(root))
    assert {p.parent.parent.name for p in entries} == {"sessions", "instruments", "math"}
    for entry in entries[::2]:  # every other entry of every namespace: some instruments come from cache
        entry.unlink()
    assert _differences(reference, _build(root, "site-partial")) == []


def test_a_build_after_a_killed_one_is_the_cold_build(reference: Path, tmp_path: Path) -> None:
    root = _copy_book(tmp_path / "book", reference.parent)
    build = subprocess.Popen(
        _command("site"), cwd=root, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    store = root / ".cache" / "wmbook"
    stored = lambda: any((store / "sessions").rglob("*")) or any((store / "math").rglob("*"))  # noqa: E731
    until(lambda: build.poll() is not None or stored(), 300)
    assert build.poll() is None, "the build finished before it could be killed"
    build.send_signal(signal.SIGKILL)
    build.wait(timeout=10)
    assert _differences(reference, _build(root, "site")) == []


def test_two_builds_at_once_on_one_cache_are_the_cold_build(reference: Path, tmp_path: Path) -> None:
    root = _copy_book(tmp_path / "book", reference.parent)
    builds = [
        subprocess.Popen(
            _command(site), cwd=root, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        for site in ("site-a", "site-b")
    ]
    for build in builds:
        _, stderr = build.communicate(timeout=600)
        assert build.returncode == 0, stderr[-3000:]
    assert _differences(reference, root / "site-a") == []
    assert _differences(reference, root / "site-b") == []
