"""Cache rules, cache modes, isolation and the serve path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import BuiltCopy, SiteBuild, build_site, session_report


def _report(site: SiteBuild) -> dict[tuple[str, str], bool]:
    """(page, session) -> whether it came from the cache, from the last JSON report."""
    return session_report(site.root)


ALL_RUN = {
    ("docs/index.md", "main"): False,
    ("docs/index.md", "second"): False,
    ("docs/data.md", "main"): False,
}


@pytest.fixture
def cached(built_copy: BuiltCopy, tmp_path: Path) -> Path:
    """The cache fixture after its first build (built once, copied for each test)."""
    root, first = built_copy("cache", tmp_path)
    assert not first.failed, first.messages
    assert _report(first) == ALL_RUN
    return root


def test_nothing_changed_runs_nothing(cached: Path, caplog: pytest.LogCaptureFixture) -> None:
    site = build_site(cached, caplog)
    assert set(_report(site).values()) == {True}


def test_a_build_that_runs_nothing_makes_no_session_runner(
    cached: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """This machine's executor is made when a session runs: a cached build imports none of it."""
    from wmbook.execute import pool

    pool.shutdown_pool()  # the first build's
    site = build_site(cached, caplog)
    assert set(_report(site).values()) == {True}
    assert pool.current_runner() is None


# A build in a fresh process, its plugin loaded as MkDocs loads it; what of the machinery it loaded.
_LOADED = """
import sys
from mkdocs.commands.build import build
from mkdocs.config import load_config
build(load_config(config_file=sys.argv[1], site_dir=sys.argv[2]))
print(sorted(m for m in ("wmbook.execute.runner", "wmbook.shared_process") if m in sys.modules))
"""


