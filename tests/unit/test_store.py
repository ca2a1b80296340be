"""The store: atomic writes, checksummed entries, damaged entries dropped, pruning."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from wmbook.store import NAMESPACES, Store, atomic_write, digest

KEY = "ab" + "0" * 62
OTHER = "cd" + "1" * 62


def _age(path: Path, days: float) -> None:
    """Make ``path`` look last used ``days`` ago."""
    when = time.time() - days * 86400
    os.utime(path, (when, when))


# -- atomic_write --


def test_atomic_write_creates_folders_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "file.txt"
    atomic_write(target, b"first")
    atomic_write(target, b"second")
    assert target.read_bytes() == b"second"
    assert os.listdir(target.parent) == ["file.txt"]


@pytest.mark.parametrize("mode", [0o600, 0o644, 0o755])
def test_atomic_write_sets_the_mode(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "file"
    atomic_write(target, b"x", mode=mode)
    assert target.stat().st_mode & 0o7777 == mode


def test_atomic_write_passes_over_a_temporary_name_in_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = tmp_path / (".tmp-" + "00" * 6)
    taken.write_bytes(b"another writer's")
    real = os.urandom
    names = iter([b"\0" * 6, b"\0" * 6])
    monkeypatch.setattr(os, "urandom", lambda n: next(names, None) or real(n))
    atomic_write(tmp_path / "file", b"mine")
    assert (tmp_path / "file").read_bytes() == b"mine"
    assert taken.read_bytes() == b"another writer's"
    assert sorted(os.listdir(tmp_path)) == [taken.name, "file"]


def test_a_failed_write_keeps_the_old_content(tmp_path: Path) -> None:
    target = tmp_path / "file"
    atomic_write(target, b"old")
    with pytest.raises(TypeError):
        atomic_write(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["file"]


# -- digest --


@pytest.mark.parametrize(
    ("one", "two"),
    [
        (("ab", "c"), ("a", "bc")),
        (("a", ""), ("a",)),
        (("", "a"), ("a", "")),
        (("1:a",), ("1", "a")),
        (("x",), ("y",)),
    ],
)
def test_digest_separates_its_parts(one: tuple[str, ...], two: tuple[str, ...]) -> None:
    assert digest(*one) != digest(*two)


def test_digest_is_stable_and_reads_text_as_utf8() -> None:
    assert digest("é", "b") == digest("é".encode(), b"b") == digest("é", "b")
    assert len(digest()) == 64 and all(c in "0123456789abcdef" for c in digest("x"))


# -- entries --


@pytest.mark.parametrize(
    ("namespace", "key"),
    [
        ("other", KEY),
        ("sessions", "short"),
        ("sessions", "AB" + "0" * 62),
        ("sessions", "../" + KEY),
        ("sessions", KEY + "/x"),
        ("sessions", ""),
    ],
)
def test_bad_addresses_are_refused(tmp_path: Path, namespace: str, key: str) -> None:
    with pytest.raises(ValueError, match="bad store address"):
        Store(tmp_path).path(namespace, key)


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_round_trip(tmp_path: Path, namespace: str) -> None:
    store = Store(tmp_path)
    assert store.read(namespace, KEY) is None
    store.write(namespace, KEY, b'{"a": 1}\nsecond line')
    assert store.path(namespace, KEY) == tmp_path / namespace / "ab" / KEY
    assert store.read(namespace, KEY) == b'{"a": 1}\nsecond line'
    assert store.read(namespace, OTHER) is None
    store.write(namespace, KEY, b"")
    assert store.read(namespace, KEY) == b""


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[:-1], id="truncated"),
        pytest.param(lambda data: data.replace(b"payload", b"paylaod"), id="changed-payload"),
        pytest.param(lambda data: b"", id="empty"),
        pytest.param(lambda data: data.split(b"\n", 1)[1], id="no-header"),
        pytest.param(lambda data: data.replace(b"WMBOOK-STORE-1", b"WMBOOK-STORE-0"), id="other-format"),
    ],
)
def test_a_damaged_entry_is_missing_and_removed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: Callable[[bytes], bytes]
) -> None:
    store = Store(tmp_path)
    store.write("sessions", KEY, b"the payload")
    path = store.path("sessions", KEY)
    path.write_bytes(damage(path.read_bytes()))
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.wmbook"):
        assert store.read("sessions", KEY, "docs/p.md (session main)") is None
    assert not path.exists()
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (
            logging.INFO,
            "wmbook: the stored sessions entry docs/p.md (session main) is damaged; it is made again",
        )
    ]
    store.write("sessions", KEY, b"the payload")
    assert store.read("sessions", KEY) == b"the payload"


def test_reading_an_entry_marks_it_used(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write("math", KEY, b"x")
    path = store.path("math", KEY)
    _age(path, 10)
    store.read("math", KEY)
    assert time.time() - path.stat().st_mtime < 60


# -- prune --


def test_prune_removes_entries_unused_for_too_long(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write("sessions", KEY, b"old")
    store.write("instruments", OTHER, b"recent")
    _age(store.path("sessions", KEY), 31)
    _age(store.path("instruments", OTHER), 29)
    assert store.prune(max_age_days=30, max_bytes=10**9) == 1
    assert store.read("sessions", KEY) is None
    assert store.read("instruments", OTHER) == b"recent"


def test_prune_keeps_the_most_recently_used_within_the_size(tmp_path: Path) -> None:
    store = Store(tmp_path)
    keys = [f"{i:02x}" + "e" * 62 for i in range(4)]
    for age, key in enumerate(keys):
        store.write("math", key, b"x" * 100)
        _age(store.path("math", key), 4 - age)  # keys[3] is the most recently used
    size = store.path("math", keys[0]).stat().st_size
    assert store.prune(max_age_days=30, max_bytes=2 * size) == 2
    assert [store.read("math", key) is not None for key in keys] == [False, False, True, True]


def test_prune_removes_stale_temporary_files_and_the_old_math_file(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write("sessions", KEY, b"entry")
    folder = store.path("sessions", KEY).parent
    stale, fresh = folder / ".tmp-stale", folder / ".tmp-fresh"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"being written")
    when = time.time() - 2 * 3600
    os.utime(stale, (when, when))
    (tmp_path / "katex.json").write_text("{}", encoding="utf-8")
    assert store.prune(max_age_days=30, max_bytes=10**9) == 1
    assert sorted(p.name for p in folder.iterdir()) == [".tmp-fresh", KEY]
    assert not (tmp_path / "katex.json").exists()


def test_prune_of_an_empty_store(tmp_path: Path) -> None:
    assert Store(tmp_path / "none").prune(max_age_days=1, max_bytes=0) == 0


def test_a_folder_in_place_of_an_entry_is_replaced(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = Store(tmp_path)
    path = store.path("sessions", KEY)
    path.mkdir(parents=True)
    (path / "stray").write_text("x")
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.wmbook"):
        assert store.read("sessions", KEY, "docs/p.md (session main)") is None
        store.write("sessions", KEY, b"the payload")
    assert store.read("sessions", KEY) == b"the payload"
    assert "docs/p.md (session main) is unreadable" in caplog.text


def test_a_store_that_cannot_be_written_is_reported_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "sessions").write_text("a file where the namespace folder should be")
    store = Store(tmp_path)
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.wmbook"):
        store.write("sessions", KEY, b"the payload", "docs/p.md (session main)")
    assert "could not store the sessions entry docs/p.md (session main)" in caplog.text
    assert store.read("sessions", KEY) is None


# -- what is in an entry's place, file modes, a folder that cannot be written --


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _link_to_dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _socket(path: Path) -> None:
    import socket
    import tempfile

    short = Path(tempfile.mkdtemp()) / "s"  # a socket's path has at most 107 bytes
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(short))
    short.rename(path)
    short.parent.rmdir()


@pytest.mark.timeout(20)
@pytest.mark.parametrize("make", [_fifo, _link_to_dev_zero, _socket], ids=["fifo", "dev-zero", "socket"])
def test_something_else_than_a_file_in_an_entrys_place_is_skipped(
    tmp_path: Path, make: Callable[[Path], None], caplog: pytest.LogCaptureFixture
) -> None:
    store = Store(tmp_path)
    path = store.path("sessions", KEY)
    path.parent.mkdir(parents=True)
    make(path)
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.wmbook"):
        assert store.read("sessions", KEY, "docs/p.md (session main)") is None  # a FIFO blocked here
    assert "docs/p.md (session main) is unreadable" in caplog.text
    store.write("sessions", KEY, b"the payload")
    assert store.read("sessions", KEY) == b"the payload"


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_written_files_honour_the_umask(tmp_path: Path, mask: int, mode: int) -> None:
    old = os.umask(mask)
    try:
        atomic_write(tmp_path / "page.ipynb", b"{}")
        Store(tmp_path / "store").write("sessions", KEY, b"x")
    finally:
        os.umask(old)
    assert (tmp_path / "page.ipynb").stat().st_mode & 0o7777 == mode
    assert Store(tmp_path / "store").path("sessions", KEY).stat().st_mode & 0o7777 == mode


def test_a_folder_that_cannot_be_written_is_reported_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    def full(*args: object, **kwargs: object) -> tuple[int, Path]:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("wmbook.store._temporary", full)
    store = Store(tmp_path)
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.wmbook"):
        store.write("sessions", KEY, b"one", "docs/a.md (session main)")
        store.write("sessions", OTHER, b"two", "docs/b.md (session main)")
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1, messages
    assert "cannot be written (No space left on device); this build goes on" in messages[0]
