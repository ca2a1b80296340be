"""Bundles of the shared cache: named by their batch, read in one request, each entry in
them checked as at its own address; a hostile or partial bundle costs only its bad entries."""

from __future__ import annotations

import hashlib
import itertools
import logging
from pathlib import Path
from typing import Any

import pytest

from layered_store import layered_store
from wmbook.shared_bundle import PART, bundle_parts, checked_entries, pack_bundle, unpack_bundle
from wmbook.shared_store import SharedStore
from wmbook.store import Store, open_entry, seal

KEYS = [f"{n:02x}" + "0" * 62 for n in range(6)]


def _key(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()  # session keys are digests: spread evenly


# -- names and format --


def test_a_batch_names_its_bundles_whatever_its_order() -> None:
    parts = bundle_parts("sessions", KEYS)
    assert parts == bundle_parts("sessions", [*reversed(KEYS), KEYS[0]])
    [(name, held)] = parts.items()
    assert name.startswith("bundles/sessions/")
    assert held == tuple(sorted(KEYS))
    assert bundle_parts("sessions", KEYS[:-1]).keys() != parts.keys()  # another batch, another name
    assert bundle_parts("math", KEYS).keys() != parts.keys()


@pytest.mark.parametrize(("count", "most"), [(0, 0), (1, 0), (2, 1), (PART, 1), (PART + 1, 2), (5 * PART, 8)])
def test_a_batch_is_cut_into_a_few_parts_by_the_keys_first_digits(count: int, most: int) -> None:
    keys = [_key(n) for n in range(count)]
    parts = bundle_parts("sessions", keys)
    assert 0 < len(parts) <= most if most else not parts
    held = list(parts.values())
    assert sorted(key for part in held for key in part) == (sorted(keys) if most else [])
    assert all(a[-1] < b[0] for a, b in itertools.pairwise(held))  # ranges of keys, apart


def test_a_changed_session_renames_only_the_part_that_holds_it() -> None:
    keys = [_key(n) for n in range(3 * PART)]
    parts = bundle_parts("sessions", keys)
    edited = [*keys[1:], _key(-1)]  # one session's code changed: its key did
    again = bundle_parts("sessions", edited)
    assert len(parts) == len(again) == 4
    assert len(set(parts) - set(again)) in (1, 2)  # the old key's part, and the new key's


@pytest.mark.parametrize(("namespace", "key"), [("../etc", KEYS[0]), ("sessions", "zz" + "0" * 62)])
def test_a_bad_namespace_or_key_names_no_bundle(namespace: str, key: str) -> None:
    with pytest.raises(ValueError, match="bad store address"):
        bundle_parts(namespace, [key, KEYS[1]])


def test_a_bundle_round_trips_and_anything_else_is_no_bundle() -> None:
    entries = {KEYS[0]: seal(b"one"), KEYS[1]: seal(b"two")}
    assert unpack_bundle(pack_bundle(entries)) == entries
    packed = pack_bundle(entries)
    for other in (
        b"",
        seal(b"one"),
        packed[:-3],
        packed.replace(b"BUNDLE-1", b"BUNDLE-9"),
        packed[:16] + b"\x93",
    ):
        assert unpack_bundle(other) is None
    import msgspec

    header = packed[: packed.index(b"\n") + 1]
    assert unpack_bundle(header + msgspec.msgpack.encode({KEYS[0]: 3})) is None  # not a map of bytes
    assert unpack_bundle(header + msgspec.msgpack.encode([b"x"])) is None


def test_each_entry_is_checked_alone_and_a_bad_one_costs_only_itself() -> None:
    good = seal(b"good", b"sig")
    entries = {
        KEYS[0]: good,
        KEYS[1]: seal(b"forged", b"not-the-owner's"),
        KEYS[2]: good[:-1] + b"X",  # damaged: its checksum fails
        KEYS[3]: seal(b"unsigned"),
        KEYS[5]: good,  # a key the part does not hold: never looked at
    }

    def verifies(name: str, payload: bytes, signature: bytes) -> bool:
        return signature == b"sig" and name.endswith(KEYS[0])  # signed for KEYS[0]'s address only

    checked = checked_entries("sessions", KEYS[:5], entries, verifies)
    assert checked.payloads == {KEYS[0]: b"good"}
    assert (checked.bad, checked.forged) == (3, 1)  # KEYS[4] is missing: not bad


# -- read and published by the shared layer (a folder) --


class CountedReads:
    """The paths a store's file system is asked for, batch by batch."""

    def __init__(self, store: SharedStore) -> None:
        self.batches: list[list[str]] = []
        real = store.fs.cat

        def cat(paths: list[str], **kwargs: Any) -> Any:
            self.batches.append([str(p).rsplit("/", 3)[-3] for p in paths])
            return real(paths, **kwargs)

        store.fs.cat = cat


def _published(tmp_path: Path, signing: str = "", public: str = "", made: list[str] = KEYS) -> Path:
    """A shared folder that a build which asked for ``KEYS`` together filled (it made
    the entries of ``made``)."""
    store = layered_store(tmp_path, "ci", signing, public)
    store.bundle("sessions", KEYS)
    for key in made:
        store.write("sessions", key, f"result {key[:2]}".encode())
    store.flush()
    return tmp_path / "shared"


def _shared(store: Store) -> SharedStore:
    assert isinstance(store.shared, SharedStore)
    return store.shared


def _bundle(shared: Path) -> Path:
    [bundle] = (shared / "bundles" / "sessions").iterdir()
    return bundle


def test_a_fresh_build_reads_its_batch_with_one_request(tmp_path: Path) -> None:
    shared = _published(tmp_path)
    assert set(unpack_bundle(_bundle(shared).read_bytes()) or {}) == set(KEYS)
    clone = layered_store(tmp_path, "clone")
    reads = CountedReads(_shared(clone))
    clone.bundle("sessions", KEYS)
    found = clone.read_many("sessions", KEYS, batch=KEYS)
    assert found == {key: f"result {key[:2]}".encode() for key in KEYS}
    assert reads.batches == [["bundles"]]
    assert clone.path("sessions", KEYS[0]).read_bytes() == seal(b"result 00")  # kept locally
    before = _bundle(shared).stat().st_ino  # a folder's entries are written anew, then renamed
    clone.flush()
    assert _bundle(shared).stat().st_ino == before  # read whole: not written again


def test_keys_a_bundle_lacks_are_read_at_their_own_address(tmp_path: Path) -> None:
    shared = _published(tmp_path, made=KEYS[:4])  # two sessions failed: a partial bundle
    (shared / "sessions" / KEYS[4][:2]).mkdir(parents=True)
    (shared / "sessions" / KEYS[4][:2] / KEYS[4]).write_bytes(seal(b"published later"))
    clone = layered_store(tmp_path, "clone")
    reads = CountedReads(_shared(clone))
    found = clone.read_many("sessions", KEYS, batch=KEYS)
    assert found == {**{key: f"result {key[:2]}".encode() for key in KEYS[:4]}, KEYS[4]: b"published later"}
    assert reads.batches == [["bundles"], ["sessions", "sessions"]]
    other = layered_store(tmp_path, "other")  # a batch no build published: each entry at its address
    reads = CountedReads(_shared(other))
    assert len(other.read_many("sessions", KEYS[1:], batch=KEYS[1:])) == 4
    assert reads.batches == [["bundles"], ["sessions"] * 5]


@pytest.fixture
def key_pair() -> tuple[str, str]:
    from wmbook.keys import new_key_pair

    return new_key_pair()


def test_a_hostile_bundle_poisons_nothing(
    tmp_path: Path, key_pair: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    """Whoever may write the store rewrites the bundle: a forged payload under its real
    signature, an entry moved from another address, one unsigned, one damaged, one left
    out, and one for a key the part does not hold.  The reader takes what verifies and
    reads the others at their own (genuine) addresses."""
    from wmbook.keys import new_key_pair
    from wmbook.signing import private_key, sign_entry

    private, public = key_pair
    shared = _published(tmp_path, private, public)
    bundle = _bundle(shared)
    entries = unpack_bundle(bundle.read_bytes())
    assert entries is not None
    opened = open_entry(entries[KEYS[0]])
    assert opened is not None and opened[1]
    entries[KEYS[0]] = seal(b"POISONED", opened[1])
    entries[KEYS[1]] = entries[KEYS[2]]  # signed, but for KEYS[2]'s address
    entries[KEYS[2]] = seal(b"POISONED")
    entries[KEYS[3]] = entries[KEYS[3]].replace(b"result", b"POISON")
    del entries[KEYS[4]]
    outsider = _key(99)
    stranger = private_key(new_key_pair()[0])
    entries[outsider] = seal(
        b"POISONED", sign_entry(stranger, f"sessions/{outsider[:2]}/{outsider}", b"POISONED")
    )
    bundle.write_bytes(pack_bundle(entries))
    reader = layered_store(tmp_path, "reader", public=public)
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.wmbook"):
        found = reader.read_many("sessions", [*KEYS, outsider], batch=KEYS)
        reader.flush()
    assert found == {key: f"result {key[:2]}".encode() for key in KEYS}
    assert not [p for p in (tmp_path / "reader").rglob("*") if p.is_file() and b"POISON" in p.read_bytes()]
    [report] = [r for r in caplog.records if "in bundles of the shared cache" in r.getMessage()]
    assert report.levelno == logging.WARNING
    assert report.getMessage().startswith("wmbook: 4 entries in bundles")
    assert "(2 with a signature that does not verify)" in report.getMessage()
    assert not [r for r in caplog.records if "ignored and made again" in r.getMessage()]


def test_a_bundle_that_is_not_one_is_read_entry_by_entry(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shared = _published(tmp_path)
    _bundle(shared).write_bytes(b"\x00" * 64)
    reader = layered_store(tmp_path, "reader")
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.wmbook"):
        assert len(reader.read_many("sessions", KEYS, batch=KEYS)) == len(KEYS)
    assert any(
        "is damaged; its entries are read at their own addresses" in r.getMessage() for r in caplog.records
    )
    reader.bundle("sessions", KEYS)
    reader.flush()  # this build may write: the bundle is made again, whole
    assert set(unpack_bundle(_bundle(shared).read_bytes()) or {}) == set(KEYS)


def test_a_build_that_took_everything_from_its_own_cache_leaves_the_shared_one_alone(tmp_path: Path) -> None:
    shared = _published(tmp_path)
    _bundle(shared).unlink()
    warm = layered_store(tmp_path, "ci")  # CI's own cache holds every entry: nothing is read or made
    reads = CountedReads(_shared(warm))
    warm.bundle("sessions", KEYS)
    warm.flush()
    assert not list((shared / "bundles" / "sessions").iterdir()) and reads.batches == []


def test_a_build_that_made_one_entry_publishes_its_part_and_any_part_missing(tmp_path: Path) -> None:
    keys = [_key(n) for n in range(250)]
    ci = layered_store(tmp_path, "ci")
    ci.bundle("sessions", keys)
    for key in keys:
        ci.write("sessions", key, b"first")
    ci.flush()
    parts = bundle_parts("sessions", keys)
    places = {name: shared for name in parts if (shared := tmp_path / "shared" / name).exists()}
    assert len(places) == len(parts) == 4
    made, missing, kept = list(places)[:3]
    places[missing].unlink()
    inode = places[kept].stat().st_ino
    warm = layered_store(tmp_path, "ci")
    warm.bundle("sessions", keys)
    warm.write("sessions", parts[made][0], b"made again")  # one session ran again
    warm.flush()
    assert (unpack_bundle(places[made].read_bytes()) or {})[parts[made][0]] == seal(b"made again")
    assert set(unpack_bundle(places[missing].read_bytes()) or {}) == set(parts[missing])
    assert places[kept].stat().st_ino == inode


def test_an_entry_made_again_replaces_its_bundle(tmp_path: Path) -> None:
    """A session run again (a stale entry) is written under the same key: the bundle that
    held the old entry is written again, or every clone would run it again too."""
    shared = _published(tmp_path)
    again = layered_store(tmp_path, "ci")
    again.bundle("sessions", KEYS)
    assert len(again.read_many("sessions", KEYS, local=False, batch=KEYS)) == len(KEYS)
    again.write("sessions", KEYS[2], b"made again")
    again.flush()
    entries = unpack_bundle(_bundle(shared).read_bytes()) or {}
    assert open_entry(entries[KEYS[2]]) == (b"made again", b"")
    assert len(entries) == len(KEYS)


def test_a_signing_build_bundles_only_entries_it_made_or_read_signed(
    tmp_path: Path, key_pair: tuple[str, str]
) -> None:
    """An entry found only in the signing build's local cache (restored from elsewhere,
    say) is not signed into a bundle; entries it read from the shared cache signed by the
    owner are."""
    private, public = key_pair
    Store(tmp_path / "ci").write("sessions", KEYS[5], b"POISONED")  # planted in the local cache
    ci = layered_store(tmp_path, "ci", private, public)
    ci.bundle("sessions", KEYS)
    for key in KEYS[:5]:
        ci.write("sessions", key, f"result {key[:2]}".encode())
    ci.flush()
    shared = tmp_path / "shared"
    assert set(unpack_bundle(_bundle(shared).read_bytes()) or {}) == set(KEYS[:5])
    assert not [p for p in shared.rglob("*") if p.is_file() and b"POISONED" in p.read_bytes()]
    reader = layered_store(tmp_path, "reader", public=public)
    assert reader.read_many("sessions", KEYS, batch=KEYS) == {
        key: f"result {key[:2]}".encode() for key in KEYS[:5]
    }
    later = layered_store(tmp_path, "later", private, public)  # a fresh runner: nothing local
    later.bundle("sessions", KEYS)
    assert len(later.read_many("sessions", KEYS, local=False, batch=KEYS)) == 5
    later.write("sessions", KEYS[5], b"made here")
    later.flush()
    entries = unpack_bundle(_bundle(shared).read_bytes()) or {}
    assert set(entries) == set(KEYS)
    assert (open_entry(entries[KEYS[5]]) or (b"",))[0] == b"made here"
