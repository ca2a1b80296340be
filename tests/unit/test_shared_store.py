"""The store's shared layer, on a folder URL: read through, copied locally, written to both,
checksums verified, damage repaired, read-only and unreachable stores as modes."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from wmbook.shared_store import SharedStore, SharedStoreError
from wmbook.store import Store, seal, unseal

KEY = "ab" + "0" * 62
OTHER = "cd" + "1" * 62


@pytest.fixture
def layers(tmp_path: Path) -> tuple[Store, Path]:
    """A store whose shared layer is the folder ``shared``."""
    return Store(tmp_path / "local", SharedStore(str(tmp_path / "shared"))), tmp_path / "shared"


@pytest.mark.parametrize("payload", [b"", b"{}", b"line\nline\n", bytes(range(256))])
def test_seal_and_unseal_round_trip(payload: bytes) -> None:
    assert unseal(seal(payload)) == payload
    assert unseal(seal(payload) + b"x") is None


def test_a_write_reaches_both_layers_atomically(layers: tuple[Store, Path]) -> None:
    store, shared = layers
    store.write("sessions", KEY, b"result")
    store.flush()
    published = shared / "sessions" / KEY[:2] / KEY
    assert published.read_bytes() == store.path("sessions", KEY).read_bytes() == seal(b"result")
    assert [p.name for p in published.parent.iterdir()] == [KEY]  # no temporary file left


def test_a_shared_entry_is_read_and_kept_locally(layers: tuple[Store, Path], tmp_path: Path) -> None:
    store, shared = layers
    store.write("math", KEY, b"rendered")
    store.flush()
    fresh = Store(tmp_path / "clone", SharedStore(str(shared)))
    assert fresh.read("math", KEY, local=True, shared=False) is None
    assert fresh.read("math", KEY) == b"rendered"
    assert fresh.path("math", KEY).read_bytes() == seal(b"rendered")


def test_read_many_asks_the_shared_layer_only_for_local_misses(
    layers: tuple[Store, Path], tmp_path: Path
) -> None:
    store, shared = layers
    store.write("math", KEY, b"one")
    store.flush()
    fresh = Store(tmp_path / "clone", SharedStore(str(shared)))
    fresh.write("math", OTHER, b"two")  # local only after this: written to both, in fact
    assert fresh.read_many("math", [KEY, OTHER, "ef" + "2" * 62]) == {KEY: b"one", OTHER: b"two"}


def test_a_damaged_shared_entry_is_reported_and_removed(
    layers: tuple[Store, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store, shared = layers
    store.write("sessions", KEY, b"good")
    store.flush()
    published = shared / "sessions" / KEY[:2] / KEY
    published.write_bytes(published.read_bytes().replace(b"good", b"evil"))
    fresh = Store(tmp_path / "clone", SharedStore(str(shared)))
    with caplog.at_level(logging.INFO):
        assert fresh.read("sessions", KEY, "docs/x.md (session main)") is None
    assert "docs/x.md (session main)" in caplog.text and "is damaged" in caplog.text
    assert not published.exists()
    assert not fresh.path("sessions", KEY).exists()  # nothing damaged is copied locally


def test_an_http_store_is_read_only(tmp_path: Path) -> None:
    shared = SharedStore("https://example.invalid/cache")
    assert not shared.writable and not shared.is_folder
    shared.write("sessions", KEY, seal(b"x"))  # not attempted: no request, no error
    shared.flush()


def test_an_unreachable_store_is_reported_once_then_left_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with socket_port() as port:
        shared = SharedStore(f"http://127.0.0.1:{port}/cache")
    with caplog.at_level(logging.INFO):
        assert shared.read("sessions", KEY) is None
        assert shared.read("sessions", OTHER) is None
    assert caplog.text.count("cannot be reached") == 1
    assert not shared.reachable


def test_a_refused_write_makes_the_layer_read_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = SharedStore(str(tmp_path / "shared"))
    store = Store(tmp_path / "local", shared)
    calls: list[str] = []

    def refuse(path: str, value: bytes) -> None:  # what credentials that may only read get
        calls.append(path)
        raise PermissionError("Access Denied")

    monkeypatch.setattr(shared.fs, "pipe_file", refuse)
    with caplog.at_level(logging.INFO):
        store.write("sessions", KEY, b"a")
        store.flush()
        store.write("sessions", OTHER, b"b")
        store.flush()
    assert caplog.text.count("may only be read") == 1 and len(calls) == 1
    assert not shared.writable
    assert store.path("sessions", OTHER).read_bytes() == seal(b"b")  # kept locally


def test_an_unknown_scheme_is_a_clear_error() -> None:
    with pytest.raises(SharedStoreError, match="nosuchscheme"):
        SharedStore("nosuchscheme://bucket/prefix")


class socket_port:
    """A port that nothing listens on, for as long as the ``with`` lasts and after."""

    def __enter__(self) -> int:
        import socket

        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        return int(self._sock.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        self._sock.close()


def test_a_failed_publish_is_reported_at_its_session_and_the_entry_stays_local(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = SharedStore(str(tmp_path / "shared"))
    store = Store(tmp_path / "local", shared)

    def full(path: str, value: bytes) -> None:  # a quota, a network error: not a refusal
        raise OSError("No space left on device")

    monkeypatch.setattr(shared.fs, "pipe_file", full)
    with caplog.at_level(logging.INFO):
        store.write("sessions", KEY, b"a", "docs/x.md:12 (session main)")
        store.flush()
    assert (
        f"could not publish docs/x.md:12 (session main) to the shared cache at {shared.url} "
        "(No space left on device)" in caplog.text
    )
    assert shared.writable  # the next entry is tried again
    assert store.path("sessions", KEY).read_bytes() == seal(b"a")


def test_a_helper_that_ends_mid_build_leaves_the_local_cache_and_says_so_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from wmbook.shared_process import SharedStoreProcess

    (tmp_path / "shared").mkdir()
    helper = SharedStoreProcess(str(tmp_path / "shared"))
    try:
        assert helper.problem() == ""
        with caplog.at_level(logging.INFO):
            helper._process.kill()
            helper._process.wait()
            assert helper.read_many("sessions", [KEY]) == {}
            assert helper.read("sessions", OTHER) is None
            helper.write("sessions", KEY, seal(b"a"))  # dropped, not raised
        assert caplog.text.count("cannot be reached (its helper process ended)") == 1
    finally:
        helper.close()
