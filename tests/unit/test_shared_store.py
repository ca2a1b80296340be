"""The store's shared layer, on a folder URL: read through, copied locally, written to both,
checksums verified, damage repaired, read-only and unreachable stores as modes."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from layered_store import layered_store
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
            # The reply thread sees the end and says so, in its own time: wait for it to end.
            helper.replies.join(timeout=60)
            assert not helper.replies.is_alive()
        assert caplog.text.count("cannot be reached (its helper process ended)") == 1
    finally:
        helper.close()


class MakesFolder:
    """A pickle that, once unpickled, makes a folder: proof that it was run."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os

        return (os.mkdir, (str(self.path),))


@pytest.mark.parametrize("first", [True, False], ids=["as-the-first-message", "after-the-key"])
def test_a_pickle_sent_to_the_helper_is_refused_and_not_run(tmp_path: Path, first: bool) -> None:
    """The helper's channel carries typed frames only: a pickled payload in a well-formed
    frame is refused unread, the helper ends, and what the pickle would run never runs."""
    import os
    import pickle
    import socket
    import struct
    import subprocess
    import sys

    from wmbook.execute.channel import (
        Channel,
        ChannelClosed,
        FromHelper,
        LogLine,
        StoreKeys,
        ToHelper,
        Verdict,
    )

    (tmp_path / "shared").mkdir()
    marker = tmp_path / "unpickled"
    ours, theirs = socket.socketpair()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    helper = subprocess.Popen(
        [sys.executable, "-m", "wmbook.shared_process", str(tmp_path / "shared"), str(theirs.fileno())],
        pass_fds=(theirs.fileno(),),
        env=env,
    )
    theirs.close()
    channel = Channel(ours)
    try:
        if not first:
            channel.send(ToHelper(StoreKeys("", "")))
        payload = pickle.dumps(("key", 0, MakesFolder(marker)))
        ours.sendall(struct.pack(">I", len(payload)) + payload)
        received: list[object] = []
        while True:
            try:
                received.append(channel.recv(FromHelper, timeout=60).message)
            except ChannelClosed:
                break
        assert helper.wait(timeout=60) == 0
    finally:
        channel.close()
        if helper.poll() is None:
            helper.kill()
            helper.wait()
    assert not marker.exists()
    logged = [m.text for m in received if isinstance(m, LogLine)]
    refused = [
        text for text in logged if "the shared cache's helper was sent a message that is not a valid" in text
    ]
    assert len(refused) == 1, logged
    # The helper judges its URL before it reads anything: the verdict comes either way.
    assert [m for m in received if isinstance(m, Verdict)] == [Verdict("")]


def test_the_helper_opens_its_store_before_it_is_sent_the_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The helper says whether its URL names a store, and opens it, before the build sends
    the keys (it starts before the build has read them); the signing key in the build's
    environment at that moment is not in the helper's."""
    from wmbook.shared_process import SharedStoreProcess
    from wmbook.signing import SIGNING_KEY_ENV

    (tmp_path / "shared").mkdir()
    monkeypatch.setenv(SIGNING_KEY_ENV, "not-for-the-helper")
    helper = SharedStoreProcess(str(tmp_path / "shared"))
    try:
        assert helper.problem() == ""  # answered with no message sent
        environ = Path(f"/proc/{helper._process.pid}/environ").read_bytes()
        assert b"not-for-the-helper" not in environ
        writer = Store(tmp_path / "writer", SharedStore(str(tmp_path / "shared")))
        writer.write("sessions", KEY, b"a")
        writer.flush()
        helper.start()
        assert helper.read("sessions", KEY) == b"a"
    finally:
        helper.close()


# -- signed entries --


@pytest.fixture
def key_pair() -> tuple[str, str]:
    from wmbook.keys import new_key_pair

    return new_key_pair()


def test_a_signed_entry_is_read_by_a_verifying_store(tmp_path: Path, key_pair: tuple[str, str]) -> None:
    private, public = key_pair
    ci = layered_store(tmp_path, "ci", private, public)
    ci.write("sessions", KEY, b"result")
    ci.flush()
    assert (tmp_path / "shared" / "sessions" / KEY[:2] / KEY).read_bytes().split(b"\n")[0].count(b" ") == 2
    reader = layered_store(tmp_path, "reader", public=public)
    assert reader.read("sessions", KEY) == b"result"


