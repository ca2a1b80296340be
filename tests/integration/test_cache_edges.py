"""The cache folder at its edges: read-only or full (one message, the build goes on),
something else than a file in an entry's place (skipped, not waited on), and file modes
that honour the umask in the store and in the site."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import build_site, copy_fixture, session_report


def _mounts_work() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-Urm", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _mounts_work(), reason="needs unshare -Urm (a user and mount namespace)")
@pytest.mark.slow  # a build in a process of its own, in a namespace
@pytest.mark.parametrize("state", ["read-only", "full"])
def test_a_cache_folder_that_cannot_be_written_is_reported_once(tmp_path: Path, state: str) -> None:
    """The cache folder is a real read-only or full (4 KiB) file system, mounted in a
    namespace of the build's own."""
    root = copy_fixture("good", tmp_path)
    cache = root / ".cache" / "wmbook"
    cache.mkdir(parents=True)
    remount = 'mount -o remount,ro "$1" && ' if state == "read-only" else ""
    script = (
        "import logging, sys\n"
        "from mkdocs.commands.build import build\n"
        "from mkdocs.config import load_config\n"
        "seen = []\n"
        "class Keep(logging.Handler):\n"
        "    def emit(self, record): seen.append(record.getMessage())\n"
        "logging.getLogger('mkdocs').addHandler(Keep())\n"
        "logging.getLogger('mkdocs').setLevel(logging.INFO)\n"
        "build(load_config(config_file=sys.argv[1] + '/mkdocs.yml', site_dir=sys.argv[1] + '/site'))\n"
        "for line in seen:\n"
        "    print(line)\n"
    )
    shell = f'mount -t tmpfs -o size=4k tmpfs "$1" && {remount}exec "$2" -c "$3" "$4"'
    run = subprocess.run(
        ["unshare", "-Urm", "sh", "-c", shell, "sh", str(cache), sys.executable, script, str(root)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    reports = [line for line in run.stdout.splitlines() if "cannot be written" in line]
    assert len(reports) == 1, run.stdout
    reason = "Read-only file system" if state == "read-only" else "No space left on device"
    assert f"the cache folder {cache} cannot be written ({reason})" in reports[0]
    assert (root / "site" / "index.html").is_file()


@pytest.mark.timeout(120)
def test_a_fifo_in_place_of_an_entry_is_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    root = copy_fixture("good", tmp_path)
    assert not build_site(root, caplog).failed
    entries = sorted((root / ".cache" / "wmbook" / "sessions").glob("*/*"))
    victim = entries[0]
    victim.unlink()
    os.mkfifo(victim)  # a build that opens it for reading waits for a writer for ever
    again = build_site(root, caplog)
    assert not again.failed, again.messages
    assert sorted(session_report(root).values()) == [False] + [True] * (len(entries) - 1)
    assert victim.is_file()  # made again, as a file


def test_site_and_store_files_honour_the_umask(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    root = copy_fixture("good", tmp_path)
    old = os.umask(0o022)
    try:
        assert not build_site(root, caplog).failed
    finally:
        os.umask(old)
    notebooks = list((root / "site").rglob("*.ipynb"))
    entries = [p for p in (root / ".cache" / "wmbook").rglob("*") if p.is_file()]
    assert notebooks and entries
    modes = {str(p.relative_to(root)): oct(p.stat().st_mode & 0o777) for p in [*notebooks, *entries]}
    assert set(modes.values()) == {"0o644"}, modes


def test_notebook_pages_on_an_unwritable_cache_leave_no_temporary_folder(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The notebook mkdocs-jupyter renders goes to a temporary folder when the cache folder
    cannot take it (here a file stands where the folder would be); the build removes it."""
    root = copy_fixture("notebooks", tmp_path)
    (root / "blocked").write_text("a file, not a folder\n")
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temp))
    plugins = {"search": {}, "mkdocs-jupyter": {}, "wmbook": {"cache_dir": "blocked/cache"}}
    built = build_site(root, caplog, plugins=plugins)
    assert not built.failed, built.messages
    assert f"{temp}/wmbook-" in caplog.text  # mkdocs-jupyter read the notebook there
    assert "Momentum" in built.html("nb/momentum")
    # The worker server's folder lives on with the server, for the next build.
    assert [p.name for p in temp.iterdir() if not p.name.startswith("wmbook-workers-")] == []
