"""Bundles of the shared cache: the entries a build reads together, in a few objects.

A fresh clone asks the shared cache for every session of the book at once; read entry by
entry, that is one request per session.  So a build that may publish also writes, at its
end, the entries of each batch it asked for as *bundles*: objects at
``bundles/<namespace>/<digest>``, each holding about ``PART`` of the batch's keys or fewer
(chosen by their first digits), named by the digest of the keys it holds.  Any build asking
for the same keys, a clone of the same commit, finds the names without asking the store; one
that asks for a few other keys finds every bundle but those holding them.

A bundle is a shortcut, never an authority.  Each entry in it is exactly the sealed (and
signed) entry stored at its own address, and is checked as that one would be: checksum,
and signature for its own address.  An entry missing from a bundle, damaged, or not signed
by the owner is read at its own address instead; a bundle that does not decode is
ignored whole; keys a bundle holds that its part should not are never looked at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import msgspec

from wmbook.store import digest, entry_name, open_entry

PART = 100  # entries per object at most, on average: a 2,000-session book is read with 32 requests
_HEADER = b"WMBOOK-BUNDLE-1\n"
_decoder = msgspec.msgpack.Decoder(dict[str, bytes])


def bundle_parts(namespace: str, batch: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The bundles of a batch of keys: each one's place in a store (``bundles/…``) and the
    keys it holds.  None for a batch of fewer than two keys: the entry is its own bundle."""
    keys = sorted(set(batch))
    for key in keys:
        entry_name(namespace, key)  # a key that names no entry (it is hex) names no bundle
    if len(keys) < 2:
        return {}
    # Keys are spread over parts by their first digits (a digest's, so evenly), and a part is
    # named by the keys it holds: a change to one session renames only the part holding it,
    # and the builds of other commits share the rest.  Parts come in powers of two, so that
    # a growing book keeps its parts until it doubles.
    count = 1
    while count * PART < len(keys):
        count *= 2
    parts: list[list[str]] = [[] for _ in range(count)]
    for key in keys:
        parts[int(key[:8], 16) * count >> 32].append(key)
    return {f"bundles/{namespace}/{digest(namespace, *held)}": tuple(held) for held in parts if held}


def pack_bundle(entries: Mapping[str, bytes]) -> bytes:
    """One object holding ``entries`` (key to sealed entry, as stored at its address)."""
    return _HEADER + msgspec.msgpack.encode(dict(entries))


def unpack_bundle(data: bytes) -> dict[str, bytes] | None:
    """The sealed entries in a bundle, by key; None when it is not one (damaged, or
    anything else in its place).  Nothing in it is trusted yet: each entry is checked
    for its own address by the reader."""
    if not data.startswith(_HEADER):
        return None
    try:
        return _decoder.decode(memoryview(data)[len(_HEADER) :])
    except msgspec.DecodeError:  # ValidationError is one too: a map of something else
        return None


class Checked(msgspec.Struct, frozen=True):
    """What a bundle gave: the payloads of the keys it should hold that check out, and
    how many entries it held for the others that did not (damaged, unsigned, forged)."""

    payloads: dict[str, bytes]
    bad: int
    forged: int  # of the bad: with a signature that does not verify (someone tried)


def checked_entries(
    namespace: str,
    held: Iterable[str],
    entries: Mapping[str, bytes],
    verifies: Callable[[str, bytes, bytes], bool],
) -> Checked:
    """The entries of a bundle (``unpack_bundle``) for the keys ``held`` (those its name
    says it holds), each checked as at its own address: its checksum, then ``verifies``
    (address, payload, signature).  One bad entry costs only itself."""
    payloads: dict[str, bytes] = {}
    bad = forged = 0
    for key in held:
        sealed = entries.get(key)
        if sealed is None:
            continue
        opened = open_entry(sealed)
        if opened is not None and verifies(entry_name(namespace, key), *opened):
            payloads[key] = opened[0]
        else:
            bad += 1
            forged += bool(opened and opened[1])
    return Checked(payloads, bad, forged)