@pytest.mark.parametrize("forgery", ["unsigned", "tampered", "other key", "moved"])
def test_an_entry_not_signed_by_the_owner_for_its_place_is_ignored(
    tmp_path: Path, key_pair: tuple[str, str], forgery: str, caplog: pytest.LogCaptureFixture
) -> None:
    from wmbook.keys import new_key_pair
    from wmbook.store import open_entry

    private, public = key_pair
    shared = tmp_path / "shared"
    signer = private if forgery != "other key" else new_key_pair()[0]
    ci = layered_store(tmp_path, "ci", signer if forgery != "unsigned" else "")
    ci.write("sessions", OTHER if forgery == "moved" else KEY, b'{"output": "genuine"}')
    ci.flush()
    entry = shared / "sessions" / KEY[:2] / KEY
    if forgery == "moved":  # a signed entry copied to another address
        entry.parent.mkdir(parents=True, exist_ok=True)
        entry.write_bytes((shared / "sessions" / OTHER[:2] / OTHER).read_bytes())
    if forgery == "tampered":  # the payload changed, checksum made again, the signature kept
        opened = open_entry(entry.read_bytes())
        assert opened is not None and opened[1]
        entry.write_bytes(seal(b'{"output": "<script>x</script>"}', opened[1]))
    reader = layered_store(tmp_path, "reader", public=public)
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.wmbook"):
        assert reader.read("sessions", KEY) is None
        reader.flush()
    reports = [r for r in caplog.records if "were ignored and made again" in r.getMessage()]
    assert len(reports) == 1
    assert reports[0].levelno == (logging.INFO if forgery == "unsigned" else logging.WARNING)
    assert not reader.path("sessions", KEY).exists()  # nothing unverified reaches the local cache


def test_without_a_public_key_entries_are_used_as_before(tmp_path: Path, key_pair: tuple[str, str]) -> None:
    ci = layered_store(tmp_path, "ci")
    ci.write("sessions", KEY, b"result")
    ci.flush()
    assert layered_store(tmp_path, "reader").read("sessions", KEY) == b"result"


def test_a_verifying_build_without_the_signing_key_publishes_nothing(
    tmp_path: Path, key_pair: tuple[str, str]
) -> None:
    contributor = layered_store(tmp_path, "contributor", public=key_pair[1])
    contributor.write("sessions", KEY, b"result")
    contributor.flush()
    assert not (tmp_path / "shared").exists()
    assert contributor.read("sessions", KEY) == b"result"  # kept locally all the same


@pytest.mark.timeout(20)
def test_a_fifo_in_a_shared_folder_is_skipped(tmp_path: Path) -> None:
    import os

    store = Store(tmp_path / "local", SharedStore(str(tmp_path / "shared")))
    place = tmp_path / "shared" / "sessions" / KEY[:2] / KEY
    place.parent.mkdir(parents=True)
    os.mkfifo(place)
    assert store.read("sessions", KEY) is None


def test_a_helper_started_early_is_taken_by_a_build_of_its_url_only(tmp_path: Path) -> None:
    """``start_early`` starts one helper for an object store's URL (not for a path, which
    the settings resolve against mkdocs.yml); the build takes it for that URL, and ends it
    when its settings chose another."""
    from wmbook import shared_process

    (tmp_path / "shared").mkdir()
    url = f"file://{tmp_path / 'shared'}"
    shared_process.start_early("relative/shared")
    assert shared_process.take_early("relative/shared") is None
    shared_process.start_early(f" {url} ")
    shared_process.start_early(url)  # one at most
    early = shared_process.take_early(url)
    assert early is not None
    try:
        assert shared_process.take_early(url) is None  # taken once
        early.start()
        assert early.problem() == ""
    finally:
        early.close()
    shared_process.start_early(url)
    other = shared_process._early[0]
    assert shared_process.take_early(f"file://{tmp_path / 'other'}") is None
    assert other._process.wait(timeout=60) is not None  # ended, not left running
    assert shared_process._early == []


def test_an_early_helper_for_an_unknown_scheme_says_so_once_taken() -> None:
    from wmbook import shared_process

    shared_process.start_early("s4://book-cache/x")
    early = shared_process.take_early("s4://book-cache/x")
    assert early is not None
    try:
        early.start()  # the helper may have ended already: the keys are then dropped
        assert early.problem() == "Protocol not known: s4"
    finally:
        early.close()