@pytest.mark.slow  # a build in a process of its own
def test_a_build_that_runs_nothing_loads_no_worker_server_nor_shared_cache_helper(cached: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WMBOOK_")}
    built = subprocess.run(
        [sys.executable, "-c", _LOADED, str(cached / "mkdocs.yml"), str(cached / "site")],
        env={**env, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert built.stdout.strip().splitlines()[-1] == "[]", built.stderr
    assert set(session_report(cached).values()) == {True}


def test_prose_edit_is_a_hit_and_lines_follow(cached: Path, caplog: pytest.LogCaptureFixture) -> None:
    page = cached / "docs" / "index.md"
    page.write_text(page.read_text().replace("Some prose.", "Some prose.\n\nTwo more lines of prose."))
    site = build_site(cached, caplog)
    assert set(_report(site).values()) == {True}
    # The cached traceback now names the failing line where it stands now (14, not 12).
    assert "File &quot;docs/index.md&quot;, line 14" in site.html()


def test_block_edit_reruns_only_its_session(cached: Path, caplog: pytest.LogCaptureFixture) -> None:
    page = cached / "docs" / "index.md"
    page.write_text(page.read_text().replace('print("second session")', 'print("second session, edited")'))
    site = build_site(cached, caplog)
    assert _report(site) == {
        ("docs/index.md", "main"): True,
        ("docs/index.md", "second"): False,
        ("docs/data.md", "main"): True,
    }
    assert "second session, edited" in site.html()


def test_dependency_edit_is_a_miss(cached: Path, caplog: pytest.LogCaptureFixture) -> None:
    (cached / "docs" / "numbers.txt").write_text("10 20 30\n")
    site = build_site(cached, caplog)
    assert _report(site)[("docs/data.md", "main")] is False
    assert "60" in site.html("data")


def test_missing_dependency_is_an_error(cached: Path, caplog: pytest.LogCaptureFixture) -> None:
    (cached / "docs" / "numbers.txt").unlink()
    site = build_site(cached, caplog)
    assert site.failed
    assert "docs/data.md:2: depends_on: 'numbers.txt' does not exist next to the page" in site.messages


def test_engine_change_is_a_miss(
    cached: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wmbook.execute import keys

    engine = keys.engine_fingerprint()
    monkeypatch.setattr(keys, "engine_fingerprint", lambda: engine + "-edited")
    site = build_site(cached, caplog)
    assert _report(site) == ALL_RUN


def test_damaged_entry_is_reported_and_rerun(cached: Path, caplog: pytest.LogCaptureFixture) -> None:
    entries = sorted((cached / ".cache" / "wmbook" / "sessions").glob("*/*"))
    assert len(entries) == 3
    entries[0].write_bytes(entries[0].read_bytes()[:-10])  # truncated
    site = build_site(cached, caplog)
    assert sorted(_report(site).values()) == [False, True, True]
    damaged = [r for r in caplog.records if "is damaged" in r.getMessage()]
    assert len(damaged) == 1
    assert set(_report(build_site(cached, caplog)).values()) == {True}


def test_failed_session_is_not_cached(cached: Path, caplog: pytest.LogCaptureFixture) -> None:
    page = cached / "docs" / "index.md"
    page.write_text(page.read_text().replace('print("second session")', "raise RuntimeError('boom')"))
    assert build_site(cached, caplog).failed
    again = build_site(cached, caplog)
    assert again.failed
    assert _report(again)[("docs/index.md", "second")] is False


def test_cache_only_fails_clearly_on_a_miss(
    cached: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = cached / "docs" / "index.md"
    page.write_text(page.read_text().replace('print("second session")', 'print("changed")'))
    monkeypatch.setenv("WMBOOK_CACHE", "cache-only")
    site = build_site(cached, caplog)
    assert site.failed
    assert (
        "docs/index.md:15: session 'second' is not in the cache and the cache mode is cache-only"
        in site.messages
    )
    assert "docs/index.md:5:" not in site.messages.split("found")[1]  # the cached session is fine


def test_force_runs_everything(
    cached: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WMBOOK_CACHE", "force")
    assert _report(build_site(cached, caplog)) == ALL_RUN


def test_fresh_state_in_every_session(cached: Path, caplog: pytest.LogCaptureFixture) -> None:
    # Global RNGs start from seed 0 in every session, whatever ran before in the same worker.
    html = build_site(cached, caplog).html()
    assert "main True True" in html


def test_sessions_sharing_a_worker_are_isolated(
    fixture_site: Callable[[str], Path], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = fixture_site("cache")
    blocks = []
    for n in range(4):
        blocks.append(
            f"""```python session="s{n}"
import os, random
import numpy as np
import matplotlib.pyplot as plt
written = sorted(f for f in os.listdir(".") if f.startswith("file_"))  # the page's own files are listed too
print("s{n}", sorted(k for k in globals() if k.startswith("leak")), written, len(plt.get_fignums()),
      round(np.random.rand(), 6), round(random.random(), 6))
leak_{n} = 1
open("file_{n}.txt", "w").write("x")
np.random.rand(5); random.random()
plt.figure()
plt.close("all")
```
"""
        )
    (root / "docs" / "index.md").write_text("# Isolation\n\n" + "\n".join(blocks))
    monkeypatch.setenv("WMBOOK_WORKERS", "1")
    html = build_site(root, caplog).html()
    lines = [line for line in html.split("\n") if line.startswith("s") and "[]" in line]
    for n in range(4):
        assert f"s{n} [] [] 0 0.548814 0.844422" in html, lines


def test_serve_path_second_rebuild_from_cache(cached: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Two rebuilds in one process (as ``serve`` does): the second runs nothing, same workers."""
    from wmbook.execute import pool
    from wmbook.execute.runner import SessionPool

    page = cached / "docs" / "index.md"
    page.write_text(page.read_text().replace('print("second session")', 'print("edited while serving")'))
    first = build_site(cached, caplog)
    runner = pool.current_runner()
    assert isinstance(runner, SessionPool)
    process = runner.server._process
    second = build_site(cached, caplog, dirty=False)
    assert not first.failed and not second.failed
    assert set(_report(second).values()) == {True}
    assert pool.current_runner() is runner and runner.server._process is process


def test_partial_builds_keep_other_entries(cached: Path, caplog: pytest.LogCaptureFixture) -> None:
    # A build that sees only some pages (as --dirty or a narrowed nav may) evicts nothing.
    (cached / "docs" / "data.md").rename(cached / "data.md.off")
    build_site(cached, caplog)
    (cached / "data.md.off").rename(cached / "docs" / "data.md")
    assert set(_report(build_site(cached, caplog)).values()) == {True}


@pytest.mark.slow  # two builds in processes of their own
def test_two_builds_at_once_leave_a_sound_cache(cached: Path, caplog: pytest.LogCaptureFixture) -> None:
    page = cached / "docs" / "index.md"
    page.write_text(page.read_text().replace('print("second session")', 'print("raced")'))
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(cached / "mkdocs.yml")]
    runs = [
        subprocess.Popen([*command, "-d", str(cached / f"site{n}")], env=env, stderr=subprocess.PIPE)
        for n in range(2)
    ]
    for run in runs:
        # No deadline of its own: on a busy machine two builds take what they take (the
        # suite's per-test timeout still ends a hung one).
        _, err = run.communicate()
        assert run.returncode == 0, err.decode()
    site = build_site(cached, caplog)
    assert set(_report(site).values()) == {True}
    assert "is damaged" not in caplog.text


def _install_unrelated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A distribution that no session imports appears on the path (as a pip install would)."""
    site = tmp_path / "more-site-packages"
    info = site / "unrelatedpkg-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: unrelatedpkg\nVersion: 1.0\n")
    (site / "unrelatedpkg.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(site))


def test_unrelated_install_keeps_every_entry(
    cached: Path, caplog: pytest.LogCaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install_unrelated(tmp_path, monkeypatch)
    assert set(_report(build_site(cached, caplog)).values()) == {True}


def test_whole_environment_key_reruns_after_any_install(
    fixture_site: Callable[[str], Path],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = fixture_site("cache")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace("timeout: 20", "timeout: 20\n      cache_key: environment"))
    assert _report(build_site(root, caplog)) == ALL_RUN
    assert set(_report(build_site(root, caplog)).values()) == {True}
    _install_unrelated(tmp_path, monkeypatch)
    assert _report(build_site(root, caplog)) == ALL_RUN


def test_entry_records_the_distributions_a_session_imported(cached: Path) -> None:
    entries = sorted((cached / ".cache" / "wmbook" / "sessions").glob("*/*"))
    records = [json.loads(e.read_bytes().partition(b"\n")[2])["imports"] for e in entries]
    numpy_version = __import__("importlib.metadata").metadata.version("numpy")
    assert {"numpy": [["dist", "numpy", numpy_version]]} in records  # the main session of index.md
    assert records.count({}) == 2  # the session that only prints, and the one that reads a file


def test_changed_version_of_an_imported_distribution_is_a_miss(
    cached: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wmbook.execute import keys

    real = keys._version

    def upgraded(name: str) -> str | None:
        return "999.0" if name == "numpy" else real(name)

    monkeypatch.setattr(keys, "_version", upgraded)
    report = _report(build_site(cached, caplog))
    assert report == {**{k: True for k in ALL_RUN}, ("docs/index.md", "main"): False}
